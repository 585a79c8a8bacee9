import Foundation
import PostfixConfig
import Testing

@testable import PostfixHardening

/// Profiles on real servers: the smallest edit that closes each risk.
///
/// What the admin wrote is kept; each test is one defect's minimal reproduction.
@Suite struct IntentPreservingTests {
  static let submissionOnly = """
    smtp      inet  n       -       y       -       -       smtpd
    submission inet n       -       y       -       -       smtpd
      -o smtpd_sasl_auth_enable=yes

    """

  func plan(
    _ profile: Profile, main: String, master: String?, certificate: Bool = true
  ) throws -> (plan: ApplyPlan, build: Profile.Build, after: PostfixConfiguration) {
    let options = try ApplySupport.options(profile, certificate: certificate)
    let mainBytes = Array(main.utf8)
    let masterBytes = master.map { Array($0.utf8) }
    let build = try profile.build(
      options: options, configuration: ApplySupport.configuration(mainBytes, masterBytes),
      isReadable: { _ in true })
    let plan = try ApplySupport.plan(
      profile, options: options, main: mainBytes, master: masterBytes)
    let after = ApplySupport.configuration(plan.mainCF.updated, plan.masterCF?.updated)
    return (plan, build, after)
  }

  func audit(_ configuration: PostfixConfiguration, role: Role? = nil) -> [Finding] {
    var options = AuditOptions(minimumSeverity: .info, host: ApplyThenCheckTests.facts)
    options.portTwentyFiveRole = role
    return Audit.run(configuration: configuration, options: options).findings
  }

  func relays(
    _ configuration: PostfixConfiguration, _ service: String, _ client: RestrictionList.Client
  )
    -> Bool
  {
    RestrictionList.relays(
      relay: configuration.setting("smtpd_relay_restrictions", service: service, type: "inet")
        .words,
      recipient: configuration.setting(
        "smtpd_recipient_restrictions", service: service, type: "inet"
      ).words, client: client)
  }

  @Test(arguments: [Profile.mx, .relay, .submission, .sendOnly])
  func authenticatedSubmissionStillRelays(_ profile: Profile) throws {
    let main = """
      myhostname = mail.example.test
      smtpd_sasl_type = dovecot
      smtpd_sasl_path = private/auth
      smtpd_relay_restrictions = permit_mynetworks permit_sasl_authenticated defer_unauth_destination

      """
    let (_, _, after) = try plan(profile, main: main, master: Self.submissionOnly)
    #expect(relays(after, "submission", .authenticated), "\(profile)")
    #expect(!relays(after, "submission", .anonymous), "\(profile)")
    #expect(!relays(after, "smtp", .anonymous), "\(profile)")
    #expect(!audit(after).contains { $0.id == RuleID.saslRelay })
  }

  @Test func aListThatLocksOutLoggedInUsersIsMendedAndReported() throws {
    let main = """
      myhostname = mail.example.test
      smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination

      """
    let before = ApplySupport.configuration(Array(main.utf8), Array(Self.submissionOnly.utf8))
    let found = audit(before).filter { $0.id == RuleID.saslRelay }
    #expect(found.map(\.service) == ["submission/inet"])
    #expect(found.first?.severity == .error)
    let (_, _, after) = try plan(.mx, main: main, master: Self.submissionOnly)
    #expect(
      after.setting("smtpd_relay_restrictions").text
        == "permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination")
    #expect(relays(after, "submission", .authenticated))
  }

  @Test(arguments: ["smtps", "465", "[::]:465"])
  func anExistingPortIsHardenedNotBoundTwice(_ implicit: String) throws {
    let master = """
      smtp      inet  n       -       y       -       -       smtpd
      587       inet  n       -       y       -       -       smtpd
        -o smtpd_sasl_auth_enable=yes
        -o smtpd_client_restrictions=permit_sasl_authenticated,reject
      \(implicit) inet  n       -       y       -       -       smtpd
        -o smtpd_tls_wrappermode=yes

      """
    let (plan, build, after) = try plan(
      .submission, main: "myhostname = mail.example.test\ninet_protocols = all\n", master: master)
    let text = String(decoding: plan.masterCF?.updated ?? [], as: UTF8.self)
    #expect(!text.contains("\nsubmission inet"))
    #expect(!text.contains("\nsubmissions inet"))
    #expect(!audit(after).contains { $0.id == RuleID.duplicateListener })
    #expect(
      after.setting("smtpd_tls_security_level", service: "587", type: "inet").text == "encrypt")
    #expect(after.setting("smtpd_sasl_auth_enable", service: implicit, type: "inet").text == "yes")
    // The admin's client restrictions stay.
    #expect(
      after.setting("smtpd_client_restrictions", service: "587", type: "inet").text
        == "permit_sasl_authenticated,reject")
    #expect(build.kept.contains { $0.contains("port 587 is already served by 587/inet") })
    let findings = audit(after, role: .submission).filter { $0.severity >= .warning }
    #expect(findings.isEmpty, "\(findings)")
  }

  @Test func aNewServiceIsNotGluedToALastLineWithoutNewline() throws {
    let master =
      "smtp      inet  n       -       y       -       -       smtpd\n"
      + "spamassassin unix - n n - - pipe user=spamd argv=/usr/bin/spamc -f ${sender}"
    let (plan, _, after) = try plan(.submission, main: "myhostname = a.example\n", master: master)
    let text = String(decoding: plan.masterCF?.updated ?? [], as: UTF8.self)
    #expect(text.contains("argv=/usr/bin/spamc -f ${sender}\nsubmission inet"))
    #expect(after.services.contains { $0.name == "spamassassin" && $0.command == "pipe" })
    #expect(after.services.contains { $0.name == "submission" })
  }

  @Test func newServicesListenWhereTheOthersDo() throws {
    let master = """
      192.0.2.10:smtp inet n  -       y       -       -       smtpd
      192.0.2.10:2525 inet n  -       y       -       -       smtpd

      """
    let (plan, _, after) = try plan(.submission, main: "myhostname = a.example\n", master: master)
    let text = String(decoding: plan.masterCF?.updated ?? [], as: UTF8.self)
    #expect(text.contains("\n192.0.2.10:submission inet"))
    #expect(text.contains("\n192.0.2.10:submissions inet"))
    #expect(!audit(after).contains { $0.id == RuleID.duplicateListener })
  }

  @Test func theConfiguredSASLBackendIsKept() throws {
    let main = """
      myhostname = a.example
      smtpd_sasl_type = dovecot
      smtpd_sasl_path = /run/dovecot/auth-postfix

      """
    let (_, build, after) = try plan(.submission, main: main, master: Self.submissionOnly)
    #expect(after.setting("smtpd_sasl_path").text == "/run/dovecot/auth-postfix")
    #expect(build.kept.contains { $0.hasPrefix("smtpd_sasl_type, smtpd_sasl_path") })
    var options = try ApplySupport.options(.submission)
    options.saslPath = "private/auth-new"
    let given = try ApplySupport.plan(
      .submission, options: options, main: Array(main.utf8),
      master: Array(Self.submissionOnly.utf8))
    let result = ApplySupport.configuration(given.mainCF.updated, given.masterCF?.updated)
    #expect(result.setting("smtpd_sasl_path").text == "private/auth-new")
  }

  @Test func newSubmissionServicesAdmitLoggedInUsersDespiteMainCF() throws {
    let main = """
      myhostname = a.example
      smtpd_relay_restrictions =
      smtpd_recipient_restrictions = permit_mynetworks, reject_unauth_destination

      """
    let master = "smtp      inet  n       -       y       -       -       smtpd\n"
    let (_, _, after) = try plan(.submission, main: main, master: master)
    for service in ["submission", "submissions"] {
      #expect(relays(after, service, .authenticated), "\(service)")
      #expect(!relays(after, service, .anonymous), "\(service)")
    }
    #expect(!relays(after, "smtp", .anonymous))
  }

  @Test func twoServicesOnOnePortAreAnError() throws {
    let master = """
      smtp      inet  n       -       y       -       -       smtpd
      submission inet n       -       y       -       -       smtpd
      587       inet  n       -       y       -       -       smtpd
      127.0.0.1:10025 inet n  -       n       -       -       smtpd
      127.0.0.2:10025 inet n  -       n       -       -       smtpd

      """
    let configuration = ApplySupport.configuration(
      Array("myhostname = a.example\n".utf8), Array(master.utf8))
    let clashes = audit(configuration).filter { $0.id == RuleID.duplicateListener }
    #expect(clashes.map(\.service) == ["587/inet"])
    #expect(clashes.first?.severity == .error)
    #expect(clashes.first?.line == 3)
  }

  @Test func mynetworksKeepsTablesFilesAndPrivateNetworks() throws {
    let main = """
      myhostname = mail.example.test
      mynetworks = 127.0.0.0/8 cidr:/etc/postfix/mynetworks.cidr /etc/postfix/mynetworks
          172.17.0.0/16 [fd00::]/64 0.0.0.0/0 198.51.100.7/32 203.0.0.0/16

      """
    let (_, build, after) = try plan(.mx, main: main, master: Self.submissionOnly)
    #expect(
      after.setting("mynetworks").text
        == "127.0.0.0/8 cidr:/etc/postfix/mynetworks.cidr /etc/postfix/mynetworks 172.17.0.0/16 [fd00::]/64"
    )
    #expect(build.kept.contains { $0.contains("cidr:/etc/postfix/mynetworks.cidr") })
    let (_, _, relayed) = try plan(.relay, main: main, master: Self.submissionOnly)
    // A relay keeps the narrow public host too, and adds --network.
    #expect(
      relayed.setting("mynetworks").text
        == "127.0.0.0/8 cidr:/etc/postfix/mynetworks.cidr /etc/postfix/mynetworks 172.17.0.0/16 [fd00::]/64 198.51.100.7/32 192.0.2.0/24"
    )
  }

  @Test func relayDomainsTablesAndDomainsStay() throws {
    let main = """
      myhostname = mail.example.test
      relay_domains = proxy:mysql:/etc/postfix/mysql-relay.cf, example.org, *

      """
    let (_, _, after) = try plan(.relay, main: main, master: Self.submissionOnly)
    #expect(
      after.setting("relay_domains").text
        == "proxy:mysql:/etc/postfix/mysql-relay.cf, example.org")
    let (_, _, mx) = try plan(
      .mx, main: "myhostname = a.example\nrelay_domains = proxy:mysql:/x.cf\n",
      master: Self.submissionOnly)
    #expect(mx.setting("relay_domains").text == "proxy:mysql:/x.cf")
  }

  @Test func restrictionEntriesAreKeptAndTheRelayIsClosedInOrder() throws {
    let main = """
      myhostname = mail.example.test
      smtpd_relay_restrictions =
      smtpd_recipient_restrictions = permit_mynetworks, permit_sasl_authenticated,
          check_client_access hash:/etc/postfix/access, permit_tls_all_clientcerts,
          check_policy_service unix:private/policy, permit
      smtpd_helo_restrictions = permit_mynetworks, check_helo_access hash:/etc/postfix/helo
      smtpd_data_restrictions = check_client_access hash:/etc/postfix/data

      """
    let (_, build, after) = try plan(.mx, main: main, master: Self.submissionOnly)
    #expect(
      after.setting("smtpd_recipient_restrictions").words == [
        "permit_mynetworks", "permit_sasl_authenticated", "check_client_access",
        "hash:/etc/postfix/access", "permit_tls_all_clientcerts", "check_policy_service",
        "unix:private/policy", "reject_unauth_destination", "permit",
      ])
    #expect(after.setting("smtpd_relay_restrictions").text.isEmpty)
    #expect(
      after.setting("smtpd_helo_restrictions").text
        == "permit_mynetworks, check_helo_access hash:/etc/postfix/helo")
    #expect(
      after.setting("smtpd_data_restrictions").words == [
        "reject_unauth_pipelining", "check_client_access", "hash:/etc/postfix/data",
      ])
    #expect(build.kept.contains { $0.hasPrefix("smtpd_helo_restrictions") })
    #expect(!audit(after).contains { $0.id == RuleID.openRelay })
  }

  @Test func loopbackReturnListenersKeepTheirOverrides() throws {
    let entry = """
      127.0.0.1:10025 inet n  -       n       -       -       smtpd
        -o content_filter=
        -o mynetworks=127.0.0.0/8
        -o smtpd_helo_restrictions=
        -o smtpd_data_restrictions=
        -o smtpd_relay_restrictions=permit_mynetworks,reject
        -o disable_vrfy_command=no
      localhost:10026 inet n  -       n       -       -       smtpd
        -o smtpd_recipient_restrictions=permit_mynetworks,reject
        -o smtpd_helo_restrictions=

      """
    let master = Self.submissionOnly + entry
    for profile in Profile.allCases {
      let (plan, build, _) = try plan(profile, main: "myhostname = a.example\n", master: master)
      let text = String(decoding: plan.masterCF?.updated ?? [], as: UTF8.self)
      #expect(text.contains(entry), "\(profile)")
      #expect(
        build.kept.contains { $0.hasPrefix("127.0.0.1:10025/inet: listens on loopback only") })
    }
  }

  @Test func aCRLFFileKeepsCRLFOnTheLinesTheProfileWrites() throws {
    let main = "myhostname = a.example\r\ndisable_vrfy_command = no\r\n# end\r\n"
    let master = Self.submissionOnly.replacingOccurrences(of: "\n", with: "\r\n")
    let (planned, _, after) = try plan(.mx, main: main, master: master)
    for file in [planned.mainCF.updated, planned.masterCF?.updated ?? []] {
      let bare = file.indices.filter { file[$0] == 0x0A && ($0 == 0 || file[$0 - 1] != 0x0D) }
      #expect(bare.isEmpty, "\(String(decoding: file, as: UTF8.self).debugDescription)")
    }
    #expect(after.setting("disable_vrfy_command").text == "yes")
    let again = try ApplySupport.plan(
      .mx, options: try ApplySupport.options(.mx), main: planned.mainCF.updated,
      master: planned.masterCF?.updated)
    #expect(!again.hasChanges)
    // A file with LF endings gets none.
    let (lf, _, _) = try plan(.mx, main: "myhostname = a.example\n", master: Self.submissionOnly)
    #expect(!lf.mainCF.updated.contains(0x0D))
  }

  @Test func aDollarInAGivenFileNameIsWrittenLiterally() throws {
    var options = try ApplySupport.options(.submission)
    options.certificate = Transform.Certificate(
      certificateFile: "/etc/ssl/$mail_name.pem", keyFile: "/etc/ssl/$mail_name.key")
    options.saslPath = "private/$auth"
    let plan = try ApplySupport.plan(
      .submission, options: options, main: Array("myhostname = a.example\n".utf8),
      master: Array(Self.submissionOnly.utf8))
    let after = ApplySupport.configuration(plan.mainCF.updated, plan.masterCF?.updated)
    #expect(after.setting("smtpd_tls_cert_file").text == "/etc/ssl/$mail_name.pem")
    #expect(after.setting("smtpd_tls_key_file").text == "/etc/ssl/$mail_name.key")
    #expect(after.setting("smtpd_sasl_path").text == "private/$auth")
  }

  @Test func warningsAreComparedByMeaning() {
    let before = "/d/main.cf, line 3: overriding earlier entry: smtpd_banner=a"
    let after = "/d/main.cf, line 1: overriding earlier entry: smtpd_banner=b"
    #expect(PostconfWarning.meaning(before) == PostconfWarning.meaning(after))
    #expect(
      PostconfWarning.meaning(before)
        != PostconfWarning.meaning("/d/main.cf, line 3: overriding earlier entry: myorigin=a"))
    #expect(
      PostconfWarning.meaning("/d/main.cf: unused parameter: foo=1")
        == PostconfWarning.meaning("/d/main.cf: unused parameter: foo=2"))
  }

  @Test func aDuplicateTheProfileDoesNotTouchIsNoReasonToRefuse() throws {
    let main = "myhostname = a.example\nmyorigin = a\nmyorigin = b\n"
    let (_, _, after) = try plan(.mx, main: main, master: Self.submissionOnly)
    #expect(after.warnings.contains { $0.message.contains("overriding earlier entry: myorigin") })
  }

  @Test(arguments: [Profile.relay, .mx, .submission], ["loopback-only", "127.0.0.1", "localhost"])
  func aLoopbackOnlyHostIsRefusedForListeningProfiles(_ profile: Profile, interfaces: String)
    throws
  {
    let main = "myhostname = a.example\ninet_interfaces = \(interfaces)\n"
    do {
      _ = try plan(profile, main: main, master: Self.submissionOnly)
      Issue.record("\(profile) planned on a loopback-only host")
    } catch let error as PostfixHardeningError {
      #expect(error.code == .invalidRequest)
      #expect(error.reason.contains("inet_interfaces"))
    }
    // send-only is exactly that posture.
    _ = try plan(.sendOnly, main: main, master: Self.submissionOnly)
  }

  @Test func roleSubmissionJudgesSubmissionServicesNotPortTwentyFive() throws {
    let configuration = ApplySupport.configuration(
      Array("myhostname = a.example\n".utf8), Array(Self.submissionOnly.utf8))
    var options = AuditOptions()
    options.portTwentyFiveRole = .submission
    let services = RoleInference.services(in: configuration, options: options).services
    #expect(services.first { $0.name == "smtp" }?.role == .mx)
    #expect(services.first { $0.name == "submission" }?.role == .submission)
  }

  @Test func withoutACertificateTLSLoggingIsStillSetAndAuthOnlyIsNot() throws {
    let main = "myhostname = a.example\nsmtpd_sasl_auth_enable = yes\n"
    for profile in [Profile.relay, .mx, .submission] {
      let (_, build, after) = try plan(
        profile, main: main, master: Self.submissionOnly, certificate: false)
      #expect(after.setting("smtpd_tls_loglevel").text == "1", "\(profile)")
      #expect(after.setting("smtpd_tls_auth_only").text == "no", "\(profile)")
      #expect(build.notes.contains { $0.kind == .tlsAuthOnlyUnchanged })
      #expect(build.notes.contains { "\($0)".contains("smtpd_tls_auth_only left as it is") })
    }
    let (_, _, withTLS) = try plan(.mx, main: main, master: Self.submissionOnly)
    #expect(withTLS.setting("smtpd_tls_auth_only").text == "yes")
  }

  @Test func aConfigurationPostfixRefusesHasNoRoles() throws {
    let configuration = ApplySupport.configuration(
      Array("myhostname = a.example\ninet_protocols = bogus\n".utf8),
      Array(Self.submissionOnly.utf8))
    #expect(configuration.fatal != nil)
    let report = Audit.run(configuration: configuration, options: AuditOptions())
    #expect(report.services.isEmpty)
    #expect(report.findings.allSatisfy { $0.id == RuleID.configWarning })
    #expect(!report.findings.isEmpty)
  }

  @Test func roleInferenceSaysATableIsUnknown() throws {
    let configuration = ApplySupport.configuration(
      Array("myhostname = a.example\nmynetworks = 127.0.0.0/8 cidr:/etc/postfix/nets\n".utf8),
      Array(Self.submissionOnly.utf8))
    let services = RoleInference.services(in: configuration, options: AuditOptions()).services
    #expect(
      services.first { $0.name == "smtp" }?.reason.contains(
        "cidr:/etc/postfix/nets, whose networks are unknown") == true)
  }
}
