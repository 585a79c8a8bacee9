import PostfixConfig
import Testing

@testable import PostfixHardening

/// Each hardening-guide rule on a passing and a failing configuration.
@Suite struct CoreRuleTests {
  typealias F = AuditFixtures

  func findings(
    _ rule: any AuditRule, main: String, master: String? = nil,
    options: AuditOptions = AuditOptions()
  ) throws -> [Finding] {
    let masterText = try master ?? F.hardenedMaster()
    return F.run(rule, try F.configuration(main: main, master: masterText), options: options)
  }

  @Test func disableVRFY() throws {
    #expect(try findings(DisableVRFYRule(), main: try F.hardenedMain()).isEmpty)
    let failing = try findings(
      DisableVRFYRule(), main: try F.hardenedMain(appending: "disable_vrfy_command = no\n"))
    #expect(failing.count == 1)
    #expect(failing.first?.severity == .warning)
    #expect(failing.first?.file == "main.cf")
    #expect(failing.first?.line == 38)
    // A master.cf override is reported on its own line, for its service.
    let master = try F.hardenedMaster().replacingOccurrences(
      of: "  -o syslog_name=postfix/submission\n",
      with: "  -o syslog_name=postfix/submission\n  -o disable_vrfy_command=no\n")
    let service = try findings(DisableVRFYRule(), main: try F.hardenedMain(), master: master)
    #expect(service.map(\.service) == ["submission/inet"])
    #expect(service.first?.line == 21)
  }

  @Test func vrfyOnADefaultHasNoLine() throws {
    let failing = F.run(DisableVRFYRule(), try F.configuration("debian-pristine"))
    #expect(failing.count == 1)
    #expect(failing.first?.line == nil)
    #expect(failing.first?.parameter == "disable_vrfy_command")
  }

  @Test func loopbackOnlyOnASendOnlyHost() throws {
    let options = AuditOptions(portTwentyFiveRole: .sendOnly)
    let failing = F.run(
      LoopbackOnlyRule(), try F.configuration("debian-pristine"), options: options)
    #expect(failing.map(\.severity) == [.error])
    #expect(failing.first?.line == 34)
    #expect(F.run(LoopbackOnlyRule(), try F.configuration("send-only"), options: options).isEmpty)
    // Not send-only: inet_interfaces = all is right for an mx.
    #expect(F.run(LoopbackOnlyRule(), try F.configuration("debian-pristine")).isEmpty)
    // No inet smtpd at all: a warning (CIS local-only mode).
    let master = "pickup    unix  n       -       y       60      1       pickup\n"
    let quiet = F.run(
      LoopbackOnlyRule(), try F.configuration(main: "inet_interfaces = all\n", master: master))
    #expect(quiet.map(\.severity) == [.warning])
  }

  @Test(arguments: [
    ("mynetworks = 0.0.0.0/0", Severity.error),
    ("mynetworks = [::]/0", .error),
    ("mynetworks = 127.0.0.0/8 203.0.0.0/16", .error),
    ("mynetworks = 127.0.0.0/8 192.0.2.1/24", .error),
    ("mynetworks = 127.0.0.0/8 192.0.2.0/33", .error),
    ("mynetworks = 127.0.0.0/8 300.1.2.3", .error),
    ("mynetworks = 127.0.0.0/8 192.0.2.0/28", .warning),
    // A private network is kept by the mx profile: information only.
    ("mynetworks = 127.0.0.0/8 10.1.0.0/16", .info),
  ])
  func mynetworksFailures(line: String, severity: Severity) throws {
    // The port-25 role is pinned to mx: wide networks would otherwise make it a relay.
    let failing = try findings(
      MynetworksNarrowRule(), main: try F.hardenedMain(appending: line + "\n"),
      options: AuditOptions(portTwentyFiveRole: .mx))
    #expect(failing.map(\.severity).max() == severity, "\(failing)")
  }

  @Test func mynetworksOnARelay() throws {
    #expect(try findings(MynetworksNarrowRule(), main: try F.hardenedMain()).isEmpty)
    let subnet = try findings(
      MynetworksNarrowRule(),
      main: try F.hardenedMain(appending: "mynetworks = 127.0.0.0/8 192.168.10.0/24\n"))
    #expect(subnet.isEmpty)
    let whole = try findings(
      MynetworksNarrowRule(),
      main: try F.hardenedMain(appending: "mynetworks = 127.0.0.0/8 10.0.0.0/8\n"))
    #expect(whole.map(\.severity) == [.info])
    let tables = try findings(
      MynetworksNarrowRule(),
      main: try F.hardenedMain(appending: "mynetworks = 127.0.0.0/8 cidr:/etc/postfix/nets\n"))
    #expect(tables.isEmpty)
  }

  @Test func mynetworksWithoutAnySMTPServiceSaysSo() throws {
    // master.cf without an smtpd listener: no service to name.
    let master = "pickup unix n - y 60 1 pickup\ncleanup unix n - y - 0 cleanup\n"
    let main = "mynetworks = 127.0.0.0/8 10.0.0.0/8\n"
    let found = try findings(MynetworksNarrowRule(), main: main, master: master)
    #expect(found.count == 1)
    #expect(
      found.first?.message.hasPrefix(
        "mynetworks on a host where no smtpd service listens (judged as send-only): ") == true,
      "\(found)")
    let listening = try findings(MynetworksNarrowRule(), main: main)
    #expect(!listening.isEmpty)
    #expect(listening.allSatisfy { $0.message.contains(" service: ") }, "\(listening)")
  }

  @Test func openRelayPerService() throws {
    let report = F.audit(try F.configuration("service-open-relay"))
    let relays = report.findings.filter { $0.id == RuleID.openRelay }
    #expect(relays.map(\.service) == ["2525/inet", "2526/inet"])
    #expect(relays.map(\.severity) == [.error, .error])
    #expect(relays.map(\.line) == [14, 16])
    #expect(F.run(OpenRelayRule(), try F.configuration("hardened")).isEmpty)
    #expect(F.run(OpenRelayRule(), try F.configuration("debian-pristine")).isEmpty)
  }

  @Test func openRelayInMainCF() throws {
    let failing = try findings(
      OpenRelayRule(),
      main: try F.hardenedMain(
        appending: "smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination\n"
          + "smtpd_recipient_restrictions = permit\nmynetworks = 0.0.0.0/0\n"))
    #expect(failing.contains { $0.severity == .error && $0.parameter == "mynetworks" })
  }

  @Test func smtpdRefusesToRun() throws {
    let failing = F.run(SmtpdRefusesToRunRule(), try F.configuration("refuses-to-run"))
    #expect(failing.map(\.severity) == [.error])
    #expect(failing.first?.line == 25)
    // reject after the first permit does not count: smtpd stops looking there.
    let afterPermit = try findings(
      SmtpdRefusesToRunRule(),
      main: try F.hardenedMain(
        appending: "smtpd_relay_restrictions = permit_mynetworks, permit, reject\n"))
    #expect(afterPermit.count == 1)
    // A restriction class holding reject_unauth_destination satisfies smtpd.
    let viaClass = try findings(
      SmtpdRefusesToRunRule(),
      main: try F.hardenedMain(
        appending: "smtpd_restriction_classes = strict\nstrict = reject_unauth_destination\n"
          + "smtpd_relay_restrictions = permit_mynetworks, strict\n"))
    #expect(viaClass.isEmpty)
    #expect(F.run(SmtpdRefusesToRunRule(), try F.configuration("hardened")).isEmpty)
  }

  @Test func heloRequired() throws {
    #expect(try findings(HeloRequiredRule(), main: try F.hardenedMain()).isEmpty)
    let failing = F.run(HeloRequiredRule(), try F.configuration("postscreen"))
    #expect(failing.map(\.service) == ["smtpd/pass"])
    #expect(failing.first?.severity == .warning)
  }

  @Test func tlsLogLevel() throws {
    #expect(try findings(TLSLogLevelRule(), main: try F.hardenedMain()).isEmpty)
    let failing = F.run(TLSLogLevelRule(), try F.configuration("debian-snakeoil"))
    #expect(Set(failing.compactMap(\.parameter)) == ["smtpd_tls_loglevel", "smtp_tls_loglevel"])
  }

  @Test func bannerDisclosure() throws {
    #expect(try findings(BannerDisclosureRule(), main: try F.hardenedMain()).isEmpty)
    let failing = F.run(BannerDisclosureRule(), try F.configuration("debian-pristine"))
    #expect(failing.count == 1)
    #expect(failing.first?.line == 9)
    #expect(failing.first?.message.contains("'postfix', 'debian', 'gnu'") == true)
    // No smtpd listens anywhere: nothing to disclose.
    let master = "pickup    unix  n       -       y       60      1       pickup\n"
    let quiet = try F.configuration(
      main: "smtpd_banner = $myhostname ESMTP $mail_name (Debian/GNU)\n", master: master)
    #expect(F.run(BannerDisclosureRule(), quiet).isEmpty)
    // The host's own name is not a disclosure.
    let named = try findings(
      BannerDisclosureRule(),
      main: try F.hardenedMain(appending: "myhostname = debian.example.org\n"))
    #expect(named.isEmpty)
    let explicit = try findings(
      BannerDisclosureRule(),
      main: try F.hardenedMain(appending: "smtpd_banner = $myhostname ESMTP on Ubuntu\n"))
    #expect(explicit.first?.message.contains("'ubuntu'") == true)
    // Loopback only: information.
    #expect(
      F.run(BannerDisclosureRule(), try F.configuration("send-only")).map(\.severity) == [.info])
  }

  @Test func smtpSmuggling() throws {
    #expect(try findings(SMTPSmugglingRule(), main: try F.hardenedMain()).isEmpty)
    let failing = F.run(SMTPSmugglingRule(), try F.configuration("debian-pristine"))
    #expect(failing.map(\.severity) == [.warning])
    // A release without the parameter: reject_unauth_pipelining is the mitigation.
    let old = AuditOptions(targetVersion: PostfixVersion("3.7.8"))
    let oldFailing = F.run(
      SMTPSmugglingRule(), try F.configuration("debian-pristine"), options: old)
    #expect(oldFailing.first?.parameter == "smtpd_data_restrictions")
    let mitigated = try findings(
      SMTPSmugglingRule(),
      main: "smtpd_data_restrictions = reject_unauth_pipelining\n", options: old)
    #expect(mitigated.isEmpty)
  }
}

extension String {
  func replacingFirst(_ target: String, with replacement: String) -> String {
    guard let range = firstRange(of: target) else { return self }
    return String(self[..<range.lowerBound]) + replacement + String(self[range.upperBound...])
  }
}
