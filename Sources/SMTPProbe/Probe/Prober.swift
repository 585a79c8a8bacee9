/// Runs every check against one server, one connection at a time, within a connection
/// budget and a total deadline, backing off after `421`.
///
/// The synchronous methods block the calling thread until the probe ends; the `async`
/// ones run it on a thread of their own and stop it when their task is cancelled
/// (see `Prober+Async.swift`).
public struct Prober: Sendable {
  /// How connections are opened.
  public let connector: any Connector
  /// The options.
  public let options: ProbeOptions
  /// Told as each check starts and ends (nil: nobody watches).
  public var observer: ProbeObserver?

  /// Creates a prober.
  /// - Parameters:
  ///   - connector: Opens connections to the server (TCP, or a scripted server in tests).
  ///   - options: Role, vantage, deadlines and budgets.
  public init(connector: any Connector, options: ProbeOptions) {
    self.connector = connector
    self.options = options
  }

  /// Resolves `host` and probes it over TCP.
  ///
  /// Any address is accepted: probe only servers you are responsible for.
  /// - Parameters:
  ///   - host: A name or numeric address.
  ///   - port: The port.
  ///   - options: The options (``ProbeOptions/sourceAddress`` binds the local end).
  /// - Returns: The report; ``ProbeReport/failure`` says when it could not complete.
  public static func probe(host: String, port: UInt16, options: ProbeOptions) -> ProbeReport {
    let addresses: [SocketAddress]
    do {
      addresses = try SocketAddress.resolve(host, port: port)
    } catch let error as SMTPProbeError {
      return ProbeRun.failedReport(host: host, port: port, options: options, failure: error)
    } catch {
      let failure = SMTPProbeError(.invalidRequest, "\(error)", underlying: error)
      return ProbeRun.failedReport(host: host, port: port, options: options, failure: failure)
    }
    let preferred =
      addresses.first { $0.family == options.sourceAddress?.family ?? $0.family } ?? addresses[0]
    let connector = TCPConnector(address: preferred, source: options.sourceAddress)
    return Prober(connector: connector, options: options).run(host: host, port: port)
  }

  /// Runs the probe.
  /// - Parameters:
  ///   - host: The host, as reported.
  ///   - port: The port, as reported.
  /// - Returns: The report.
  public func run(host: String, port: UInt16) -> ProbeReport {
    let run = ProbeRun(connector: connector, options: options, host: host, port: port)
    run.observer = observer
    return run.execute()
  }

  /// Runs the probe until it ends or `cancellation` is set.
  /// - Parameters:
  ///   - host: The host, as reported.
  ///   - port: The port, as reported.
  ///   - cancellation: Stops the probe when set.
  ///   - earlier: An earlier attempt at the same host (refused at the greeting): this one
  ///     continues its connection count, transcript and total deadline.
  /// - Returns: The report.
  func run(
    host: String, port: UInt16, cancellation: ProbeCancellation,
    continuing earlier: (report: ProbeReport, deadline: Deadline)? = nil
  ) -> ProbeReport {
    let run = ProbeRun(
      connector: CancellableConnector(base: connector, cancellation: cancellation),
      options: options, host: host, port: port, deadline: earlier?.deadline)
    run.cancellation = cancellation
    run.observer = observer
    if let earlier {
      run.report.connections = earlier.report.connections
      run.report.transcript = earlier.report.transcript
    }
    return run.execute()
  }
}

/// The mutable state of one probe run.
final class ProbeRun {
  let connector: any Connector
  let options: ProbeOptions
  let clock: any ProbeClock
  let totalDeadline: Deadline
  var report: ProbeReport
  var backoff: UInt64
  var pendingBackoff = false
  let control: String
  var serverAddress: SocketAddress?
  /// How far each check got, in the order they ran.
  var statuses: [CheckStatus] = []
  /// Set when a session met replies to commands never sent: no further session is opened.
  var abandoned: SMTPProbeError?
  /// Where the SMTP sessions run: plaintext until the server turns out to require STARTTLS
  /// or to speak TLS first.
  var security: SessionTransport = .plaintext
  /// Whether the first connection still has to tell whether the port speaks TLS first.
  var detectImplicit: Bool
  /// Set when the TLS client could not complete a handshake for an SMTP session: no
  /// further session is opened inside TLS.
  var tlsUnavailable: SMTPProbeError?
  /// The certificate chain and version of the first TLS session of the SMTP checks.
  var clientTLS: TLSClientSessionInfo?
  /// Set by an asynchronous probe: no connection or back-off starts once it is cancelled.
  var cancellation: ProbeCancellation?
  /// Told as each check starts and ends.
  var observer: ProbeObserver?

  var isCancelled: Bool { cancellation?.isCancelled ?? false }

  init(
    connector: any Connector, options: ProbeOptions, host: String, port: UInt16,
    deadline: Deadline? = nil
  ) {
    self.connector = connector
    self.options = options
    clock = options.clock
    totalDeadline =
      deadline ?? Deadline.after(options.totalTimeout, clock: clock)
    backoff = options.initialBackoff.clampedNanoseconds
    report = ProbeReport(
      host: host, port: port, address: nil, role: options.role, connections: 0, failure: nil,
      banner: nil, capabilities: nil, tlsMode: options.implicitTLS ? .implicit : .none,
      authBeforeStartTLS: nil, vrfy: nil, expn: nil, rcptEnumeration: nil, heloRequired: nil,
      openRelay: nil, submission: nil, findings: [], transcript: [])
    control = options.controlUser ?? ProbeRun.randomUser()
    detectImplicit =
      options.detectImplicitTLS && !options.implicitTLS
      && options.implicitTLSListen.clampedNanoseconds < options.stepTimeout.clampedNanoseconds
  }

  /// What the TLS client offers: SNI with the host when it is a name.
  var tlsConfiguration: TLSClientConfiguration {
    TLSClientConfiguration(serverName: serverName)
  }

  /// The host as a name for SNI and the certificate's name check; nil for an address.
  var serverName: String? {
    let host = report.host
    return SocketAddress.numeric(host, port: 0) == nil && RelayCheck.isDomainName(host)
      ? host : nil
  }

  /// `530 5.7.0 Must issue a STARTTLS command first`: the command is refused until TLS.
  static func requiresTLS(_ reply: Reply) -> Bool {
    reply.code == 530 && reply.mentions("TLS")
  }

  static func failedReport(
    host: String, port: UInt16, options: ProbeOptions, failure: SMTPProbeError
  ) -> ProbeReport {
    var report = ProbeReport(
      host: host, port: port, address: nil, role: options.role, connections: 0,
      failure: failure, banner: nil, capabilities: nil,
      tlsMode: options.implicitTLS ? .implicit : .none, authBeforeStartTLS: nil, vrfy: nil,
      expn: nil, rcptEnumeration: nil, heloRequired: nil, openRelay: nil, submission: nil,
      findings: [], transcript: [])
    report.findings = FindingsBuilder.findings(for: report)
    return report
  }

  /// A user name that surely does not exist: `pfh` and 12 random lowercase letters.
  static func randomUser() -> String {
    let letters = Array("abcdefghijklmnopqrstuvwxyz".utf8)
    let name = randomBytes(12).map { letters[Int($0) % letters.count] }
    return "pfh" + String(decoding: name, as: UTF8.self)
  }

  func execute() -> ProbeReport {
    if options.implicitTLS {
      begin("implicit-tls")
      let waiting = probeImplicitTLS()
      if report.tlsMode == .implicit, report.failure == nil {
        security = .implicitTLS
        report.smtpTransportReason = "the port speaks TLS before the greeting"
        probeSMTP(reusing: waiting)
        if report.failure == nil { analyseTLS(mode: .implicit) }
      } else {
        waiting?.close()
      }
    } else {
      probeSMTP(reusing: nil)
      switch report.tlsMode {
      case _ where isCancelled: break
      case .starttls where report.failure == nil: analyseTLS(mode: .startTLS)
      case .implicit where report.failure == nil: analyseTLS(mode: .implicit)
      default: break
      }
    }
    if isCancelled { report.failure = ProbeCancellation.error }
    concludeChecks()
    report.findings = FindingsBuilder.findings(for: report)
    return report
  }

  // MARK: Check status

  /// The checks this run should have made, in order.
  func plannedChecks() -> [String] {
    let analyse = options.analyseTLS || options.tlsOnly
    let implicit = report.tlsMode == .implicit
    if options.implicitTLS, !implicit { return ["implicit-tls"] }
    var names = implicit ? ["implicit-tls", "banner", "ehlo"] : ["banner", "ehlo"]
    if !options.tlsOnly {
      if options.role == .submission, !implicit { names.append("submission") }
      if security == .startTLS { names.append("ehlo-tls") }
      names += ["vrfy", "expn", "helo-required", "rcpt-enumeration", "open-relay"]
    }
    // Without EHLO it is unknown whether STARTTLS is offered: the analysis did not run.
    if analyse, implicit || (report.capabilities?.startTLS ?? true) { names.append("tls") }
    return names
  }

  /// The total time limit, in words.
  var timeLimitReason: String {
    let limit = Self.seconds(options.totalTimeout.clampedNanoseconds)
    return "the probe's total time limit (\(limit) s) passed"
  }

  static func seconds(_ nanoseconds: UInt64) -> String {
    let tenths = nanoseconds / 100_000_000
    return tenths % 10 == 0 ? "\(tenths / 10)" : "\(tenths / 10).\(tenths % 10)"
  }

  /// Fills the report's check list (a check never reached is not run, with the reason the
  /// probe stopped) and makes the probe incomplete when any check did not run to the end.
  func concludeChecks() {
    let stop =
      abandoned ?? report.failure
      ?? (totalDeadline.hasPassed
        ? SMTPProbeError(.timeout, timeLimitReason) : SMTPProbeError(.closed, "not reached"))
    report.checks = plannedChecks().map { name in
      statuses.last { $0.check == name }
        ?? CheckStatus(name, .notRun, stop.reason, cause: stop.code)
    }
    let incomplete = report.checks.filter { !$0.isComplete }
    guard report.failure == nil, let first = incomplete.first else { return }
    let count = report.checks.count
    report.failure = SMTPProbeError(
      first.cause ?? .closed,
      "\(incomplete.count) of \(count) check\(count == 1 ? "" : "s") did not run to the end: "
        + incomplete.prefix(3).map(\.summary).joined(separator: "; "))
  }

  /// Keeps a check's status; one that ran (in part) is marked with where its dialogue ran.
  func note(_ status: CheckStatus) {
    var status = status
    if status.state != .notRun, status.transport == nil,
      !["implicit-tls", "tls"].contains(status.check)
    {
      status.transport = security
    }
    statuses.append(status)
    observer?.handle(.ended(status))
  }

  /// The status of a VRFY, EXPN or RCPT comparison, from its result and its session.
  func oracleStatus(
    _ check: String, verb: String, _ result: OracleResult?, _ session: SMTPSession, total: Int
  ) -> CheckStatus {
    guard let result else {
      let why = session.endedBy ?? SMTPProbeError(.closed, "not reached")
      return CheckStatus(check, .notRun, why.reason, cause: why.code)
    }
    if result.verdict != nil { return CheckStatus(check, .ran) }
    // Answers to the question itself; a 421 answers nothing.
    let answered = result.evidence.filter {
      ($0.command?.hasPrefix(verb) ?? false) && $0.reply != nil && $0.reply?.code != 421
    }.count
    if let ended = session.endedBy {
      return CheckStatus(
        check, answered == 0 ? .notRun : .partial, ended.reason, tried: answered, total: total,
        cause: ended.code)
    }
    if result.reason == OracleCheck.budgetReason {
      return CheckStatus(
        check, .partial, result.reason, tried: answered, total: total, cause: .invalidRequest)
    }
    return CheckStatus(check, .refused, result.reason, tried: answered, total: total)
  }

  /// The TLS analysis's status: every protocol version tested, or why not.
  func tlsStatus(_ tls: TLSScanResult?) -> CheckStatus {
    guard let tls else {
      let why =
        abandoned ?? report.failure
        ?? (totalDeadline.hasPassed
          ? SMTPProbeError(.timeout, timeLimitReason)
          : SMTPProbeError(.closed, "the analysis did not start"))
      return CheckStatus("tls", .notRun, why.reason, cause: why.code)
    }
    let total = TLSProtocolVersion.all.count
    let tested = TLSProtocolVersion.all.filter { tls.protocols[$0.name] != nil }.count
    let stopped = tls.notes.first { $0.contains("scan stopped") }
    switch tls.outcome {
    case .notStarted where tls.startTLSRefusal != nil:
      return CheckStatus(
        "tls", .refused, "STARTTLS refused: \(tls.startTLSRefusal ?? "")", tried: 0,
        total: total)
    case .notStarted:
      return CheckStatus(
        "tls", .notRun, stopped ?? tls.notes.first ?? "no connection reached the handshake",
        tried: 0, total: total, cause: .closed)
    case .accepted, .allFailed, .unknown:
      if stopped == nil, tested == total, tls.outcome != .unknown {
        return CheckStatus("tls", .ran)
      }
      return CheckStatus(
        "tls", tested == 0 ? .notRun : .partial,
        stopped ?? tls.notes.first ?? "the analysis stopped before it could tell",
        tried: tested, total: total, cause: .timeout)
    }
  }

  // MARK: Connections

  enum Opened {
    case session(SMTPSession, Reply)
    case failed(SMTPProbeError, Reply?)
  }

  /// Opens a connection within the budget and reads the greeting.
  ///
  /// A `421`/`554` greeting is retried with back-off. Inside TLS (``security``) the
  /// session returned speaks inside TLS: after EHLO and STARTTLS, or from the first byte.
  /// - Parameter reusing: A connection already made and counted (the implicit-TLS
  ///   listen), used first.
  /// - Returns: The session and its greeting, or why none could be opened.
  func open(reusing: (any Transport)? = nil) -> Opened {
    var attempts = 0
    var lastGreeting: Reply?
    var waiting = reusing
    while true {
      if isCancelled { return .failed(ProbeCancellation.error, lastGreeting) }
      if let abandoned { return .failed(abandoned, lastGreeting) }
      if security.isTLS, let tlsUnavailable { return .failed(tlsUnavailable, lastGreeting) }
      if pendingBackoff { waitBackoff() }
      let stepDeadline = Deadline.after(options.stepTimeout, clock: clock)
        .earliest(totalDeadline)
      let transport: any Transport
      let number: Int
      let isReused = waiting != nil
      if let reused = waiting {
        waiting = nil
        transport = reused
        number = report.connections
      } else {
        guard report.connections < options.connectionBudget else {
          return .failed(
            SMTPProbeError(
              .invalidRequest,
              "connection budget of \(options.connectionBudget) connections is exhausted"),
            lastGreeting)
        }
        guard !totalDeadline.hasPassed else {
          return .failed(SMTPProbeError(.timeout, timeLimitReason), lastGreeting)
        }
        report.connections += 1
        number = report.connections
        do {
          let connected = try connector.connect(deadline: stepDeadline)
          transport = detectImplicit ? PeekingTransport(connected) : connected
        } catch {
          let failure = SMTPProbeError.wrapping(error, as: .system)
          report.transcript.append(
            Exchange(connection: number, command: nil, reply: nil, failure: failure.reason))
          return .failed(failure, lastGreeting)
        }
      }
      if report.address == nil {
        serverAddress = transport.remoteAddress
        report.address = serverAddress?.description
      }
      let sessionDeadline = Deadline.after(options.sessionTimeout, clock: clock)
        .earliest(totalDeadline)
      // A reused connection's lines so far belong to its session (``record(_:)`` appends
      // only what the report does not have yet).
      var session = SMTPSession(
        transport: transport, connection: number, clock: clock,
        stepNanoseconds: options.stepTimeout.clampedNanoseconds, sessionDeadline: sessionDeadline,
        limits: options.replyLimits,
        transcript: isReused ? report.transcript.filter { $0.connection == number } : [])
      if detectImplicit, let peeking = transport as? PeekingTransport {
        detectImplicit = false
        switch detectTLS(session, peeking, deadline: stepDeadline) {
        case .plaintext: break
        case .tls(let secure): session = secure
        case .retryPlaintext: continue
        case .failed(let failure): return .failed(failure, lastGreeting)
        }
      } else if security == .implicitTLS {
        do {
          session = try session.implicitTLS(configuration: tlsConfiguration)
          clientTLS = clientTLS ?? session.tls
        } catch {
          record(session)
          let failure = SMTPProbeError.wrapping(error, as: .system)
          tlsUnavailable = failure
          return .failed(failure, lastGreeting)
        }
      }
      let greeting: Reply
      do {
        greeting = try session.greeting()
      } catch {
        record(session)
        let failure = SMTPProbeError.wrapping(error, as: .system)
        return .failed(failure, lastGreeting)
      }
      if greeting.code == 220 {
        guard security == .startTLS else { return .session(session, greeting) }
        switch startTLS(session) {
        case .success(let secure): return .session(secure, greeting)
        case .failure(let failure): return .failed(failure, lastGreeting)
        }
      }
      lastGreeting = greeting
      session.quit()
      record(session)
      pendingBackoff = true
      attempts += 1
      if attempts > options.greetingRetries {
        return .failed(
          SMTPProbeError(
            .closed,
            "the server refused service at the greeting (\(greeting.summary)): "
              + "a rate limit, postscreen or a block list, not a missing SMTP service"),
          greeting)
      }
    }
  }

  /// EHLO and STARTTLS on a fresh session, then the handshake.
  ///
  /// The session returned speaks inside TLS and needs a new EHLO. A failed handshake
  /// makes TLS unavailable to the rest of the SMTP checks.
  func startTLS(_ session: SMTPSession) -> Result<SMTPSession, SMTPProbeError> {
    guard let hello = try? session.command("EHLO \(options.heloName)"), hello.isPositive else {
      let failure =
        session.endedBy
        ?? SMTPProbeError(.protocolViolation, "EHLO refused before STARTTLS")
      finish(session)
      return .failure(failure)
    }
    return upgrade(session)
  }

  /// STARTTLS and the handshake on a session whose EHLO was answered.
  func upgrade(_ session: SMTPSession) -> Result<SMTPSession, SMTPProbeError> {
    do {
      let secure = try session.startTLS(configuration: tlsConfiguration)
      clientTLS = clientTLS ?? secure.tls
      if report.smtpTLSSession == nil, let info = secure.tls {
        report.smtpTLSSession = "\(info.version.name) \(info.cipherSuite.name)"
      }
      return .success(secure)
    } catch {
      let failure = SMTPProbeError.wrapping(error, as: .system)
      // A refused STARTTLS leaves the session open: end it politely.
      if session.isOpen {
        finish(session)
      } else {
        record(session)
        tlsUnavailable = tlsUnavailable ?? failure
      }
      return .failure(failure)
    }
  }

  enum Detection {
    /// The server greeted within the listening window.
    case plaintext
    /// It answered the ClientHello: the session inside TLS.
    case tls(SMTPSession)
    /// It answered the ClientHello with plaintext SMTP (a slow greeting): this connection
    /// is spoiled; open another and wait for the greeting.
    case retryPlaintext
    /// Neither a greeting nor TLS.
    case failed(SMTPProbeError)
  }

  /// Listens for the greeting on the first connection; when none comes within the
  /// listening window, offers a TLS ClientHello on the same connection (implicit TLS on a
  /// port other than 465).
  func detectTLS(_ session: SMTPSession, _ peeking: PeekingTransport, deadline: Deadline)
    -> Detection
  {
    let listen = Deadline.after(options.implicitTLSListen, clock: clock)
      .earliest(deadline)
    do {
      if try session.serverSpeaksFirst(by: listen) { return .plaintext }
    } catch {
      record(session)
      return .failed(SMTPProbeError.wrapping(error, as: .system))
    }
    let seconds = Self.seconds(options.implicitTLSListen.clampedNanoseconds)
    do {
      let secure = try session.implicitTLS(configuration: tlsConfiguration, deadline: deadline)
      security = .implicitTLS
      report.tlsMode = .implicit
      report.smtpTransportReason =
        "no greeting within \(seconds) s and the server answered a TLS ClientHello: "
        + "implicit TLS"
      clientTLS = secure.tls
      note(CheckStatus("implicit-tls", .ran))
      return .tls(secure)
    } catch {
      let failure = SMTPProbeError.wrapping(error, as: .system)
      record(session)
      let first = peeking.firstBytes
      if let byte = first.first, (UInt8(ascii: "2")...UInt8(ascii: "5")).contains(byte) {
        // A plaintext greeting that came late, in answer to the hello.
        report.transcript.append(
          Exchange(
            connection: session.connection, command: nil, reply: nil,
            failure: "a plaintext greeting arrived after the TLS ClientHello: "
              + "\(Escape.clipped(first.prefix(80), to: 80))"))
        return .retryPlaintext
      }
      if first.first == 0x15 || first.first == 0x16 {
        // A TLS server the client could not agree with: implicit TLS all the same.
        security = .implicitTLS
        report.tlsMode = .implicit
        report.smtpTransportReason =
          "no greeting within \(seconds) s and the server answered a TLS ClientHello"
        tlsUnavailable = failure
        note(CheckStatus("implicit-tls", .ran))
        return .failed(failure)
      }
      return .failed(
        SMTPProbeError(
          failure.code,
          "no greeting within \(seconds) s and no TLS answer to a ClientHello: "
            + failure.reason))
    }
  }

  func waitBackoff() {
    pendingBackoff = false
    let wait = min(backoff, totalDeadline.remainingNanoseconds)
    Self.sleep(wait, clock: clock, cancellation: cancellation)
    backoff = min(backoff * 2, options.maxBackoff.clampedNanoseconds)
  }

  /// Sleeps; in slices when the probe can be cancelled, so that a cancelled probe does
  /// not sleep out its back-off.
  static func sleep(_ nanoseconds: UInt64, clock: any ProbeClock, cancellation: ProbeCancellation?)
  {
    guard let cancellation else {
      if nanoseconds > 0 { clock.sleep(nanoseconds: nanoseconds) }
      return
    }
    let slice = CancellableConnector.slice
    var left = nanoseconds
    for _ in 0..<(nanoseconds / slice + 1) where left > 0 && !cancellation.isCancelled {
      clock.sleep(nanoseconds: min(slice, left))
      left -= min(slice, left)
    }
  }

  /// Ends a session and keeps its transcript in the report.
  func finish(_ session: SMTPSession) {
    session.quit()
    record(session)
  }

  func record(_ session: SMTPSession) {
    let known = report.transcript.filter { $0.connection == session.connection }.count
    report.transcript += session.transcript.dropFirst(known)
    if session.sawServiceClosing { pendingBackoff = true }
    if abandoned == nil, let ended = session.endedBy,
      ended.reason.hasPrefix(SMTPSession.unsolicitedReason)
    {
      abandoned = SMTPProbeError(ended.code, SMTPSession.unsolicitedReason)
    }
  }

  /// EHLO, falling back to HELO when EHLO is not recognised.
  func hello(_ session: SMTPSession) -> Capabilities? {
    guard let reply = try? session.command("EHLO \(options.heloName)") else { return nil }
    if reply.isPositive { return Capabilities(reply: reply, extended: true) }
    guard reply.isPermanentFailure, session.isOpen,
      let helo = try? session.command("HELO \(options.heloName)"), helo.isPositive
    else { return nil }
    return Capabilities(reply: helo, extended: false)
  }

  // XCLIENT ADDR=..., then EHLO again. Returns the new capabilities, or nil with a note.
  func applyXCLIENT(_ session: SMTPSession, capabilities: Capabilities) -> (
    Capabilities?, String?
  ) {
    guard let address = options.xclientAddress else { return (capabilities, nil) }
    guard capabilities.xclient else {
      return (nil, "the server does not offer XCLIENT to this client")
    }
    // Postfix spells IPv6 addresses `IPV6:2001:db8::1` in XCLIENT.
    let attribute = address.contains(":") ? "IPV6:\(address)" : address
    guard let reply = try? session.command("XCLIENT ADDR=\(attribute)") else {
      return (nil, "XCLIENT failed: \(session.endedBy?.reason ?? "no reply")")
    }
    guard reply.code == 220 else { return (nil, "XCLIENT refused: \(reply.summary)") }
    guard let again = hello(session) else {
      return (nil, "EHLO after XCLIENT failed: \(session.endedBy?.reason ?? "refused")")
    }
    return (again, nil)
  }

  // MARK: TLS

  /// Runs the TLS analysis over fresh connections, within its own connection budget and
  /// the probe's total deadline.
  func analyseTLS(mode: TLSChannelOpener.Mode) {
    guard options.analyseTLS || options.tlsOnly else { return }
    begin("tls")
    guard !totalDeadline.hasPassed else {
      note(tlsStatus(nil))
      return
    }
    let host = report.host
    let serverName =
      SocketAddress.numeric(host, port: 0) == nil && RelayCheck.isDomainName(host) ? host : nil
    var scanOptions = TLSScanOptions(
      now: options.currentTime ?? wallClockSeconds(), role: options.role.tlsRole,
      serverName: serverName)
    scanOptions.maxConnections = options.tlsConnectionBudget
    scanOptions.handshakeTimeout = .nanoseconds(
      Int64(clamping: min(options.stepTimeout.clampedNanoseconds, UInt64(Int64.max))))
    scanOptions.totalTimeout = .nanoseconds(
      Int64(clamping: min(totalDeadline.remainingNanoseconds, UInt64(Int64.max))))
    // A 421 while scanning: wait, then try again, as after a 421 greeting.
    let first = options.initialBackoff.clampedNanoseconds
    let second = min(
      first.multipliedReportingOverflow(by: 4).partialValue,
      options.maxBackoff.clampedNanoseconds)
    scanOptions.backoff = [first, max(first, second)].map {
      .nanoseconds(Int64(clamping: min($0, UInt64(Int64.max))))
    }
    let clock = options.clock
    let cancellation = cancellation
    scanOptions.sleep = {
      Self.sleep($0.clampedNanoseconds, clock: clock, cancellation: cancellation)
    }
    let opener = TLSChannelOpener(connector: connector, mode: mode, options: options)
    // The last connection's reply to STARTTLS when it was not 220.
    var refusal: Reply?
    let watch = ImplicitTLSWatch()
    var result = TLSScanner(options: scanOptions) {
      let channel = try opener.open(startTLSRefusal: &refusal)
      return mode == .implicit ? WatchedTLSChannel(base: channel, watch: watch) : channel
    }
    .scan()
    if result.outcome == .notStarted, let refusal {
      result.startTLSRefusal = Self.oneLine(refusal, limit: TLSScanResult.maxReasonLength)
    }
    if mode == .startTLS || watch.plaintext == nil {
      certificateFromClient(&result, now: scanOptions.now)
    }
    report.connections += result.connections
    if mode == .implicit, let plaintext = watch.plaintext {
      implicitPortSpeaksPlaintext(plaintext, connections: result.connections)
      return
    }
    report.tls = result
    note(tlsStatus(result))
    if mode == .implicit, result.handshakes > 0, watch.bytes == 0, report.banner == nil {
      report.failure = SMTPProbeError(
        .timeout,
        "the port sent nothing: no plaintext greeting and no answer to any of "
          + "\(result.handshakes) TLS handshakes")
    }
  }

  /// Reads the certificate of a TLS 1.3-only server from the SMTP checks' TLS session,
  /// when the scan could not.
  ///
  /// The certificate is encrypted in TLS 1.3: the scan completes handshakes with the TLS
  /// client to read it. When it could not (no X25519, a failed handshake, the scan
  /// stopped), an SMTP session inside TLS may still have it, at no cost; no connection is
  /// made for another try, which would meet the same server (the scan's notes say why).
  func certificateFromClient(_ result: inout TLSScanResult, now: Int64) {
    guard result.certificate == nil, result.protocols["TLSv1.3"] == true,
      let info = clientTLS, let leaf = info.certificateChain.first
    else { return }
    do {
      let certificate = try X509Certificate.parse(leaf)
      result.certificate = TLSCertificateSummary(
        keyType: certificate.keyType, keyBits: certificate.keyBits,
        notAfter: certificate.notAfterText, selfSigned: certificate.selfSigned,
        subjectAltNames: certificate.subjectAltNames, leaf: certificate,
        matchesHost: serverName.map { certificate.matches(host: $0) },
        chainLength: info.certificateChain.count, seenWith: info.version.name)
      // The scan's own failure to read it no longer holds.
      result.notes.removeAll { $0.hasPrefix("TLSv1.3: the certificate could not be read") }
      result.findings = TLSVerdicts.findings(for: result, role: options.role.tlsRole, now: now)
    } catch {
      let reason = SMTPProbeError.reason(of: error)
      result.notes.append("\(info.version.name): certificate not readable: \(reason)")
    }
  }

  /// A port probed as implicit TLS answered the ClientHello with plaintext SMTP (a
  /// greeting that came after the listening window): reported as plaintext, not TLS.
  func implicitPortSpeaksPlaintext(_ bytes: [UInt8], connections: Int) {
    report.tlsMode = .none
    let first = report.connections - connections + 1
    var reader = ReplyReader(limits: options.replyLimits)
    let source = BufferTransport(bytes: bytes)
    let deadline = Deadline.after(options.stepTimeout, clock: clock)
    if let reply = try? reader.readReply(from: source, deadline: deadline) {
      let exchange = Exchange(connection: first, command: nil, reply: reply)
      report.transcript.append(exchange)
      report.banner = BannerCheck.evaluate(reply, evidence: [exchange])
    } else {
      report.transcript.append(
        Exchange(
          connection: first, command: nil, reply: nil,
          failure: "plaintext instead of TLS: \(Escape.text(bytes.prefix(80)))"))
    }
  }

  /// A reply on one line (`454 4.7.0 text / more`), escaped and cut to `limit` characters.
  static func oneLine(_ reply: Reply, limit: Int) -> String {
    var bytes = Array("\(reply.code) ".utf8)
    for (index, line) in reply.lines.enumerated() {
      if index > 0 { bytes += Array(" / ".utf8) }
      bytes += line
      // Enough to fill the limit even if nothing needs escaping.
      if bytes.count > limit { break }
    }
    return Escape.clipped(bytes, to: limit)
  }

  // MARK: Checks

  /// Listens on the first connection of an implicit-TLS port.
  /// - Returns: The connection when the server waits for the client's hello (the SMTP
  ///   checks' first session continues on it inside TLS); nil otherwise.
  func probeImplicitTLS() -> (any Transport)? {
    report.tlsMode = .implicit
    report.implicitTLSExpected = true
    guard report.connections < options.connectionBudget else { return nil }
    report.connections += 1
    // Whatever happens below, the first connection's listen was this check.
    defer {
      let status =
        report.failure.map { CheckStatus("implicit-tls", .notRun, $0.reason, cause: $0.code) }
        ?? CheckStatus("implicit-tls", .ran)
      note(status)
    }
    let deadline = Deadline.after(options.stepTimeout, clock: clock)
      .earliest(totalDeadline)
    let transport: any Transport
    do {
      transport = try connector.connect(deadline: deadline)
    } catch {
      let failure = SMTPProbeError.wrapping(error, as: .system)
      report.transcript.append(
        Exchange(connection: 1, command: nil, reply: nil, failure: failure.reason))
      report.failure = failure
      return nil
    }
    report.address = transport.remoteAddress?.description
    serverAddress = transport.remoteAddress
    // A TLS server waits for the client's hello; a plaintext one greets at once.
    let listen = Deadline.after(options.implicitTLSListen, clock: clock)
      .earliest(deadline)
    var reader = ReplyReader(limits: options.replyLimits)
    do {
      // The listening window decides only whether the server speaks first; a greeting
      // that has begun is then read within the step's deadline.
      let first = try transport.receive(maxBytes: ReplyReader.chunk, deadline: listen)
      guard !first.isEmpty else { throw SMTPProbeError(.closed, "server closed the connection") }
      reader.absorb(first)
      let greeting = try reader.readReply(from: transport, deadline: deadline)
      report.tlsMode = .none
      let exchange = Exchange(connection: 1, command: nil, reply: greeting)
      report.transcript.append(exchange)
      report.banner = BannerCheck.evaluate(greeting, evidence: [exchange])
    } catch let error as SMTPProbeError where error.code == .timeout && !reader.hasBufferedBytes {
      // Nothing at all within the window: a TLS server waits for the ClientHello.
      report.transcript.append(
        Exchange(
          connection: 1, command: nil, reply: nil,
          failure: "no plaintext greeting: the server waits for a TLS handshake"))
      return transport
    } catch {
      let failure = SMTPProbeError.wrapping(error, as: .system)
      report.transcript.append(
        Exchange(connection: 1, command: nil, reply: nil, failure: failure.reason))
      if failure.code != .protocolViolation { report.failure = failure }
    }
    transport.close()
    return nil
  }

  /// The SMTP checks, in plaintext or inside TLS (``security``).
  /// - Parameter reusing: The implicit-TLS listen's connection, if it waits for a hello.
  func probeSMTP(reusing: (any Transport)?) {
    // Session 1: greeting, capabilities, vantage, submission, VRFY, EXPN.
    begin("banner")
    var first: SMTPSession
    switch open(reusing: reusing) {
    case .failed(let error, let greeting):
      if let greeting {
        report.banner = BannerCheck.evaluate(
          greeting, evidence: report.transcript.filter { $0.reply == greeting })
      }
      // On an implicit-TLS port a failed handshake, or TLS without SMTP inside, stops
      // the SMTP checks, not the TLS analysis, which tells what the port speaks.
      if report.tlsMode == .implicit, greeting == nil {
        note(CheckStatus("banner", .notRun, error.reason, cause: error.code))
      } else {
        report.failure = error
      }
      return
    case .session(let session, let greeting):
      first = session
      report.banner = BannerCheck.evaluate(
        greeting, evidence: Array(session.transcript.filter { $0.reply == greeting }.prefix(1)))
      note(CheckStatus("banner", .ran))
    }
    let budget = options.negativeRepliesPerSession
    begin("ehlo")
    guard var capabilities = hello(first) else {
      let failure =
        first.endedBy ?? SMTPProbeError(.protocolViolation, "the server refused EHLO and HELO")
      report.failure = failure
      note(CheckStatus("ehlo", .notRun, failure.reason, cause: failure.code))
      finish(first)
      return
    }
    note(CheckStatus("ehlo", .ran))
    report.capabilities = capabilities
    report.smtpTransport = security
    if security == .implicitTLS {
      report.authInsideTLS = !capabilities.authMechanisms.isEmpty
    } else {
      report.tlsMode = capabilities.startTLS ? .starttls : .none
      report.authBeforeStartTLS = !capabilities.authMechanisms.isEmpty
    }

    if options.tlsOnly {
      finish(first)
      return
    }

    var vantage = initialVantage(first)
    if options.xclientAddress != nil {
      let (applied, note) = applyXCLIENT(first, capabilities: capabilities)
      if let applied {
        capabilities = applied
        vantage = Vantage(
          kind: .xclient, address: options.xclientAddress,
          likelyTrusted: xclientTrusted(), note: nil)
      } else {
        vantage.note = note
      }
    }

    if options.role == .submission, security == .plaintext {
      begin("submission")
      let submission = first.isOpen ? submissionCheck(first) : nil
      report.submission = submission
      if submission?.mailRefusedBeforeStartTLS != nil {
        note(CheckStatus("submission", .ran))
      } else {
        let why = first.endedBy ?? SMTPProbeError(.closed, "no reply to MAIL")
        note(CheckStatus("submission", .notRun, why.reason, cause: why.code))
      }
    }
    begin("vrfy")
    if first.isOpen {
      report.vrfy = OracleCheck.run(
        verb: "VRFY", control: control, users: ["postmaster", "root"], session: first,
        budget: budget)
    }
    // postscreen deferred VRFY (`450 4.3.2`): once, reconnect and start over behind it.
    if passPostscreen(first) {
      probeSMTP(reusing: nil)
      return
    }
    // `530 Must issue a STARTTLS command first`: the rest runs inside TLS, starting here.
    let refusals = (report.submission?.evidence ?? []) + (report.vrfy?.evidence ?? [])
    if let refusal = refusals.compactMap(\.reply).first(where: Self.requiresTLS),
      let secure = switchToTLS(first, because: refusal)
    {
      first = secure
      if first.isOpen {
        report.vrfy = OracleCheck.run(
          verb: "VRFY", control: control, users: ["postmaster", "root"], session: first,
          budget: budget)
      }
    }
    note(oracleStatus("vrfy", verb: "VRFY", report.vrfy, first, total: 3))
    begin("expn")
    if first.isOpen {
      report.expn = OracleCheck.run(
        verb: "EXPN", control: control, users: ["postmaster"], session: first, budget: budget)
    }
    note(oracleStatus("expn", verb: "EXPN", report.expn, first, total: 2))
    finish(first)

    // Session 2: MAIL before HELO, then RCPT enumeration for the server's own domain.
    // Once more inside TLS when MAIL was refused until STARTTLS.
    if heloAndRCPT(vantage: vantage, serverName: capabilities.serverName) {
      _ = heloAndRCPT(vantage: vantage, serverName: capabilities.serverName)
    }

    // Sessions 3...: the relay variants.
    report.openRelay = relayTest(vantage: vantage, serverName: capabilities.serverName)
  }

  /// Whether the SMTP checks can still move into TLS: STARTTLS is advertised and they
  /// run in plaintext.
  var canSwitchToTLS: Bool {
    options.checksInsideTLS && security == .plaintext && report.capabilities?.startTLS == true
  }

  /// From now on every SMTP session runs inside TLS after STARTTLS.
  func requireTLS(because refusal: Reply, command: String) {
    security = .startTLS
    report.smtpTransport = .startTLS
    report.smtpTransportReason =
      "the server refused \(command) before STARTTLS: "
      + Self.oneLine(refusal, limit: TLSScanResult.maxReasonLength)
  }

  /// The server refused a command until STARTTLS: the SMTP checks move into TLS, on this
  /// session's connection first (STARTTLS, the handshake, EHLO inside TLS).
  /// - Returns: The session inside TLS, or nil when the checks cannot move (the session is
  ///   then closed when the handshake failed).
  func switchToTLS(_ session: SMTPSession, because refusal: Reply) -> SMTPSession? {
    guard canSwitchToTLS, session.isOpen else { return nil }
    let command =
      session.transcript.last { $0.reply == refusal }?.command?.split(separator: " ").first
      .map(String.init) ?? "a command"
    requireTLS(because: refusal, command: command)
    begin("ehlo-tls")
    switch upgrade(session) {
    case .failure(let failure):
      note(CheckStatus("ehlo-tls", .notRun, failure.reason, cause: failure.code))
      return nil
    case .success(let secure):
      let capabilities = hello(secure)
      report.tlsCapabilities = capabilities
      report.authInsideTLS = capabilities.map { !$0.authMechanisms.isEmpty }
      if capabilities != nil {
        note(CheckStatus("ehlo-tls", .ran))
      } else {
        let why = secure.endedBy ?? SMTPProbeError(.protocolViolation, "EHLO refused inside TLS")
        note(CheckStatus("ehlo-tls", .notRun, why.reason, cause: why.code))
      }
      return secure
    }
  }

  func initialVantage(_ session: SMTPSession) -> Vantage {
    let local = session.localAddress
    let server = session.remoteAddress
    let trusted = local.map { VantageCheck.likelyTrusted($0, server: server) } ?? true
    return Vantage(
      kind: options.sourceAddress == nil ? .direct : .source, address: local?.host,
      likelyTrusted: trusted, note: nil)
  }

  func xclientTrusted() -> Bool {
    guard let text = options.xclientAddress, let address = SocketAddress.numeric(text, port: 0)
    else { return false }
    return VantageCheck.likelyTrusted(address, server: nil)
  }

  func submissionCheck(_ session: SMTPSession) -> SubmissionResult {
    let start = session.transcript.count
    // A 421 closes the session: it refuses nothing about STARTTLS.
    guard let reply = try? session.command("MAIL FROM:<probe@example.com>"), reply.code != 421
    else {
      return SubmissionResult(
        mailRefusedBeforeStartTLS: nil, evidence: Array(session.transcript[start...]))
    }
    if reply.isPositive { _ = try? session.command("RSET") }
    return SubmissionResult(
      mailRefusedBeforeStartTLS: !reply.isPositive,
      evidence: Array(session.transcript[start...]))
  }

  /// MAIL before HELO, then RCPT enumeration, in one session.
  /// - Returns: True when MAIL was refused until STARTTLS in plaintext: the checks have
  ///   moved into TLS and should run again (nothing was noted).
  func heloAndRCPT(vantage: Vantage, serverName: String?) -> Bool {
    begin("helo-required")
    let session: SMTPSession
    switch open() {
    case .failed(let error, _):
      report.heloRequired = HeloRequiredResult(required: nil, reason: error.reason, evidence: [])
      report.rcptEnumeration = OracleResult(verdict: nil, reason: error.reason, evidence: [])
      note(CheckStatus("helo-required", .notRun, error.reason, cause: error.code))
      note(CheckStatus("rcpt-enumeration", .notRun, error.reason, cause: error.code))
      return false
    case .session(let opened, _):
      session = opened
    }
    defer { finish(session) }
    let start = session.transcript.count
    if let mail = try? session.command("MAIL FROM:<probe@example.com>") {
      if Self.requiresTLS(mail), canSwitchToTLS {
        requireTLS(because: mail, command: "MAIL")
        return true
      }
      let required: Bool?
      var reason: String?
      if mail.isPositive {
        required = false
        _ = try? session.command("RSET")
      } else if mail.code == 421 {
        required = nil
        reason = session.endedBy?.reason ?? mail.summary
      } else if mail.code == 503 || mail.mentions("HELO") || mail.mentions("EHLO") {
        required = true
      } else {
        required = nil
        reason = "MAIL was refused for another reason: \(mail.summary)"
      }
      report.heloRequired = HeloRequiredResult(
        required: required, reason: reason, evidence: Array(session.transcript[start...]))
      if required != nil {
        note(CheckStatus("helo-required", .ran))
      } else if let ended = session.endedBy {
        note(CheckStatus("helo-required", .notRun, ended.reason, cause: ended.code))
      } else {
        note(CheckStatus("helo-required", .refused, reason))
      }
    } else {
      let why = session.endedBy ?? SMTPProbeError(.closed, "no reply to MAIL")
      report.heloRequired = HeloRequiredResult(
        required: nil, reason: why.reason, evidence: Array(session.transcript[start...]))
      note(CheckStatus("helo-required", .notRun, why.reason, cause: why.code))
    }
    func notRCPT(_ reason: String) {
      report.rcptEnumeration = OracleResult(verdict: nil, reason: reason, evidence: [])
      if let ended = session.endedBy {
        note(CheckStatus("rcpt-enumeration", .notRun, ended.reason, cause: ended.code))
      } else {
        note(CheckStatus("rcpt-enumeration", .refused, reason))
      }
    }
    begin("rcpt-enumeration")
    guard session.isOpen, let capabilities = hello(session) else {
      notRCPT(session.endedBy?.reason ?? "EHLO refused")
      return false
    }
    if vantage.kind == .xclient {
      guard applyXCLIENT(session, capabilities: capabilities).0 != nil else {
        notRCPT(session.endedBy?.reason ?? "XCLIENT failed in this session")
        return false
      }
    }
    guard let domain = serverName.flatMap({ RelayCheck.isDomainName($0) ? $0 : nil }) else {
      notRCPT("the server gave no domain name to test")
      return false
    }
    let rcpt = OracleCheck.runRCPT(
      control: control, domain: domain, session: session,
      budget: options.negativeRepliesPerSession)
    report.rcptEnumeration = rcpt
    note(oracleStatus("rcpt-enumeration", verb: "RCPT", rcpt, session, total: 2))
    return false
  }

  func relayTest(vantage: Vantage, serverName: String?) -> RelayResult {
    begin("open-relay")
    let variants = RelayCheck.variants(serverName: serverName, serverAddress: serverAddress)
    var attempts: [RelayAttempt] = []
    var failure: String?
    var cause = SMTPProbeError.Code.closed
    var senderRefused = false
    var fruitless = 0
    var senderRefusalsInARow = 0
    while attempts.count < variants.count, fruitless < 2 {
      let session: SMTPSession
      switch open() {
      case .failed(let error, _):
        failure = error.reason
        cause = error.code
        fruitless = 2
        continue
      case .session(let opened, _):
        session = opened
      }
      var capabilities = hello(session)
      if let current = capabilities, vantage.kind == .xclient {
        capabilities = applyXCLIENT(session, capabilities: current).0
      }
      guard capabilities != nil else {
        failure =
          session.endedBy?.reason
          ?? (vantage.kind == .xclient ? "XCLIENT failed in a relay session" : "EHLO refused")
        cause = session.endedBy?.code ?? .protocolViolation
        finish(session)
        fruitless += 1
        continue
      }
      let limit = min(variants.count, attempts.count + options.relayAttemptsPerSession)
      let wanted = limit - attempts.count
      let tried = RelayCheck.run(
        variants[attempts.count..<limit], session: session,
        budget: options.negativeRepliesPerSession
      ).filter { $0.outcome != .notTested }
      // MAIL refused until STARTTLS: these forms were not tested; all of them run again
      // inside TLS (once: the switch happens at most once).
      if let refusal = tried.compactMap(\.reply).first(where: Self.requiresTLS), canSwitchToTLS {
        requireTLS(because: refusal, command: "MAIL")
        finish(session)
        continue
      }
      if tried.isEmpty {
        fruitless += 1
        failure = session.endedBy?.reason ?? "no relay attempt completed"
        cause = session.endedBy?.code ?? .closed
      } else {
        fruitless = 0
      }
      for attempt in tried {
        senderRefusalsInARow = attempt.senderRefused ? senderRefusalsInARow + 1 : 0
      }
      attempts += tried
      if tried.count < wanted, let ended = session.endedBy {
        failure = ended.reason
        cause = ended.code
      }
      finish(session)
      if senderRefusalsInARow >= 3 {
        failure = "the server refused the sender three times in a row"
        senderRefused = true
        break
      }
    }
    let triedCount = attempts.count
    if triedCount == variants.count {
      note(CheckStatus("open-relay", .ran))
    } else if senderRefused {
      note(
        CheckStatus(
          "open-relay", .refused, failure, tried: triedCount, total: variants.count))
    } else {
      note(
        CheckStatus(
          "open-relay", triedCount == 0 ? .notRun : .partial,
          failure ?? "only \(triedCount) of \(variants.count) forms were tried",
          tried: triedCount, total: variants.count, cause: cause))
    }
    for variant in variants.dropFirst(attempts.count) {
      attempts.append(
        RelayAttempt(
          id: variant.id, number: variant.number, mailFrom: variant.mailFrom,
          rcptTo: variant.rcptTo, outcome: .notTested, reply: nil, senderRefused: false,
          evidence: []))
    }
    var (verdict, reason) = RelayCheck.verdict(
      attempts: attempts, vantage: vantage, total: variants.count)
    if verdict == .inconclusive, let failure {
      reason = "\(reason ?? "not tested"); \(failure)"
    }
    let defers = attempts.contains {
      $0.outcome == .relayDenied && ($0.reply?.isTransientFailure ?? false)
    }
    return RelayResult(
      verdict: verdict, accepted: attempts.filter { $0.outcome == .accepted }.map(\.id),
      vantage: vantage, defers: defers, reason: reason, attempts: attempts)
  }
}

/// What the server sent on the implicit-TLS connections: a byte count, and the first bytes
/// when they are plaintext SMTP (three digits, then a space, a dash or a line end).
final class ImplicitTLSWatch {
  var bytes = 0
  var plaintext: [UInt8]?

  func saw(_ chunk: [UInt8], first: Bool) {
    bytes += chunk.count
    guard first, plaintext == nil, chunk.count >= 4 else { return }
    let digits = chunk.prefix(3).allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
    let separator = [UInt8(ascii: " "), UInt8(ascii: "-"), UInt8(ascii: "\r"), UInt8(ascii: "\n")]
    if digits, (UInt8(ascii: "2")...UInt8(ascii: "5")).contains(chunk[0]),
      separator.contains(chunk[3])
    {
      plaintext = Array(chunk.prefix(ReplyReader.chunk))
    }
  }
}

/// A TLS channel that reports what it receives to an ``ImplicitTLSWatch``.
struct WatchedTLSChannel: TLSHandshakeChannel {
  var base: any TLSHandshakeChannel
  let watch: ImplicitTLSWatch
  var received = false

  mutating func send(_ bytes: [UInt8]) throws { try base.send(bytes) }

  mutating func receive(upTo maxCount: Int, deadline: ContinuousClock.Instant) throws -> [UInt8] {
    let chunk = try base.receive(upTo: maxCount, deadline: deadline)
    watch.saw(chunk, first: !received)
    if !chunk.isEmpty { received = true }
    return chunk
  }

  mutating func close() { base.close() }
}

/// Bytes already read, offered as a transport, then end of stream.
final class BufferTransport: Transport {
  private var bytes: [UInt8]
  init(bytes: [UInt8]) { self.bytes = bytes }
  func send(_ bytes: [UInt8], deadline: Deadline) throws {
    throw SMTPProbeError(.invalidRequest, "read-only")
  }
  func receive(maxBytes: Int, deadline: Deadline) throws -> [UInt8] {
    let out = Array(bytes.prefix(maxBytes))
    bytes.removeFirst(out.count)
    return out
  }
  func close() { bytes = [] }
  var localAddress: SocketAddress? { nil }
  var remoteAddress: SocketAddress? { nil }
}

/// A transport that keeps the first bytes it receives, to tell a late plaintext greeting
/// from a TLS answer when a ClientHello was offered.
final class PeekingTransport: Transport {
  private let base: any Transport
  /// Up to 512 of the first bytes received.
  private(set) var firstBytes: [UInt8] = []

  init(_ base: any Transport) { self.base = base }

  func send(_ bytes: [UInt8], deadline: Deadline) throws {
    try base.send(bytes, deadline: deadline)
  }

  func receive(maxBytes: Int, deadline: Deadline) throws -> [UInt8] {
    let bytes = try base.receive(maxBytes: maxBytes, deadline: deadline)
    if firstBytes.count < 512 { firstBytes += bytes.prefix(512 - firstBytes.count) }
    return bytes
  }

  func close() { base.close() }
  var localAddress: SocketAddress? { base.localAddress }
  var remoteAddress: SocketAddress? { base.remoteAddress }
}
