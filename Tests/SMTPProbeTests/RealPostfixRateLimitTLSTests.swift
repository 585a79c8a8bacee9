import Foundation
import Testing

@testable import SMTPProbe

/// The TLS analysis under Postfix's connection rate limit
/// (`smtpd_client_connection_rate_limit = 30` per 60 s, anvil running, no exceptions):
/// the newest protocols are scanned first, so they are known when the `421` comes; what
/// was not scanned is a warning that names it.
///
/// Only 127.0.0.1 is ever connected to.
@Suite(.serialized, .enabled(if: TLSProbeGate.shouldRun, TLSProbeGate.skipComment))
struct RealPostfixRateLimitTLSTests {
  @Test func rateLimitedScanKnowsTheModernProtocolsAndNamesWhatItMissed() throws {
    try TLSProbeGate.require()
    let certs = TLSFixtures.certs
    let instance = try PostfixInstance(
      posture: .stock,
      tls: PostfixInstance.TLSSettings(
        certificate: "\(certs)/rsa2048.pem", key: "\(certs)/rsa2048.key"),
      parameters: [
        "smtpd_client_connection_rate_limit = 30", "anvil_rate_time_unit = 60s",
        // By default $mynetworks (127.0.0.1 here) is exempt from the limits, and so is
        // every host authorised for XCLIENT.
        "smtpd_client_event_limit_exceptions =", "smtpd_authorized_xclient_hosts =",
      ])
    defer { instance.stop() }
    try instance.start()

    var options = ProbeOptions()
    options.tlsOnly = true
    options.stepTimeout = .seconds(5)
    options.initialBackoff = .milliseconds(200)
    options.totalTimeout = .seconds(60)
    let report = Prober.probe(host: "127.0.0.1", port: instance.port, options: options)
    let why = Comment(rawValue: report.json() + "\nmaillog:\n" + instance.log())
    let tls = try #require(report.tls, why)
    #expect(tls.protocols["TLSv1.3"] == true, why)
    #expect(tls.protocols["TLSv1.2"] == true, why)
    #expect(tls.protocols["SSLv3"] == nil, why)
    #expect(tls.notes.contains { $0.contains("421") }, why)
    let finding = report.findings.first { $0.id == "tls-analysis-incomplete" }
    #expect(finding?.severity == .warning, why)
    #expect(finding?.message.contains("SSLv3") == true, why)
    #expect(finding?.message.contains("421") == true, why)
    #expect(report.checks.first { $0.check == "tls" }?.state == .partial, why)
    #expect(instance.log().contains("Connection rate limit exceeded"), why)
    print(
      "rate limit 30/60s 127.0.0.1:\(instance.port): \(report.connections) connections; "
        + "protocols \(tls.protocols.sorted { $0.key < $1.key }); "
        + "\(finding?.message ?? "-")")
  }
}
