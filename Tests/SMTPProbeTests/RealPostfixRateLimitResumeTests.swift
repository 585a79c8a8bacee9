import Foundation
import Testing

@testable import SMTPProbe

/// The TLS analysis waits out Postfix's connection rate limit and resumes where it
/// stopped; with too little time left to wait, it stops and names what was not scanned.
///
/// The limit is small and its window short (`smtpd_client_connection_rate_limit = 40`
/// per `anvil_rate_time_unit = 3s`, no exceptions), so the scan meets a `421` two or
/// three times and the test takes seconds. An unlimited instance with the same
/// certificate is the reference. Only 127.0.0.1 is ever connected to.
@Suite(.serialized, .enabled(if: TLSProbeGate.shouldRun, TLSProbeGate.skipComment))
struct RealPostfixRateLimitResumeTests {
  /// A Postfix with Postfix's TLS defaults and an RSA-2048 certificate; `limit` adds a
  /// connection rate limit that 127.0.0.1 is not exempt from.
  func instance(limit: (count: Int, unit: String)?) throws -> PostfixInstance {
    let certs = TLSFixtures.certs
    var parameters: [String] = []
    if let limit {
      parameters = [
        "smtpd_client_connection_rate_limit = \(limit.count)",
        "anvil_rate_time_unit = \(limit.unit)",
        // By default $mynetworks (127.0.0.1 here) is exempt from the limits, and so is
        // every host authorised for XCLIENT.
        "smtpd_client_event_limit_exceptions =", "smtpd_authorized_xclient_hosts =",
      ]
    }
    return try PostfixInstance(
      posture: .stock,
      tls: PostfixInstance.TLSSettings(
        certificate: "\(certs)/rsa2048.pem", key: "\(certs)/rsa2048.key"),
      parameters: parameters)
  }

  /// Scans 127.0.0.1:`port` over STARTTLS with the probe's channel opener.
  func scan(port: UInt16, configure: (inout TLSScanOptions) -> Void) throws -> TLSScanResult {
    let address = try #require(SocketAddress.numeric("127.0.0.1", port: port))
    var probeOptions = ProbeOptions()
    probeOptions.stepTimeout = .seconds(5)
    let opener = TLSChannelOpener(
      connector: TCPConnector(address: address, source: nil), mode: .startTLS,
      options: probeOptions)
    var options = TLSScanOptions(now: Int64(Date().timeIntervalSince1970))
    options.handshakeTimeout = .seconds(5)
    options.backoff = [.milliseconds(200)]
    configure(&options)
    return TLSScanner(options: options) { try opener.open() }.scan()
  }

  /// `connect from` lines once the log has stopped growing (at most 3 s).
  func settledConnections(_ instance: PostfixInstance) -> Int {
    var last = -1
    for _ in 0..<15 {
      let count = instance.loggedConnections()
      if count == last { return count }
      last = count
      usleep(200_000)
    }
    return last
  }

  func rows(_ result: TLSScanResult) -> Set<String> {
    Set(result.ciphers.map { "\($0.protocol) \($0.id) \($0.kexBits.map(String.init) ?? "-")" })
  }

  @Test func scanWaitsOutTheRateLimitAndCompletes() throws {
    try TLSProbeGate.require()
    let free = try instance(limit: nil)
    defer { free.stop() }
    try free.start()
    let reference = try scan(port: free.port) { _ in }
    #expect(reference.notes == [])
    free.stop()

    let limited = try instance(limit: (40, "3s"))
    defer { limited.stop() }
    try limited.start()
    let before = settledConnections(limited)
    let start = ContinuousClock.now
    let result = try scan(port: limited.port) {
      // Past the 3 s window and its one-second granularity.
      $0.rateLimitWait = .seconds(4)
      $0.maxResumes = 6
      $0.totalTimeout = .seconds(60)
    }
    let elapsed = ContinuousClock.now - start
    let log = limited.log()
    let why = Comment(rawValue: "\(result.notes)\nmaillog:\n\(log)")
    #expect(result.resumes >= 2, why)
    #expect(result.resumeWait == .seconds(4) * result.resumes, why)
    #expect(result.notes == [], why)
    // The probe's JSON shows the waits.
    let json = try #require(
      JSONSerialization.jsonObject(with: Data(ProbeReport.json(result).rendered().utf8))
        as? [String: Any])
    #expect(json["resumes"] as? Int == result.resumes, why)
    #expect(json["resumeWaitMilliseconds"] as? Int == 4_000 * result.resumes, why)
    #expect(result.protocols == reference.protocols, why)
    #expect(rows(result) == rows(reference), why)
    #expect(result.certificate?.keyBits == 2048, why)
    #expect(result.serverPreference == reference.serverPreference, why)
    #expect(log.contains("Connection rate limit exceeded"), why)
    #expect(settledConnections(limited) - before == result.connections, why)
    #expect(elapsed < .seconds(45), why)
    print(
      "rate limit 40/3s 127.0.0.1:\(limited.port): complete after \(result.resumes) waits of "
        + "4 s, \(result.connections) connections (unlimited: \(reference.connections)), "
        + "\(result.ciphers.count) suites as without the limit, \(elapsed)")
  }

  @Test func tooLittleTimeToWaitReportsWhatWasNotScanned() throws {
    try TLSProbeGate.require()
    let limited = try instance(limit: (30, "60s"))
    defer { limited.stop() }
    try limited.start()

    var options = ProbeOptions()
    options.tlsOnly = true
    options.stepTimeout = .seconds(5)
    options.initialBackoff = .milliseconds(200)
    // The default wait (61 s) does not fit in what is left of 20 s.
    options.totalTimeout = .seconds(20)
    let start = ContinuousClock.now
    let report = Prober.probe(host: "127.0.0.1", port: limited.port, options: options)
    let elapsed = ContinuousClock.now - start
    let why = Comment(rawValue: report.json() + "\nmaillog:\n" + limited.log())
    let tls = try #require(report.tls, why)
    #expect(tls.resumes == 0, why)
    #expect(report.json().contains("\"resumes\": 0,"), why)
    #expect(!report.findings.contains { $0.id == "tls-analysis-resumed" }, why)
    #expect(tls.protocols["TLSv1.3"] == true, why)
    #expect(tls.protocols["SSLv3"] == nil, why)
    let finding = report.findings.first { $0.id == "tls-analysis-incomplete" }
    #expect(finding?.severity == .warning, why)
    #expect(
      finding?.message.contains("waiting 61 s to resume would pass the time limit") == true, why)
    #expect(finding?.message.contains("not scanned:") == true, why)
    #expect(finding?.message.contains("SSLv3") == true, why)
    #expect(report.checks.first { $0.check == "tls" }?.state == .partial, why)
    #expect(elapsed < .seconds(20), why)
    print(
      "rate limit 30/60s 127.0.0.1:\(limited.port), 20 s budget: \(report.connections) "
        + "connections in \(elapsed); \(finding?.message ?? "-")")
  }
}
