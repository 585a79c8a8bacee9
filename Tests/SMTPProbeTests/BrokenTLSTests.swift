import Foundation
import Testing

@testable import SMTPProbe

/// A server that advertises TLS but cannot do it is an error (`starttls-broken`,
/// `implicit-tls-broken`), told apart from "not advertised" (unchanged), "busy" and
/// "works", against scripted servers on a virtual clock.
@Suite struct BrokenTLSTests {
  static let now: Int64 = 1_800_000_000
  static let unavailable = "454 4.7.0 TLS not available due to local problem"

  func options(_ clock: VirtualClock, _ configure: (inout ProbeOptions) -> Void = { _ in })
    -> ProbeOptions
  {
    var options = ProbeOptions.scripted(clock)
    options.analyseTLS = true
    options.currentTime = Self.now
    configure(&options)
    return options
  }

  /// Postfix's dialogue, with `STARTTLS` advertised and answered by `startTLS`.
  func server(_ clock: VirtualClock, startTLS: [ServerAction]) -> ScriptedConnector {
    let postfix = FakePostfix()
    return ScriptedConnector(clock: clock) { _, clock in
      var state = FakePostfix.State()
      return ScriptedTransport(clock: clock, greeting: [.text("220 mail.example.test ESMTP\r\n")]) {
        line in
        line.uppercased() == "STARTTLS" ? startTLS : postfix.answer(line, state: &state)
      }
    }
  }

  func probe(_ connector: any Connector, _ options: ProbeOptions) -> ProbeReport {
    Prober(connector: connector, options: options).run(host: "127.0.0.1", port: 25)
  }

  func json(_ report: ProbeReport) throws -> [String: Any] {
    let object = try JSONSerialization.jsonObject(with: Data(report.json().utf8))
    return try #require(object as? [String: Any])
  }

  func broken(_ report: ProbeReport) -> ProbeFinding? {
    report.findings.first { $0.id == "starttls-broken" }
  }

  // MARK: Advertised, refused

  @Test(arguments: ProbeRole.allCases)
  func startTLS454IsAnErrorForEveryRole(role: ProbeRole) throws {
    let clock = VirtualClock()
    let connector = server(clock, startTLS: [.text(Self.unavailable + "\r\n")])
    let start = clock.now()
    let report = probe(connector, options(clock) { $0.role = role })
    let finding = try #require(broken(report), "\(report.findings.map(\.id))")
    #expect(finding.severity == .error)
    #expect(finding.message.contains("refused (\(Self.unavailable))"), "\(finding.message)")
    #expect(finding.reference?.contains("RFC 3207") == true)
    #expect(finding.evidence.transcriptLines.contains { $0.hasSuffix("S: 250-STARTTLS") })
    #expect(report.hasFindings(atLeast: .error))
    #expect(report.startTLSStatus == .refused)
    #expect(report.tls?.outcome == .notStarted)
    #expect(report.tls?.startTLSRefusal == Self.unavailable)
    // The notes say the same thing; the finding replaces tls-analysis-incomplete.
    #expect(!report.findings.contains { $0.id == "tls-analysis-incomplete" })
    #expect(!report.findings.contains { $0.id == "starttls-not-offered" })
    // 454 is temporary: one try and two retries after the back-off, then the verdict.
    #expect(report.tls?.connections == 3)
    let backoff = ProbeOptions().initialBackoff.clampedNanoseconds
    #expect(clock.now() - start >= backoff * 5)
    let object = try json(report)
    let starttls = try #require(object["starttls"] as? [String: Any])
    #expect(starttls["status"] as? String == "refused")
    #expect(starttls["refusal"] as? String == Self.unavailable)
    #expect((object["tls"] as? [String: Any])?["outcome"] as? String == "not-started")
    let findings = try #require(object["findings"] as? [[String: Any]])
    #expect(
      findings.contains {
        $0["id"] as? String == "starttls-broken" && $0["severity"] as? String == "error"
      })
  }

  @Test func permanentRefusalIsAnErrorWithoutRetries() throws {
    let clock = VirtualClock()
    // FakePostfix advertises STARTTLS but answers it with 500.
    let report = probe(FakePostfix().connector(clock: clock), options(clock) { $0.tlsOnly = true })
    let finding = try #require(broken(report))
    #expect(finding.severity == .error)
    #expect(finding.message.contains("500 5.5.2 Error: command not recognized"))
    #expect(report.tls?.connections == 1)
    #expect(report.startTLSStatus == .refused)
  }

  @Test func hostileRefusalIsEscapedAndBounded() throws {
    let clock = VirtualClock()
    let reply =
      Array("454-4.7.0 \u{1B}[31mred\r\n454 ".utf8) + [0xFF]
      + Array(String(repeating: "x", count: 1_500).utf8) + [0x0D, 0x0A]
    let report = probe(
      server(clock, startTLS: [.send(reply)]), options(clock) { $0.tlsOnly = true })
    let finding = try #require(broken(report))
    #expect(finding.message.utf8.allSatisfy { (0x20...0x7E).contains($0) })
    #expect(finding.message.contains("454 4.7.0 \\x1b[31mred / \\xffxxx"))
    let refusal = try #require(report.tls?.startTLSRefusal)
    #expect(refusal.count <= TLSScanResult.maxReasonLength)
    #expect(refusal.hasSuffix("..."))
    #expect(finding.message.count < 600)
  }

  // MARK: Advertised, 220, every handshake fails

  @Test func resetAfter220OnEveryHandshakeIsAnError() throws {
    let clock = VirtualClock()
    let connector = server(
      clock, startTLS: [.text("220 2.0.0 Ready to start TLS\r\n"), .reset])
    let report = probe(connector, options(clock) { $0.role = .mx })
    let finding = try #require(broken(report), "\(report.findings.map(\.id))")
    #expect(finding.severity == .error)
    #expect(
      finding.message.contains(
        "every TLS handshake failed: SSLv3, TLSv1.0, TLSv1.1, TLSv1.2, TLSv1.3: "
          + "recv: Connection reset by peer"), "\(finding.message)")
    #expect(report.startTLSStatus == .handshakeFailed)
    let tls = try #require(report.tls)
    #expect(tls.outcome == .allFailed)
    #expect(tls.handshakes == 5)
    #expect(tls.handshakeFailures.count == 5)
    #expect(report.hasFindings(atLeast: .error))
    let object = try json(report)
    #expect((object["starttls"] as? [String: Any])?["status"] as? String == "handshake-failed")
    let failures = try #require((object["tls"] as? [String: Any])?["handshakeFailures"])
    #expect((failures as? [String: Any])?["TLSv1.2"] as? String == "recv: Connection reset by peer")
  }

  @Test func silenceAfter220EndsWithinTheDeadlinesAndIsAnError() throws {
    let clock = VirtualClock()
    let connector = server(clock, startTLS: [.text("220 2.0.0 Ready to start TLS\r\n"), .silence])
    let start = clock.now()
    let report = probe(connector, options(clock) { $0.tlsOnly = true })
    let finding = try #require(broken(report))
    #expect(finding.message.contains("deadline"), "\(finding.message)")
    #expect(report.tls?.connections == 5)
    // One step timeout per handshake, and no more.
    #expect(clock.now() - start <= 6 * ProbeOptions().stepTimeout.clampedNanoseconds)
  }

  @Test func alertsOnEveryVersionAreAnError() throws {
    let clock = VirtualClock()
    let tls = FakeTLSServer()
    tls.versions = []
    let connector = StartTLSConnector(clock: clock, postfix: FakePostfix(), tls: tls)
    let report = probe(connector, options(clock) { $0.tlsOnly = true })
    let finding = try #require(broken(report))
    #expect(finding.message.contains("alert protocol_version"), "\(finding.message)")
    #expect(report.startTLSStatus == .handshakeFailed)
  }

  @Test func implicitTLSWithEveryHandshakeFailingIsAnError() throws {
    let clock = VirtualClock()
    let tls = FakeTLSServer()
    tls.versions = []
    let report = Prober(
      connector: ImplicitTLSConnector(server: tls),
      options: options(clock) { $0.implicitTLS = true }
    ).run(host: "127.0.0.1", port: 465)
    let finding = try #require(report.findings.first { $0.id == "implicit-tls-broken" })
    #expect(finding.severity == .error)
    #expect(finding.message.contains("every TLS handshake failed"))
    #expect(report.startTLSStatus == nil)
    #expect(broken(report) == nil)
  }

  // MARK: Not advertised, busy, works: no such finding

  @Test(arguments: [(ProbeRole.mx, ProbeSeverity.warning), (.relay, .error), (.submission, .error)])
  func notAdvertisedIsUnchanged(role: ProbeRole, severity: ProbeSeverity) {
    let clock = VirtualClock()
    var postfix = FakePostfix()
    postfix.starttls = false
    let connector = postfix.connector(clock: clock)
    let report = probe(connector, options(clock) { $0.role = role })
    #expect(report.tls == nil)
    #expect(report.startTLSStatus == .notOffered)
    #expect(report.findings.first { $0.id == "starttls-not-offered" }?.severity == severity)
    #expect(broken(report) == nil)
    #expect(!connector.allCommands.contains("STARTTLS"))
  }

  @Test func workingTLSIsNotBroken() throws {
    let clock = VirtualClock()
    let tls = FakeTLSServer()
    tls.versions = [.tls12]
    tls.suites = [0xC02F]
    tls.certificate = try TLSFixtures.certificate("rsa2048")
    let connector = StartTLSConnector(clock: clock, postfix: FakePostfix(), tls: tls)
    let report = probe(connector, options(clock) { $0.tlsOnly = true })
    #expect(report.tls?.outcome == .accepted)
    #expect(report.startTLSStatus == .works)
    #expect(broken(report) == nil)
    // Versions refused on a working server say why, but are no finding.
    #expect(report.tls?.handshakeFailures["TLSv1.0"] == "alert protocol_version")
  }

  @Test func busyServerIsIncompleteNotBroken() {
    let clock = VirtualClock()
    // Every connection after the first is greeted with 421: a rate limit, not broken TLS.
    let connector = ScriptedConnector(clock: clock) { index, clock in
      ScriptedTransport(
        clock: clock,
        greeting: [
          .text(index == 0 ? "220 mail.example.test ESMTP\r\n" : "421 4.7.0 Try again later\r\n")
        ]
      ) { line in
        var state = FakePostfix.State()
        return FakePostfix().answer(line, state: &state)
      }
    }
    let report = probe(connector, options(clock) { $0.tlsOnly = true })
    #expect(report.tls?.outcome == .notStarted)
    #expect(report.tls?.startTLSRefusal == nil)
    #expect(report.startTLSStatus == nil)
    #expect(broken(report) == nil)
    #expect(report.findings.contains { $0.id == "tls-analysis-incomplete" })
  }

  @Test func scanCutShortByTheBudgetCannotTell() {
    let server = FakeTLSServer()
    server.versions = []
    var options = TLSScanOptions(now: Self.now)
    options.maxConnections = 2
    options.sleep = { _ in }
    let result = TLSScanner(options: options) { try server.channel() }.scan()
    #expect(result.handshakes == 2)
    #expect(result.outcome == .unknown)
    #expect(TLSVerdicts.brokenTLS(result, startTLS: true, role: .mx) == nil)
  }

  @Test func noChannelAtAllIsNotStarted() {
    let server = FakeTLSServer()
    server.permanentFailure = SMTPProbeError(.protocolViolation, "STARTTLS refused: 502 5.5.1")
    var options = TLSScanOptions(now: Self.now)
    options.sleep = { _ in }
    let result = TLSScanner(options: options) { try server.channel() }.scan()
    #expect(result.handshakes == 0)
    #expect(result.outcome == .notStarted)
    // Without the reply to STARTTLS (set by the prober) there is no finding.
    #expect(TLSVerdicts.brokenTLS(result, startTLS: true, role: .mx) == nil)
  }
}
