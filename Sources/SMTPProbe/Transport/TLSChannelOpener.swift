/// Opens connections positioned where the client's TLS handshake begins, for the
/// ``TLSScanner``: over STARTTLS (greeting, EHLO, `STARTTLS`, `220`) or, for implicit
/// TLS, right after connect.
///
/// Every connection goes through the probe's ``Connector`` (so the `--source` address
/// applies) and every read and write has a deadline; replies are read with the same
/// bounded reader as the SMTP checks. A greeting other than `220` (such as `421`) throws
/// `.closed`, so the scanner backs off before it tries again.
public struct TLSChannelOpener {
  /// How TLS starts on the port.
  public enum Mode: Sendable {
    /// `EHLO` then `STARTTLS` (RFC 3207).
    case startTLS
    /// TLS right after connect (RFC 8314, port 465).
    case implicit
  }

  /// Opens the TCP connections.
  public let connector: any Connector
  /// How TLS starts.
  public let mode: Mode
  /// The name sent with EHLO.
  public var heloName: String
  /// Each step (connect, one command and its reply, one send) gives up after this long.
  public var stepTimeout: Duration
  /// ``stepTimeout`` in whole nanoseconds, for deadlines.
  var stepTimeoutNanoseconds: UInt64 { stepTimeout.clampedNanoseconds }
  /// Bounds on SMTP replies.
  public var replyLimits: ReplyLimits
  /// The clock deadlines are measured on.
  public var clock: any ProbeClock

  /// Creates an opener with the probe's EHLO name, step timeout, reply limits and clock.
  /// - Parameters:
  ///   - connector: Opens the TCP connections.
  ///   - mode: How TLS starts.
  ///   - options: The probe's options.
  public init(connector: any Connector, mode: Mode, options: ProbeOptions) {
    self.connector = connector
    self.mode = mode
    heloName = options.heloName
    stepTimeout = options.stepTimeout
    replyLimits = options.replyLimits
    clock = options.clock
  }

  /// Opens a fresh connection and brings it to the start of the TLS handshake.
  /// - Returns: The channel; the caller closes it.
  /// - Throws: ``SMTPProbeError``: `.closed` for a refusing greeting (`421`) or a
  ///   temporarily refused `STARTTLS` (`454`), worth a retry after a back-off;
  ///   `.protocolViolation` for a permanent refusal (`5xx`) and for anything that is not
  ///   SMTP; `.timeout` when the server is silent past a step's deadline.
  public func open() throws -> any TLSHandshakeChannel {
    var refusal: Reply?
    return try open(startTLSRefusal: &refusal)
  }

  /// Opens a fresh connection as ``open()`` does and keeps the server's answer when it
  /// refuses `STARTTLS`, so a server that advertises STARTTLS but cannot start TLS
  /// (Postfix's `454 4.7.0 TLS not available due to local problem`) can be told from one
  /// that is only busy (`421`) or unreachable.
  /// - Parameter startTLSRefusal: Set to the reply to `STARTTLS` when it was not `220`,
  ///   else to nil.
  /// - Returns: The channel; the caller closes it.
  /// - Throws: ``SMTPProbeError``, as ``open()``.
  public func open(startTLSRefusal: inout Reply?) throws -> any TLSHandshakeChannel {
    startTLSRefusal = nil
    let connectDeadline = Deadline.after(nanoseconds: stepTimeoutNanoseconds, clock: clock)
    let transport = try connector.connect(deadline: connectDeadline)
    guard mode == .startTLS else {
      return TransportTLSChannel(
        transport: transport, clock: clock, stepNanoseconds: stepTimeoutNanoseconds)
    }
    // Greeting, EHLO and STARTTLS: three steps, each with its own deadline.
    let steps = stepTimeoutNanoseconds > UInt64.max / 3 ? UInt64.max : stepTimeoutNanoseconds * 3
    let session = SMTPSession(
      transport: transport, connection: 0, clock: clock,
      stepNanoseconds: stepTimeoutNanoseconds,
      sessionDeadline: Deadline.after(nanoseconds: steps, clock: clock), limits: replyLimits)
    do {
      let greeting = try session.greeting()
      guard greeting.code == 220 else {
        throw SMTPProbeError(.closed, "greeting refused service: \(greeting.summary)")
      }
      let hello = try session.command("EHLO \(heloName)")
      guard hello.isPositive else { throw Self.refusal("EHLO", hello) }
      guard Capabilities(reply: hello, extended: true).startTLS else {
        throw SMTPProbeError(.protocolViolation, "STARTTLS is no longer offered")
      }
      let ready = try session.command("STARTTLS")
      guard ready.code == 220 else {
        startTLSRefusal = ready
        throw Self.refusal("STARTTLS", ready)
      }
      // Bytes after the 220 would be taken for the server's TLS data (or injected).
      guard !session.hasBufferedInput else {
        throw SMTPProbeError(.protocolViolation, "data after the 220 reply to STARTTLS")
      }
    } catch {
      session.close()
      throw error
    }
    return TransportTLSChannel(
      transport: transport, clock: clock, stepNanoseconds: stepTimeoutNanoseconds)
  }

  // 4xx: try again later (`.closed`); anything else: no use retrying.
  private static func refusal(_ verb: String, _ reply: Reply) -> SMTPProbeError {
    reply.isTransientFailure
      ? SMTPProbeError(.closed, "\(verb) refused for now: \(reply.summary)")
      : SMTPProbeError(.protocolViolation, "\(verb) refused: \(reply.summary)")
  }
}

/// A ``TLSHandshakeChannel`` over a ``Transport``: sends with a step deadline, receives
/// with the scanner's deadline (whichever comes first).
struct TransportTLSChannel: TLSHandshakeChannel {
  let transport: any Transport
  let clock: any ProbeClock
  let stepNanoseconds: UInt64

  mutating func send(_ bytes: [UInt8]) throws {
    try transport.send(bytes, deadline: Deadline.after(nanoseconds: stepNanoseconds, clock: clock))
  }

  mutating func receive(upTo maxCount: Int, deadline: ContinuousClock.Instant) throws -> [UInt8] {
    let left = ContinuousClock.now.duration(to: deadline).clampedNanoseconds
    let limit = Deadline.after(nanoseconds: min(left, stepNanoseconds), clock: clock)
    if limit.hasPassed { throw SMTPProbeError(.timeout, "TLS: handshake deadline passed") }
    return try transport.receive(maxBytes: max(1, min(maxCount, 16_384)), deadline: limit)
  }

  mutating func close() {
    transport.close()
  }
}
