import PostfixConfig
import Testing

@testable import PostfixHardening

/// relay_domains, file permissions and listening sockets.
@Suite struct HostRuleTests {
  typealias F = AuditFixtures

  @Test func relayDomains() throws {
    #expect(F.run(RelayDomainsRule(), try F.configuration("hardened")).isEmpty)
    let wild = F.run(
      RelayDomainsRule(),
      try F.configuration(main: try F.hardenedMain(appending: "relay_domains = static:all\n")))
    #expect(wild.map(\.severity) == [.error])
    let sendOnly = F.run(
      RelayDomainsRule(),
      try F.configuration(
        main: "inet_interfaces = loopback-only\nrelay_domains = example.org\n",
        master: try F.hardenedMaster()))
    #expect(sendOnly.map(\.severity) == [.warning])
  }

  @Test func filePermissions() throws {
    let configuration = try F.configuration("hardened")
    let good: [String: HostFacts.FileFact] = [
      "/etc/postfix/main.cf": .init(exists: true),
      "/etc/postfix/master.cf": .init(exists: true),
      "/etc/ssl/private/mail.example.test.key": .init(exists: true, mode: 0o600),
      "/var/spool/postfix": .init(exists: true, mode: 0o755, isDirectory: true),
    ]
    let options = AuditOptions(host: HostFacts(isRoot: true, files: good))
    #expect(F.run(FilePermissionsRule(), configuration, options: options).isEmpty)
    var bad = good
    bad["/etc/postfix/main.cf"] = .init(exists: true, uid: 1000, mode: 0o666)
    bad["/etc/ssl/private/mail.example.test.key"] = .init(exists: true, mode: 0o644)
    bad["/var/spool/postfix"] = .init(exists: true, mode: 0o777, isDirectory: true)
    let failing = F.run(
      FilePermissionsRule(), configuration,
      options: AuditOptions(host: HostFacts(isRoot: true, files: bad)))
    #expect(failing.count == 4)
    #expect(failing.filter { $0.severity == .error }.count == 3)
    // Absent files and no host facts: nothing to say.
    #expect(F.run(FilePermissionsRule(), configuration).isEmpty)
  }

  @Test func listeningSocketsOnASendOnlyHost() throws {
    let sockets = [
      ListeningSocket(address: F.address("0.0.0.0"), port: 25),
      ListeningSocket(address: F.address("127.0.0.1"), port: 587),
    ]
    let options = AuditOptions(host: HostFacts(isRoot: true, listening: sockets))
    let failing = F.run(ListeningSocketsRule(), try F.configuration("send-only"), options: options)
    #expect(failing.map(\.severity) == [.error])
    #expect(failing.first?.message.contains("0.0.0.0:25") == true)
    let loopback = AuditOptions(
      host: HostFacts(
        isRoot: true, listening: [ListeningSocket(address: F.address("127.0.0.1"), port: 25)]))
    #expect(
      F.run(ListeningSocketsRule(), try F.configuration("send-only"), options: loopback).isEmpty)
    // An mx whose submission port is configured but not listening.
    let mx = F.run(ListeningSocketsRule(), try F.configuration("hardened"), options: options)
    #expect(mx.map(\.severity) == [.info])
    #expect(mx.first?.service == "submissions/inet")
    // Without --live the rule is silent.
    #expect(F.run(ListeningSocketsRule(), try F.configuration("send-only")).isEmpty)
  }
}
