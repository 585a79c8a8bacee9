import Foundation
import Testing

@testable import SMTPProbe

/// The prober's TLS analysis against a scripted server that switches to a fake TLS
/// server after STARTTLS.
@Suite struct ProbeTLSTests {
  static let now: Int64 = 1_800_000_000

  func options(_ clock: VirtualClock, _ configure: (inout ProbeOptions) -> Void = { _ in })
    -> ProbeOptions
  {
    var options = ProbeOptions.scripted(clock)
    options.analyseTLS = true
    options.currentTime = Self.now
    configure(&options)
    return options
  }

  /// TLS 1.0 and 1.2 with a DHE suite on a 1024-bit prime, an anonymous one, ECDHE.
  func weakServer() throws -> FakeTLSServer {
    let server = FakeTLSServer()
    server.versions = [.tls10, .tls12]
    server.suites = [0xC02F, 0x009E, 0x00A6, 0x0033]
    server.dhBits = [0x009E: 1024, 0x0033: 1024, 0x00A6: 1024]
    server.certificate = try TLSFixtures.certificate("rsa1024")
    return server
  }

  @Test func startTLSOfferedRunsTheAnalysisAndJoinsItsFindings() throws {
    let clock = VirtualClock()
    let connector = StartTLSConnector(clock: clock, postfix: FakePostfix(), tls: try weakServer())
    let report = Prober(connector: connector, options: options(clock)).run(
      host: "127.0.0.1", port: 25)
    let tls = try #require(report.tls)
    #expect(tls.notes == [])
    #expect(tls.protocols["TLSv1.0"] == true)
    #expect(tls.protocols["TLSv1.2"] == true)
    #expect(tls.protocols["TLSv1.1"] == false)
    #expect(
      Set(tls.ciphers.filter { $0.protocol == "TLSv1.2" }.map(\.id)) == [
        "0xC02F", "0x009E", "0x00A6", "0x0033",
      ])
    #expect(tls.minDHBits == 1024)
    #expect(tls.minAnonDHBits == 1024)
    #expect(tls.certificate?.keyBits == 1024)
    // Every TCP connection is counted once, the analysis's included.
    #expect(report.connections == connector.transports.count)
    #expect(
      tls.connections == connector.transports.filter { $0.smtp.received.contains("STARTTLS") }.count
    )
    let ids = Dictionary(report.findings.map { ($0.id, $0.severity) }) { first, _ in first }
    #expect(ids["tls-tls10-offered"] == .warning)
    #expect(ids["tls-weak-dh"] == .warning)
    #expect(ids["tls-weak-anon-dh"] == .info)
    #expect(ids["tls-weak-certificate-key"] == .error)
    #expect(report.findings.first { $0.id == "tls-weak-dh" }?.reference?.contains("Logjam") == true)
    // Most serious first, as before.
    #expect(report.findings.map(\.severity) == report.findings.map(\.severity).sorted(by: >))
    // The JSON carries the analysis.
    let json = try #require(
      JSONSerialization.jsonObject(with: Data(report.json().utf8)) as? [String: Any])
    #expect(json["schemaVersion"] as? Int == 2)
    let object = try #require(json["tls"] as? [String: Any])
    let protocols = try #require(object["protocols"] as? [String: Any])
    #expect(protocols["SSLv3"] as? Bool == false)
    #expect(protocols["TLSv1.0"] as? Bool == true)
    let ciphers = try #require(object["ciphers"] as? [[String: Any]])
    let dhe = try #require(
      ciphers.first { $0["id"] as? String == "0x009E" && $0["protocol"] as? String == "TLSv1.2" })
    #expect(dhe["name"] as? String == "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256")
    #expect(dhe["kex"] as? String == "DHE")
    #expect(dhe["kexBits"] as? Int == 1024)
    #expect(dhe["protocol"] as? String == "TLSv1.2")
    #expect(object["minDHBits"] as? Int == 1024)
    let certificate = try #require(object["certificate"] as? [String: Any])
    #expect(certificate["keyType"] as? String == "RSA")
    #expect(certificate["keyBits"] as? Int == 1024)
    #expect(certificate["selfSigned"] as? Bool == true)
    #expect(object["connections"] as? Int == tls.connections)
    #expect((json["starttls"] as? [String: Any])?["analysed"] == nil)
  }

  @Test func roleDecidesTheSeverity() throws {
    let clock = VirtualClock()
    let connector = StartTLSConnector(clock: clock, postfix: FakePostfix(), tls: try weakServer())
    let report = Prober(connector: connector, options: options(clock) { $0.role = .relay }).run(
      host: "127.0.0.1", port: 25)
    let ids = Dictionary(report.findings.map { ($0.id, $0.severity) }) { first, _ in first }
    #expect(ids["tls-tls10-offered"] == .error)
    #expect(ids["tls-weak-dh"] == .error)
    #expect(ids["tls-anonymous-suites"] == .warning)
  }

  @Test func tlsOnlySkipsTheSMTPChecks() throws {
    let clock = VirtualClock()
    let connector = StartTLSConnector(clock: clock, postfix: FakePostfix(), tls: try weakServer())
    let report = Prober(connector: connector, options: options(clock) { $0.tlsOnly = true }).run(
      host: "127.0.0.1", port: 25)
    #expect(report.tls?.protocols["TLSv1.2"] == true)
    #expect(report.vrfy == nil && report.openRelay == nil && report.heloRequired == nil)
    let verbs = Set(connector.allCommands.map { String($0.prefix { $0 != " " }) })
    #expect(verbs == ["EHLO", "QUIT", "STARTTLS"])
    #expect(report.banner != nil)
    #expect(report.capabilities?.startTLS == true)
  }

  @Test func noTLSSkipsTheAnalysis() throws {
    let clock = VirtualClock()
    let connector = StartTLSConnector(clock: clock, postfix: FakePostfix(), tls: try weakServer())
    let report = Prober(connector: connector, options: options(clock) { $0.analyseTLS = false })
      .run(host: "127.0.0.1", port: 25)
    #expect(report.tls == nil)
    #expect(!connector.allCommands.contains("STARTTLS"))
    #expect(!report.findings.contains { $0.id.hasPrefix("tls-") })
  }

  @Test(arguments: [(ProbeRole.mx, ProbeSeverity.warning), (.relay, .error), (.submission, .error)])
  func noSTARTTLSAtAllDependsOnTheRole(role: ProbeRole, severity: ProbeSeverity) {
    let clock = VirtualClock()
    var postfix = FakePostfix()
    postfix.starttls = false
    let connector = postfix.connector(clock: clock)
    let report = Prober(connector: connector, options: options(clock) { $0.role = role }).run(
      host: "127.0.0.1", port: 25)
    #expect(report.tls == nil)
    let finding = report.findings.first { $0.id == "starttls-not-offered" }
    #expect(finding?.severity == severity)
    #expect(finding?.reference?.contains("RFC 3207") == true)
  }

  @Test func refusedSTARTTLSIsNotedWithoutEndlessRetries() {
    let clock = VirtualClock()
    // FakePostfix answers STARTTLS with 500: permanent, so one connection and no back-off.
    let connector = FakePostfix().connector(clock: clock)
    let start = clock.now()
    let report = Prober(connector: connector, options: options(clock) { $0.tlsOnly = true }).run(
      host: "127.0.0.1", port: 25)
    #expect(report.connections == 2)
    #expect(report.tls?.notes.first?.contains("500") == true)
    // Advertised but refused: an error, which replaces tls-analysis-incomplete.
    #expect(report.findings.first { $0.id == "starttls-broken" }?.severity == .error)
    #expect(!report.findings.contains { $0.id == "tls-analysis-incomplete" })
    #expect(clock.now() - start < 1_000_000_000)
  }

  @Test func a421DuringTheScanBacksOffOnTheProbeClock() throws {
    let clock = VirtualClock()
    let tls = try weakServer()
    // Every TLS connection after the SMTP one is greeted with 421.
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
    _ = tls
    let report = Prober(connector: connector, options: options(clock) { $0.tlsOnly = true }).run(
      host: "127.0.0.1", port: 25)
    let backoff = ProbeOptions().initialBackoff.clampedNanoseconds
    // Two back-offs, then the scan stops: 1 SMTP connection + 3 TLS attempts.
    #expect(report.connections == 4)
    #expect(clock.now() >= 1_000_000_000 + backoff * 5)
    #expect(report.tls?.notes.first?.contains("421") == true)
  }

  @Test func implicitTLSIsAnalysed() throws {
    let clock = VirtualClock()
    let tls = try weakServer()
    let connector = ImplicitTLSConnector(server: tls)
    var probeOptions = options(clock)
    probeOptions.implicitTLS = true
    let report = Prober(connector: connector, options: probeOptions).run(
      host: "127.0.0.1", port: 465)
    #expect(report.tlsMode == .implicit)
    #expect(report.tls?.protocols["TLSv1.2"] == true)
    #expect(report.connections == 1 + (report.tls?.connections ?? 0))
    #expect(report.findings.contains { $0.id == "implicit-tls" })
  }
}

/// Every connection is a fake TLS server from the first byte (port 465).
final class ImplicitTLSConnector: Connector, @unchecked Sendable {
  let server: FakeTLSServer
  init(server: FakeTLSServer) { self.server = server }

  func connect(deadline: Deadline) throws -> any Transport {
    ImplicitTLSTransport(server: server)
  }
}

final class ImplicitTLSTransport: Transport {
  let server: FakeTLSServer
  private var pending: [UInt8] = []
  init(server: FakeTLSServer) { self.server = server }
  var localAddress: SocketAddress? { nil }
  var remoteAddress: SocketAddress? { SocketAddress.numeric("127.0.0.1", port: 465) }

  func send(_ bytes: [UInt8], deadline: Deadline) throws { pending += server.respond(to: bytes) }

  func receive(maxBytes: Int, deadline: Deadline) throws -> [UInt8] {
    if pending.isEmpty {
      deadline.clock.sleep(nanoseconds: deadline.remainingNanoseconds)
      throw SMTPProbeError(.timeout, "recv: deadline passed")
    }
    let count = min(maxBytes, pending.count)
    defer { pending.removeFirst(count) }
    return Array(pending.prefix(count))
  }

  func close() {}
}
