import SMTPProbe

/// `pfharden probe HOST[:PORT]`: tests a live server's SMTP dialogue.
enum ProbeCommand {
  /// Parsed command line.
  struct Invocation {
    var host = ""
    var port: UInt16?
    var options = ProbeOptions()
    var roleGiven = false
    var json = false
    var verbose = false
    var minSeverity = ProbeSeverity.warning
    var stepSeconds: Double?
    var totalSeconds: Double?
    /// Every target, from the arguments then `--targets FILE`.
    var targets: [ProbeTarget] = []
    var targetsFile: String?
    var concurrency = ProbeFleet.defaultConcurrency
    /// `--format jsonl`.
    var jsonLines = false
    /// `--quiet`: no progress on standard error.
    var quiet = false

    /// Whether the fleet output applies: several targets, or JSON Lines.
    var isFleet: Bool { targets.count > 1 || jsonLines }
  }

  enum Parsed {
    case run(Invocation)
    case help
    case usage(String)
    /// Something could not be read (the targets file): exit status 2.
    case failure(String)
  }

  /// Runs the command.
  /// - Parameters:
  ///   - arguments: The arguments after `probe`.
  ///   - console: Where output goes.
  /// - Returns: The exit status.
  static func run(arguments: [String], console: inout Console) -> Int32 {
    run(arguments: arguments, console: &console, terminal: nil) { host, port, options, observer in
      Prober.probe(host: host, port: port, options: options, observer: observer)
    }
  }

  /// Runs the command with an injected probe (tests pass a clock or a scripted server).
  /// - Parameters:
  ///   - arguments: The arguments after `probe`.
  ///   - console: Where output goes.
  ///   - configure: Adjusts the options after parsing.
  ///   - probe: Runs the probe.
  /// - Returns: The exit status.
  static func run(
    arguments: [String], console: inout Console,
    configure: (inout ProbeOptions) -> Void = { _ in },
    probe: (String, UInt16, ProbeOptions) -> ProbeReport
  ) -> Int32 {
    run(arguments: arguments, console: &console, terminal: false, configure: configure) {
      host, port, options, _ in probe(host, port, options)
    }
  }

  /// Runs the command with an injected probe that reports each check as it starts and
  /// ends to the observer it is given, which shows progress on standard error.
  /// - Parameters:
  ///   - arguments: The arguments after `probe`.
  ///   - console: Where output goes.
  ///   - terminal: Whether standard error is a terminal; nil asks the console.
  ///   - configure: Adjusts the options after parsing.
  ///   - observedProbe: Runs the probe, telling the observer (nil when no progress is shown).
  /// - Returns: The exit status.
  static func run(
    arguments: [String], console: inout Console, terminal: Bool?,
    configure: (inout ProbeOptions) -> Void = { _ in },
    observedProbe: (String, UInt16, ProbeOptions, ProbeObserver?) -> ProbeReport
  ) -> Int32 {
    let invocation: Invocation
    switch parse(arguments) {
    case .help:
      console.out(help)
      return CLI.ExitCode.clean
    case .usage(let message):
      return CLI.usageError("probe", message, console: &console)
    case .failure(let message):
      console.err("pfharden probe: error: \(message)\n")
      return CLI.ExitCode.failure
    case .run(let parsed):
      invocation = parsed
    }
    if invocation.isFleet {
      return runFleetBlocking(invocation, console: &console, configure: configure)
    }
    var options = invocation.options
    configure(&options)
    let port =
      invocation.port ?? (options.implicitTLS ? 465 : options.role == .submission ? 587 : 25)
    let progress = ProgressReporter(
      tool: "probe", console: console, quiet: invocation.quiet, terminal: terminal)
    let report = observedProbe(
      invocation.host, port, options, progress.isEnabled ? observer(progress) : nil)
    progress.end()
    console.keep(progress)
    if invocation.json {
      console.out(report.json())
    } else {
      console.out(ProbeTextReport.render(report, verbose: invocation.verbose))
    }
    if let failure = report.failure {
      console.err("pfharden probe: error: could not complete: \(failure.reason)\n")
      return CLI.ExitCode.failure
    }
    return report.hasFindings(atLeast: invocation.minSeverity)
      ? CLI.ExitCode.findings : CLI.ExitCode.clean
  }

  /// Shows each check on standard error as it starts, then how it ended.
  /// - Parameter progress: Where it is shown.
  /// - Returns: The observer to give the probe.
  static func observer(_ progress: ProgressReporter) -> ProbeObserver {
    ProbeObserver { event in
      switch event {
      case .started(let check): progress.begin(printable(check))
      case .ended(let status): progress.end(printable(status.summary))
      }
    }
  }

  /// Parses the arguments after `probe`.
  /// - Parameter arguments: The arguments.
  /// - Returns: What to do.
  static func parse(_ arguments: [String]) -> Parsed {
    var invocation = Invocation()
    let scanned: ScannedArguments
    switch spec.scan(arguments) {
    case .help: return .help
    case .usage(let message): return .usage(message)
    case .scanned(let items): scanned = items
    }
    var positional: [String] = []
    for item in scanned.items {
      switch item {
      case .positional(let target):
        guard positional.count < maxTargets else {
          return .usage("more than \(maxTargets) targets")
        }
        positional.append(target)
      case .option(Option.verbose, _): invocation.verbose = true
      case .option(Option.noTLS, _): invocation.options.analyseTLS = false
      case .option(Option.tlsOnly, _): invocation.options.tlsOnly = true
      case .option(Option.implicitTLS, _): invocation.options.implicitTLS = true
      case .option(Option.quiet, _): invocation.quiet = true
      case .option(let option, let value):
        if let problem = apply(option, value ?? "", to: &invocation) { return .usage(problem) }
      }
    }
    if let problem = applyTimeouts(&invocation) { return .usage(problem) }
    for target in positional {
      guard let parsed = ProbeTarget(parsing: target) else {
        return .usage("not a HOST[:PORT]: '\(printable(target))'")
      }
      invocation.targets.append(parsed)
    }
    if let file = invocation.targetsFile {
      switch readTargets(file) {
      case .success(let listed): invocation.targets += listed
      case .failure(.usage(let message)): return .usage(message)
      case .failure(.unreadable(let message)): return .failure(message)
      }
      guard invocation.targets.count <= maxTargets else {
        return .usage("more than \(maxTargets) targets")
      }
    }
    guard let target = invocation.targets.first else {
      return .usage(
        invocation.targetsFile == nil
          ? "missing HOST[:PORT]" : "no target in \(printable(invocation.targetsFile ?? ""))")
    }
    if invocation.json, invocation.targets.count > 1 {
      return .usage("--format json prints one report: use --format jsonl for several targets")
    }
    if invocation.isFleet { return .run(invocation) }
    let (host, port) = (target.host, target.port)
    invocation.host = host
    invocation.port = port
    if port == 587, !invocation.roleGiven { invocation.options.role = .submission }
    if port == 465 { invocation.options.implicitTLS = true }
    return .run(invocation)
  }

  private static func apply(
    _ option: CommandOption, _ value: String, to invocation: inout Invocation
  ) -> String? {
    switch option {
    case Option.role:
      guard let role = ProbeRole(rawValue: value) else {
        return "--role must be mx, relay or submission, not '\(printable(value))'"
      }
      invocation.options.role = role
      invocation.roleGiven = true
    case Option.helo:
      let bytes = Array(value.utf8)
      guard !bytes.isEmpty, bytes.count <= 255,
        bytes.allSatisfy({ (0x21...0x7E).contains($0) })
      else { return "--helo must be a host name, not '\(printable(value))'" }
      invocation.options.heloName = value
    case Option.xclientAddr:
      guard SocketAddress.numeric(value, port: 0) != nil, !value.hasPrefix("[") else {
        return "--xclient-addr must be a numeric IPv4 or IPv6 address, not '\(printable(value))'"
      }
      invocation.options.xclientAddress = value
    case Option.source:
      guard let address = SocketAddress.numeric(value, port: 0) else {
        return "--source must be a numeric local address, not '\(printable(value))'"
      }
      invocation.options.sourceAddress = address
    case Option.timeout:
      guard let seconds = Double(value), seconds > 0, seconds <= 3600 else {
        return "--timeout must be a number of seconds between 0 and 3600, not '\(printable(value))'"
      }
      invocation.stepSeconds = seconds
    case Option.totalTimeout:
      guard let seconds = Double(value), seconds > 0, seconds <= 3600 else {
        return
          "--total-timeout must be a number of seconds between 0 and 3600, not '\(printable(value))'"
      }
      invocation.totalSeconds = seconds
    case Option.maxConnections:
      guard let count = Int(value), (1...100).contains(count) else {
        return "--max-connections must be between 1 and 100, not '\(printable(value))'"
      }
      invocation.options.connectionBudget = count
    case Option.maxTLSConnections:
      guard let count = Int(value), (1...2000).contains(count) else {
        return "--max-tls-connections must be between 1 and 2000, not '\(printable(value))'"
      }
      invocation.options.tlsConnectionBudget = count
    case Option.format:
      guard ["text", "json", "jsonl"].contains(value) else {
        return "--format must be text or json, or jsonl for JSON Lines, not '\(printable(value))'"
      }
      invocation.json = value == "json"
      invocation.jsonLines = value == "jsonl"
    case Option.targets:
      guard !value.isEmpty else { return "--targets needs a file name" }
      invocation.targetsFile = value
    case Option.concurrency:
      guard let count = Int(value), (1...ProbeFleet.maxConcurrency).contains(count) else {
        return "--concurrency must be between 1 and \(ProbeFleet.maxConcurrency), "
          + "not '\(printable(value))'"
      }
      invocation.concurrency = count
    case Option.minSeverity:
      guard let severity = ProbeSeverity(rawValue: value) else {
        return "--min-severity must be info, warning or error, not '\(printable(value))'"
      }
      invocation.minSeverity = severity
    default:
      return "unknown option '\(option.name)'"
    }
    return nil
  }

  /// Sets the step, session and total time limits: `--timeout` is the step, a session
  /// gets six steps or 60 s (whichever is longer), both capped by `--total-timeout`,
  /// which `--timeout` never changes.
  /// - Parameter invocation: The parsed command line.
  /// - Returns: A usage problem, or nil.
  static func applyTimeouts(_ invocation: inout Invocation) -> String? {
    var options = invocation.options
    if let seconds = invocation.totalSeconds {
      options.totalTimeout = .nanoseconds(UInt64(seconds * 1_000_000_000))
    }
    if let seconds = invocation.stepSeconds {
      let step = Duration.nanoseconds(UInt64(seconds * 1_000_000_000))
      guard step <= options.totalTimeout else {
        return "--timeout (\(printable(String(seconds))) s) must not exceed --total-timeout "
          + "(\(options.totalTimeout.components.seconds) s)"
      }
      options.stepTimeout = step
      options.sessionTimeout = max(.seconds(60), step * 6)
    }
    options.sessionTimeout = min(options.sessionTimeout, options.totalTimeout)
    invocation.options = options
    return nil
  }

  /// Splits `host`, `host:port`, `[v6]`, `[v6]:port` or a bare IPv6 address.
  /// - Parameter target: The argument.
  /// - Returns: The host and the port if one was given, or nil when malformed.
  static func splitTarget(_ target: String) -> (String, UInt16?)? {
    ProbeTarget(parsing: target).map { ($0.host, $0.port) }
  }

  static func printable(_ text: String) -> String { Escape.text(Array(text.utf8)) }
}
