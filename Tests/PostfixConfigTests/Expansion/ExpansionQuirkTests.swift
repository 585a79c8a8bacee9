import Foundation
import PostfixConfig
import Testing

/// Edge cases recorded from real Postfix 3.7.11 into `quirks.json` by
/// `Fixtures/expansion/record-quirks.py` (`postconf -c DIR -xh smtpd_banner`).
@Suite struct ExpansionQuirkTests {
  struct Quirk: Decodable, Sendable, CustomTestStringConvertible {
    var name: String
    var mainCf: String
    var stdout: String
    var stderr: String
    var status: Int32
    var testDescription: String { name }
  }

  static let quirks: [Quirk] = {
    guard let data = try? ExpansionFixtures.bytes("quirks.json") else { return [] }
    return (try? JSONDecoder().decode([Quirk].self, from: Data(data))) ?? []
  }()

  @Test func fixtureIsLoaded() {
    #expect(Self.quirks.count >= 25)
  }

  @Test(arguments: quirks)
  func libraryMatchesRecording(_ quirk: Quirk) {
    var postconf = MiniPostconf(mainCf: Array(quirk.mainCf.utf8))
    let status = postconf.postconf(["-c", "$CONFDIR", "-xh", "smtpd_banner"])
    #expect(String(decoding: postconf.stdout, as: UTF8.self) == quirk.stdout)
    #expect(String(decoding: postconf.stderr, as: UTF8.self) == quirk.stderr)
    #expect(status == quirk.status)
  }

  /// Keeps the recording honest: real postconf still prints what it says.
  @Test(.enabled(if: RealPostfix.shouldRun, RealPostfix.skipComment))
  func recordingMatchesRealPostconf() throws {
    try RealPostfix.requirePostconf()
    let directory = FileManager.default.temporaryDirectory
      .appendingPathComponent("pfharden-quirks-\(getpid())")
    defer { try? FileManager.default.removeItem(at: directory) }
    // Invoked by name, as the recording was made: messages start `postconf: `.
    let results = try BannerBatch.run(
      Self.quirks.map(\.mainCf), in: directory, command: "PATH=/usr/sbin:/usr/bin:/bin postconf")
    for (quirk, result) in zip(Self.quirks, results) {
      let stdout = String(decoding: result.run.stdout, as: UTF8.self)
      let stderr = String(decoding: result.run.stderr, as: UTF8.self)
      #expect(stdout == quirk.stdout, "\(quirk.name)")
      #expect(
        stderr.replacingOccurrences(of: result.directory, with: "$CONFDIR") == quirk.stderr,
        "\(quirk.name)")
      #expect(result.run.status == quirk.status, "\(quirk.name)")
    }
  }
}
