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
    for (index, quirk) in Self.quirks.enumerated() {
      let caseDirectory = directory.appendingPathComponent("case-\(index)")
      try FileManager.default.createDirectory(at: caseDirectory, withIntermediateDirectories: true)
      try Data(quirk.mainCf.utf8).write(to: caseDirectory.appendingPathComponent("main.cf"))
      try Data("smtp      inet  n       -       y       -       -       smtpd\n".utf8)
        .write(to: caseDirectory.appendingPathComponent("master.cf"))
    }
    // postconf sleeps one second before each fatal exit: run the cases in parallel.
    let script = """
      cd "$1" || exit 2
      ls -d case-* | xargs -P 32 -I CASE sh -c '
        touch -d 2020-01-01 CASE/main.cf CASE/master.cf
        NORANDOMIZE=1 PATH=/usr/sbin:/usr/bin:/bin postconf -c "$PWD/CASE" -xh smtpd_banner \
          >CASE/out 2>CASE/err
        echo $? >CASE/rc'
      """
    let batch = try RealPostfix.run("/bin/bash", ["-c", script, "bash", directory.path])
    #expect(batch.status == 0)
    for (index, quirk) in Self.quirks.enumerated() {
      let caseDirectory = directory.appendingPathComponent("case-\(index)")
      let read = { (name: String) -> String in
        let data = (try? Data(contentsOf: caseDirectory.appendingPathComponent(name))) ?? Data()
        return String(decoding: data, as: UTF8.self)
      }
      #expect(read("out") == quirk.stdout, "\(quirk.name)")
      #expect(
        read("err").replacingOccurrences(of: caseDirectory.path, with: "$CONFDIR") == quirk.stderr,
        "\(quirk.name)")
      #expect(
        read("rc").trimmingCharacters(in: .whitespacesAndNewlines) == String(quirk.status),
        "\(quirk.name)")
    }
  }
}
