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
    // Only loopback clients can use it there: information, and the list is kept.
    #expect(sendOnly.map(\.severity) == [.info])
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

  @Test func listeningOnAnAddressInetInterfacesDoesNotName() throws {
    let main = try F.hardenedMain(appending: "inet_interfaces = 192.0.2.10\n")
    var host = F.host
    host.interfaces.append(
      NetworkInterface(name: "eth0", address: F.address("192.0.2.10"), prefixLength: 24))
    let configuration = PostfixConfiguration(
      mainCF: MainCF(bytes: Array(main.utf8)),
      masterCF: MasterCF(bytes: try F.bytes("hardened", "master.cf")), catalog: .embedded,
      host: host)
    #expect(configuration.fatal == nil)
    let wildcard = AuditOptions(
      host: HostFacts(
        isRoot: true,
        listening: [25, 587, 465].map { ListeningSocket(address: F.address("0.0.0.0"), port: $0) }))
    let failing = F.run(ListeningSocketsRule(), configuration, options: wildcard)
    #expect(failing.map(\.severity) == [.warning])
    let message = failing.first?.message ?? ""
    #expect(message.hasPrefix("0.0.0.0:25, 0.0.0.0:465, 0.0.0.0:587 is listening"), "\(message)")
    let exact = AuditOptions(
      host: HostFacts(
        isRoot: true,
        listening: [25, 587, 465].map {
          ListeningSocket(address: F.address("192.0.2.10"), port: $0)
        }))
    #expect(F.run(ListeningSocketsRule(), configuration, options: exact).isEmpty)
  }
}
