import Testing

@testable import SMTPProbe

/// Waiting out a connection rate limit and resuming, the TLS 1.3 cipher order, and the
/// handshakes the scan no longer spends, against ``FakeTLSServer`` (no network, no real
/// sleeping).
@Suite struct TLSScanResumeTests {
  static let now: Int64 = 1_800_000_000
  static let tooMany =
    "greeting refused service: 421 4.7.0 mail.example.test Error: too many "
    + "connections from 127.0.0.1"

  /// Serves connections through `server` except the attempts numbered in `refused`
  /// (0-based), which throw `.closed` as the STARTTLS opener does for a `421` greeting.
  final class RateLimiter: @unchecked Sendable {
    let server: FakeTLSServer
    let refused: (Int) -> Bool
    let refusal: String
    var attempts = 0

    init(_ server: FakeTLSServer, refusal: String = tooMany, refused: @escaping (Int) -> Bool) {
      self.server = server
      self.refusal = refusal
      self.refused = refused
    }

    func channel() throws -> any TLSHandshakeChannel {
      defer { attempts += 1 }
      if refused(attempts) { throw SMTPProbeError(.closed, refusal) }
      return try server.channel()
    }
  }

  func server() -> FakeTLSServer {
    let server = FakeTLSServer()
    server.versions = [.tls11, .tls12]
    server.suites = [0xC02F, 0xC030, 0x009E]
    return server
  }

  func scan(
    _ limiter: RateLimiter, sleeps: TLSSleepLog,
    configure: (inout TLSScanOptions) -> Void = { _ in }
  ) -> TLSScanResult {
    var options = TLSScanOptions(now: Self.now, serverName: "mail.example.test")
    options.protocols = [.tls12, .tls11]
    options.backoff = [.seconds(1)]
    options.rateLimitWait = .seconds(30)
    options.sleep = { sleeps.append($0) }
    configure(&options)
    return TLSScanner(options: options) { try limiter.channel() }.scan()
  }

  @Test func waitsOutARateLimitAndResumesWhereItStopped() {
    let reference = scan(RateLimiter(server()) { _ in false }, sleeps: TLSSleepLog())
    let sleeps = TLSSleepLog()
    // The third and fourth attempts are refused: the back-off step, then the long wait.
    let result = scan(RateLimiter(server()) { $0 == 2 || $0 == 3 }, sleeps: sleeps)
    #expect(sleeps.values == [.seconds(1), .seconds(30)])
    #expect(result.resumes == 1)
    #expect(result.notes == [])
    #expect(result.protocols == reference.protocols)
    #expect(result.ciphers == reference.ciphers)
    #expect(result.connections == reference.connections + 2)
  }

  @Test func laterRateLimitsSkipTheShortBackOff() {
    let sleeps = TLSSleepLog()
    let result = scan(RateLimiter(server()) { [2, 3, 6].contains($0) }, sleeps: sleeps) {
      $0.maxResumes = 3
    }
    #expect(sleeps.values == [.seconds(1), .seconds(30), .seconds(30)])
    #expect(result.resumes == 2)
    #expect(result.notes == [])
  }

  @Test func theMostWaitsBoundTheScanAndTheRestIsReported() {
    let sleeps = TLSSleepLog()
    let result = scan(RateLimiter(server()) { $0 >= 2 }, sleeps: sleeps) { $0.maxResumes = 2 }
    #expect(sleeps.values == [.seconds(1), .seconds(30), .seconds(30)])
    #expect(result.resumes == 2)
    #expect(result.resumeWait == .seconds(60))
    #expect(
      result.notes.first?.hasPrefix("TLSv1.2: scan stopped: cannot open a connection") == true)
    #expect(result.notes.first?.contains("the 2 waits allowed are used up") == true)
    // The steps after the stop try nothing more, and do not repeat its reason.
    #expect(result.notes.count == 1)
    #expect(result.protocols["TLSv1.2"] == true)
    #expect(result.protocols["TLSv1.1"] == nil)
    let finding = FindingsBuilder.analysisIncomplete(result)
    #expect(finding?.severity == .warning)
    // TLS 1.3, TLS 1.0 and SSLv3 were not asked for, TLS 1.1 was cut off.
    #expect(finding?.message.contains("not scanned: TLSv1.3, TLSv1.1,") == true)
    #expect(finding?.message.contains("scanned in part (some suites not tried): TLSv1.2") == true)
  }

  @Test func noWaitThatWouldPassTheTimeLimit() {
    let sleeps = TLSSleepLog()
    let result = scan(RateLimiter(server()) { $0 >= 2 }, sleeps: sleeps) {
      $0.totalTimeout = .seconds(20)
    }
    #expect(sleeps.values == [.seconds(1)])
    #expect(result.resumes == 0)
    #expect(
      result.notes.first?.contains("waiting 30 s to resume would pass the time limit") == true)
    #expect(result.notes.first?.contains("too many connections") == true)
    #expect(result.protocols["TLSv1.1"] == nil)
    let finding = FindingsBuilder.analysisIncomplete(result)
    #expect(finding?.severity == .warning)
    // TLS 1.3, TLS 1.0 and SSLv3 were not asked for, TLS 1.1 was cut off.
    #expect(finding?.message.contains("not scanned: TLSv1.3, TLSv1.1,") == true)
  }

  @Test func aRefusalFromTheFirstConnectionIsNoRateLimit() {
    let sleeps = TLSSleepLog()
    let limiter = RateLimiter(server(), refusal: "greeting refused service: 421 4.3.2 busy") {
      _ in true
    }
    let result = scan(limiter, sleeps: sleeps)
    #expect(sleeps.values == [.seconds(1)])
    #expect(result.outcome == .notStarted)
    #expect(limiter.attempts == 2)
  }

  @Test func tooManyConnectionsFromTheFirstConnectionIsARateLimit() {
    let sleeps = TLSSleepLog()
    // The probe's SMTP sessions can use up the window before the scan starts.
    let result = scan(RateLimiter(server()) { $0 < 2 }, sleeps: sleeps)
    #expect(sleeps.values == [.seconds(1), .seconds(30)])
    #expect(result.notes == [])
    #expect(result.protocols["TLSv1.1"] == true)
  }

  @Test func permanentRefusalsAreNeverWaitedOut() {
    let sleeps = TLSSleepLog()
    let server = server()
    let limiter = RateLimiter(server) { _ in false }
    var served = 0
    let result = TLSScanner(
      options: {
        var options = TLSScanOptions(now: Self.now)
        options.protocols = [.tls12]
        options.sleep = { sleeps.append($0) }
        return options
      }()
    ) {
      served += 1
      if served > 1 { throw SMTPProbeError(.protocolViolation, "STARTTLS refused: 502 5.5.1") }
      return try limiter.channel()
    }.scan()
    #expect(sleeps.values.isEmpty)
    #expect(result.resumes == 0)
    #expect(result.notes.first?.contains("502") == true)
  }

  @Test func secondsAreWrittenWithoutTrailingZeros() {
    #expect(Duration.seconds(61).secondsText == "61")
    #expect(Duration.milliseconds(250).secondsText == "0.25")
    #expect(Duration.milliseconds(4005).secondsText == "4.005")
  }

  // MARK: Cipher order

  @Test func tls13ClientOrderIsLearnedInTheGroupRounds() {
    let server = FakeTLSServer()
    server.versions = [.tls13]
    server.tls13Suites = [0x1301, 0x1302]
    server.tls13ServerPreference = false
    server.tls13Groups = [.x25519, .secp256r1, .secp384r1]
    var options = TLSScanOptions(now: Self.now)
    options.protocols = [.tls13]
    options.sleep = { _ in }
    let result = TLSScanner(options: options) { try server.channel() }.scan()
    #expect(result.serverPreference == false)
    #expect(result.ciphers.map(\.id) == ["0x1301", "0x1302"])
    // Two HRRs, the ambiguous refusal and its probe with every group, the group left,
    // the groups' refusal (the suites swapped in these two), then the TLS client's try
    // at the certificate. No handshake for the order alone.
    #expect(result.connections == 7)
    let pairOnly = server.hellos.filter { $0.first == 22 }.contains { hello in
      (try? TLSClientHelloTests.dissect(hello).suites) == [0x1302, 0x1301]
    }
    #expect(!pairOnly)
  }

  @Test func tls13OrderTakesOneHandshakeWhenGroupsDoNotOutnumberSuites() {
    for preference in [false, true] {
      let server = FakeTLSServer()
      server.versions = [.tls13]
      server.tls13Suites = [0x1301, 0x1302, 0x1303]
      server.tls13ServerPreference = preference
      server.tls13Groups = [.x25519]
      var options = TLSScanOptions(now: Self.now)
      options.protocols = [.tls13]
      options.sleep = { _ in }
      let result = TLSScanner(options: options) { try server.channel() }.scan()
      #expect(result.serverPreference == preference)
      let swapped = server.hellos.filter { $0.first == 22 }.contains { hello in
        (try? TLSClientHelloTests.dissect(hello).suites) == [0x1302, 0x1301]
      }
      #expect(swapped)
    }
  }

  @Test func olderVersionsDoNotAskAgainForTheOrder() {
    let server = FakeTLSServer()
    server.versions = [.tls11, .tls12]
    server.suites = [0xC02F, 0xC030]
    server.serverPreference = false
    var options = TLSScanOptions(now: Self.now)
    options.protocols = [.tls12, .tls11]
    options.sleep = { _ in }
    let result = TLSScanner(options: options) { try server.channel() }.scan()
    #expect(result.serverPreference == false)
    // TLS 1.2: two suites, the refusal, the reversed offer; TLS 1.1: two suites and the
    // refusal, no reversed offer; the curves: X25519 and the refusal.
    #expect(result.connections == 4 + 3 + 2)
  }
}
