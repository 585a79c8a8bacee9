import Testing

@testable import SMTPProbe

/// Verdicts on what certificates a server shows: none at all (anonymous suites only), or
/// one per key type (dual RSA and ECDSA certificates).
@Suite struct TLSCertificateVerdictTests {
  @Test func anonymousOnlyServerCannotBeVerifiedBySenders() {
    var result = TLSScanResult()
    result.protocols = [
      "SSLv3": false, "TLSv1.0": false, "TLSv1.1": false, "TLSv1.2": true, "TLSv1.3": false,
    ]
    result.ciphers = [
      TLSVerdictsTests.row("TLSv1.2", 0x00A7, bits: 3072),
      TLSVerdictsTests.row("TLSv1.2", 0xC019, bits: 253),
    ]
    for role in [TLSRole.mx, .relay, .submission] {
      let found = TLSVerdicts.findings(for: result, role: role, now: TLSVerdictsTests.now)
      let finding = found.first { $0.id == "tls-anonymous-only" }
      #expect(finding?.severity == .warning)
      #expect(finding?.message.contains("DANE") == true)
      #expect(finding?.message.contains("MTA-STS") == true)
    }
    // One authenticated suite and its certificate: no such finding.
    result.ciphers.append(TLSVerdictsTests.row("TLSv1.2", 0xC02F, bits: 253))
    result.certificate = try? TLSVerdictsTests.summary("rsa2048")
    let found = TLSVerdicts.findings(for: result, role: .mx, now: TLSVerdictsTests.now)
    #expect(!found.contains { $0.id == "tls-anonymous-only" })
  }

  @Test func everyKeyTypesCertificateIsJudgedAndNamed() throws {
    var result = try TLSVerdictsTests.postfixDefault()
    result.otherCertificates = [try TLSVerdictsTests.summary("ec-prime256v1")]
    let notAfter = result.otherCertificates[0].leaf.notAfter
    // A clock after the EC certificate's end: expired, and the message names its key.
    let found = TLSVerdicts.findings(for: result, role: .mx, now: notAfter + 1)
    let expired = found.filter { $0.id == "tls-certificate-expired" }
    #expect(expired.contains { $0.message.hasPrefix("The EC P-256 certificate expired") })
    for finding in found
    where finding.id.hasPrefix("tls-") && finding.message.contains("certificate") {
      #expect(!finding.message.hasPrefix("The certificate "), "\(finding.message)")
    }
  }
}
