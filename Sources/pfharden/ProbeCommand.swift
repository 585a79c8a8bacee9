import SMTPProbe

/// `pfharden probe HOST[:PORT]`: tests a live server's SMTP dialogue.
enum ProbeCommand {
  static let help = """
    OVERVIEW: Test a live SMTP server the way an attacker would: banner, capabilities,
    VRFY/EXPN user oracles, HELO requirement, open relay (never sending DATA), RCPT
    user enumeration, MAIL before STARTTLS on submission ports, and the TLS offered
    over STARTTLS or implicit TLS: protocols, cipher suites with their DH and curve
    sizes, server preference and the certificate. A server that refuses commands
    before STARTTLS (530) or speaks implicit TLS is tested inside TLS, and the
    report marks each check that ran there.

    USAGE: pfharden probe HOST[:PORT] ... [options]
           pfharden probe --targets FILE [HOST[:PORT] ...] [options]

    ARGUMENTS:
      HOST[:PORT]             A name or address; IPv6 as [::1]:25. The port defaults
                              to 25 (587 with --role submission, 465 with
                              --implicit-tls). Probe only servers you run. Several
                              targets are probed concurrently, each with its own
                              time limit and connection budget.

    OPTIONS:
      --role mx|relay|submission
                              What the server is for (default: mx; submission on
                              port 587). Submission adds "MAIL before STARTTLS must
                              be refused" and makes plaintext AUTH an error.
      --helo NAME             The EHLO/HELO name (default: example.com, fully
                              qualified so HELO checks do not pre-empt the others).
      --xclient-addr IP       Test as this client address via XCLIENT, when the
                              server allows it (smtpd_authorized_xclient_hosts):
                              an outside vantage from the inside.
      --source ADDR           Bind connections to this local address.
      --implicit-tls          The port speaks TLS before the greeting (as 465 does).
                              Without it, a port that sends no greeting within
                              1.5 s and answers a TLS ClientHello is probed as
                              implicit TLS all the same.
      --timeout S             Seconds each step may take: connect, one command and
                              its reply, one TLS handshake (default: 10). A session
                              may take 6 steps or 60 s, whichever is longer, never
                              more than --total-timeout. It does not change
                              --total-timeout.
      --total-timeout S       Seconds the whole probe may take, TLS analysis
                              included (default: 300, at most 3600, at least
                              --timeout). Checks not finished by then are reported
                              as not run and the exit status is 2.
      --max-connections N     The connection budget of the SMTP checks (default:
                              10). Connections are made one at a time, with
                              back-off after a 421.
      --no-tls                Skip the TLS analysis.
      --tls-only              Only the greeting, EHLO, the STARTTLS check and the
                              TLS analysis: no VRFY, relay or enumeration tests.
      --max-tls-connections N The TLS analysis's own budget (default: 300); it
                              needs one connection per accepted cipher suite.
      --targets FILE          Probe the targets listed in FILE too, one HOST[:PORT]
                              per line; '#' starts a comment, blank lines are
                              ignored, a bad line is a usage error naming FILE:LINE.
      --concurrency N         How many hosts are probed at once (default: 8, 1 to
                              256). A host is never probed twice at once; one that
                              refuses service with 421 is tried once more after a
                              back-off, without holding a place.
      --format text|json|jsonl
                              Output format (default: text). JSON is documented in
                              docs/probe-json-schema.md (schemaVersion 2); json
                              takes one target. jsonl prints one compact report per
                              line as each host finishes ("type": "report"), then a
                              summary line ("type": "summary"). With several
                              targets, text prints a header per host as it
                              finishes, then a summary.
      --min-severity info|warning|error
                              The lowest severity that makes the exit status 1
                              (default: warning).
      -v, --verbose           Show the evidence: every command sent and reply
                              received, per check.
      -h, --help              Show this help.

    VERDICTS: the open relay test reports open (accepted from an outside vantage),
    closed (every address form refused as a relay), trusted-vantage (accepted, but
    from an address the server likely trusts, such as loopback or a private network:
    rerun from outside or with --xclient-addr) or inconclusive (refused for another
    reason, so relaying was never tested).

    COMPLETENESS: every check is reported as ran, refused (the server refused what
    it needs, such as MAIL before STARTTLS), partial (with counts, such as relay
    forms tried of 16) or not run (with the reason). Any check partial or not run
    makes the probe incomplete: a probe-incomplete error and exit status 2. A
    server that sends replies to commands never sent ends the probe the same way.

    EXIT STATUS: 0 no finding at or above --min-severity, 1 findings, 2 could not
    complete (connection refused, timeout, service refused, a check that did not
    run to the end), 64 usage error. With several targets, the worst over all
    hosts.

    """

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

  static let valueOptions = [
    "--role", "--helo", "--xclient-addr", "--source", "--timeout", "--format", "--min-severity",
    "--max-connections", "--max-tls-connections", "--total-timeout", "--targets", "--concurrency",
  ]
  static let flagOptions = [
    "--implicit-tls", "--no-tls", "--tls-only", "--verbose", "-v", "--help", "-h",
  ]

  /// Runs the command.
  /// - Parameters:
  ///   - arguments: The arguments after `probe`.
  ///   - console: Where output goes.
  /// - Returns: The exit status.
  static func run(arguments: [String], console: inout Console) -> Int32 {
    run(arguments: arguments, console: &console) { host, port, options in
      Prober.probe(host: host, port: port, options: options)
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
    let report = probe(invocation.host, port, options)
    if invocation.json {
      console.out(report.json())
    } else {
      console.out(TextReport.render(report, verbose: invocation.verbose))
    }
    if let failure = report.failure {
      console.err("pfharden probe: error: could not complete: \(failure)\n")
      return CLI.ExitCode.failure
    }
    return report.hasFindings(atLeast: invocation.minSeverity)
      ? CLI.ExitCode.findings : CLI.ExitCode.clean
  }

  /// Parses the arguments after `probe`.
  /// - Parameter arguments: The arguments.
  /// - Returns: What to do.
  static func parse(_ arguments: [String]) -> Parsed {
    var invocation = Invocation()
    var positional: [String] = []
    var index = 0
    while index < arguments.count {
      let (argument, inlineValue) = CLI.splitLongOption(arguments[index])
      index += 1
      if flagOptions.contains(argument) {
        if inlineValue != nil { return .usage("option '\(argument)' takes no value") }
        switch argument {
        case "--help", "-h": return .help
        case "--verbose", "-v": invocation.verbose = true
        case "--no-tls": invocation.options.analyseTLS = false
        case "--tls-only": invocation.options.tlsOnly = true
        default: invocation.options.implicitTLS = true
        }
        continue
      }
      if valueOptions.contains(argument) {
        let value: String
        if let inlineValue {
          value = inlineValue
        } else {
          guard index < arguments.count else { return .usage("option '\(argument)' needs a value") }
          value = arguments[index]
          index += 1
        }
        if let problem = apply(argument, value, to: &invocation) { return .usage(problem) }
        continue
      }
      if argument.hasPrefix("-"), argument != "-" {
        var message = "unknown option '\(printable(argument))'."
        if let guess = Suggest.closest(to: argument, among: valueOptions + flagOptions) {
          message += " Did you mean '\(guess)'?"
        }
        return .usage(message)
      }
      guard positional.count < maxTargets else {
        return .usage("more than \(maxTargets) targets")
      }
      positional.append(argument)
    }
    if invocation.options.tlsOnly, !invocation.options.analyseTLS {
      return .usage("--tls-only and --no-tls exclude each other")
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

  private static func apply(_ option: String, _ value: String, to invocation: inout Invocation)
    -> String?
  {
    switch option {
    case "--role":
      guard let role = ProbeRole(rawValue: value) else {
        return "--role must be mx, relay or submission, not '\(printable(value))'"
      }
      invocation.options.role = role
      invocation.roleGiven = true
    case "--helo":
      let bytes = Array(value.utf8)
      guard !bytes.isEmpty, bytes.count <= 255,
        bytes.allSatisfy({ (0x21...0x7E).contains($0) })
      else { return "--helo must be a host name, not '\(printable(value))'" }
      invocation.options.heloName = value
    case "--xclient-addr":
      guard SocketAddress.numeric(value, port: 0) != nil, !value.hasPrefix("[") else {
        return "--xclient-addr must be a numeric IPv4 or IPv6 address, not '\(printable(value))'"
      }
      invocation.options.xclientAddress = value
    case "--source":
      guard let address = SocketAddress.numeric(value, port: 0) else {
        return "--source must be a numeric local address, not '\(printable(value))'"
      }
      invocation.options.sourceAddress = address
    case "--timeout":
      guard let seconds = Double(value), seconds > 0, seconds <= 3600 else {
        return "--timeout must be a number of seconds between 0 and 3600, not '\(printable(value))'"
      }
      invocation.stepSeconds = seconds
    case "--total-timeout":
      guard let seconds = Double(value), seconds > 0, seconds <= 3600 else {
        return
          "--total-timeout must be a number of seconds between 0 and 3600, not '\(printable(value))'"
      }
      invocation.totalSeconds = seconds
    case "--max-connections":
      guard let count = Int(value), (1...100).contains(count) else {
        return "--max-connections must be between 1 and 100, not '\(printable(value))'"
      }
      invocation.options.connectionBudget = count
    case "--max-tls-connections":
      guard let count = Int(value), (1...2000).contains(count) else {
        return "--max-tls-connections must be between 1 and 2000, not '\(printable(value))'"
      }
      invocation.options.tlsConnectionBudget = count
    case "--format":
      guard ["text", "json", "jsonl"].contains(value) else {
        return "--format must be text or json, or jsonl for JSON Lines, not '\(printable(value))'"
      }
      invocation.json = value == "json"
      invocation.jsonLines = value == "jsonl"
    case "--targets":
      guard !value.isEmpty else { return "--targets needs a file name" }
      invocation.targetsFile = value
    case "--concurrency":
      guard let count = Int(value), (1...ProbeFleet.maxConcurrency).contains(count) else {
        return "--concurrency must be between 1 and \(ProbeFleet.maxConcurrency), "
          + "not '\(printable(value))'"
      }
      invocation.concurrency = count
    case "--min-severity":
      guard let severity = ProbeSeverity(rawValue: value) else {
        return "--min-severity must be info, warning or error, not '\(printable(value))'"
      }
      invocation.minSeverity = severity
    default:
      return "unknown option '\(option)'"
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
      options.totalTimeoutNanoseconds = UInt64(seconds * 1_000_000_000)
    }
    if let seconds = invocation.stepSeconds {
      let step = UInt64(seconds * 1_000_000_000)
      guard step <= options.totalTimeoutNanoseconds else {
        return "--timeout (\(printable(String(seconds))) s) must not exceed --total-timeout "
          + "(\(options.totalTimeoutNanoseconds / 1_000_000_000) s)"
      }
      options.stepTimeoutNanoseconds = step
      options.sessionTimeoutNanoseconds = max(60_000_000_000, step * 6)
    }
    options.sessionTimeoutNanoseconds = min(
      options.sessionTimeoutNanoseconds, options.totalTimeoutNanoseconds)
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
