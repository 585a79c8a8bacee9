import Foundation
import PostfixConfig
import Testing

@testable import PostfixHardening

/// Fixtures, planning shortcuts and the real-Postfix gate for the apply tests.
enum ApplySupport {
  /// The package root, from this file's path.
  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

  static let debian = root + "/Examples/debian"
  static let tricky = root + "/Tests/PostfixHardeningTests/Fixtures/apply-tricky"

  struct Invalid: Error {}

  static let host = HostEnvironment(
    hostname: "mail.example.test",
    interfaces: IPAddress("127.0.0.1").map {
      [NetworkInterface(name: "lo", address: $0, prefixLength: 8)]
    } ?? [],
    processID: 1, processName: "postconf",
    resolver: .table(IPAddress("127.0.0.1").map { ["localhost": [$0]] } ?? [:]))

  static func version(_ text: String = "3.7.11") throws -> PostfixVersion {
    guard let version = PostfixVersion(text) else { throw Invalid() }
    return version
  }

  static func read(_ path: String) throws -> [UInt8] {
    Array(try Data(contentsOf: URL(fileURLWithPath: path)))
  }

  /// A certificate and key that exist as far as the profiles can tell.
  static let certificate = Transform.Certificate(
    certificateFile: "/etc/ssl/test/cert.pem", keyFile: "/etc/ssl/test/key.pem")

  static func options(_ profile: Profile, certificate: Bool = true) throws -> ProfileOptions {
    var options = ProfileOptions()
    if profile == .relay { options.networks = [try Network("192.0.2.0/24")] }
    if profile == .mx { options.domains = ["example.test"] }
    if certificate { options.certificate = Self.certificate }
    return options
  }

  static func configuration(_ main: [UInt8], _ master: [UInt8]?) -> PostfixConfiguration {
    PostfixConfiguration(
      mainCF: MainCF(bytes: main), masterCF: master.map { MasterCF(bytes: $0) }, host: host,
      configDirectory: "/etc/postfix")
  }

  static func plan(
    _ profile: Profile, options: ProfileOptions, main: [UInt8], master: [UInt8]?,
    version: PostfixVersion? = nil, directory: String = "/etc/postfix"
  ) throws -> ApplyPlan {
    let version = try version ?? Self.version()
    let build = try profile.build(
      options: options, configuration: configuration(main, master), isReadable: { _ in true })
    return try ApplyPlanner(version: version, catalog: .embedded, host: host).plan(
      build.transforms, configDirectory: directory, mainCF: main, masterCF: master)
  }

  /// A fresh temporary directory holding copies of `source`'s main.cf and master.cf.
  static func temporaryCopy(of source: String) throws -> String {
    let directory = FileManager.default.temporaryDirectory
      .appendingPathComponent("pfharden-apply-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    for name in ["main.cf", "master.cf"] {
      try FileManager.default.copyItem(atPath: source + "/" + name, toPath: directory + "/" + name)
    }
    return directory
  }

  static func remove(_ path: String) {
    try? FileManager.default.removeItem(atPath: path)
  }

  /// The comment lines of a file, in order.
  static func comments(_ bytes: [UInt8]) -> [String] {
    String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
      .filter { $0.trimmingCharacters(in: .whitespaces).hasPrefix("#") }.map(String.init)
  }
}

/// The real Postfix used as the oracle (same gate as PostfixConfigTests' RealPostfix).
enum ApplyRealPostfix {
  static let postconfPath = "/usr/sbin/postconf"
  static let postfixPath = "/usr/sbin/postfix"
  static var isInstalled: Bool { FileManager.default.isExecutableFile(atPath: postconfPath) }
  static var isRequired: Bool {
    ProcessInfo.processInfo.environment["PFHARDEN_REQUIRE_POSTFIX"] == "1"
  }
  static var shouldRun: Bool { isInstalled || isRequired }
  static let skipComment: Comment =
    "needs Postfix's postconf at /usr/sbin/postconf (apt-get install postfix); set PFHARDEN_REQUIRE_POSTFIX=1 to fail instead of skipping"

  struct Missing: Error, CustomStringConvertible {
    var description: String {
      "PFHARDEN_REQUIRE_POSTFIX=1 but \(ApplyRealPostfix.postconfPath) is not installed"
    }
  }

  static func requirePostconf() throws {
    if !isInstalled { throw Missing() }
  }

  /// Standard error of `postconf -c DIR -n` and `-M` after backdating the files.
  static func warnings(directory: String) throws -> String {
    for name in ["main.cf", "master.cf"] {
      try FileManager.default.setAttributes(
        [.modificationDate: Date(timeIntervalSince1970: 1_577_836_800)],
        ofItemAtPath: directory + "/" + name)
    }
    var text = ""
    for mode in ["-n", "-M"] {
      let output = try SystemCommand.run(postconfPath, ["-c", directory, mode])
      text += String(decoding: output.stderr, as: UTF8.self)
      if output.status != 0 { text += "status \(output.status)\n" }
    }
    return text
  }
}
