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
      console.out(TextReport.render(report, verbose: invocation.verbose))
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

/// The text report: one line per check, then the findings compiler-style.
enum TextReport {
  /// Renders a report.
  /// - Parameters:
  ///   - report: The report.
  ///   - verbose: Whether to add each check's evidence.
  /// - Returns: The text, ending in a newline.
  static func render(_ report: ProbeReport, verbose: Bool) -> String {
    var out: [String] = []
    let target = report.address ?? "\(Escape.text(Array(report.host.utf8))):\(report.port)"
    out.append(
      "probe \(target) (role \(report.role.rawValue)): \(report.connections) "
        + "connection\(report.connections == 1 ? "" : "s")")
    // A check whose dialogue ran inside TLS says so: `[starttls]`, `[implicit-tls]`.
    func inside(_ check: String) -> String {
      guard let transport = report.checks.first(where: { $0.check == check })?.transport,
        transport.isTLS
      else { return "" }
      return " [\(transport.rawValue)]"
    }
    func row(_ name: String, _ value: String, _ evidence: [Exchange] = []) {
      out.append(name.padding(to: 22) + value)
      if verbose {
        for line in evidence.transcriptLines { out.append("    " + line) }
      }
    }
    if let banner = report.banner {
      let names = [banner.software, banner.operatingSystem].compactMap { $0 }
      row(
        "banner",
        banner.reply.summary
          + (names.isEmpty ? "" : " (names \(names.joined(separator: ", ")))") + inside("banner"),
        banner.evidence)
    }
    if let capabilities = report.capabilities {
      let hello = report.transcript.filter { exchange in
        exchange.connection == report.transcript.first?.connection
          && ["EHLO", "HELO", "XCLIENT"].contains { exchange.command?.hasPrefix($0) ?? false }
      }
      row(
        capabilities.extended ? "capabilities" : "capabilities (HELO)",
        (capabilities.keywords.isEmpty ? "none" : capabilities.keywords.joined(separator: " "))
          + inside("ehlo"),
        hello)
    }
    if let transport = report.smtpTransport, transport.isTLS {
      var value = transport == .startTLS ? "inside TLS after STARTTLS" : "inside implicit TLS"
      if let session = report.smtpTLSSession { value += " (\(session))" }
      if let reason = report.smtpTransportReason { value += ": \(reason)" }
      row("smtp checks", value)
    }
    if let capabilities = report.tlsCapabilities {
      row(
        "capabilities in tls",
        capabilities.keywords.isEmpty ? "none" : capabilities.keywords.joined(separator: " "))
    }
    let analysed =
      report.tls.map {
        "; analysed over \($0.connections) connection\($0.connections == 1 ? "" : "s")"
      }
      ?? " (not analysed)"
    switch report.tlsMode {
    case .starttls:
      let works: String
      switch report.startTLSStatus {
      case .refused?: works = " but refused (\(report.tls?.startTLSRefusal ?? "?"))"
      case .handshakeFailed?: works = " but every handshake failed"
      default: works = ""
      }
      row("tls", "STARTTLS offered" + works + analysed)
    case .implicit: row("tls", "implicit TLS before the greeting" + analysed)
    case .none: if report.capabilities != nil { row("tls", "not offered") }
    }
    if let tls = report.tls {
      tlsRows(tls, row: { row($0, $1) }, line: { out.append($0) })
    }
    if let auth = report.authBeforeStartTLS {
      let mechanisms = report.capabilities?.authMechanisms.joined(separator: " ") ?? ""
      row("auth before starttls", auth ? "yes (\(mechanisms))" : "no")
    }
    if let auth = report.authInsideTLS {
      let mechanisms =
        (report.tlsCapabilities ?? report.capabilities)?.authMechanisms.joined(separator: " ") ?? ""
      row("auth inside tls", auth ? "yes (\(mechanisms))" : "no")
    }
    if let submission = report.submission {
      let value = submission.mailRefusedBeforeStartTLS.map { $0 ? "refused" : "ACCEPTED" }
      row("mail before starttls", value ?? "unknown", submission.evidence)
    }
    oracleRow("vrfy", report.vrfy, inside("vrfy"), row)
    oracleRow("expn", report.expn, inside("expn"), row)
    oracleRow("rcpt enumeration", report.rcptEnumeration, inside("rcpt-enumeration"), row)
    if let helo = report.heloRequired {
      let value = helo.required.map { $0 ? "yes" : "no" } ?? "unknown (\(helo.reason ?? "?"))"
      row("helo required", value + inside("helo-required"), helo.evidence)
    }
    if let relay = report.openRelay {
      let vantage = relay.vantage
      var value = relay.verdict.rawValue
      let tested = relay.attempts.filter { $0.outcome != .notTested }.count
      value += " (\(relay.accepted.count) of \(tested) forms accepted"
      value += "; vantage \(vantage.kind.rawValue) \(vantage.address ?? "?")"
      value += vantage.likelyTrusted ? ", likely trusted)" : ")"
      if relay.verdict == .inconclusive, let reason = relay.reason { value += ": \(reason)" }
      row("open relay", value + inside("open-relay"))
      if verbose {
        for attempt in relay.attempts {
          let reply = attempt.reply?.summary ?? "-"
          out.append("    \(attempt.number). \(attempt.id): \(attempt.outcome.rawValue): \(reply)")
        }
      }
    }
    for check in report.checks where check.state != .ran {
      row("check " + check.check, check.summary.dropFirst(check.check.count + 2).description)
    }
    out.append("")
    for finding in report.findings {
      out.append("\(target): \(finding.severity.rawValue): [\(finding.id)] \(finding.message)")
      if verbose {
        if let reference = finding.reference { out.append("    see: \(reference)") }
        for line in finding.evidence.transcriptLines { out.append("    " + line) }
      }
    }
    let counts = ProbeSeverity.allCases.reversed().map { severity in
      "\(report.findings.filter { $0.severity == severity }.count) \(severity.rawValue)"
    }
    out.append(
      "\(report.findings.count) finding\(report.findings.count == 1 ? "" : "s") "
        + "(\(counts.joined(separator: ", ")))")
    return out.joined(separator: "\n") + "\n"
  }

  private static func tlsRows(
    _ tls: TLSScanResult, row: (String, String) -> Void, line: (String) -> Void
  ) {
    let names = ["SSLv3", "TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3"]
    let accepted = names.filter { tls.protocols[$0] == true }
    let refused = names.filter { tls.protocols[$0] == false }
    let untested = names.filter { tls.protocols[$0] == nil }
    var value = accepted.isEmpty ? "none accepted" : accepted.joined(separator: " ")
    if !refused.isEmpty { value += " (refused: \(refused.joined(separator: " ")))" }
    if !untested.isEmpty { value += " (not tested: \(untested.joined(separator: " ")))" }
    row("tls protocols", value)
    if tls.resumes > 0 {
      let times = tls.resumes == 1 ? "once" : "\(tls.resumes) times"
      row(
        "tls rate limit",
        "waited \(times) (\(secondsText(tls.resumeWait)) s in all), then resumed")
    }
    if let preference = tls.serverPreference {
      row("tls cipher order", preference ? "server's" : "client's")
    }
    let dh = [
      tls.minDHBits.map { "DHE \($0) bits" }, tls.minAnonDHBits.map { "anonymous DH \($0) bits" },
    ].compactMap { $0 }
    if !dh.isEmpty { row("tls smallest dh", dh.joined(separator: ", ")) }
    let groups = tls.tls13Groups.isEmpty ? tls.ecdheCurves : tls.tls13Groups
    if !groups.isEmpty { row("tls groups", groups.joined(separator: " ")) }
    if let certificate = tls.certificate {
      var text = "\(certificate.keyType) \(certificate.keyBits.map(String.init) ?? "?") bits"
      text += ", \(certificate.leaf.signatureAlgorithm), not after \(certificate.notAfter)"
      if certificate.selfSigned { text += ", self-signed" }
      let sans = certificate.subjectAltNames.map { Escape.text(Array($0.utf8)) }
      if !sans.isEmpty { text += ", names \(sans.joined(separator: " "))" }
      if certificate.seenWith == "TLSv1.3" { text += ", read inside TLSv1.3" }
      row("tls certificate", text)
    } else {
      row("tls certificate", "not seen")
    }
    row("tls suites", "\(tls.ciphers.count) accepted")
    for cipher in tls.ciphers {
      var text = "    \(cipher.protocol.padding(to: 8))\(cipher.id) \(cipher.name)"
      text += " \(cipher.kex)"
      if let bits = cipher.kexBits { text += " \(bits)" }
      if let group = cipher.group { text += " \(group)" }
      line(text)
    }
    if tls.outcome == .allFailed {
      for version in names {
        if let reason = tls.handshakeFailures[version] { line("    failed: \(version): \(reason)") }
      }
    }
    for note in tls.notes { line("    note: \(note)") }
  }

  /// A duration in seconds, with milliseconds when it has any (`122`, `4.5`).
  static func secondsText(_ duration: Duration) -> String {
    let (seconds, attoseconds) = duration.components
    let milliseconds = attoseconds / 1_000_000_000_000_000
    guard milliseconds > 0 else { return "\(seconds)" }
    var digits = String(milliseconds)
    digits = String(repeating: "0", count: max(0, 3 - digits.count)) + digits
    // At most three digits to drop.
    while digits.hasSuffix("0") { digits.removeLast() }
    return "\(seconds).\(digits)"
  }

  private static func oracleRow(
    _ name: String, _ result: OracleResult?, _ suffix: String,
    _ row: (String, String, [Exchange]) -> Void
  ) {
    guard let result else { return }
    row(
      name, (result.verdict?.rawValue ?? "unknown (\(result.reason ?? "?"))") + suffix,
      result.evidence)
  }
}

extension String {
  fileprivate func padding(to width: Int) -> String {
    count >= width ? self + " " : self + String(repeating: " ", count: width - count)
  }
}
