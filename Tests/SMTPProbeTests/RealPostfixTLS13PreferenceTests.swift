import Foundation
import Testing

@testable import SMTPProbe

/// Whether a TLS 1.3-only Postfix imposes its cipher order, told by offering the first
/// two accepted suites in both orders.
///
/// Postfix sets OpenSSL's server-preference option with `tls_preempt_cipherlist = yes`,
/// and OpenSSL applies it to TLS 1.3 suites too: the server then answers
/// `TLS_AES_256_GCM_SHA384` (first in OpenSSL's default TLS 1.3 list) whichever order the
/// client offers; with the default `no` it takes the client's first. The scanner's
/// registry order puts `TLS_AES_128_GCM_SHA256` first, so the server's order shows
/// without an extra handshake, and the client's order needs the swapped offer.
///
/// `openssl s_client -tls1_3 -ciphersuites` with both orders is the ground truth. Only
/// 127.0.0.1 is ever connected to.
@Suite(.serialized, .enabled(if: TLSProbeGate.shouldRun, TLSProbeGate.skipComment))
struct RealPostfixTLS13PreferenceTests {
  static let aes128 = "TLS_AES_128_GCM_SHA256"
  static let aes256 = "TLS_AES_256_GCM_SHA384"

  /// The suite `openssl s_client -starttls smtp -tls1_3 -ciphersuites LIST` negotiates.
  func negotiated(_ port: UInt16, _ suites: [String]) throws -> String? {
    let run = try TLSTools.run(
      "/usr/bin/timeout",
      [
        "20", TLSProbeGate.openssl, "s_client", "-starttls", "smtp", "-tls1_3", "-ciphersuites",
        suites.joined(separator: ":"), "-connect", "127.0.0.1:\(port)",
      ])
    let text = run.stdout + run.stderr
    guard let range = text.range(of: "Cipher is ") else { return nil }
    return text[range.upperBound...].prefix { !$0.isWhitespace }.description
  }

  @Test(arguments: [false, true])
  func tls13OrderMatchesOpenSSL(preempt: Bool) throws {
    try TLSProbeGate.require()
    let certs = TLSFixtures.certs
    let instance = try PostfixInstance(
      posture: .stock,
      tls: PostfixInstance.TLSSettings(
        certificate: "\(certs)/rsa2048.pem", key: "\(certs)/rsa2048.key",
        parameters: [
          "smtpd_tls_protocols = >=TLSv1.3", "tls_preempt_cipherlist = \(preempt ? "yes" : "no")",
        ]))
    defer { instance.stop() }
    try instance.start()

    var options = ProbeOptions()
    options.tlsOnly = true
    options.stepTimeout = .seconds(5)
    let report = Prober.probe(host: "127.0.0.1", port: instance.port, options: options)
    let why = Comment(rawValue: report.json() + "\nmaillog:\n" + instance.log())
    let tls = try #require(report.tls, why)
    #expect(tls.protocols["TLSv1.3"] == true, why)
    #expect(tls.protocols["TLSv1.2"] == false, why)
    #expect(tls.ciphers.count >= 2, why)

    // Ground truth: the same suite for both orders is the server's order.
    let forward = try negotiated(instance.port, [Self.aes128, Self.aes256])
    let backward = try negotiated(instance.port, [Self.aes256, Self.aes128])
    let openssl: Bool? =
      forward == nil || backward == nil ? nil : forward == backward
    #expect(openssl == preempt, Comment(rawValue: "\(forward ?? "-") / \(backward ?? "-")"))
    #expect(tls.serverPreference == openssl, why)
    print(
      "TLS 1.3 only, tls_preempt_cipherlist = \(preempt ? "yes" : "no") 127.0.0.1:"
        + "\(instance.port): openssl -ciphersuites \(Self.aes128):\(Self.aes256) -> "
        + "\(forward ?? "-"), reversed -> \(backward ?? "-"); probe: "
        + "\(tls.serverPreference.map { $0 ? "server's order" : "client's order" } ?? "unknown"), "
        + "\(tls.connections) connections")
  }
}
