import Foundation
import Testing

@testable import SMTPProbe

/// ``ProbeFleet`` against scripted servers: no network at all.
@Suite struct ProbeFleetTests {
  /// Counts the connections open at once over every host of a fleet.
  final class OpenCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var open = 0
    private(set) var peak = 0
    private(set) var total = 0

    func opened() {
      lock.withLock {
        open += 1
        total += 1
        peak = max(peak, open)
      }
    }

    func closed() { lock.withLock { open -= 1 } }
    var snapshot: (peak: Int, total: Int, open: Int) { lock.withLock { (peak, total, open) } }
  }

  /// A transport that tells an ``OpenCounter`` when it opens and closes.
  final class CountedTransport: Transport {
    let base: any Transport
    let counter: OpenCounter
    private var isClosed = false

    init(_ base: any Transport, counter: OpenCounter) {
      self.base = base
      self.counter = counter
      counter.opened()
    }

    deinit { close() }

    func send(_ bytes: [UInt8], deadline: Deadline) throws {
      try base.send(bytes, deadline: deadline)
    }
    func receive(maxBytes: Int, deadline: Deadline) throws -> [UInt8] {
      try base.receive(maxBytes: maxBytes, deadline: deadline)
    }
    func close() {
      if !isClosed { counter.closed() }
      isClosed = true
      base.close()
    }
    var localAddress: SocketAddress? { base.localAddress }
    var remoteAddress: SocketAddress? { base.remoteAddress }
  }

  /// Opens counted scripted connections.
  ///
  /// The very first one waits (up to 30 s of real time) until a second is
  /// open: hosts overlap whenever the fleet runs them concurrently, however
  /// loaded the machine.
  struct CountedConnector: Connector, @unchecked Sendable {
    let base: ScriptedConnector
    let counter: OpenCounter
    func connect(deadline: Deadline) throws -> any Transport {
      let transport = CountedTransport(try base.connect(deadline: deadline), counter: counter)
      if counter.snapshot.total == 1 {
        // At most 3,000 pauses of 10 ms.
        for _ in 0..<3_000 where counter.snapshot.open < 2 { usleep(10_000) }
      }
      return transport
    }
  }

  /// A server that never answers; its reads wait on the real clock until their deadline.
  final class SilentTransport: Transport {
    func send(_ bytes: [UInt8], deadline: Deadline) throws {}
    func receive(maxBytes: Int, deadline: Deadline) throws -> [UInt8] {
      // Bounded by the deadline: at most its length in 5 ms steps.
      for _ in 0..<(deadline.remainingNanoseconds / 5_000_000 + 1) where !deadline.hasPassed {
        usleep(5_000)
      }
      throw SMTPProbeError(.timeout, "recv: deadline passed")
    }
    func close() {}
    var localAddress: SocketAddress? { SocketAddress.numeric("127.0.0.1", port: 40000) }
    var remoteAddress: SocketAddress? { SocketAddress.numeric("127.0.0.1", port: 25) }
  }

  struct SilentConnector: Connector {
    /// Counts connections, when given.
    var opened: OpenedCounter?

    func connect(deadline: Deadline) throws -> any Transport {
      opened?.increment()
      return SilentTransport()
    }
  }

  /// Connections opened so far, read from the test while probes run.
  final class OpenedCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0

    func increment() { lock.withLock { count += 1 } }

    var value: Int { lock.withLock { count } }

    /// Waits (bounded) until `target` connections were opened.
    func wait(for target: Int) async throws {
      // At most 600 polls of 100 ms: a minute, however loaded the machine.
      for _ in 0..<600 where value < target {
        try await Task.sleep(for: .milliseconds(100))
      }
    }
  }

  /// The synchronous probe (in an `async` function, `run` names the asynchronous one).
  static func blocking(_ prober: Prober, host: String, port: UInt16) -> ProbeReport {
    prober.run(host: host, port: port)
  }

  /// One scripted host per job, each with its own virtual clock.
  static func jobs(_ count: Int) -> [ProbeFleetJob] {
    (0..<count).map { index in
      ProbeFleetJob(
        host: "127.0.0.\(index + 2)", port: 25, options: .scripted(VirtualClock()))
    }
  }

  /// The server each host plays: every few hosts a different posture.
  static func server(for host: String) -> FakePostfix {
    let number = Int(host.split(separator: ".").last ?? "0") ?? 0
    var server = FakePostfix()
    switch number % 4 {
    case 0: server.relay = "reject"
    case 1:
      server.vrfy = false
      server.heloRequired = true
    case 2: server.relay = "defer"
    default: break
    }
    return server
  }

  static func connector(_ job: ProbeFleetJob) -> ScriptedConnector {
    // The job's options carry its own clock.
    let clock = (job.options.clock as? VirtualClock) ?? VirtualClock()
    return server(for: job.host).connector(clock: clock)
  }

  @Test func concurrencyLimitIsRespected() async throws {
    let counter = OpenCounter()
    let fleet = ProbeFleet(concurrency: 3) { job in
      CountedConnector(base: Self.connector(job), counter: counter)
    }
    var delivered = 0
    let summary = await fleet.run(Self.jobs(12)) { _ in delivered += 1 }
    let seen = counter.snapshot
    #expect(delivered == 12)
    #expect(summary.hosts.count == 12)
    #expect(summary.completed == 12, "\(summary)")
    #expect(seen.peak <= 3, "\(seen)")
    #expect(seen.peak >= 2, "hosts never overlapped: \(seen)")
    #expect(seen.open == 0)
    #expect(seen.total == summary.hosts.map(\.connections).reduce(0, +))
  }

  @Test func eachHostReportsWhatASingleProbeReports() async throws {
    let jobs = Self.jobs(9)
    let fleet = ProbeFleet(concurrency: 4) { Self.connector($0) }
    var reports: [Int: ProbeReport] = [:]
    let summary = await fleet.run(jobs) { reports[$0.index] = $0.report }
    #expect(reports.count == jobs.count)
    for (index, job) in jobs.enumerated() {
      var options = job.options
      let clock = VirtualClock()
      options.clock = clock
      let single = Self.blocking(
        Prober(connector: Self.server(for: job.host).connector(clock: clock), options: options),
        host: job.host, port: job.port)
      let fleetReport = try #require(reports[index])
      #expect(fleetReport == single, "host \(job.host)")
      #expect(fleetReport.transcript == single.transcript)
      #expect(fleetReport.findings == single.findings)
      #expect(fleetReport.checks == single.checks)
      #expect(summary.hosts[index].host == job.host)
      #expect(summary.hosts[index].worstSeverity == single.findings.map(\.severity).max())
    }
    #expect(summary.worstSeverity == reports.values.flatMap(\.findings).map(\.severity).max())
  }

  @Test func cancellationStopsPromptly() async throws {
    var options = ProbeOptions()
    options.controlUser = "pfhcontrol"
    options.analyseTLS = false
    // Silent servers and limits far longer than the test: only the
    // cancellation can end these probes (their failure says which it was).
    options.stepTimeout = .seconds(600)
    options.sessionTimeout = .seconds(600)
    options.totalTimeout = .seconds(600)
    let jobs = (0..<4).map { ProbeFleetJob(host: "127.0.0.\($0 + 2)", port: 25, options: options) }
    let opened = OpenedCounter()
    let fleet = ProbeFleet(concurrency: 2) { _ in SilentConnector(opened: opened) }
    let task = Task {
      var results: [ProbeFleetResult] = []
      let summary = await fleet.run(jobs) { results.append($0) }
      return (summary, results)
    }
    // Cancel once the first two hosts are connected, however long that takes.
    try await opened.wait(for: 2)
    #expect(opened.value == 2)
    task.cancel()
    let (summary, results) = await task.value
    #expect(opened.value == 2)
    #expect(summary.cancelled)
    #expect(summary.hosts.count == 4)
    #expect(summary.incomplete == 4)
    #expect(results.count == 4)
    for result in results {
      let failure = try #require(result.report.failure)
      #expect(failure.code == .cancelled)
      #expect(failure.reason == "cancelled")
      #expect(result.report.checks.allSatisfy { !$0.isComplete })
      #expect(result.report.checks.contains { $0.reason == "cancelled" }, "\(result.report.checks)")
      #expect(result.report.findings.contains { $0.id == "probe-incomplete" })
    }
    // The two hosts that had not started made no connection.
    #expect(results.filter { $0.report.connections == 0 }.count == 2)
  }

  @Test func asyncProbeHonoursCancellationAndOtherwiseMatchesTheSynchronousOne() async throws {
    var options = ProbeOptions()
    options.analyseTLS = false
    // Only the cancellation can end this probe before ten minutes.
    options.stepTimeout = .seconds(600)
    options.sessionTimeout = .seconds(600)
    options.totalTimeout = .seconds(600)
    let opened = OpenedCounter()
    let silent = Prober(connector: SilentConnector(opened: opened), options: options)
    let task = Task { await silent.run(host: "127.0.0.1", port: 25) }
    try await opened.wait(for: 1)
    task.cancel()
    let report = await task.value
    #expect(report.failure?.code == .cancelled)
    #expect(report.connections == 1)

    let clock = VirtualClock()
    let prober = Prober(connector: FakePostfix().connector(clock: clock), options: .scripted(clock))
    let asynchronous = await prober.run(host: "127.0.0.1", port: 25)
    let other = VirtualClock()
    let synchronous = Self.blocking(
      Prober(connector: FakePostfix().connector(clock: other), options: .scripted(other)),
      host: "127.0.0.1", port: 25)
    #expect(asynchronous == synchronous)
    #expect(asynchronous.isComplete)
  }

  @Test func aHostThatAnswers421IsRetriedAfterABackOffWithoutHoldingAPlace() async throws {
    // 127.0.0.2 refuses its first three connections with 421, then serves; 127.0.0.3
    // always serves. The fleet's back-off of 127.0.0.2 (the first sleep after its second
    // refused connection) waits until 127.0.0.3 has been given the only place: a fleet
    // that held the place through the back-off would keep 127.0.0.3 out, the wait would
    // time out and 127.0.0.2 would finish first.
    let refusingClock = VirtualClock()
    let gate = BackoffGate(base: refusingClock)
    let fleet = ProbeFleet(concurrency: 1) { job in
      let refusing = job.host == "127.0.0.2"
      if !refusing { gate.open() }
      let clock =
        refusing ? refusingClock : ((job.options.clock as? VirtualClock) ?? VirtualClock())
      return ScriptedConnector(clock: clock) { _, clock in
        var state = FakePostfix.State()
        let server = FakePostfix()
        let refused = refusing && RefusalCounter.shared.refuses()
        if refused, RefusalCounter.shared.count == 2 { gate.arm() }
        let greeting: [ServerAction] =
          refused
          ? [.text("421 4.7.0 mail.example.test Error: too many connections\r\n"), .close]
          : [.text("220 mail.example.test ESMTP Postfix\r\n")]
        return ScriptedTransport(clock: clock, greeting: greeting) {
          server.answer($0, state: &state)
        }
      }
    }
    RefusalCounter.shared.reset()
    var refusingOptions = ProbeOptions.scripted(refusingClock)
    refusingOptions.clock = gate
    refusingOptions.initialBackoff = .seconds(1)
    refusingOptions.maxBackoff = .seconds(30)
    refusingOptions.greetingRetries = 1
    let before = refusingClock.now()
    let jobs = [
      ProbeFleetJob(host: "127.0.0.2", port: 25, options: refusingOptions),
      ProbeFleetJob(host: "127.0.0.3", port: 25, options: .scripted(VirtualClock())),
    ]
    var order: [String] = []
    var results: [String: ProbeFleetResult] = [:]
    let summary = await fleet.run(jobs) {
      order.append($0.report.host)
      results[$0.report.host] = $0
    }
    let refused = try #require(results["127.0.0.2"])
    // Two connections refused in the first attempt (the probe's own retry after 1 s),
    // then the fleet's back-off (2 s), then one more 421 and a retry after 1 s that works.
    #expect(refused.attempts == 2)
    #expect(refused.report.isComplete, "\(refused.report.failure?.reason ?? "")")
    #expect(refusingClock.now() - before >= 4_000_000_000)
    let greetings = refused.report.transcript.filter { $0.command == nil && $0.reply != nil }
    #expect(greetings.map { $0.reply?.code }.prefix(4) == [421, 421, 421, 220])
    #expect(Set(refused.report.transcript.map(\.connection)).count == refused.report.connections)
    #expect(refused.report.connections <= refusingOptions.connectionBudget)
    // While 127.0.0.2 waited, the only place went to 127.0.0.3.
    #expect(gate.waitedForThePlace)
    #expect(order == ["127.0.0.3", "127.0.0.2"])
    #expect(summary.hosts.map(\.attempts) == [2, 1])

    // A host that keeps refusing is retried once, then reported refused.
    RefusalCounter.shared.reset(refusals: 100)
    let always = await fleet.run([jobs[0]]) { _ in }
    #expect(always.hosts.first?.attempts == 2)
    #expect(always.hosts.first?.completed == false)
    #expect(always.hosts.first?.connections == 4)
  }

  @Test func reportsArriveAsEachHostFinishes() async throws {
    // 127.0.0.3's server waits (on the real clock, at most 120 s: a loaded machine running
    // the whole test suite may take seconds to resume the delivering task) until
    // 127.0.0.2's report has been handed over: only a fleet that delivers reports as they
    // finish completes both.
    let delivered = DispatchSemaphore(value: 0)
    let fleet = ProbeFleet(concurrency: 2) { job in
      let base = Self.connector(job)
      guard job.host == "127.0.0.3" else { return base }
      return GatedConnector(base: base, gate: delivered)
    }
    var order: [String] = []
    let summary = await fleet.run(Self.jobs(2)) { result in
      order.append(result.report.host)
      if result.report.host == "127.0.0.2" { delivered.signal() }
    }
    #expect(order == ["127.0.0.2", "127.0.0.3"])
    #expect(summary.completed == 2)
  }

  struct GatedConnector: Connector, @unchecked Sendable {
    let base: ScriptedConnector
    let gate: DispatchSemaphore
    func connect(deadline: Deadline) throws -> any Transport {
      if base.transports.isEmpty, gate.wait(timeout: .now() + 120) == .timedOut {
        throw SMTPProbeError(.timeout, "the first report was not delivered")
      }
      return try base.connect(deadline: deadline)
    }
  }

  @Test func targetsParse() throws {
    #expect(ProbeTarget(parsing: "127.0.0.1") == ProbeTarget(host: "127.0.0.1"))
    #expect(ProbeTarget(parsing: "127.0.0.1:2525") == ProbeTarget(host: "127.0.0.1", port: 2525))
    #expect(ProbeTarget(parsing: "[::1]:587") == ProbeTarget(host: "::1", port: 587))
    #expect(ProbeTarget(parsing: "[::1]") == ProbeTarget(host: "::1"))
    #expect(ProbeTarget(parsing: "::1") == ProbeTarget(host: "::1"))
    #expect(ProbeTarget(parsing: "mail.example.test:25")?.port == 25)
    for bad in [
      "", "a:b:c", "host:", ":25", "host:0", "host:65536", "host:+25", "[::1", "[x]:25",
      "[::1]25", "a b", "host:2 5", String(repeating: "a", count: 301),
    ] {
      #expect(ProbeTarget(parsing: bad) == nil, "\(bad)")
    }
    #expect(ProbeTarget(host: "::1", port: 25).description == "[::1]:25")
    #expect(ProbeTarget(host: "127.0.0.1", port: 25).description == "127.0.0.1:25")
    #expect(ProbeTarget(host: "mx.example").withPort(default: 25).port == 25)
  }

  @Test func summaryLineIsCompactJSONWithItsType() throws {
    let summary = ProbeFleetSummary(
      hosts: [
        .init(
          host: "127.0.0.2", port: 25, completed: true, worstSeverity: .warning, connections: 5,
          attempts: 1),
        .init(
          host: "127.0.0.3", port: 25, completed: false, worstSeverity: .error, connections: 0,
          attempts: 1),
      ], cancelled: false)
    let line = summary.jsonLine()
    #expect(line.hasSuffix("\n"))
    #expect(!line.dropLast().contains("\n"))
    let object = try #require(
      try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    #expect(object["type"] as? String == "summary")
    #expect(object["hosts"] as? Int == 2)
    #expect(object["completed"] as? Int == 1)
    #expect(object["incomplete"] as? Int == 1)
    #expect(object["worstSeverity"] as? String == "error")
  }
}

/// A clock whose first sleep after ``arm()`` waits (at most 120 s, on the real clock)
/// until ``open()``: it makes a test's order of events independent of the machine's load.
final class BackoffGate: ProbeClock, @unchecked Sendable {
  let base: VirtualClock
  private let lock = NSLock()
  private let opened = DispatchSemaphore(value: 0)
  private var armed = false
  private var used = false
  private var isOpen = false
  private(set) var waitedForThePlace = false

  init(base: VirtualClock) { self.base = base }

  func now() -> UInt64 { base.now() }

  func sleep(nanoseconds: UInt64) {
    let mustWait = lock.withLock {
      guard armed, !used else { return false }
      used = true
      return true
    }
    if mustWait {
      let result = opened.wait(timeout: .now() + 120)
      lock.withLock { waitedForThePlace = result == .success }
    }
    base.sleep(nanoseconds: nanoseconds)
  }

  /// The next sleep waits for ``open()`` (once only).
  func arm() { lock.withLock { armed = true } }

  /// Lets the waiting sleep go on (signals once).
  func open() {
    let first = lock.withLock {
      defer { isOpen = true }
      return !isOpen
    }
    if first { opened.signal() }
  }
}

/// How many connections of the refusing host were answered with 421 so far.
final class RefusalCounter: @unchecked Sendable {
  static let shared = RefusalCounter()
  private let lock = NSLock()
  private var refusedSoFar = 0
  private var limit = 3

  /// How many connections were counted since the last reset.
  var count: Int { lock.withLock { refusedSoFar } }

  func reset(refusals: Int = 3) {
    lock.withLock {
      refusedSoFar = 0
      limit = refusals
    }
  }

  /// Whether this connection is refused: the first `refusals` are.
  func refuses() -> Bool {
    lock.withLock {
      refusedSoFar += 1
      return refusedSoFar <= limit
    }
  }
}
