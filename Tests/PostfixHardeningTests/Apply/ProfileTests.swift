import PostfixConfig
import Testing

@testable import PostfixHardening

@Suite struct ProfileTests {
  /// Expected effective values per profile (with a certificate given).
  static let expected: [Profile: [String: String]] = [
    .sendOnly: [
      "inet_interfaces": "loopback-only",
      "disable_vrfy_command": "yes", "smtpd_helo_required": "yes",
      "smtp_tls_security_level": "may", "smtp_tls_loglevel": "1",
      "smtpd_banner": "$myhostname ESMTP", "smtpd_forbid_bare_newline": "yes",
    ],
    .relay: [
      "disable_vrfy_command": "yes", "smtpd_helo_required": "yes",
      "smtpd_tls_security_level": "may", "smtpd_tls_cert_file": "/etc/ssl/test/cert.pem",
      "smtpd_tls_key_file": "/etc/ssl/test/key.pem", "smtpd_tls_loglevel": "1",
      "smtp_tls_security_level": "may", "smtp_tls_loglevel": "1",
      "smtpd_tls_mandatory_protocols": "!SSLv2, !SSLv3, !TLSv1, !TLSv1.1",
      "smtpd_banner": "$myhostname ESMTP", "smtpd_forbid_bare_newline": "yes",
    ],
    .mx: [
      "smtpd_tls_security_level": "may", "smtpd_tls_protocols": "!SSLv2, !SSLv3",
      "smtpd_data_restrictions": "reject_unauth_pipelining", "smtpd_helo_required": "yes",
      "smtpd_helo_restrictions":
        "permit_mynetworks, reject_invalid_helo_hostname, reject_non_fqdn_helo_hostname",
      "disable_vrfy_command": "yes", "smtpd_banner": "$myhostname ESMTP",
      "smtpd_tls_loglevel": "1", "smtpd_forbid_bare_newline": "yes",
    ],
    .submission: [
      "smtpd_sasl_type": "dovecot", "smtpd_sasl_path": "private/auth",
      "smtpd_tls_auth_only": "yes", "smtpd_tls_loglevel": "1",
      "smtpd_tls_mandatory_protocols": "!SSLv2, !SSLv3, !TLSv1, !TLSv1.1",
      "smtpd_tls_security_level": "may",
    ],
  ]

  func raw(_ setting: PostfixConfiguration.Setting) -> String {
    String(decoding: setting.raw, as: UTF8.self)
  }

  static let fixtures = [ApplySupport.debian, ApplySupport.tricky]

  @Test(arguments: Profile.allCases, fixtures)
  func profileGivesExpectedValuesKeepsCommentsAndIsIdempotent(
    profile: Profile, directory: String
  ) throws {
    let main = try ApplySupport.read(directory + "/main.cf")
    let master = try ApplySupport.read(directory + "/master.cf")
    let options = try ApplySupport.options(profile)
    let plan = try ApplySupport.plan(profile, options: options, main: main, master: master)
    #expect(plan.hasChanges)
    let result = ApplySupport.configuration(plan.mainCF.updated, plan.masterCF?.updated)
    for (name, value) in Self.expected[profile] ?? [:] {
      #expect(raw(result.setting(name)) == value, "\(profile) \(name)")
      // Each port-25 smtpd service sees the profile's value too.
      #expect(raw(result.setting(name, service: "smtp", type: "inet")) == value, "\(name)")
    }
    // Every comment of the original survives, in order.
    let kept = ApplySupport.comments(plan.mainCF.updated)
    var position = kept.startIndex
    for comment in ApplySupport.comments(main) {
      let found = kept[position...].firstIndex(of: comment)
      #expect(found != nil, "comment lost: \(comment)")
      position = found.map { $0 + 1 } ?? position
    }
    #expect(!result.warnings.contains { $0.message.contains("overriding earlier entry") })
    let second = try ApplySupport.plan(
      profile, options: options, main: plan.mainCF.updated, master: plan.masterCF?.updated)
    #expect(!second.hasChanges)
    #expect(second.changes.isEmpty)
    #expect(second.activation == .none)
    let text = String(decoding: plan.mainCF.updated + (plan.masterCF?.updated ?? []), as: UTF8.self)
    #expect(!text.contains("tls_ffdhe_auto_groups"))
  }

  @Test(arguments: ["myhostname = a.example", "myhostname = a.example\r\n# end\r\n", ""])
  func oddEndingsStayWellFormed(text: String) throws {
    let plan = try ApplySupport.plan(
      .sendOnly, options: ProfileOptions(), main: Array(text.utf8), master: nil)
    let result = ApplySupport.configuration(plan.mainCF.updated, nil)
    #expect(!result.warnings.contains { !$0.message.contains("master.cf") }, "\(result.warnings)")
    #expect(result.setting("inet_interfaces").text == "loopback-only")
    if !text.isEmpty {
      #expect(result.setting("myhostname").text == "a.example")
    }
    let second = try ApplySupport.plan(
      .sendOnly, options: ProfileOptions(), main: plan.mainCF.updated, master: nil)
    #expect(!second.hasChanges)
  }

  @Test func sendOnlyNeedsRestartAndRelayOnlyReload() throws {
    let main = try ApplySupport.read(ApplySupport.debian + "/main.cf")
    let master = try ApplySupport.read(ApplySupport.debian + "/master.cf")
    let sendOnly = try ApplySupport.plan(
      .sendOnly, options: try ApplySupport.options(.sendOnly), main: main, master: master)
    #expect(sendOnly.activation == .restart)
    let relay = try ApplySupport.plan(
      .relay, options: try ApplySupport.options(.relay), main: main, master: master)
    #expect(relay.activation == .reload)
    #expect(relay.relayChanged)
    // Debian's relay list already refuses outsiders: it is kept as it is.
    #expect(!relay.changes.contains { $0.name == "smtpd_relay_restrictions" })
    #expect(relay.ruleIDs.contains(RuleID.mynetworksNarrow))
    #expect(relay.ruleIDs.contains(RuleID.disableVRFY))
  }

  @Test func trickyFixtureResolvesDuplicatesAndMasterOverrides() throws {
    let main = try ApplySupport.read(ApplySupport.tricky + "/main.cf")
    let master = try ApplySupport.read(ApplySupport.tricky + "/master.cf")
    let before = ApplySupport.configuration(main, master)
    #expect(before.warnings.contains { $0.message.contains("overriding earlier entry") })
    let plan = try ApplySupport.plan(
      .relay, options: try ApplySupport.options(.relay), main: main, master: master)
    let text = String(decoding: plan.mainCF.updated, as: UTF8.self)
    // The earlier duplicate is commented out, the later one rewritten in place.
    #expect(
      text.contains("#smtpd_helo_required = no\ninet_interfaces = all\nsmtpd_helo_required = yes\n")
    )
    #expect(text.contains("#disable_vrfy_command = yes\nsmtpd_banner"))
    #expect(text.contains("\ndisable_vrfy_command = yes\n# trailing comment\n"))
    // A continued value is replaced by one line; the comment inside it
    // stays, and so do the private networks the admin trusts.
    #expect(text.contains("    # a comment inside a continuation\n"))
    #expect(!text.contains("    172.16.0.0/12"))
    #expect(text.contains("mynetworks = 127.0.0.0/8 10.0.0.0/8 172.16.0.0/12 192.0.2.0/24\n"))
    let after = ApplySupport.configuration(plan.mainCF.updated, plan.masterCF?.updated)
    #expect(after.warnings.isEmpty, "\(after.warnings)")
    // Port 25's contradicting -o settings are gone; submission's are kept.
    #expect(after.setting("disable_vrfy_command", service: "smtp", type: "inet").text == "yes")
    // Its own relay list is edited, not replaced: every entry stays and
    // reject_unauth_destination comes before the bare permit.
    #expect(
      after.setting("smtpd_relay_restrictions", service: "smtp", type: "inet").text
        == "permit_mynetworks,reject_unauth_destination,permit")
    #expect(
      after.setting("smtpd_client_restrictions", service: "smtp", type: "inet").text
        == "permit_mynetworks,reject")
    #expect(
      after.setting("smtpd_relay_restrictions", service: "submission", type: "inet").text
        == "permit_sasl_authenticated,reject")
    #expect(
      after.setting("smtpd_tls_security_level", service: "submission", type: "inet").text
        == "encrypt")
    // An -o the profile does not set stays.
    #expect(
      after.setting("smtpd_client_restrictions", service: "smtp", type: "inet").text
        == "permit_mynetworks,reject")
  }

  @Test func submissionAddsBothServicesWithTheSmtpChrootColumn() throws {
    let main = try ApplySupport.read(ApplySupport.debian + "/main.cf")
    let master = try ApplySupport.read(ApplySupport.debian + "/master.cf")
    let plan = try ApplySupport.plan(
      .submission, options: try ApplySupport.options(.submission), main: main, master: master)
    let text = String(decoding: plan.masterCF?.updated ?? [], as: UTF8.self)
    #expect(text.contains("\nsubmission inet  n       -       y       -       -       smtpd\n"))
    #expect(text.contains("\nsubmissions inet n       -       y       -       -       smtpd\n"))
    let result = ApplySupport.configuration(plan.mainCF.updated, plan.masterCF?.updated)
    for service in ["submission", "submissions"] {
      #expect(
        result.setting("smtpd_tls_security_level", service: service, type: "inet").text
          == "encrypt")
      #expect(
        result.setting("smtpd_sasl_auth_enable", service: service, type: "inet").text == "yes")
      #expect(
        result.setting("smtpd_relay_restrictions", service: service, type: "inet").text
          == "permit_sasl_authenticated,reject")
    }
    #expect(
      result.setting("smtpd_tls_wrappermode", service: "submissions", type: "inet").text == "yes")
    // Port 25 stays opportunistic.
    #expect(result.setting("smtpd_tls_security_level", service: "smtp", type: "inet").text == "may")
  }

  @Test(arguments: [Profile.relay, .mx, .submission])
  func withoutACertificateServerTLSIsLeftAloneAndSaid(profile: Profile) throws {
    let main = try ApplySupport.read(ApplySupport.debian + "/main.cf")
    let master = try ApplySupport.read(ApplySupport.debian + "/master.cf")
    let options = try ApplySupport.options(profile, certificate: false)
    let build = try profile.build(
      options: options, configuration: ApplySupport.configuration(main, master),
      isReadable: { _ in false })
    let note = try #require(build.notes.first { "\($0)".contains("server TLS left as it is") })
    guard case .serverTLSUnchanged = note.kind else {
      Issue.record("\(note.kind)")
      return
    }
    #expect(!"\(note)".contains("--"), "the library names no command-line option")
    #expect(!build.transforms.contains { $0.id == "server-tls" })
    let plan = try ApplySupport.plan(profile, options: options, main: main, master: master)
    let result = ApplySupport.configuration(plan.mainCF.updated, plan.masterCF?.updated)
    #expect(result.setting("smtpd_tls_security_level").text == "")
    let masterText = String(decoding: plan.masterCF?.updated ?? [], as: UTF8.self)
    #expect(!masterText.contains("\nsubmissions inet"))
    // Everything else still changes.
    #expect(result.setting("disable_vrfy_command").text == "yes")
  }

  @Test func anUnreadableGivenCertificateIsAnError() throws {
    let main = try ApplySupport.read(ApplySupport.debian + "/main.cf")
    do {
      _ = try Profile.relay.build(
        options: try ApplySupport.options(.relay),
        configuration: ApplySupport.configuration(main, nil),
        isReadable: { $0 != ApplySupport.certificate.keyFile })
      Issue.record("an unreadable --key was accepted")
    } catch let error as PostfixHardeningError {
      #expect(error.code == .configuration)
      #expect(error.reason.contains("cannot read /etc/ssl/test/key.pem"))
    }
  }

  @Test func aConfiguredReadableCertificateIsKept() throws {
    let main = Array(
      "smtpd_tls_cert_file = /etc/ssl/a.pem\nsmtpd_tls_key_file = /etc/ssl/a.key\n".utf8)
    var options = try ApplySupport.options(.mx, certificate: false)
    options.tls = .modern
    let plan = try ApplySupport.plan(.mx, options: options, main: main, master: nil)
    let result = ApplySupport.configuration(plan.mainCF.updated, nil)
    #expect(result.setting("smtpd_tls_cert_file").text == "/etc/ssl/a.pem")
    #expect(result.setting("smtpd_tls_security_level").text == "may")
    #expect(result.setting("smtpd_tls_protocols").text == "!SSLv2, !SSLv3")
    #expect(
      result.setting("smtpd_tls_mandatory_protocols").text
        == "!SSLv2, !SSLv3, !TLSv1, !TLSv1.1, !TLSv1.2")
  }

  @Test func relayStrengthAppliesToOptionalTLSToo() throws {
    var options = try ApplySupport.options(.relay)
    options.tls = .modern
    options.relayDomains = ["example.org", "example.net"]
    let plan = try ApplySupport.plan(
      .relay, options: options, main: Array("myhostname = a.example\n".utf8), master: nil)
    let result = ApplySupport.configuration(plan.mainCF.updated, nil)
    #expect(
      result.setting("smtpd_tls_protocols").text == "!SSLv2, !SSLv3, !TLSv1, !TLSv1.1, !TLSv1.2")
    #expect(result.setting("smtpd_tls_ciphers").text == "high")
    #expect(result.setting("relay_domains").text == "example.org, example.net")
  }

  @Test func relayWithoutNetworkIsAnInvalidRequest() throws {
    let main = try ApplySupport.read(ApplySupport.debian + "/main.cf")
    #expect(throws: PostfixHardeningError(.invalidRequest, "")) {
      try Profile.relay.build(
        options: ProfileOptions(), configuration: ApplySupport.configuration(main, nil),
        isReadable: { _ in true })
    }
  }

  @Test func unknownProfileSuggestsTheClosest() {
    do {
      _ = try Profile.named("rely")
      Issue.record("accepted")
    } catch let error as PostfixHardeningError {
      #expect(error.code == .invalidRequest)
      #expect(error.reason.contains("did you mean 'relay'?"))
    } catch {
      Issue.record("\(error)")
    }
    #expect((try? Profile.named("send-only")) == .sendOnly)
  }

  @Test func smugglingDefenceOnlyWhereTheVersionHasIt() throws {
    let main = Array("myhostname = a.example\n".utf8)
    for (version, expected) in [
      ("3.7.11", true), ("3.7.8", false), ("3.6.13", true), ("3.9.0", true),
    ] {
      let plan = try ApplySupport.plan(
        .sendOnly, options: ProfileOptions(), main: main, master: nil,
        version: try ApplySupport.version(version))
      let text = String(decoding: plan.mainCF.updated, as: UTF8.self)
      #expect(text.contains("smtpd_forbid_bare_newline = yes") == expected, "\(version)")
      #expect(plan.skipped.contains { $0.hasPrefix("forbid-bare-newline") } == !expected)
    }
  }

  @Test func everyTransformDeclaresRulesAndParameters() throws {
    let transforms: [Transform] = [
      .disableVRFY, .loopbackOnly, .mynetworks([]), .requireHELO, .heloRestrictions,
      .clientTLSLogging, .serverTLSLogging, .banner, .clientTLS,
      .relayRestrictions(permitAuthenticated: false), .relayDomains([]), .forbidBareNewline,
      .rejectUnauthPipelining,
      .serverTLS(certificate: nil, strength: .intermediate, opportunisticFloor: false),
      .submissionServices(sasl: .cyrus, path: nil, strength: .modern),
    ]
    for transform in transforms {
      #expect(!transform.ruleIDs.isEmpty, "\(transform.id)")
      #expect(!transform.settings.isEmpty, "\(transform.id)")
      for name in transform.parameters {
        #expect(ParameterCatalog.embedded.parameter(name) != nil, "\(name)")
      }
    }
    #expect(Transform.loopbackOnly.activation == .restart)
    #expect(Transform.disableVRFY.activation == .reload)
    let relay = Transform.relayRestrictions(permitAuthenticated: false)
    #expect(relay.settings.last.map { $0.value.hasSuffix("reject_unauth_destination") } == true)
  }
}
