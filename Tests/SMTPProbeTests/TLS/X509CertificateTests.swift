import Foundation
import Testing

@testable import SMTPProbe

@Suite struct X509CertificateTests {
  struct Expected: Sendable, CustomTestStringConvertible {
    var file: String
    var keyType: String
    var keyBits: Int
    var curve: String?
    var signature: String
    var selfSigned: Bool
    var commonName: String
    var sans: [String]
    var testDescription: String { file }
  }

  static let cases: [Expected] = [
    Expected(
      file: "rsa1024", keyType: "RSA", keyBits: 1024, signature: "sha256WithRSAEncryption",
      selfSigned: true, commonName: "mail.example.test",
      sans: ["mail.example.test", "mx.example.test", "*.example.org"]),
    Expected(
      file: "rsa2048", keyType: "RSA", keyBits: 2048, signature: "sha256WithRSAEncryption",
      selfSigned: true, commonName: "mail.example.test",
      sans: ["mail.example.test", "mx.example.test", "*.example.org"]),
    Expected(
      file: "rsa4096", keyType: "RSA", keyBits: 4096, signature: "sha256WithRSAEncryption",
      selfSigned: true, commonName: "mail.example.test",
      sans: ["mail.example.test", "mx.example.test", "*.example.org"]),
    Expected(
      file: "ec-prime256v1", keyType: "EC", keyBits: 256, curve: "P-256",
      signature: "ecdsa-with-SHA256", selfSigned: true, commonName: "mail.example.test",
      sans: ["mail.example.test", "mx.example.test", "*.example.org"]),
    Expected(
      file: "ec-secp384r1", keyType: "EC", keyBits: 384, curve: "P-384",
      signature: "ecdsa-with-SHA256", selfSigned: true, commonName: "mail.example.test",
      sans: ["mail.example.test", "mx.example.test", "*.example.org"]),
    Expected(
      file: "sha1", keyType: "RSA", keyBits: 2048, signature: "sha1WithRSAEncryption",
      selfSigned: true, commonName: "legacy.example.test", sans: []),
    Expected(
      file: "leaf", keyType: "RSA", keyBits: 2048, signature: "sha384WithRSAEncryption",
      selfSigned: false, commonName: "mx.example.test",
      sans: ["mail.example.test", "mx.example.test", "*.example.org"]),
    Expected(
      file: "ca", keyType: "RSA", keyBits: 2048, signature: "sha256WithRSAEncryption",
      selfSigned: true, commonName: "pfharden Test CA", sans: []),
  ]

  @Test(arguments: cases) func facts(expected: Expected) throws {
    let certificate = try X509Certificate.parse(try TLSFixtures.certificate(expected.file))
    #expect(certificate.keyType == expected.keyType)
    #expect(certificate.keyBits == expected.keyBits)
    #expect(certificate.curve == expected.curve)
    #expect(certificate.signatureAlgorithm == expected.signature)
    #expect(certificate.selfSigned == expected.selfSigned)
    #expect(certificate.subjectCommonName == expected.commonName)
    #expect(certificate.subjectAltNames == expected.sans)
    #expect(certificate.hasWeakSignatureDigest == (expected.file == "sha1"))
    #expect(certificate.notAfter > certificate.notBefore)
  }

  @Test func leafIsIssuedByTheCA() throws {
    let leaf = try X509Certificate.parse(try TLSFixtures.certificate("leaf"))
    let ca = try X509Certificate.parse(try TLSFixtures.certificate("ca"))
    #expect(leaf.issuer == ca.subject)
    #expect(ca.subject == "C=DE, O=pfharden test, CN=pfharden Test CA")
    // notAfter in 2126 is a GeneralizedTime.
    #expect(leaf.notAfterText.hasPrefix("2126-"))
  }

  /// Compares with `openssl x509` on every fixture.
  @Test(.enabled(if: TLSTools.shouldRun, TLSTools.skipComment), arguments: cases)
  func agreesWithOpenSSL(expected: Expected) throws {
    try TLSTools.require()
    let facts = try TLSEndToEndTests.x509Facts(expected.file + ".pem")
    let certificate = try X509Certificate.parse(try TLSFixtures.certificate(expected.file))
    #expect(certificate.keyBits == facts.keyBits)
    #expect(certificate.keyType == facts.keyType)
    #expect(certificate.notAfterText == facts.notAfter)
    #expect(certificate.selfSigned == facts.selfSigned)
    #expect(certificate.subjectAltNames == facts.sans)
    #expect(certificate.signatureAlgorithm == facts.signature)
    let start = try TLSTools.run(
      TLSTools.openssl,
      [
        "x509", "-in", TLSFixtures.certs + "/\(expected.file).pem", "-noout", "-startdate",
        "-dateopt", "iso_8601",
      ]
    ).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    #expect(
      X509Time.format(certificate.notBefore)
        == start.replacingOccurrences(of: "notBefore=", with: "")
        .replacingOccurrences(of: " ", with: "T"))
  }

  @Test func nameMatching() throws {
    let certificate = try X509Certificate.parse(try TLSFixtures.certificate("rsa2048"))
    #expect(certificate.matches(host: "mail.example.test"))
    #expect(certificate.matches(host: "MX.Example.Test."))
    #expect(certificate.matches(host: "smtp.example.org"))
    #expect(!certificate.matches(host: "example.org"))
    #expect(!certificate.matches(host: "a.b.example.org"))
    #expect(!certificate.matches(host: "other.example.test"))
    #expect(!certificate.matches(host: ""))
    // Without subjectAltName the common name counts.
    let legacy = try X509Certificate.parse(try TLSFixtures.certificate("sha1"))
    #expect(legacy.matches(host: "legacy.example.test"))
    #expect(!legacy.matches(host: "mail.example.test"))
  }

  @Test func timeConversions() throws {
    #expect(X509Time.format(0) == "1970-01-01T00:00:00Z")
    #expect(X509Time.format(951_782_400) == "2000-02-29T00:00:00Z")
    let utc = DERNode(
      tag: 0x17, content: Array("491231235959Z".utf8), encoded: [], children: [])
    #expect(X509Time.format(try X509Time.parse(utc)) == "2049-12-31T23:59:59Z")
    let old = DERNode(tag: 0x17, content: Array("500101000000Z".utf8), encoded: [], children: [])
    #expect(X509Time.format(try X509Time.parse(old)) == "1950-01-01T00:00:00Z")
    let general = DERNode(
      tag: 0x18, content: Array("99991231235959Z".utf8), encoded: [], children: [])
    #expect(X509Time.format(try X509Time.parse(general)) == "9999-12-31T23:59:59Z")
    let bad = DERNode(tag: 0x17, content: Array("4912312359xxZ".utf8), encoded: [], children: [])
    #expect(throws: SMTPProbeError(.protocolViolation, "")) { try X509Time.parse(bad) }
  }

  @Test func objectIdentifiers() throws {
    #expect(
      try DER.objectIdentifier([0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x0B])
        == "1.2.840.113549.1.1.11")
    #expect(try DER.objectIdentifier([0x55, 0x1D, 0x11]) == "2.5.29.17")
    #expect(try DER.objectIdentifier([0x88, 0x37]) == "2.999")
  }
}
