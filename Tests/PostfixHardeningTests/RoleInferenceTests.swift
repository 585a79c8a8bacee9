import PostfixConfig
import Testing

@testable import PostfixHardening

@Suite struct RoleInferenceTests {
  @Test func debianStockIsAnMXOnPortTwentyFive() throws {
    let report = AuditFixtures.audit(try AuditFixtures.configuration("debian-pristine"))
    #expect(report.isSendOnly == false)
    #expect(report.services.map(\.key) == ["smtp/inet"])
    #expect(report.services.first?.role == .mx)
    #expect(report.services.first?.port == 25)
    #expect(report.roleSummary == "smtp mx (port 25, mynetworks is loopback only)")
  }

  @Test func hardenedHostIsMXAndSubmission() throws {
    let report = AuditFixtures.audit(try AuditFixtures.configuration("hardened"))
    #expect(report.services.map(\.key) == ["smtp/inet", "submission/inet", "submissions/inet"])
    #expect(report.services.map(\.role) == [.mx, .submission, .submission])
    #expect(report.services.map(\.port) == [25, 587, 465])
  }

  @Test func loopbackOnlyInterfacesMakeTheHostSendOnly() throws {
    let report = AuditFixtures.audit(try AuditFixtures.configuration("send-only"))
    #expect(report.isSendOnly)
    #expect(report.services.first?.role == .sendOnly)
    #expect(report.roleSummary == "send-only (smtpd listens on loopback only)")
  }

  @Test func noInetSmtpdMeansSendOnly() throws {
    let master = "pickup    unix  n       -       y       60      1       pickup\n"
    let report = AuditFixtures.audit(
      try AuditFixtures.configuration(main: "myhostname = a.example\n", master: master))
    #expect(report.isSendOnly)
    #expect(report.services.isEmpty)
    #expect(report.roleSummary == "send-only (no inet smtpd service)")
  }

  @Test func nonLoopbackMynetworksMakesARelay() throws {
    let main = try AuditFixtures.hardenedMain(
      appending: "mynetworks = 127.0.0.0/8 192.168.10.0/24\n")
    let report = AuditFixtures.audit(try AuditFixtures.configuration(main: main))
    #expect(report.services.first?.role == .relay)
  }

  @Test func postscreenHandsPortTwentyFiveToThePassService() throws {
    let report = AuditFixtures.audit(try AuditFixtures.configuration("postscreen"))
    let service = try #require(report.services.first)
    #expect(service.key == "smtpd/pass")
    #expect(service.listener == "smtp")
    #expect(service.port == 25)
    #expect(service.role == .mx)
    #expect(service.reason.contains("behind postscreen"))
  }

  @Test func roleOptionsOverrideInference() throws {
    let configuration = try AuditFixtures.configuration("hardened")
    let options = AuditOptions(portTwentyFiveRole: .relay, serviceRoles: ["submissions": .mx])
    let report = AuditFixtures.audit(configuration, options: options)
    #expect(report.services.map(\.role) == [.relay, .submission, .mx])
    let sendOnly = AuditFixtures.audit(
      configuration, options: AuditOptions(portTwentyFiveRole: .sendOnly))
    #expect(sendOnly.isSendOnly)
  }

  @Test func loopbackListenerIsSendOnlyService() throws {
    let master = try AuditFixtures.hardenedMaster(
      appending: "127.0.0.1:10025 inet n - n - - smtpd\n")
    let report = AuditFixtures.audit(
      try AuditFixtures.configuration(main: try AuditFixtures.hardenedMain(), master: master))
    let filter = try #require(report.services.last)
    #expect(filter.listener == "127.0.0.1:10025")
    #expect(filter.loopbackOnly)
    #expect(filter.role == .sendOnly)
    #expect(report.isSendOnly == false)
  }
}

@Suite struct DefaultMynetworksTests {
  @Test func theHostsOwnAddressesInTheDefaultDoNotMakeARelay() throws {
    let host = HostEnvironment(
      hostname: "mail.example.test",
      interfaces: [
        NetworkInterface(name: "lo", address: AuditFixtures.address("127.0.0.1"), prefixLength: 8),
        NetworkInterface(
          name: "eth0", address: AuditFixtures.address("192.0.2.10"), prefixLength: 24),
      ], processID: 1, processName: "postconf")
    let configuration = PostfixConfiguration(
      mainCF: MainCF(bytes: Array("compatibility_level = 3.6\n".utf8)),
      masterCF: MasterCF(bytes: try AuditFixtures.bytes("debian-pristine", "master.cf")),
      catalog: .embedded, host: host)
    let mynetworks = configuration.setting("mynetworks")
    #expect(mynetworks.words.contains("192.0.2.10/32"), "\(mynetworks.text)")
    let report = Audit.run(configuration: configuration, options: AuditOptions())
    #expect(report.services.first?.role == .mx)
    #expect(!report.findings.contains { $0.id == RuleID.mynetworksNarrow })
  }
}
