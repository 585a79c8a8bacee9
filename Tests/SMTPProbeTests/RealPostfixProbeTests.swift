import Foundation
import Testing

@testable import SMTPProbe

/// The probe against real Postfix instances on loopback ports, in two postures.
///
/// Only 127.0.0.1 is ever connected to; `203.0.113.5` exists only inside the SMTP
/// dialogue (XCLIENT), judged by the instance's `smtpd_authorized_xclient_hosts`.
@Suite(.serialized, .enabled(if: RealPostfix.shouldRun, RealPostfix.skipComment))
struct RealPostfixProbeTests {
  func probe(_ instance: PostfixInstance, xclient: String? = nil) -> ProbeReport {
    var options = ProbeOptions()
    options.xclientAddress = xclient
    options.stepTimeout = .seconds(5)
    return Prober.probe(host: "127.0.0.1", port: instance.port, options: options)
  }

  func context(_ report: ProbeReport, _ instance: PostfixInstance) -> Comment {
    Comment(
      rawValue: report.transcript.transcriptLines.joined(separator: "\n") + "\nmaillog:\n"
        + instance.log())
  }

  @Test func openPosture() throws {
    try RealPostfix.requireInstances()
    let instance = try PostfixInstance(posture: .open)
    defer { instance.stop() }
    try instance.start()

    let direct = probe(instance)
    let why = context(direct, instance)
    #expect(direct.failure == nil, why)
    #expect(direct.banner?.reply.code == 220, why)
    #expect(direct.banner?.software == "Postfix", why)
    #expect(direct.capabilities?.serverName == instance.hostname, why)
    #expect(direct.capabilities?.xclient == true, why)
    #expect(direct.vrfy?.verdict == .leaksUsers, why)
    #expect(direct.expn?.verdict == .disabled, why)
    #expect(direct.heloRequired?.required == false, why)
    #expect(direct.rcptEnumeration?.verdict == .leaksUsers, why)
    #expect(direct.openRelay?.verdict == .trustedVantage, why)
    #expect(direct.openRelay?.vantage.kind == .direct, why)
    #expect(direct.openRelay?.vantage.address == "127.0.0.1", why)
    #expect(direct.openRelay?.accepted.contains("plain") == true, why)
    #expect(direct.connections <= ProbeOptions().connectionBudget, why)

    let outside = probe(instance, xclient: "203.0.113.5")
    let whyOutside = context(outside, instance)
    #expect(outside.failure == nil, whyOutside)
    #expect(outside.openRelay?.vantage.kind == .xclient, whyOutside)
    #expect(outside.openRelay?.vantage.address == "203.0.113.5", whyOutside)
    #expect(outside.openRelay?.verdict == .open, whyOutside)
    #expect(outside.findings.contains { $0.id == "open-relay" && $0.severity == .error })
    #expect(outside.vrfy?.verdict == .leaksUsers, whyOutside)
    // Nothing reached the queue: no DATA was ever sent.
    #expect(!outside.transcript.contains { $0.command?.uppercased().hasPrefix("DATA") ?? false })
    #expect(!instance.log().contains("queued as"), whyOutside)
    // No session came near smtpd_soft_error_limit (10).
    #expect(!instance.log().contains("too many errors"), whyOutside)
  }

  @Test func hardenedPosture() throws {
    try RealPostfix.requireInstances()
    let instance = try PostfixInstance(posture: .hardened)
    defer { instance.stop() }
    try instance.start()

    let direct = probe(instance)
    let why = context(direct, instance)
    #expect(direct.failure == nil, why)
    #expect(direct.banner?.disclosesSoftware == false, why)
    #expect(direct.vrfy?.verdict == .disabled, why)
    #expect(direct.expn?.verdict == .disabled, why)
    #expect(direct.heloRequired?.required == true, why)
    // 127.0.0.1 is in mynetworks (mynetworks_style = host): accepted, but not "open".
    #expect(direct.openRelay?.verdict == .trustedVantage, why)
    #expect(!direct.findings.contains { $0.id == "open-relay" }, why)

    let outside = probe(instance, xclient: "203.0.113.5")
    let whyOutside = context(outside, instance)
    #expect(outside.failure == nil, whyOutside)
    #expect(outside.openRelay?.vantage.kind == .xclient, whyOutside)
    #expect(outside.openRelay?.verdict == .closed, whyOutside)
    #expect(outside.openRelay?.accepted == [], whyOutside)
    #expect(outside.openRelay?.defers == false, whyOutside)
    #expect(
      outside.openRelay?.attempts.contains {
        $0.outcome == .relayDenied && $0.reply?.enhancedCode == "5.7.1"
      } == true, whyOutside)
    #expect(outside.heloRequired?.required == true, whyOutside)
    #expect(outside.rcptEnumeration?.verdict == .leaksUsers, whyOutside)
    // The instance has no TLS: the only warning left.
    #expect(
      outside.findings.filter { $0.severity >= .warning }.map(\.id) == ["starttls-not-offered"],
      whyOutside)
    #expect(!instance.log().contains("too many errors"), whyOutside)
    #expect(!instance.log().contains("queued as"), whyOutside)
  }

  @Test func stockPostureDefersRelaying() throws {
    try RealPostfix.requireInstances()
    let instance = try PostfixInstance(posture: .stock)
    defer { instance.stop() }
    try instance.start()

    let outside = probe(instance, xclient: "203.0.113.5")
    let why = context(outside, instance)
    #expect(outside.failure == nil, why)
    #expect(outside.banner?.software == "Postfix", why)
    #expect(outside.vrfy?.verdict == .leaksUsers, why)
    #expect(outside.heloRequired?.required == false, why)
    #expect(outside.openRelay?.verdict == .closed, why)
    #expect(outside.openRelay?.defers == true, why)
    #expect(
      outside.openRelay?.attempts.contains { $0.reply?.summary.hasPrefix("454 4.7.1") ?? false }
        == true, why)
    #expect(outside.findings.contains { $0.id == "relay-deferred" }, why)
  }
}
