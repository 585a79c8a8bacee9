/// One SMTP dialogue over one transport, every step bounded in bytes and time.
///
/// The session refuses to send `DATA` or `BDAT`: a probe never transfers a message.
/// After a timeout, a protocol violation, a close or a `421` the session is over and
/// every later command fails at once with the same error.
final class SMTPSession {
  private let transport: any Transport
  private let clock: any ProbeClock
  private let stepNanoseconds: UInt64
  private let sessionDeadline: Deadline
  private var reader: ReplyReader
  /// The connection number, for evidence.
  let connection: Int
  /// Every exchange of this session, in order.
  private(set) var transcript: [Exchange] = []
  /// How many 4xx/5xx replies the server has given (smtpd counts them toward its limits).
  private(set) var negativeReplies = 0
  /// Why the session ended early, if it did.
  private(set) var endedBy: SMTPProbeError?
  /// Whether the server answered 421 (service closing) at some point.
  private(set) var sawServiceClosing = false

  /// Why a session stops when the server sends replies before a command was sent (or more
  /// replies than commands): every later reply would be taken for the wrong command.
  static let unsolicitedReason = "the server sent replies to commands never sent"

  /// Commands a probe must never send: they would transfer a message.
  static let forbiddenVerbs: Set<String> = ["DATA", "BDAT"]
  /// The longest command line the session will send (RFC 5321: 512 with CR LF).
  static let maxCommandLength = 510

  init(
    transport: any Transport, connection: Int, clock: any ProbeClock, stepNanoseconds: UInt64,
    sessionDeadline: Deadline, limits: ReplyLimits, transcript: [Exchange] = []
  ) {
    self.transport = transport
    self.connection = connection
    self.clock = clock
    self.stepNanoseconds = stepNanoseconds
    self.sessionDeadline = sessionDeadline
    self.limits = limits
    self.reader = ReplyReader(limits: limits)
    self.transcript = transcript
  }

  private let limits: ReplyLimits
  /// Set once the connection belongs to a TLS session: closing this one must not close it.
  private var handedOver = false

  /// What the TLS handshake of ``startTLS(configuration:)`` or
  /// ``implicitTLS(configuration:)`` negotiated; nil in plaintext.
  private(set) var tls: TLSClientSessionInfo?

  /// Why a session is over once STARTTLS handed its connection to TLS.
  static let handedOverReason = "the connection continues inside TLS"

  /// Waits until `listen` for the server to speak first, without sending anything.
  ///
  /// A plaintext SMTP server greets at once; a TLS server (implicit TLS) waits for the
  /// client's hello. The bytes that arrive are kept for ``greeting()``.
  /// - Parameter listen: When to stop waiting.
  /// - Returns: True when bytes arrived; false when nothing arrived by `listen` (the
  ///   session is still usable and nothing was recorded).
  /// - Throws: ``SMTPProbeError`` when the server closed the connection or the read
  ///   failed; the session is then over.
  func serverSpeaksFirst(by listen: Deadline) throws -> Bool {
    if let endedBy { throw endedBy }
    if reader.hasBufferedBytes { return true }
    do {
      let bytes = try transport.receive(maxBytes: ReplyReader.chunk, deadline: listen)
      guard !bytes.isEmpty else {
        throw SMTPProbeError(.closed, "server closed the connection before the greeting")
      }
      reader.absorb(bytes)
      return true
    } catch let error as SMTPProbeError where error.code == .timeout {
      return false
    } catch {
      let failure = SMTPProbeError.wrapping(error, as: .system, prefix: "transport: ")
      transcript.append(
        Exchange(connection: connection, command: nil, reply: nil, failure: failure.reason))
      end(failure)
      throw failure
    }
  }

  /// Sends `STARTTLS`, and after `220` runs the TLS handshake on the same connection.
  ///
  /// On success this session is over (without closing the connection, which now belongs
  /// to TLS) and the returned session continues the dialogue inside TLS, with this
  /// session's transcript and a line naming what was negotiated. The server forgets the
  /// EHLO after the handshake (RFC 3207, 4.2): send it again.
  /// - Parameter configuration: What the TLS client offers.
  /// - Returns: The session inside TLS.
  /// - Throws: ``SMTPProbeError``: `.protocolViolation` for a reply other than `220` (the
  ///   reply is in the transcript; this session stays usable unless the server closed it)
  ///   or bytes after the `220`; the handshake's error (this session is then over and the
  ///   connection closed).
  func startTLS(configuration: TLSClientConfiguration) throws -> SMTPSession {
    let reply = try command("STARTTLS")
    guard reply.code == 220 else {
      throw SMTPProbeError(.protocolViolation, "STARTTLS refused: \(reply.summary)")
    }
    guard !reader.hasBufferedBytes else {
      let failure = SMTPProbeError(
        .protocolViolation, "bytes after 220 to STARTTLS: \(reader.bufferedPreview)")
      transcript.append(
        Exchange(connection: connection, command: nil, reply: nil, failure: failure.reason))
      end(failure)
      throw failure
    }
    return try handOver(configuration: configuration)
  }

  /// Runs the TLS handshake on this session's connection before any byte was read (an
  /// implicit-TLS port that waited for the client's hello) and returns the session
  /// inside TLS; the greeting is then read inside TLS.
  /// - Parameters:
  ///   - configuration: What the TLS client offers.
  ///   - deadline: An earlier end for the handshake than the step's, if any.
  /// - Returns: The session inside TLS.
  /// - Throws: The handshake's ``SMTPProbeError``; this session is then over.
  func implicitTLS(configuration: TLSClientConfiguration, deadline: Deadline? = nil) throws
    -> SMTPSession
  {
    if let endedBy { throw endedBy }
    guard !reader.hasBufferedBytes else {
      throw SMTPProbeError(.protocolViolation, "the server spoke before the TLS handshake")
    }
    return try handOver(configuration: configuration, deadline: deadline)
  }

  private func handOver(configuration: TLSClientConfiguration, deadline limit: Deadline? = nil)
    throws -> SMTPSession
  {
    let deadline = limit.map { stepDeadline.earliest($0) } ?? stepDeadline
    do {
      if deadline.hasPassed { throw SMTPProbeError(.timeout, "session deadline passed") }
      let secure = try TLSClientTransport(
        handshakeOver: transport, configuration: configuration, deadline: deadline)
      endedBy = SMTPProbeError(.closed, Self.handedOverReason)
      handedOver = true
      var carried = transcript
      carried.append(
        Exchange(
          connection: connection, command: nil, reply: nil,
          tls: "\(secure.session.version.name) \(secure.session.cipherSuite.name)"))
      let session = SMTPSession(
        transport: secure, connection: connection, clock: clock,
        stepNanoseconds: stepNanoseconds, sessionDeadline: sessionDeadline, limits: limits,
        transcript: carried)
      session.tls = secure.session
      return session
    } catch {
      let failure = SMTPProbeError.wrapping(error, as: .system, prefix: "tls: ")
      let reason = "TLS handshake failed: \(failure.reason)"
      transcript.append(
        Exchange(connection: connection, command: nil, reply: nil, failure: reason))
      let ended = SMTPProbeError(failure.code, reason)
      end(ended)
      throw ended
    }
  }

  /// The probe's address on this connection.
  var localAddress: SocketAddress? { transport.localAddress }
  /// The server's address on this connection.
  var remoteAddress: SocketAddress? { transport.remoteAddress }

  /// Whether the session can still be used.
  var isOpen: Bool { endedBy == nil }

  /// Whether bytes arrived that no reply has consumed (after `220` to STARTTLS they
  /// would be mistaken for the server's TLS data).
  var hasBufferedInput: Bool { reader.hasBufferedBytes }

  private var stepDeadline: Deadline {
    Deadline.after(nanoseconds: stepNanoseconds, clock: clock).earliest(sessionDeadline)
  }

  /// Reads the greeting (or, after XCLIENT, the new greeting is the XCLIENT reply).
  /// - Returns: The greeting reply.
  /// - Throws: ``SMTPProbeError``; the session is then over.
  @discardableResult
  func greeting() throws -> Reply {
    try exchange(command: nil)
  }

  /// Sends one command line and reads its reply.
  /// - Parameter line: The command, printable ASCII, without CR LF.
  /// - Returns: The reply.
  /// - Throws: `.invalidRequest` for a forbidden or malformed command (nothing is sent);
  ///   otherwise ``SMTPProbeError`` and the session is over.
  @discardableResult
  func command(_ line: String) throws -> Reply {
    let bytes = Array(line.utf8)
    guard !bytes.isEmpty, bytes.count <= Self.maxCommandLength,
      bytes.allSatisfy({ (0x20...0x7E).contains($0) })
    else {
      throw SMTPProbeError(
        .invalidRequest, "refusing to send a malformed command: \(Escape.text(bytes.prefix(80)))")
    }
    let verb = line.split(separator: " ", maxSplits: 1).first.map { $0.uppercased() } ?? ""
    guard !Self.forbiddenVerbs.contains(verb) else {
      throw SMTPProbeError(.invalidRequest, "the probe never sends \(verb)")
    }
    return try exchange(command: line)
  }

  /// Ends the session politely (`QUIT`, briefly waiting for the reply) and closes it.
  func quit() {
    if isOpen {
      _ = try? command("QUIT")
    }
    close()
  }

  /// Closes the transport without a QUIT (not after the connection was handed to TLS).
  func close() {
    if endedBy == nil { endedBy = SMTPProbeError(.closed, "session closed by the probe") }
    if !handedOver { transport.close() }
  }

  private func exchange(command: String?) throws -> Reply {
    if let endedBy { throw endedBy }
    do {
      let deadline = stepDeadline
      if deadline.hasPassed { throw SMTPProbeError(.timeout, "session deadline passed") }
      if let command {
        try refuseUnsolicitedInput()
        try transport.send(Array((command + "\r\n").utf8), deadline: deadline)
      }
      let reply = try reader.readReply(from: transport, deadline: deadline)
      transcript.append(Exchange(connection: connection, command: command, reply: reply))
      if reply.isTransientFailure || reply.isPermanentFailure { negativeReplies += 1 }
      if reply.code == 421 {
        sawServiceClosing = true
        end(SMTPProbeError(.closed, "server closed the session: \(reply.summary)"))
      }
      return reply
    } catch let error as SMTPProbeError {
      transcript.append(
        Exchange(connection: connection, command: command, reply: nil, failure: error.reason))
      end(error)
      throw error
    } catch {
      let wrapped = SMTPProbeError(.system, "transport: \(error)", underlying: error)
      transcript.append(
        Exchange(connection: connection, command: command, reply: nil, failure: wrapped.reason))
      end(wrapped)
      throw wrapped
    }
  }

  /// Refuses bytes that arrived before a command was sent.
  ///
  /// One command is in flight at a time (the probe never pipelines), so any byte that
  /// is buffered or already waiting before a command is sent answers nothing the probe
  /// asked: a protocol violation. The check does not wait (a deadline already passed).
  private func refuseUnsolicitedInput() throws {
    if !reader.hasBufferedBytes {
      let now = Deadline.after(nanoseconds: 0, clock: clock)
      if let early = try? transport.receive(maxBytes: ReplyReader.chunk, deadline: now),
        !early.isEmpty
      {
        reader.absorb(early)
      }
    }
    guard reader.hasBufferedBytes else { return }
    throw SMTPProbeError(
      .protocolViolation, "\(Self.unsolicitedReason): \(reader.bufferedPreview)")
  }

  private func end(_ error: SMTPProbeError) {
    endedBy = error
    transport.close()
  }
}
