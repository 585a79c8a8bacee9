import Foundation
import PostfixConfig

@testable import PostfixHardening

/// Builds configurations from fixtures or inline text, on a fixed host.
enum AuditFixtures {
  static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Fixtures")

  static let host = HostEnvironment(
    hostname: "mail.example.test",
    interfaces: [NetworkInterface(name: "lo", address: address("127.0.0.1"), prefixLength: 8)],
    processID: 4242, processName: "postconf")

  /// A literal address (the unspecified address if the literal were malformed).
  static func address(_ text: String) -> IPAddress {
    IPAddress(text) ?? unspecified
  }

  static let unspecified: IPAddress = {
    guard let value = IPAddress(bytes: [0, 0, 0, 0]) else { preconditionFailure("4 bytes") }
    return value
  }()

  static func path(_ name: String) -> String {
    directory.appendingPathComponent(name).path
  }

  static func bytes(_ name: String, _ file: String) throws -> [UInt8] {
    Array(try Data(contentsOf: directory.appendingPathComponent(name).appendingPathComponent(file)))
  }

  /// The configuration of fixture directory `name`.
  static func configuration(_ name: String) throws -> PostfixConfiguration {
    let master = try? bytes(name, "master.cf")
    return PostfixConfiguration(
      mainCF: MainCF(bytes: try bytes(name, "main.cf")), masterCF: master.map(MasterCF.init),
      catalog: .embedded, host: host, configDirectory: "/etc/postfix")
  }

  /// A configuration from text; master.cf defaults to Debian's stock file.
  static func configuration(main: String, master: String? = nil) throws -> PostfixConfiguration {
    let masterBytes = try master.map { Array($0.utf8) } ?? bytes("debian-pristine", "master.cf")
    return PostfixConfiguration(
      mainCF: MainCF(bytes: Array(main.utf8)), masterCF: MasterCF(bytes: masterBytes),
      catalog: .embedded, host: host, configDirectory: "/etc/postfix")
  }

  /// The hardened fixture's main.cf with extra lines appended.
  static func hardenedMain(appending extra: String = "") throws -> String {
    String(decoding: try bytes("hardened", "main.cf"), as: UTF8.self) + extra
  }

  static func hardenedMaster(appending extra: String = "") throws -> String {
    String(decoding: try bytes("hardened", "master.cf"), as: UTF8.self) + extra
  }

  /// Runs the audit (all severities) on a configuration.
  static func audit(
    _ configuration: PostfixConfiguration, options: AuditOptions = AuditOptions()
  ) -> AuditReport {
    Audit.run(configuration: configuration, options: options)
  }

  /// Runs one rule on a configuration.
  static func run(
    _ rule: any AuditRule, _ configuration: PostfixConfiguration,
    options: AuditOptions = AuditOptions()
  ) -> [Finding] {
    Audit.run(configuration: configuration, options: options, rules: [rule]).findings
  }
}
