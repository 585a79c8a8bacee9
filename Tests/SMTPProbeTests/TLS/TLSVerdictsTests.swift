import Testing

@testable import SMTPProbe

@Suite struct TLSVerdictsTests {
  static let now: Int64 = 1_800_000_000

  static func row(_ proto: String, _ suite: UInt16, bits: Int? = nil) -> TLSCipherResult {
    let info = CipherSuiteRegistry.suite(suite)
    return TLSCipherResult(
      protocol: proto, id: tlsHex16(suite), name: info?.name ?? "",
      kex: info?.keyExchange.rawValue ?? "",
      kexBits: bits, group: nil, suiteID: suite, anonymous: info?.isAnonymous ?? false,
      forwardSecret: info?.forwardSecret ?? false)
  }

  static func summary(_ file: String, host: String? = nil) throws -> TLSCertificateSummary {
    let leaf = try X509Certificate.parse(try TLSFixtures.certificate(file))
    return TLSCertificateSummary(
      keyType: leaf.keyType, keyBits: leaf.keyBits, notAfter: leaf.notAfterText,
      selfSigned: leaf.selfSigned, subjectAltNames: leaf.subjectAltNames, leaf: leaf,
      matchesHost: host.map { leaf.matches(host: $0) }, chainLength: 1)
  }

  /// A Postfix 3.7 + OpenSSL 3 default: TLS 1.0–1.3, 2048-bit DHE, 1024-bit ADH.
  static func postfixDefault() throws -> TLSScanResult {
    var result = TLSScanResult()
    result.protocols = [
      "SSLv3": false, "TLSv1.0": true, "TLSv1.1": true, "TLSv1.2": true, "TLSv1.3": true,
    ]
    result.ciphers = [
      row("TLSv1.2", 0xC030, bits: 253), row("TLSv1.2", 0x009F, bits: 2048),
      row("TLSv1.2", 0x00A6, bits: 1024), row("TLSv1.2", 0x00A7, bits: 3072),
    ]
    result.minDHBits = 2048
    result.minAnonDHBits = 1024
    result.certificate = try summary("rsa2048", host: "mail.example.test")
    return result
  }

  func ids(_ findings: [TLSFinding]) -> [String: TLSFinding.Severity] {
    Dictionary(findings.map { ($0.id, $0.severity) }, uniquingKeysWith: { $1 })
  }

  @Test func postfixDefaultOnAnMX() throws {
    let found = ids(TLSVerdicts.findings(for: try Self.postfixDefault(), role: .mx, now: Self.now))
    #expect(
      found == [
        "tls-tls10-offered": .warning, "tls-tls11-offered": .warning,
        "tls-weak-anon-dh": .info, "tls-self-signed": .info,
      ])
  }

  @Test func postfixDefaultOnSubmission() throws {
    let found = ids(
      TLSVerdicts.findings(for: try Self.postfixDefault(), role: .submission, now: Self.now))
    #expect(
      found == [
        "tls-tls10-offered": .error, "tls-tls11-offered": .error, "tls-weak-anon-dh": .error,
        "tls-anonymous-suites": .warning, "tls-self-signed": .warning,
      ])
  }

  @Test func logjamAndWeakKeyAndSSLv3() throws {
    var result = try Self.postfixDefault()
    result.protocols["SSLv3"] = true
    result.ciphers.append(Self.row("TLSv1.0", 0x0033, bits: 1024))
    result.minDHBits = 1024
    result.certificate = try Self.summary("rsa1024")
    let found = TLSVerdicts.findings(for: result, role: .mx, now: Self.now)
    let map = ids(found)
    #expect(map["tls-sslv3-offered"] == .error)
    #expect(map["tls-weak-dh"] == .warning)
    #expect(map["tls-weak-certificate-key"] == .error)
    #expect(found.first?.severity == .error)  // most severe first
    let logjam = try #require(found.first { $0.id == "tls-weak-dh" })
    #expect(logjam.message.contains("1024-bit"))
    #expect(logjam.message.contains("TLS_DHE_RSA_WITH_AES_128_CBC_SHA"))
    #expect(logjam.reference.contains("weakdh.org"))
    #expect(
      ids(TLSVerdicts.findings(for: result, role: .relay, now: Self.now))["tls-weak-dh"] == .error)
  }

  @Test func expiryUsesThePassedClock() throws {
    let result = try Self.postfixDefault()
    let notAfter = try #require(result.certificate?.leaf.notAfter)
    #expect(
      ids(TLSVerdicts.findings(for: result, role: .mx, now: notAfter + 1))[
        "tls-certificate-expired"] == .warning)
    #expect(
      ids(TLSVerdicts.findings(for: result, role: .relay, now: notAfter + 1))[
        "tls-certificate-expired"] == .error)
    let soon = ids(TLSVerdicts.findings(for: result, role: .mx, now: notAfter - 29 * 86_400))
    #expect(soon["tls-certificate-expiring"] == .warning)
    #expect(soon["tls-certificate-expired"] == nil)
    let fine = ids(TLSVerdicts.findings(for: result, role: .mx, now: notAfter - 31 * 86_400))
    #expect(fine["tls-certificate-expiring"] == nil)
    let early = try #require(result.certificate?.leaf.notBefore)
    #expect(
      ids(TLSVerdicts.findings(for: result, role: .mx, now: early - 10))[
        "tls-certificate-not-yet-valid"] == .warning)
  }

  @Test func sha1SignatureAndNameMismatch() throws {
    var result = try Self.postfixDefault()
    result.certificate = try Self.summary("sha1", host: "mail.example.test")
    let mx = ids(TLSVerdicts.findings(for: result, role: .mx, now: Self.now))
    #expect(mx["tls-sha1-signature"] == .info)  // self-signed: nobody checks that signature
    #expect(mx["tls-name-mismatch"] == .info)
    #expect(
      ids(TLSVerdicts.findings(for: result, role: .relay, now: Self.now))["tls-name-mismatch"]
        == .error)
  }

  @Test func noForwardSecrecy() {
    var result = TLSScanResult()
    result.protocols = ["TLSv1.2": true]
    result.ciphers = [Self.row("TLSv1.2", 0x009C), Self.row("TLSv1.2", 0x0035)]
    #expect(
      ids(TLSVerdicts.findings(for: result, role: .mx, now: Self.now))["tls-no-forward-secrecy"]
        == .error)
  }

  @Test func noSTARTTLS() {
    let finding = TLSVerdicts.noSTARTTLS(role: .mx)
    #expect(finding.id == "starttls-not-offered")
    #expect(finding.severity == .warning)
    #expect(finding.reference.contains("RFC 3207"))
    #expect(TLSVerdicts.noSTARTTLS(role: .relay).severity == .error)
    #expect(TLSVerdicts.noSTARTTLS(role: .submission).severity == .error)
  }
}
