import Foundation
import Testing

@testable import SMTPProbe

/// A relay open to forged local senders is an error from any vantage.
///
/// `check_sender_access` returns `OK` for the server's own domain before
/// `reject_unauth_destination`, and 127.0.0.1 is outside `mynetworks`: the verdict is
/// `forged-sender`.
///
/// swaks is the ground truth: `--quit-after RCPT` with a sender in the server's domain is
/// accepted, with a foreign sender refused. Only 127.0.0.1 is ever connected to; `203.0.113.5`
/// exists only inside the SMTP dialogue (XCLIENT).
@Suite(.serialized, .enabled(if: TLSProbeGate.shouldRun, TLSProbeGate.skipComment))
struct RealPostfixForgedSenderRelayTests {
  func probe(_ instance: PostfixInstance, xclient: String?) -> ProbeReport {
    var options = ProbeOptions()
    options.xclientAddress = xclient
    options.analyseTLS = false
    options.stepTimeout = .seconds(5)
    return Prober.probe(host: "127.0.0.1", port: instance.port, options: options)
  }

  /// swaks's reply to RCPT (or to MAIL, when it stopped at a refused sender).
  func swaksReply(_ port: UInt16, from: String) throws -> (String?, String) {
    let run = try TLSTools.run(
      "/usr/bin/timeout",
      [
        "20", TLSProbeGate.swaks, "--server", "127.0.0.1:\(port)", "--helo", "example.com",
        "--from", from, "--to", "relaytest@example.net", "--quit-after", "RCPT",
      ])
    let transcript = run.stdout + run.stderr
    let lines = transcript.split(separator: "\n").map(String.init)
    // swaks marks what it sends `->`, replies `<-` and the ones it takes for errors `<**`.
    var reply: String?
    for command in ["-> MAIL FROM", "-> RCPT TO"] {
      guard let sent = lines.firstIndex(where: { $0.contains(command) }),
        let line = lines.dropFirst(sent + 1).first(where: { $0.contains("<") })
      else { break }
      reply = String(line.drop { !$0.isNumber })
    }
    return (reply, transcript)
  }

  @Test(arguments: [nil, "203.0.113.5"])
  func senderDependentRelayIsAnErrorFromAnyVantage(xclient: String?) throws {
    try TLSProbeGate.require()
    // 127.0.0.1 is outside mynetworks; the sender table accepts the server's own domain
    // (and, by parent_domain_matches_subdomains, its host name).
    let instance = try PostfixInstance(
      posture: .stock,
      parameters: [
        "mynetworks = 127.0.0.2/32",
        "smtpd_relay_restrictions = permit_mynetworks, "
          + "check_sender_access inline:{ $mydomain=OK }, reject_unauth_destination",
      ])
    defer { instance.stop() }
    try instance.start()

    let report = probe(instance, xclient: xclient)
    let why = Comment(rawValue: report.json() + "\nmaillog:\n" + instance.log())
    let relay = try #require(report.openRelay, why)
    #expect(report.failure == nil, why)
    #expect(relay.verdict == .forgedSender, why)
    #expect(relay.accepted == ["sender-server-name"], why)
    // 127.0.0.1 likely trusted; 203.0.113.5 not: the verdict is the same.
    #expect(relay.vantage.likelyTrusted == (xclient == nil), why)
    let plain = relay.attempts.first { $0.id == "plain" }
    #expect(plain?.outcome == .relayDenied, why)
    #expect(plain?.reply?.summary.hasPrefix("554 5.7.1") == true, why)
    #expect(relay.reason?.contains("probe@example.com") == true, why)
    let finding = report.findings.first { $0.id == "open-relay-forged-sender" }
    #expect(finding?.severity == .error, why)
    #expect(!report.findings.contains { $0.id == "relay-trusted-vantage" }, why)
    #expect(!report.findings.contains { $0.id == "open-relay" }, why)
    #expect(!report.transcript.contains { $0.command?.uppercased().hasPrefix("DATA") ?? false })
    #expect(!instance.log().contains("queued as"), why)

    // Ground truth: swaks relays with a forged local sender, not with a foreign one.
    let host = instance.hostname
    let (forged, forgedText) = try swaksReply(instance.port, from: "probe@\(host)")
    let (foreign, foreignText) = try swaksReply(instance.port, from: "probe@example.com")
    #expect(forged?.hasPrefix("250") == true, Comment(rawValue: forgedText))
    #expect(foreign?.hasPrefix("554 5.7.1") == true, Comment(rawValue: foreignText))
    print(
      "forged-sender relay 127.0.0.1:\(instance.port) (\(xclient ?? "direct")): swaks "
        + "--from probe@\(host) RCPT: \(forged ?? "-"); --from probe@example.com RCPT: "
        + "\(foreign ?? "-"); probe: \(relay.verdict.rawValue), accepted \(relay.accepted)")
  }
}
