import Foundation
import Testing

@testable import SMTPProbe

/// What the report says about how the TLS analysis went.
///
/// The rate limits it waited out, a stop reason given once, and no second try at a TLS
/// 1.3 certificate the scan could not read. Scripted servers only (no network; the
/// probe's clock is virtual).
@Suite struct ProbeTLSScanReportingTests {
  static let now: Int64 = 1_800_000_000
  static let tooMany =
    "421 4.7.0 mail.example.test Error: too many connections from 127.0.0.1\r\n"

  /// Connection `index` (0-based, the SMTP session first) is greeted with `421 … too many
  /// connections` when `refused` says so, else it is a STARTTLS server.
  final class RateLimitedConnector: Connector, @unchecked Sendable {
    let clock: VirtualClock
    let tls: FakeTLSServer
    let refused: (Int) -> Bool
    private(set) var attempts = 0

    init(clock: VirtualClock, tls: FakeTLSServer, refused: @escaping (Int) -> Bool) {
      self.clock = clock
      self.tls = tls
      self.refused = refused
    }

    func connect(deadline: Deadline) throws -> any Transport {
      defer { attempts += 1 }
      if refused(attempts) {
        let greeting: [ServerAction] = [.text(ProbeTLSScanReportingTests.tooMany)]
        return ScriptedTransport(clock: clock, greeting: greeting) { _ in [] }
      }
      return StartTLSTransport(clock: clock, postfix: FakePostfix(), tls: tls)
    }
  }

  func options(_ clock: VirtualClock) -> ProbeOptions {
    var options = ProbeOptions.scripted(clock)
    options.analyseTLS = true
    options.tlsOnly = true
    options.currentTime = Self.now
    return options
  }

  func server() throws -> FakeTLSServer {
    let server = FakeTLSServer()
    server.versions = [.tls12]
    server.suites = [0xC02F, 0xC030, 0x009E]
    server.certificate = try TLSFixtures.certificate("rsa1024")
    return server
  }

  func json(_ report: ProbeReport) throws -> [String: Any] {
    let object = try JSONSerialization.jsonObject(with: Data(report.json().utf8))
    let document = try #require(object as? [String: Any])
    return try #require(document["tls"] as? [String: Any])
  }

  // MARK: Rate limits

  @Test func aScanThatWaitedOutARateLimitSaysSoInJSONAndAFinding() throws {
    let clock = VirtualClock()
    // The SMTP session and two scan connections are served; the next three are refused:
    // two back-off steps, then the rate-limit wait, after which the scan resumes.
    let connector = RateLimitedConnector(clock: clock, tls: try server()) { (3...5).contains($0) }
    let start = clock.now()
    let report = Prober(connector: connector, options: options(clock)).run(
      host: "127.0.0.1", port: 25)
    let tls = try #require(report.tls)
    #expect(tls.resumes == 1)
    #expect(tls.resumeWait == .seconds(61))
    #expect(tls.notes == [])
    #expect(tls.protocols["TLSv1.2"] == true)
    #expect(clock.now() - start >= 61_000_000_000)
    #expect(report.checks.first { $0.check == "tls" }?.state == .ran)

    let object = try json(report)
    #expect(object["resumes"] as? Int == 1)
    #expect(object["resumeWaitMilliseconds"] as? Int == 61_000)

    let finding = try #require(report.findings.first { $0.id == "tls-analysis-resumed" })
    #expect(finding.severity == .info)
    #expect(finding.message.contains("waited once (61 s in all) before it resumed"))
    #expect(finding.message.contains("results came after waiting."))
    #expect(!report.findings.contains { $0.id == "tls-analysis-incomplete" })
  }

  @Test func aScanWithoutWaitsHasZeroesAndNoFinding() throws {
    let clock = VirtualClock()
    let connector = RateLimitedConnector(clock: clock, tls: try server()) { _ in false }
    let report = Prober(connector: connector, options: options(clock)).run(
      host: "127.0.0.1", port: 25)
    let object = try json(report)
    #expect(object["resumes"] as? Int == 0)
    #expect(object["resumeWaitMilliseconds"] as? Int == 0)
    #expect(!report.findings.contains { $0.id == "tls-analysis-resumed" })
  }

  @Test func theResumedFindingSaysWhenTheScanStillStopped() {
    var tls = TLSScanResult()
    #expect(FindingsBuilder.analysisResumed(tls) == nil)
    tls.resumes = 2
    tls.resumeWait = .milliseconds(8_500)
    tls.notes = ["TLSv1.1: scan stopped: cannot open a connection: too many connections"]
    let finding = FindingsBuilder.analysisResumed(tls)
    #expect(finding?.message.contains("waited 2 times (8.5 s in all)") == true)
    #expect(finding?.message.contains("and it still stopped early") == true)
    let rendered = ProbeReport.json(tls).rendered(indent: nil)
    #expect(rendered.contains("\"resumes\":2,\"resumeWaitMilliseconds\":8500"))
  }

  // MARK: A stop reason, once

  @Test func aRefusedConnectionIsNotedOnceNotPerStep() {
    let server = FakeTLSServer()
    server.permanentFailure = SMTPProbeError(
      .protocolViolation, "STARTTLS refused: 500 5.5.2 Error: command not recognized")
    let options = TLSScanOptions(now: Self.now)
    let result = TLSScanner(options: options) { try server.channel() }.scan()
    #expect(
      result.notes == [
        "TLSv1.3: scan stopped: cannot open a connection: STARTTLS refused: 500 5.5.2 Error: "
          + "command not recognized"
      ])
    #expect(result.outcome == .notStarted)
  }

  @Test func aTLS13OnlyScanStoppedByTheBudgetSaysSoOnce() {
    let server = FakeTLSServer()
    server.versions = [.tls13]
    server.tls13Suites = [0x1301, 0x1302]
    server.tls13Groups = [.x25519]
    var options = TLSScanOptions(now: Self.now)
    // TLS 1.3 takes a handful of rounds; the budget ends in TLS 1.2, before the
    // certificate step.
    options.maxConnections = 7
    let result = TLSScanner(options: options) { try server.channel() }.scan()
    #expect(result.protocols["TLSv1.3"] == true)
    let stops = result.notes.filter { $0.contains("connection budget of 7 used up") }
    #expect(stops.count == 1, "\(result.notes)")
    #expect(stops.first?.hasPrefix("TLSv1.") == true, "\(result.notes)")
    #expect(FindingsBuilder.analysisIncomplete(result)?.severity == .warning)
  }

  // MARK: TLS 1.3 certificate

  @Test func aTLS13CertificateTheScanCouldNotReadIsNotTriedAgain() throws {
    let server = FakeTLSServer()
    server.versions = [.tls13]
    server.tls13Suites = [0x1301, 0x1302]
    // No X25519: the TLS client, which offers only X25519, has no common group.
    server.tls13Groups = [.secp256r1]
    let reference = TLSScanner(options: TLSScanOptions(now: Self.now)) {
      try server.channel()
    }.scan()

    let clock = VirtualClock()
    let connector = StartTLSConnector(clock: clock, postfix: FakePostfix(), tls: server)
    let report = Prober(connector: connector, options: options(clock)).run(
      host: "127.0.0.1", port: 25)
    let tls = try #require(report.tls)
    let why = Comment(rawValue: "\(tls.notes)")
    #expect(tls.protocols["TLSv1.3"] == true, why)
    #expect(tls.certificate == nil, why)
    #expect(tls.notes.filter { $0.contains("certificate could not be read") }.count == 1, why)
    #expect(
      tls.notes.contains("TLSv1.3: the certificate could not be read: X25519 is not accepted"),
      why)
    // The analysis's connections are the scan's own: none for a second try.
    #expect(tls.connections == reference.connections, why)
    #expect(report.connections == 1 + tls.connections, why)
    #expect(report.connections == connector.transports.count, why)
    #expect(report.findings.contains { $0.id == "tls-certificate-not-seen" })
  }
}
