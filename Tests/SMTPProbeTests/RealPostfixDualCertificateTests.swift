import Foundation
import Testing

@testable import SMTPProbe

/// Dual certificates through `smtpd_tls_chain_files` are each judged.
///
/// A valid RSA certificate and an ECDSA (P-256) one that expired in 2021: each accepted
/// TLS 1.2 suite shows the certificate for its key type, and the expired finding names
/// the EC key.
///
/// `openssl s_client -sigalgs` is the ground truth. Only 127.0.0.1 is ever connected to.
@Suite(.serialized, .enabled(if: TLSProbeGate.shouldRun, TLSProbeGate.skipComment))
struct RealPostfixDualCertificateTests {
  /// `openssl s_client -starttls smtp -tls1_2 -sigalgs ...`, nothing on stdin, at most 20 s.
  func sClient(_ port: UInt16, sigalgs: String) throws -> String {
    let run = try TLSTools.run(
      "/usr/bin/timeout",
      [
        "20", TLSProbeGate.openssl, "s_client", "-starttls", "smtp", "-tls1_2", "-sigalgs",
        sigalgs, "-connect", "127.0.0.1:\(port)",
      ])
    return run.stdout + run.stderr
  }

  @Test func expiredECDSACertificateNextToAValidRSAOneIsFound() throws {
    try TLSProbeGate.require()
    let rsa = try BackdatedCertificate(
      newkey: ["-newkey", "rsa:2048"], start: "20200101000000Z", end: "20400101000000Z")
    let ec = try BackdatedCertificate(
      newkey: ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
      start: "20200101000000Z", end: "20210101000000Z")
    let instance = try PostfixInstance(
      posture: .stock,
      tls: PostfixInstance.TLSSettings(
        certificate: rsa.certificate, key: rsa.key,
        parameters: [
          "smtpd_tls_chain_files = \(rsa.key), \(rsa.certificate), \(ec.key), \(ec.certificate)"
        ]))
    defer { instance.stop() }
    try instance.start()

    var options = ProbeOptions()
    options.tlsOnly = true
    options.stepTimeout = .seconds(5)
    let report = Prober.probe(host: "127.0.0.1", port: instance.port, options: options)
    let why = Comment(rawValue: report.json() + "\nmaillog:\n" + instance.log())
    let tls = try #require(report.tls, why)
    let all = [tls.certificate].compactMap { $0 } + tls.otherCertificates
    #expect(Set(all.map(\.keyType)) == ["RSA", "EC"], why)
    #expect(all.first { $0.keyType == "EC" }?.notAfter == "2021-01-01T00:00:00Z", why)
    #expect(all.first { $0.keyType == "RSA" }?.notAfter == "2040-01-01T00:00:00Z", why)
    let expired = report.findings.filter { $0.id == "tls-certificate-expired" }
    #expect(expired.count == 1, why)
    #expect(expired.first?.message.contains("EC P-256") == true, why)
    #expect(report.json().contains("\"otherCertificates\""), why)

    // Ground truth: with ECDSA signature algorithms only the expired EC certificate is
    // served, with RSA ones the valid RSA certificate.
    let ecdsa = try sClient(instance.port, sigalgs: "ECDSA+SHA256")
    let rsaOnly = try sClient(instance.port, sigalgs: "RSA-PSS+SHA256:RSA+SHA256")
    #expect(ecdsa.contains("certificate has expired"), Comment(rawValue: ecdsa))
    #expect(ecdsa.contains("NotAfter: Jan  1 00:00:00 2021 GMT"), Comment(rawValue: ecdsa))
    #expect(!rsaOnly.contains("certificate has expired"), Comment(rawValue: rsaOnly))
    #expect(rsaOnly.contains("NotAfter: Jan  1 00:00:00 2040 GMT"), Comment(rawValue: rsaOnly))
    print(
      "dual certificates 127.0.0.1:\(instance.port): openssl -sigalgs ECDSA+SHA256: "
        + "\(ecdsa.contains("certificate has expired") ? "certificate has expired" : "?"); "
        + "-sigalgs RSA-PSS+SHA256:RSA+SHA256: "
        + "\(rsaOnly.contains("NotAfter: Jan  1 00:00:00 2040 GMT") ? "valid until 2040" : "?"); "
        + "probe: \(expired.first?.message ?? "-")")
  }
}
