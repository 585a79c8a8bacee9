import Foundation
import Testing

@testable import SMTPProbe

/// A probe never claims more than was tested: checks cut short are reported as partial or
/// not run, and the probe is then incomplete (`probe-incomplete`, `completed: false`).
@Suite struct IncompleteProbeTests {
  func probe(_ connector: any Connector, _ options: ProbeOptions, port: UInt16 = 25)
    -> ProbeReport
  {
    Prober(connector: connector, options: options).run(host: "127.0.0.1", port: port)
  }

  func json(_ report: ProbeReport) throws -> [String: Any] {
    let object = try JSONSerialization.jsonObject(with: Data(report.json().utf8))
    return try #require(object as? [String: Any])
  }

  func check(_ report: ProbeReport, _ name: String) -> CheckStatus? {
    report.checks.first { $0.check == name }
  }

  @Test func every421AfterEHLOMakesTheProbeIncomplete() throws {
    let clock = VirtualClock()
    let postfix = FakePostfix()
    let connector = ScriptedConnector(clock: clock) { _, clock in
      var state = FakePostfix.State()
      return ScriptedTransport(clock: clock, greeting: [.text("220 mail.example.test ESMTP\r\n")]) {
        line in
        line.hasPrefix("EHLO")
          ? postfix.answer(line, state: &state)
          : [.text("421 4.7.0 mail.example.test Error: too many errors\r\n"), .close]
      }
    }
    let report = probe(connector, .scripted(clock))
    #expect(report.failure != nil)
    #expect(!report.isComplete)
    #expect(report.findings.first?.id == "probe-incomplete")
    #expect(check(report, "vrfy")?.state == .notRun)
    #expect(check(report, "helo-required")?.state == .notRun)
    #expect(check(report, "open-relay")?.state == .notRun)
    #expect(check(report, "open-relay")?.total == 16)
    #expect(report.heloRequired?.required == nil)
    let object = try json(report)
    #expect(object["completed"] as? Bool == false)
    let checks = try #require(object["checks"] as? [[String: Any]])
    #expect(checks.first { $0["check"] as? String == "vrfy" }?["state"] as? String == "not-run")
  }

  @Test func slowServerStopsAtTheTotalLimitAndSaysWhatWasNotTested() throws {
    let clock = VirtualClock()
    let postfix = FakePostfix()
    // Every reply comes 9.5 s after its command: within the step timeout, but the total
    // limit ends the probe long before the 16 relay forms and the TLS analysis.
    let connector = ScriptedConnector(clock: clock) { _, clock in
      var state = FakePostfix.State()
      return ScriptedTransport(clock: clock, greeting: [.text("220 mail.example.test ESMTP\r\n")]) {
        line in
        clock.advance(9_500_000_000)
        return postfix.answer(line, state: &state)
      }
    }
    var options = ProbeOptions.scripted(clock)
    options.analyseTLS = true
    options.totalTimeout = .seconds(120)
    let start = clock.now()
    let report = probe(connector, options)
    #expect(clock.now() - start <= options.totalTimeout.clampedNanoseconds + 10_000_000_000)
    #expect(report.failure?.code == .timeout, "\(String(describing: report.failure))")
    let relay = try #require(check(report, "open-relay"))
    #expect(relay.state == .partial || relay.state == .notRun)
    #expect(relay.total == 16)
    #expect((relay.tried ?? 16) < 16)
    #expect(check(report, "tls")?.state == .notRun)
    #expect(check(report, "tls")?.reason?.contains("total time limit (120 s)") == true)
    #expect(report.openRelay?.verdict != .closed)
    let object = try json(report)
    #expect(object["completed"] as? Bool == false)
    #expect(object["tls"] is NSNull)
  }

  @Test func repliesBeforeAnyCommandStopTheProbe() throws {
    let clock = VirtualClock()
    var postfix = FakePostfix()
    postfix.greeting = [.text("220 mail.example.test ESMTP\r\n250 2.0.0 Ok\r\n354 go ahead\r\n")]
    let connector = postfix.connector(clock: clock)
    let report = probe(connector, .scripted(clock))
    #expect(report.failure?.code == .protocolViolation)
    #expect(report.failure?.reason.hasPrefix(SMTPSession.unsolicitedReason) == true)
    #expect(connector.allCommands.isEmpty, "\(connector.allCommands)")
    #expect(report.connections == 1)
    #expect(report.vrfy == nil)
    #expect(!report.findings.contains { $0.id == "vrfy-leaks-users" })
    let vrfy = try #require(check(report, "vrfy"))
    #expect(vrfy.state == .notRun)
    #expect(vrfy.reason?.hasPrefix(SMTPSession.unsolicitedReason) == true)
    #expect(report.findings.first?.id == "probe-incomplete")
  }

  @Test func extraRepliesAfterEHLOAreNotTakenForLaterAnswers() throws {
    let clock = VirtualClock()
    let postfix = FakePostfix()
    let connector = ScriptedConnector(clock: clock) { _, clock in
      var state = FakePostfix.State()
      return ScriptedTransport(clock: clock, greeting: [.text("220 mail.example.test ESMTP\r\n")]) {
        line in
        var answer = postfix.answer(line, state: &state)
        if line.hasPrefix("EHLO") { answer.append(.text("250 2.1.5 Ok\r\n354 go ahead\r\n")) }
        return answer
      }
    }
    let report = probe(connector, .scripted(clock))
    #expect(!connector.allCommands.contains { $0.hasPrefix("VRFY") || $0.hasPrefix("RCPT") })
    #expect(report.failure?.code == .protocolViolation)
    #expect(report.vrfy?.verdict == nil)
    #expect(!report.findings.contains { $0.id == "vrfy-leaks-users" || $0.id == "open-relay" })
    #expect(check(report, "open-relay")?.reason == SMTPSession.unsolicitedReason)
    #expect(report.connections == 1)
  }

  @Test func silentImplicitTLSPortIsAFailure() throws {
    let clock = VirtualClock()
    let connector = ScriptedConnector(clock: clock) { _, clock in
      ScriptedTransport(clock: clock, greeting: [.silence]) { _ in [] }
    }
    var options = ProbeOptions.scripted(clock)
    options.analyseTLS = true
    options.implicitTLS = true
    let report = probe(connector, options, port: 465)
    #expect(report.failure?.code == .timeout)
    #expect(report.failure?.reason.contains("sent nothing") == true)
    #expect(!report.isComplete)
    #expect(report.findings.contains { $0.id == "probe-incomplete" })
  }

  @Test func latePlaintextGreetingOnAnImplicitTLSPortIsPlaintext() throws {
    let clock = VirtualClock()
    // The greeting comes after the listening window; by the time of the ClientHello it
    // is there, and the port speaks no TLS at all.
    let connector = ScriptedConnector(clock: clock) { index, clock in
      ScriptedTransport(
        clock: clock,
        greeting: index == 0 ? [.silence] : [.text("220 mail.example.test ESMTP Postfix\r\n")]
      ) { _ in [] }
    }
    var options = ProbeOptions.scripted(clock)
    options.analyseTLS = true
    options.implicitTLS = true
    let report = probe(connector, options, port: 465)
    #expect(report.tlsMode == .none)
    #expect(report.tls == nil)
    #expect(report.banner?.reply.code == 220)
    #expect(report.findings.contains { $0.id == "implicit-tls-expected" })
    #expect(!report.findings.contains { $0.id == "implicit-tls" })
  }

  @Test func slowPartialGreetingOnAnImplicitTLSPortIsPlaintext() throws {
    let clock = VirtualClock()
    let connector = ScriptedConnector(clock: clock) { _, clock in
      ScriptedTransport(
        clock: clock,
        greeting: [
          .text("220-mail.example.test\r\n"),
          .drip(Array("220 ESMTP\r\n".utf8), interval: 500_000_000),
        ]
      ) { _ in [] }
    }
    var options = ProbeOptions.scripted(clock)
    options.analyseTLS = true
    options.implicitTLS = true
    let report = probe(connector, options, port: 465)
    #expect(report.tlsMode == .none)
    #expect(report.banner?.reply.lines.count == 2)
    #expect(report.tls == nil)
    #expect(report.connections == 1)
  }

  @Test func completeProbeListsEveryCheckAsRan() {
    let clock = VirtualClock()
    var postfix = FakePostfix()
    postfix.relay = "reject"
    let report = probe(postfix.connector(clock: clock), .scripted(clock))
    #expect(report.isComplete, "\(report.checks.map(\.summary))")
    #expect(
      report.checks.map(\.check) == [
        "banner", "ehlo", "vrfy", "expn", "helo-required", "rcpt-enumeration", "open-relay",
      ])
    #expect(report.checks.allSatisfy { $0.state == .ran })
  }
}
