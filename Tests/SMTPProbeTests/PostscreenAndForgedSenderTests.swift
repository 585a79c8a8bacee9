import Testing

@testable import SMTPProbe

/// postscreen's dummy SMTP engine and sender-dependent relaying, against scripted servers.
@Suite struct PostscreenAndForgedSenderTests {
  let clock = VirtualClock()

  /// postscreen after its deep-protocol tests: no PIPELINING, every VRFY and RCPT
  /// deferred with `450 4.3.2`.
  static func postscreen(_ line: String) -> [ServerAction] {
    let upper = line.uppercased()
    func reply(_ text: String) -> [ServerAction] { [.text(text + "\r\n")] }
    if upper.hasPrefix("EHLO") {
      return reply("250-mail.example.test\r\n250-SIZE 10240000\r\n250-VRFY\r\n250 DSN")
    }
    if upper.hasPrefix("VRFY") || upper.hasPrefix("RCPT") {
      return reply("450 4.3.2 Service currently unavailable")
    }
    if upper.hasPrefix("MAIL") || upper.hasPrefix("RSET") { return reply("250 2.0.0 Ok") }
    if upper.hasPrefix("QUIT") { return reply("221 2.0.0 Bye") + [.close] }
    return reply("502 5.5.2 Error: command not recognized")
  }

  func probe(passAfter connections: Int?) -> (ProbeReport, ScriptedConnector) {
    let server = FakePostfix()
    let connector = ScriptedConnector(clock: clock) { index, clock in
      let greeting: [ServerAction] = [.text("220 mail.example.test ESMTP\r\n")]
      if let connections, index >= connections {
        var state = FakePostfix.State()
        return ScriptedTransport(clock: clock, greeting: greeting, local: "127.0.0.1") {
          server.answer($0, state: &state)
        }
      }
      return ScriptedTransport(clock: clock, greeting: greeting, local: "127.0.0.1") {
        Self.postscreen($0)
      }
    }
    let options = ProbeOptions.scripted(clock)
    let report = Prober(connector: connector, options: options).run(host: "127.0.0.1", port: 25)
    return (report, connector)
  }

  @Test func postscreenIsPassedAndTheChecksRunBehindIt() {
    let (report, connector) = probe(passAfter: 1)
    #expect(report.postscreen?.passed == true)
    #expect(report.vrfy?.verdict == .leaksUsers)
    #expect(report.findings.contains { $0.id == "postscreen-passed" && $0.severity == .info })
    #expect(report.findings.contains { $0.id == "vrfy-leaks-users" })
    // The first session went as far as RCPT (postscreen's tests pass there), never DATA.
    let first = connector.transports[0].received
    #expect(first.contains("RCPT TO:<postmaster>"))
    #expect(first.last == "QUIT")
    #expect(!connector.allCommands.contains { $0.uppercased().hasPrefix("DATA") })
    #expect(report.connections <= ProbeOptions().connectionBudget)
  }

  @Test func postscreenThatNeverLetsGoLeavesTheChecksUndone() {
    let (report, _) = probe(passAfter: nil)
    #expect(report.postscreen?.passed == false)
    #expect(report.vrfy?.verdict == nil)
    #expect(report.vrfy?.reason?.contains("450 4.3.2") == true)
    #expect(report.checks.first { $0.check == "vrfy" }?.state == .refused)
    #expect(report.rcptEnumeration?.verdict == nil)
    #expect(report.openRelay?.verdict == .inconclusive)
    let ids = report.findings.map(\.id)
    #expect(ids.contains("postscreen-not-passed"))
    #expect(!ids.contains("vrfy-enabled"))
    #expect(!ids.contains("vrfy-leaks-users"))
    #expect(report.findings.first { $0.id == "postscreen-not-passed" }?.severity == .warning)
  }

  func attempt(_ id: String, _ outcome: RelayAttempt.Outcome, sender: Bool = false)
    -> RelayAttempt
  {
    let variant = RelayCheck.variants(serverName: "mail.example.test", serverAddress: nil)
      .first { $0.id == id }
    let code = outcome == .accepted ? 250 : 554
    return RelayAttempt(
      id: id, number: variant?.number ?? 0, mailFrom: variant?.mailFrom ?? "",
      rcptTo: variant?.rcptTo ?? "", outcome: outcome,
      reply: Reply(code: code, lines: [Array("\(code) 5.7.1 Relay access denied".utf8)]),
      senderRefused: sender, evidence: [])
  }

  @Test func acceptanceOfOnlyLocalSendersIsForgedSenderFromAnyVantage() {
    let attempts = [
      attempt("null-sender", .relayDenied), attempt("plain", .relayDenied),
      attempt("sender-server-name", .accepted), attempt("sender-server-ip", .relayDenied),
    ]
    for trusted in [true, false] {
      let vantage = Vantage(
        kind: .direct, address: "127.0.0.1", likelyTrusted: trusted, note: nil)
      let (verdict, reason) = RelayCheck.verdict(attempts: attempts, vantage: vantage, total: 4)
      #expect(verdict == .forgedSender)
      #expect(reason?.contains("probe@example.com") == true)
      #expect(reason?.contains("sender-server-name") == true)
    }
  }

  @Test func acceptanceOfEveryFormStaysTrustedVantage() {
    let attempts = ["null-sender", "plain", "sender-server-name"].map { attempt($0, .accepted) }
    let vantage = Vantage(kind: .direct, address: "127.0.0.1", likelyTrusted: true, note: nil)
    #expect(
      RelayCheck.verdict(attempts: attempts, vantage: vantage, total: 3).0 == .trustedVantage)
    // A foreign sender refused at MAIL, a local one relayed: sender-dependent as well.
    let refused = [
      attempt("plain", .blocked, sender: true), attempt("sender-server-ip", .accepted),
    ]
    #expect(RelayCheck.verdict(attempts: refused, vantage: vantage, total: 2).0 == .forgedSender)
    // Nothing with a foreign sender was tested: no claim about the sender.
    let untested = [attempt("plain", .notTested), attempt("sender-server-ip", .accepted)]
    #expect(RelayCheck.verdict(attempts: untested, vantage: vantage, total: 2).0 == .trustedVantage)
  }
}
