import Dispatch
import PostfixConfig
import SMTPProbe

/// `pfharden probe` with several targets (or `--format jsonl`): the hosts are probed
/// concurrently by ``ProbeFleet`` and reported as each finishes.
extension ProbeCommand {
  /// The most targets one run takes (arguments and `--targets` together).
  static let maxTargets = 10_000
  /// The largest `--targets` file read.
  static let maxTargetsFileSize = 1 << 20

  enum TargetsProblem: Error {
    /// A line that is not a target: a usage error naming `FILE:LINE`.
    case usage(String)
    /// The file could not be read: exit status 2.
    case unreadable(String)
  }

  /// Reads `--targets FILE`: one `HOST[:PORT]` per line; `#` starts a comment, blank lines
  /// and surrounding spaces are ignored, CR LF is accepted.
  /// - Parameter path: The file.
  /// - Returns: The targets in file order, or the first problem with its file and line.
  static func readTargets(_ path: String) -> Result<[ProbeTarget], TargetsProblem> {
    let bytes: [UInt8]
    do {
      bytes = try ConfigFile.read(path: path, limit: maxTargetsFileSize)
    } catch {
      return .failure(.unreadable("cannot read targets: \(CLI.describe(error))"))
    }
    let name = printable(path)
    var targets: [ProbeTarget] = []
    let blank: Set<UInt8> = [UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r")]
    for (offset, raw) in bytes.split(
      separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false
    )
    .enumerated() {
      let line = raw.prefix { $0 != UInt8(ascii: "#") }
      let text = line.drop { blank.contains($0) }.reversed().drop { blank.contains($0) }.reversed()
      guard !text.isEmpty else { continue }
      let shown = Escape.clipped(Array(text), to: 80)
      guard !text.contains(where: { blank.contains($0) }) else {
        return .failure(.usage("\(name):\(offset + 1): one target per line: '\(shown)'"))
      }
      guard text.allSatisfy({ $0 < 0x80 }),
        let target = ProbeTarget(parsing: String(decoding: text, as: UTF8.self))
      else {
        return .failure(.usage("\(name):\(offset + 1): not a HOST[:PORT]: '\(shown)'"))
      }
      guard targets.count < maxTargets else {
        return .failure(.usage("\(name):\(offset + 1): more than \(maxTargets) targets"))
      }
      targets.append(target)
    }
    return .success(targets)
  }

  /// Each target's job: its port (25, 587 with `--role submission`, 465 with
  /// `--implicit-tls`, unless given), and its options (port 587 implies the submission role
  /// unless `--role` is given; port 465 implies implicit TLS), as for a single target.
  /// - Parameters:
  ///   - invocation: The parsed command line.
  ///   - configure: Adjusts the options after parsing (tests).
  /// - Returns: The jobs, in target order.
  static func jobs(_ invocation: Invocation, configure: (inout ProbeOptions) -> Void)
    -> [ProbeFleetJob]
  {
    invocation.targets.map { target in
      var options = invocation.options
      if target.port == 587, !invocation.roleGiven { options.role = .submission }
      if target.port == 465 { options.implicitTLS = true }
      configure(&options)
      let port =
        target.port ?? (options.implicitTLS ? 465 : options.role == .submission ? 587 : 25)
      return ProbeFleetJob(host: target.host, port: port, options: options)
    }
  }

  /// Runs the fleet from synchronous code (`main`): the calling thread waits while the
  /// fleet runs in a task of its own; output streams as each host finishes.
  static func runFleetBlocking(
    _ invocation: Invocation, console: inout Console, configure: (inout ProbeOptions) -> Void
  ) -> Int32 {
    let jobs = jobs(invocation, configure: configure)
    let fleet = ProbeFleet(concurrency: invocation.concurrency)
    let outcome = FleetOutcome()
    let done = DispatchSemaphore(value: 0)
    let start = console
    Task.detached {
      var console = start
      let status = await runFleet(invocation, jobs: jobs, fleet: fleet, console: &console)
      outcome.store(console: console, status: status)
      done.signal()
    }
    done.wait()
    return outcome.take(into: &console)
  }

  /// Runs the command from Swift concurrency, with the fleet given (tests pass one that
  /// connects to scripted servers, or a short back-off).
  /// - Parameters:
  ///   - arguments: The arguments after `probe`.
  ///   - console: Where output goes.
  ///   - configure: Adjusts each target's options after parsing.
  ///   - fleet: Probes the targets.
  /// - Returns: The exit status.
  static func run(
    arguments: [String], console: inout Console,
    configure: (inout ProbeOptions) -> Void = { _ in }, fleet: ProbeFleet
  ) async -> Int32 {
    switch parse(arguments) {
    case .help:
      console.out(help)
      return CLI.ExitCode.clean
    case .usage(let message):
      return CLI.usageError("probe", message, console: &console)
    case .failure(let message):
      console.err("pfharden probe: error: \(message)\n")
      return CLI.ExitCode.failure
    case .run(var invocation):
      if !invocation.isFleet {
        // One target, as `run(arguments:console:)` prints it, through the fleet's probe.
        invocation.jsonLines = false
      }
      var used = fleet
      used.concurrency = invocation.concurrency
      return await runFleet(
        invocation, jobs: jobs(invocation, configure: configure), fleet: used,
        console: &console)
    }
  }

  /// Probes every job and prints each report as its host finishes, then the summary.
  ///
  /// A single target without `--format jsonl` prints exactly what the single-target
  /// command prints.
  static func runFleet(
    _ invocation: Invocation, jobs: [ProbeFleetJob], fleet: ProbeFleet, console: inout Console
  ) async -> Int32 {
    let single = !invocation.isFleet
    var finished = 0
    var worst = CLI.ExitCode.clean
    let summary = await fleet.run(jobs) { result in
      finished += 1
      let report = result.report
      let target = ProbeTarget(host: report.host, port: report.port).description
      if single {
        console.out(
          invocation.json
            ? report.json() : ProbeTextReport.render(report, verbose: invocation.verbose))
      } else if invocation.jsonLines {
        console.out(report.jsonLine())
      } else {
        console.out("==> \(target) (\(finished) of \(jobs.count)) <==\n")
        console.out(ProbeTextReport.render(report, verbose: invocation.verbose))
        console.out("\n")
      }
      if let failure = report.failure?.reason {
        console.err(
          "pfharden probe: error: \(single ? "" : "\(target): ")could not complete: \(failure)\n")
        worst = CLI.ExitCode.failure
      } else if report.hasFindings(atLeast: invocation.minSeverity),
        worst == CLI.ExitCode.clean
      {
        worst = CLI.ExitCode.findings
      }
    }
    if single { return worst }
    if invocation.jsonLines {
      console.out(summary.jsonLine())
    } else {
      console.out(FleetText.summary(summary))
    }
    return worst
  }
}

/// The text summary after the hosts' reports.
enum FleetText {
  /// `fleet: 3 hosts, 2 completed, 1 incomplete; worst finding: error`, then one line per
  /// host in the order given.
  /// - Parameter summary: The fleet's summary.
  /// - Returns: The text, ending in a newline.
  static func summary(_ summary: ProbeFleetSummary) -> String {
    var out = [
      "fleet: \(summary.hosts.count) host\(summary.hosts.count == 1 ? "" : "s"), "
        + "\(summary.completed) completed, \(summary.incomplete) incomplete; worst finding: "
        + (summary.worstSeverity?.rawValue ?? "none")
        + (summary.cancelled ? " (cancelled)" : "")
    ]
    let names = summary.hosts.map { ProbeTarget(host: $0.host, port: $0.port).description }
    let width = min(names.map(\.count).max() ?? 0, 60)
    for (name, host) in zip(names, summary.hosts) {
      let padded =
        name.count >= width ? name : name + String(repeating: " ", count: width - name.count)
      let connections = "\(host.connections) connection\(host.connections == 1 ? "" : "s")"
      out.append(
        "  \(padded)  \(host.completed ? "completed " : "incomplete")  "
          + "worst \((host.worstSeverity?.rawValue ?? "none").padding(7))  \(connections)"
          + (host.attempts > 1 ? ", \(host.attempts) attempts" : ""))
    }
    return out.joined(separator: "\n") + "\n"
  }
}

extension String {
  fileprivate func padding(_ width: Int) -> String {
    count >= width ? self : self + String(repeating: " ", count: width - count)
  }
}

/// The console and exit status a fleet run hands back to the waiting thread.
final class FleetOutcome: @unchecked Sendable {
  private let lock = DispatchSemaphore(value: 1)
  private var console: Console?
  private var status = CLI.ExitCode.failure

  func store(console: Console, status: Int32) {
    lock.wait()
    self.console = console
    self.status = status
    lock.signal()
  }

  func take(into console: inout Console) -> Int32 {
    lock.wait()
    defer { lock.signal() }
    if let stored = self.console { console = stored }
    return status
  }
}
