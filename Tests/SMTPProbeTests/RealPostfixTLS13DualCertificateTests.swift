import Foundation
import Testing

@testable import SMTPProbe

/// Dual certificates on a TLS 1.3-only Postfix are each read and judged.
///
/// `smtpd_tls_protocols = >=TLSv1.3` with a valid RSA certificate and an ECDSA (P-256)
/// one that expired in 2021 through `smtpd_tls_chain_files`: no TLS 1.2 suite can show
/// them, and TLS 1.3 encrypts the certificate, so the scan completes TLS 1.3 handshakes
/// and narrows `signature_algorithms` to the key types not seen yet.
///
/// `openssl s_client -tls1_3 -sigalgs` is the ground truth. Only 127.0.0.1 is ever
/// connected to.
@Suite(.serialized, .enabled(if: TLSProbeGate.shouldRun, TLSProbeGate.skipComment))
struct RealPostfixTLS13DualCertificateTests {
  /// `openssl s_client -starttls smtp -tls1_3 [-sigalgs ...]`, nothing on stdin, at most 20 s.
  func sClient(_ port: UInt16, sigalgs: String?) throws -> String {
    let run = try TLSTools.run(
      "/usr/bin/timeout",
      ["20", TLSProbeGate.openssl, "s_client", "-starttls", "smtp", "-tls1_3"]
        + (sigalgs.map { ["-sigalgs", $0] } ?? []) + ["-connect", "127.0.0.1:\(port)"])
    return run.stdout + run.stderr
  }

  /// `connect from` lines once the log has stopped growing (at most 3 s).
  func settledConnections(_ instance: PostfixInstance) -> Int {
    var last = -1
    for _ in 0..<15 {
      let count = instance.loggedConnections()
      if count == last { return count }
      last = count
      usleep(200_000)
    }
    return last
  }

  @Test func expiredECDSACertificateOfATLS13OnlyServerIsFound() throws {
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
          "smtpd_tls_chain_files = \(rsa.key), \(rsa.certificate), \(ec.key), \(ec.certificate)",
          "smtpd_tls_protocols = >=TLSv1.3",
        ]))
    defer { instance.stop() }
    try instance.start()

    let before = settledConnections(instance)
    var options = ProbeOptions()
    options.tlsOnly = true
    options.stepTimeout = .seconds(5)
    let report = Prober.probe(host: "127.0.0.1", port: instance.port, options: options)
    let why = Comment(rawValue: report.json() + "\nmaillog:\n" + instance.log())
    let tls = try #require(report.tls, why)
    #expect(tls.protocols["TLSv1.3"] == true, why)
    #expect(tls.protocols["TLSv1.2"] == false, why)
    let all = [tls.certificate].compactMap { $0 } + tls.otherCertificates
    #expect(Set(all.map(\.keyType)) == ["RSA", "EC"], why)
    #expect(all.allSatisfy { $0.seenWith == "TLSv1.3" }, why)
    #expect(all.first { $0.keyType == "EC" }?.notAfter == "2021-01-01T00:00:00Z", why)
    #expect(all.first { $0.keyType == "RSA" }?.notAfter == "2040-01-01T00:00:00Z", why)
    let expired = report.findings.filter { $0.id == "tls-certificate-expired" }
    #expect(expired.count == 1, why)
    #expect(expired.first?.message.contains("EC P-256") == true, why)
    #expect(!report.findings.contains { $0.id == "tls-certificate-not-seen" }, why)
    #expect(tls.notes == [], why)
    #expect(report.connections == settledConnections(instance) - before, why)

    // Ground truth: with ECDSA schemes only the expired EC certificate is served, with
    // RSA-PSS ones the valid RSA certificate, and TLS 1.2 is refused.
    let ecdsa = try sClient(instance.port, sigalgs: "ecdsa_secp256r1_sha256")
    let rsaOnly = try sClient(instance.port, sigalgs: "rsa_pss_rsae_sha256")
    let plain = try sClient(instance.port, sigalgs: nil)
    #expect(ecdsa.contains("TLSv1.3"), Comment(rawValue: ecdsa))
    #expect(ecdsa.contains("certificate has expired"), Comment(rawValue: ecdsa))
    #expect(ecdsa.contains("NotAfter: Jan  1 00:00:00 2021 GMT"), Comment(rawValue: ecdsa))
    #expect(!rsaOnly.contains("certificate has expired"), Comment(rawValue: rsaOnly))
    #expect(rsaOnly.contains("NotAfter: Jan  1 00:00:00 2040 GMT"), Comment(rawValue: rsaOnly))
    print(
      "TLS 1.3 only, dual certificates 127.0.0.1:\(instance.port): openssl -tls1_3 -sigalgs "
        + "ecdsa_secp256r1_sha256: "
        + "\(ecdsa.contains("certificate has expired") ? "certificate has expired" : "?"); "
        + "rsa_pss_rsae_sha256: "
        + "\(rsaOnly.contains("NotAfter: Jan  1 00:00:00 2040 GMT") ? "valid until 2040" : "?"); "
        + "no -sigalgs: \(plain.contains("certificate has expired") ? "the EC one" : "the RSA one"); "
        + "probe: \(all.map { "\($0.keyType) until \($0.notAfter)" }), \(tls.connections) "
        + "connections; \(expired.first?.message ?? "-")")
  }
}
