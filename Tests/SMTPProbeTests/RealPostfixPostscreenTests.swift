import Foundation
import Testing

@testable import SMTPProbe

/// postscreen in front of an smtpd whose VRFY tells users apart, with a cold cache and the
/// deep-protocol tests on: the first session meets postscreen (`450 4.3.2` to VRFY), the
/// probe passes its tests, reconnects, and finds the oracle on smtpd.
///
/// Only 127.0.0.1 is ever connected to; postscreen's access list and DNSBL sites are empty,
/// so nothing is looked up.
@Suite(.serialized, .enabled(if: TLSProbeGate.shouldRun, TLSProbeGate.skipComment))
struct RealPostfixPostscreenTests {
  static let postscreenParameters = [
    "postscreen_access_list =", "postscreen_dnsbl_sites =", "postscreen_blacklist_action = drop",
    "postscreen_greet_action = enforce", "postscreen_pipelining_enable = yes",
    "postscreen_non_smtp_command_enable = yes", "postscreen_bare_newline_enable = yes",
    "disable_vrfy_command = no",
  ]

  @Test func vrfyOracleIsFoundBehindPostscreen() throws {
    try TLSProbeGate.require()
    let instance = try PostfixInstance(
      posture: .stock, parameters: Self.postscreenParameters, postscreen: true)
    defer { instance.stop() }
    try instance.start()
    // The start-up check spoke before the end of the greeting: postscreen's PREGREET.
    // Its cache still holds no pass for 127.0.0.1.

    var options = ProbeOptions()
    options.analyseTLS = false
    options.stepTimeout = .seconds(15)
    let report = Prober.probe(host: "127.0.0.1", port: instance.port, options: options)
    let why = Comment(rawValue: report.json() + "\nmaillog:\n" + instance.log())
    #expect(report.postscreen?.passed == true, why)
    #expect(
      report.postscreen?.evidence.first?.reply?.summary.hasPrefix("450 4.3.2") == true, why)
    #expect(report.vrfy?.verdict == .leaksUsers, why)
    #expect(report.findings.contains { $0.id == "vrfy-leaks-users" }, why)
    #expect(report.findings.contains { $0.id == "postscreen-passed" }, why)
    #expect(!report.findings.contains { $0.id == "vrfy-enabled" }, why)
    #expect(report.failure == nil, why)
    #expect(report.connections <= options.connectionBudget, why)
    #expect(instance.log().contains("PASS NEW"), why)
    #expect(!report.transcript.contains { $0.command?.uppercased().hasPrefix("DATA") ?? false })
    print(
      "postscreen 127.0.0.1:\(instance.port): first VRFY "
        + "\(report.postscreen?.evidence.first?.reply?.summary ?? "-"); after PASS NEW: vrfy "
        + "\(report.vrfy?.verdict?.rawValue ?? "-"), \(report.connections) connections")
  }
}
