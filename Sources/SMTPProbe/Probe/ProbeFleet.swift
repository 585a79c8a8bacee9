/// One server of a fleet: where it is and how to probe it.
public struct ProbeFleetJob: Sendable {
  /// The name or numeric address.
  public var host: String
  /// The port.
  public var port: UInt16
  /// The probe's options: its total time limit is the host's time budget and its
  /// connection budgets the host's connection limits.
  public var options: ProbeOptions

  /// Creates a job.
  /// - Parameters:
  ///   - host: The name or numeric address.
  ///   - port: The port.
  ///   - options: The probe's options.
  public init(host: String, port: UInt16, options: ProbeOptions) {
    self.host = host
    self.port = port
    self.options = options
  }
}

/// One finished host of a fleet.
public struct ProbeFleetResult: Sendable {
  /// The job's position in the list the fleet was given (0-based).
  public var index: Int
  /// The report: what a single probe of the host reports, or, after a retry that followed
  /// a refusal at the greeting, the last attempt's, which continues the earlier one's
  /// connection count and transcript.
  public var report: ProbeReport
  /// How many times the host was probed: 1, or more after a `421` at the greeting.
  public var attempts: Int
}

/// What a fleet found, host by host.
public struct ProbeFleetSummary: Equatable, Sendable {
  /// One host's outcome.
  public struct Host: Equatable, Sendable {
    /// The host as given.
    public var host: String
    /// The port probed.
    public var port: UInt16
    /// Whether its probe completed (``ProbeReport/isComplete``).
    public var completed: Bool
    /// The most serious of its findings; nil when it has none.
    public var worstSeverity: ProbeSeverity?
    /// The TCP connections its probe made.
    public var connections: Int
    /// How many times it was probed.
    public var attempts: Int
  }

  /// Every host, in the order the fleet was given them.
  public var hosts: [Host]
  /// Whether the fleet was cancelled before every host finished (the hosts it did not
  /// reach are incomplete, with the reason `cancelled`).
  public var cancelled: Bool

  /// How many hosts completed.
  public var completed: Int { hosts.filter(\.completed).count }
  /// How many hosts did not.
  public var incomplete: Int { hosts.count - completed }
  /// The most serious finding over every host; nil when there is none.
  public var worstSeverity: ProbeSeverity? { hosts.compactMap(\.worstSeverity).max() }
}

/// Probes several servers at once, within a concurrency limit.
///
/// Each host is probed as ``Prober`` probes one server, on a thread of its own: its
/// options' total time limit is its time budget and its connection budgets are its own;
/// a host is never probed twice at the same time (two jobs naming the same host wait for
/// each other), so its connections stay one at a time. A host that refuses service at
/// the greeting with `421` after the probe's own retries is tried again, up to
/// ``refusalRetries`` times, after a back-off that continues the probe's
/// (``ProbeOptions/initialBackoff`` doubled once more for each retry, at most
/// ``ProbeOptions/maxBackoff``): it waits without holding a place, and the
/// retry continues the host's connection count, transcript and deadline. Cancelling the
/// task that runs the fleet stops every probe (see ``Prober``'s `async` methods); hosts
/// not started are reported incomplete with the reason `cancelled`.
public struct ProbeFleet: Sendable {
  /// The default number of hosts probed at once.
  public static let defaultConcurrency = 8
  /// The most hosts ``concurrency`` allows.
  public static let maxConcurrency = 256

  /// How many hosts are probed at once (1...``maxConcurrency``).
  public var concurrency: Int
  /// How many times a host refused at the greeting with `421` is tried again.
  public var refusalRetries = 1
  /// Opens connections to a job's server; by default TCP to the first address of the host
  /// (of the source address's family, when one is set).
  public var connector: @Sendable (ProbeFleetJob) throws -> any Connector

  /// Creates a fleet that probes over TCP.
  /// - Parameter concurrency: How many hosts at once, clamped to 1...``maxConcurrency``.
  public init(concurrency: Int = ProbeFleet.defaultConcurrency) {
    self.init(concurrency: concurrency) { job in
      try Prober.connector(host: job.host, port: job.port, options: job.options).get()
    }
  }

  /// Creates a fleet with its own way of connecting (a scripted server in tests).
  /// - Parameters:
  ///   - concurrency: How many hosts at once, clamped to 1...``maxConcurrency``.
  ///   - connector: Opens connections to a job's server; an error it throws is the host's
  ///     failure.
  public init(
    concurrency: Int, connector: @escaping @Sendable (ProbeFleetJob) throws -> any Connector
  ) {
    self.concurrency = min(max(concurrency, 1), Self.maxConcurrency)
    self.connector = connector
  }

  /// Probes every job, at most ``concurrency`` at once, and hands each result over as
  /// soon as its host finishes.
  /// - Parameters:
  ///   - jobs: The hosts, in the order the summary lists them.
  ///   - onResult: Called once per host, in the order they finish, one call at a time.
  /// - Returns: The summary.
  public func run(
    _ jobs: [ProbeFleetJob], onResult: (ProbeFleetResult) async -> Void
  ) async -> ProbeFleetSummary {
    let slots = ProbeFleetSlots(concurrency)
    var results: [ProbeFleetResult?] = Array(repeating: nil, count: jobs.count)
    await withTaskGroup(of: ProbeFleetResult.self) { group in
      for (index, job) in jobs.enumerated() {
        group.addTask { await probe(job, index: index, slots: slots) }
      }
      for await result in group {
        results[result.index] = result
        await onResult(result)
      }
    }
    let finished = results.compactMap { $0 }
    return ProbeFleetSummary(
      hosts: finished.map { result in
        ProbeFleetSummary.Host(
          host: result.report.host, port: result.report.port,
          completed: result.report.isComplete,
          worstSeverity: result.report.findings.map(\.severity).max(),
          connections: result.report.connections, attempts: result.attempts)
      },
      cancelled: Task.isCancelled)
  }

  /// One host: wait for a place, probe, and after a `421` at the greeting wait without a
  /// place and try again.
  private func probe(_ job: ProbeFleetJob, index: Int, slots: ProbeFleetSlots) async
    -> ProbeFleetResult
  {
    let key = job.host.lowercased()
    let options = job.options
    var earlier: (report: ProbeReport, deadline: Deadline)?
    var attempts = 0
    while true {
      await slots.acquire(key)
      attempts += 1
      let connector: any Connector
      do {
        connector = try self.connector(job)
      } catch {
        await slots.release(key)
        let failure = SMTPProbeError.wrapping(error, as: .invalidRequest)
        let report = ProbeRun.failedReport(
          host: job.host, port: job.port, options: options, failure: failure)
        return ProbeFleetResult(index: index, report: report, attempts: attempts)
      }
      let prober = Prober(connector: connector, options: options)
      let continued = earlier
      let deadline =
        earlier?.deadline
        ?? Deadline.after(options.totalTimeout, clock: options.clock)
      let report = await Prober.onOwnThread { cancellation in
        prober.run(
          host: job.host, port: job.port, cancellation: cancellation, continuing: continued)
      }
      await slots.release(key)
      guard attempts <= refusalRetries, !Task.isCancelled,
        let wait = Self.retryBackoff(
          after: report, attempt: attempts, options: options, deadline: deadline)
      else { return ProbeFleetResult(index: index, report: report, attempts: attempts) }
      // The back-off, without a place: other hosts go on meanwhile.
      _ = await Prober.onOwnThread { cancellation in
        ProbeRun.sleep(wait, clock: options.clock, cancellation: cancellation)
        return report
      }
      if Task.isCancelled {
        return ProbeFleetResult(index: index, report: report, attempts: attempts)
      }
      earlier = (report, deadline)
    }
  }

  /// How long to wait before probing a host again, or nil when it should not be: only
  /// after a `421` at the greeting, with a connection and the back-off's time left.
  /// - Parameters:
  ///   - report: The attempt's report.
  ///   - attempt: Which attempt it was (1-based).
  ///   - options: The host's options.
  ///   - deadline: The host's total deadline.
  /// - Returns: The back-off in nanoseconds, or nil.
  static func retryBackoff(
    after report: ProbeReport, attempt: Int, options: ProbeOptions, deadline: Deadline
  ) -> UInt64? {
    guard !report.isComplete, report.failure?.code != .cancelled, let banner = report.banner,
      banner.refused, banner.reply.code == 421,
      report.connections < options.connectionBudget
    else { return nil }
    // The probe waited the initial back-off, doubling, before each of its own retries;
    // the fleet's wait is the next in that sequence.
    var wait = options.initialBackoff.clampedNanoseconds
    let longest = options.maxBackoff.clampedNanoseconds
    for _ in 0..<min(max(options.greetingRetries + attempt - 1, 0), 64) {
      let (doubled, overflow) = wait.multipliedReportingOverflow(by: 2)
      wait = overflow ? .max : doubled
      if wait >= longest { break }
    }
    wait = min(wait, longest)
    guard deadline.remainingNanoseconds > wait else { return nil }
    return wait
  }
}

/// The places of a fleet: at most `count` probes at once, one per host.
actor ProbeFleetSlots {
  private var free: Int
  private var busy: Set<String> = []
  private var waiting: [(key: String, continuation: CheckedContinuation<Void, Never>)] = []

  init(_ count: Int) { free = count }

  /// Waits for a place and for no other probe of the same host to run.
  func acquire(_ key: String) async {
    if free > 0, !busy.contains(key) {
      free -= 1
      busy.insert(key)
      return
    }
    await withCheckedContinuation { waiting.append((key, $0)) }
  }

  /// Gives the place back and hands it to the first waiting probe that may run.
  func release(_ key: String) {
    free += 1
    busy.remove(key)
    var index = 0
    while free > 0, index < waiting.count {
      guard !busy.contains(waiting[index].key) else {
        index += 1
        continue
      }
      let next = waiting.remove(at: index)
      free -= 1
      busy.insert(next.key)
      next.continuation.resume()
    }
  }
}

extension ProbeFleetSummary {
  /// The summary as the last line of `--format jsonl`: compact, `"type": "summary"`,
  /// ending in a newline (see docs/probe-json-schema.md).
  /// - Returns: The line (pure ASCII).
  public func jsonLine() -> String {
    let value = JSONValue.object([
      ("type", .string("summary")),
      ("schemaVersion", .int(ProbeReport.jsonSchemaVersion)),
      ("hosts", .int(hosts.count)),
      ("completed", .int(completed)),
      ("incomplete", .int(incomplete)),
      ("cancelled", .bool(cancelled)),
      ("worstSeverity", .optional(worstSeverity?.rawValue)),
      (
        "results",
        .array(
          hosts.map {
            .object([
              ("host", .string(Escape.text(Array($0.host.utf8)))), ("port", .int(Int($0.port))),
              ("completed", .bool($0.completed)),
              ("worstSeverity", .optional($0.worstSeverity?.rawValue)),
              ("connections", .int($0.connections)), ("attempts", .int($0.attempts)),
            ])
          })
      ),
    ])
    return value.rendered(indent: nil) + "\n"
  }
}
