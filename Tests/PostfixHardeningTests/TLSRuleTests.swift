import PostfixConfig
import Testing

@testable import PostfixHardening

/// The TLS rules, judged by role.
@Suite struct TLSRuleTests {
  typealias F = AuditFixtures

  func audit(
    _ rule: any AuditRule, main: String, master: String? = nil,
    options: AuditOptions = AuditOptions()
  ) throws -> [Finding] {
    F.run(
      rule, try F.configuration(main: main, master: try master ?? F.hardenedMaster()),
      options: options)
  }

  static let certificate = "/etc/ssl/certs/mail.example.test.pem"
  static let key = "/etc/ssl/private/mail.example.test.key"

  @Test func serverTLSOffIsAWarningForAnMX() throws {
    let failing = F.run(ServerTLSRule(), try F.configuration("debian-pristine"))
    #expect(failing.map(\.severity) == [.warning])
    #expect(F.run(ServerTLSRule(), try F.configuration("debian-snakeoil")).isEmpty)
    #expect(F.run(ServerTLSRule(), try F.configuration("hardened")).isEmpty)
  }

  @Test func serverTLSOffOnSubmissionIsAnError() throws {
    let main = try F.hardenedMain(appending: "smtpd_tls_security_level = none\n")
    let master = try F.hardenedMaster().replacingFirst(
      "  -o smtpd_tls_security_level=encrypt\n", with: "  -o smtpd_tls_security_level=none\n")
    let failing = try audit(ServerTLSRule(), main: main, master: master)
    #expect(failing.contains { $0.severity == .error && $0.service == "submission/inet" })
  }

  @Test func certificateFiles() throws {
    let configuration = try F.configuration("hardened")
    let missing = HostFacts(isRoot: true, files: [Self.certificate: .init(exists: false)])
    #expect(
      F.run(ServerTLSRule(), configuration, options: AuditOptions(host: missing)).map(\.severity)
        == [.error])
    let unreadable: [String: HostFacts.FileFact] = [
      Self.certificate: .init(exists: true), Self.key: .init(exists: true, readable: false),
    ]
    let asUser = F.run(
      ServerTLSRule(), configuration,
      options: AuditOptions(host: HostFacts(isRoot: false, files: unreadable)))
    #expect(asUser.map(\.severity) == [.info])
    #expect(asUser.first?.message.hasPrefix("cannot verify") == true)
    let asRoot = F.run(
      ServerTLSRule(), configuration,
      options: AuditOptions(host: HostFacts(isRoot: true, files: unreadable)))
    #expect(asRoot.map(\.severity) == [.error])
    let fine: [String: HostFacts.FileFact] = [
      Self.certificate: .init(exists: true), Self.key: .init(exists: true, mode: 0o600),
    ]
    #expect(
      F.run(
        ServerTLSRule(), configuration,
        options: AuditOptions(host: HostFacts(isRoot: true, files: fine))
      )
      .isEmpty)
    let noCertificate = try audit(
      ServerTLSRule(), main: try F.hardenedMain(appending: "smtpd_tls_cert_file =\n"))
    #expect(noCertificate.contains { $0.message.contains("no server certificate") })
  }

  @Test func submissionMustRequireTLS() throws {
    #expect(F.run(SubmissionTLSRule(), try F.configuration("hardened")).isEmpty)
    let master = try F.hardenedMaster().replacingFirst(
      "  -o smtpd_tls_security_level=encrypt\n", with: "  -o smtpd_tls_security_level=none\n"
    ).replacingFirst("  -o smtpd_tls_wrappermode=yes\n", with: "")
    let failing = try audit(SubmissionTLSRule(), main: try F.hardenedMain(), master: master)
    #expect(failing.map(\.service) == ["submission/inet", "submissions/inet"])
    #expect(failing.allSatisfy { $0.severity == .error })
    #expect(failing.first?.line == 21)
    #expect(failing.last?.line == 38)
  }

  @Test func authOnlyOverTLS() throws {
    #expect(F.run(TLSAuthOnlyRule(), try F.configuration("hardened")).isEmpty)
    let main = try F.hardenedMain(
      appending: "smtpd_sasl_auth_enable = yes\nsmtpd_tls_auth_only = no\n")
    let failing = try audit(TLSAuthOnlyRule(), main: main)
    #expect(failing.map(\.severity) == [.warning])
  }

  @Test func protocols() throws {
    #expect(F.run(TLSProtocolsRule(), try F.configuration("hardened")).isEmpty)
    let ssl = try audit(
      TLSProtocolsRule(), main: try F.hardenedMain(appending: "smtpd_tls_protocols = !SSLv2\n"))
    #expect(ssl.map(\.severity) == [.error])
    #expect(ssl.first?.message.contains("SSLv3") == true)
    let old = try audit(
      TLSProtocolsRule(),
      main: try F.hardenedMain(appending: "smtpd_tls_mandatory_protocols = >=TLSv1\n"))
    #expect(old.map(\.severity) == [.warning])
    #expect(TLSFacts.allowedProtocols([">=TLSv1.2"]) == ["tlsv1.2", "tlsv1.3"])
    #expect(
      TLSFacts.allowedProtocols(["!SSLv2", "!SSLv3"]) == ["tlsv1", "tlsv1.1", "tlsv1.2", "tlsv1.3"])
    #expect(TLSFacts.allowedProtocols(["TLSv1.2", "TLSv1.3"]) == ["tlsv1.2", "tlsv1.3"])
  }

  @Test func cipherGrades() throws {
    #expect(F.run(TLSCipherGradeRule(), try F.configuration("hardened")).isEmpty)
    let export = try audit(
      TLSCipherGradeRule(), main: try F.hardenedMain(appending: "smtpd_tls_ciphers = export\n"))
    #expect(export.map(\.severity) == [.error])
    let edited = try audit(
      TLSCipherGradeRule(),
      main: try F.hardenedMain(appending: "tls_medium_cipherlist = ECDHE+AESGCM\n"))
    #expect(edited.map(\.severity) == [.warning])
  }

  @Test func ffdheGroupsBeforeThreeEight() throws {
    let main = try F.hardenedMain(appending: "tls_ffdhe_auto_groups = ffdhe2048\n")
    let old = try audit(FFDHEAutoGroupsRule(), main: main)
    #expect(old.map(\.severity) == [.warning])
    let new = try audit(
      FFDHEAutoGroupsRule(), main: main,
      options: AuditOptions(targetVersion: PostfixVersion("3.8.1")))
    #expect(new.isEmpty)
  }

  @Test func dhParametersByRole() throws {
    // mx: anonymous suites with OpenSSL's 1024-bit DH are acceptable.
    #expect(F.run(DHParametersRule(), try F.configuration("hardened")).isEmpty)
    // relay without aNULL excluded: warning.
    let relay = try audit(
      DHParametersRule(), main: try F.hardenedMain(appending: "mynetworks = 192.168.1.0/24\n"))
    #expect(relay.map(\.severity) == [.warning])
    // A weak custom file: error on submission, warning on the mx.
    let path = "/etc/postfix/dh1024.pem"
    let main = try F.hardenedMain(appending: "smtpd_tls_dh1024_param_file = \(path)\n")
    let weak = try audit(
      DHParametersRule(), main: main,
      options: AuditOptions(host: HostFacts(isRoot: true, dhParameterBits: [path: 1024])))
    // One main.cf line judged for three services: the strictest role wins.
    #expect(weak.map(\.severity) == [.error])
    let strong = try audit(
      DHParametersRule(), main: main,
      options: AuditOptions(host: HostFacts(isRoot: true, dhParameterBits: [path: 2048])))
    #expect(strong.isEmpty)
    let unknown = try audit(
      DHParametersRule(), main: main,
      options: AuditOptions(host: HostFacts(isRoot: true, dhParameterBits: [path: Int?.none])))
    #expect(unknown.map(\.severity) == [.info])
  }
}
