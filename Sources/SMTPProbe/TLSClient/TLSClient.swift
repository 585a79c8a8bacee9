/// A TLS 1.3 and TLS 1.2 client over a ``Transport``: X25519 key exchange, AES-GCM and
/// ChaCha20-Poly1305, written in Swift without a TLS library.
///
/// The client does not authenticate the server (see ``TLSClientConfiguration``): it
/// records the certificate chain and checks the handshake's integrity (the server's
/// `Finished`), which detects corruption and a peer that lost the key exchange, but
/// not an active attacker.
///
/// Every server byte is bounded: records by ``TLSRecordLayer``, handshake messages by
/// ``TLSClientConfiguration/maxHandshakeMessageBytes``, records that make no progress by
/// ``TLSClientConfiguration/maxIgnoredRecords``. After any error the client is failed and
/// every later call throws the same error.
final class TLSClient {
  /// Where the connection stands.
  enum State {
    case start
    case established
    case closed
    case failed(SMTPProbeError)
  }

  let configuration: TLSClientConfiguration
  let records: TLSRecordLayer
  var state: State = .start
  var handshakeBuffer: TLSHandshakeBuffer
  /// What the handshake negotiated; nil before it completes.
  private(set) var info: TLSClientSessionInfo?
  /// Decrypted application data not yet returned.
  private var plaintext: [UInt8] = []
  private var plaintextStart = 0
  /// TLS 1.3 application traffic secrets, for KeyUpdate.
  var clientApplicationSecret: [UInt8] = []
  var serverApplicationSecret: [UInt8] = []
  var negotiatedSuite: TLSClientCipherSuite?
  /// Whether the peer sent close_notify.
  private(set) var receivedCloseNotify = false

  /// Creates a client on a connection positioned where the handshake begins.
  /// - Parameters:
  ///   - transport: The connection (after `220` to STARTTLS, or fresh on port 465).
  ///   - configuration: What to offer.
  init(transport: any Transport, configuration: TLSClientConfiguration) {
    self.configuration = configuration
    records = TLSRecordLayer(transport: transport)
    handshakeBuffer = TLSHandshakeBuffer(maxMessageBytes: configuration.maxHandshakeMessageBytes)
  }

  /// The underlying connection.
  var transport: any Transport { records.transport }

  /// Runs the handshake.
  /// - Parameter deadline: When to give up on the whole handshake.
  /// - Returns: What was negotiated.
  /// - Throws: ``SMTPProbeError``: `.tlsAlert` when the server refuses with an alert,
  ///   `.tlsFailure` when no common parameters exist or the server's `Finished` does not
  ///   match, `.protocolViolation` for malformed messages, `.timeout`, `.closed`.
  @discardableResult
  func handshake(deadline: Deadline) throws -> TLSClientSessionInfo {
    switch state {
    case .start: break
    case .established, .closed:
      throw SMTPProbeError(.invalidRequest, "TLS: handshake already done")
    case .failed(let error): throw error
    }
    do {
      var generator = SystemRandomNumberGenerator()
      let negotiated = try runHandshake(deadline: deadline, using: &generator)
      info = negotiated
      state = .established
      return negotiated
    } catch let error as SMTPProbeError {
      fail(error, deadline: deadline)
      throw error
    }
  }

  private func runHandshake<G: RandomNumberGenerator>(
    deadline: Deadline, using generator: inout G
  ) throws -> TLSClientSessionInfo {
    let offers13 = configuration.versions.contains(.tls13)
    let offers12 = configuration.versions.contains(.tls12)
    let suites = configuration.cipherSuites.filter {
      $0.isTLS13 ? offers13 : offers12
    }
    guard !suites.isEmpty else {
      throw SMTPProbeError(.invalidRequest, "TLS: no cipher suite to offer")
    }
    let privateKey = Self.randomBytes(32, using: &generator)
    let publicKey = X25519.publicKey(privateKey: privateKey)
    var hello = TLSClientHelloMessage(
      random: Self.randomBytes(32, using: &generator),
      sessionID: offers13 ? Self.randomBytes(32, using: &generator) : [],
      cipherSuites: suites, serverName: configuration.serverName, offersTLS12: offers12,
      offersTLS13: offers13, signatureAlgorithms: configuration.signatureAlgorithms,
      keyShare: configuration.sendKeyShareInFirstHello || !offers13 ? publicKey : nil)
    let firstHello = try hello.encode()
    try records.write(type: TLSRecordLayer.ContentType.handshake, firstHello, deadline: deadline)
    records.plaintextVersion = 0x0303
    var transcript = firstHello
    var serverHelloMessage = try nextHandshakeMessage(deadline: deadline)
    var serverHello = try Self.serverHello(serverHelloMessage)
    var retried = false
    if serverHello.isHelloRetryRequest {
      guard offers13, serverHello.selectedVersion == 0x0304 else {
        throw SMTPProbeError(.protocolViolation, "TLS: HelloRetryRequest without TLS 1.3")
      }
      try checkCommon(serverHello, hello: hello)
      if let group = serverHello.keyShareGroup {
        guard group == TLSNamedGroup.x25519.rawValue else {
          throw SMTPProbeError(
            .tlsFailure,
            "TLS: the server asks for key share group \(TLSNamedGroup(rawValue: group).name); "
              + "the client offers X25519 only")
        }
        guard hello.keyShare == nil else {
          throw SMTPProbeError(
            .protocolViolation, "TLS: HelloRetryRequest for the X25519 share already sent")
        }
      } else if serverHello.cookie == nil {
        throw SMTPProbeError(.protocolViolation, "TLS: HelloRetryRequest that changes nothing")
      }
      guard let suite = TLSClientCipherSuite(rawValue: serverHello.cipherSuite) else {
        throw SMTPProbeError(.protocolViolation, "TLS: HelloRetryRequest suite not offered")
      }
      let hash = suite.hash
      transcript =
        TLSHandshakeMessage.encode(
          type: TLSHandshakeType.messageHash, body: hash.hash(transcript))
        + serverHelloMessage.encoded
      hello.keyShare = publicKey
      hello.cookie = serverHello.cookie
      let secondHello = try hello.encode()
      transcript += secondHello
      try records.write(type: TLSRecordLayer.ContentType.handshake, secondHello, deadline: deadline)
      let retrySuite = serverHello.cipherSuite
      serverHelloMessage = try nextHandshakeMessage(deadline: deadline)
      serverHello = try Self.serverHello(serverHelloMessage)
      guard !serverHello.isHelloRetryRequest else {
        throw SMTPProbeError(.protocolViolation, "TLS: a second HelloRetryRequest")
      }
      guard serverHello.cipherSuite == retrySuite else {
        throw SMTPProbeError(.protocolViolation, "TLS: suite changed after HelloRetryRequest")
      }
      retried = true
    }
    transcript += serverHelloMessage.encoded
    if serverHello.selectedVersion == 0x0304 {
      guard offers13 else {
        throw SMTPProbeError(.protocolViolation, "TLS: server chose TLS 1.3, not offered")
      }
      return try handshake13(
        serverHello, hello: hello, privateKey: privateKey, transcript: transcript,
        retried: retried, deadline: deadline)
    }
    guard serverHello.selectedVersion == nil, serverHello.legacyVersion == 0x0303 else {
      let version = serverHello.selectedVersion ?? serverHello.legacyVersion
      throw SMTPProbeError(
        .tlsFailure, "TLS: server chose \(TLSProtocolVersion(rawValue: version).name)")
    }
    guard offers12, !retried else {
      throw SMTPProbeError(.tlsFailure, "TLS: server chose TLS 1.2, not offered")
    }
    if offers13, serverHello.random.suffix(8) == Self.downgradeSentinel {
      throw SMTPProbeError(.tlsFailure, "TLS: downgrade to TLS 1.2 detected (illegal_parameter)")
    }
    return try handshake12(
      serverHello, hello: hello, privateKey: privateKey, publicKey: publicKey,
      transcript: transcript, deadline: deadline)
  }

  /// The last eight bytes of a TLS 1.2 ServerHello random from a TLS 1.3 server.
  static let downgradeSentinel: [UInt8] = [0x44, 0x4F, 0x57, 0x4E, 0x47, 0x52, 0x44, 0x01]

  private static func serverHello(_ message: TLSHandshakeMessage) throws -> TLSServerHelloMessage {
    guard message.type == TLSHandshakeType.serverHello else {
      throw SMTPProbeError(
        .protocolViolation, "TLS: expected ServerHello, got handshake message \(message.type)")
    }
    return try TLSServerHelloMessage.parse(message.body)
  }

  /// Checks what a TLS 1.3 ServerHello or HelloRetryRequest must echo.
  func checkCommon(_ serverHello: TLSServerHelloMessage, hello: TLSClientHelloMessage) throws {
    guard serverHello.legacyVersion == 0x0303, serverHello.compression == 0,
      serverHello.sessionID == hello.sessionID
    else {
      throw SMTPProbeError(.protocolViolation, "TLS: ServerHello does not echo the ClientHello")
    }
    guard let suite = TLSClientCipherSuite(rawValue: serverHello.cipherSuite), suite.isTLS13,
      hello.cipherSuites.contains(suite)
    else {
      throw SMTPProbeError(
        .protocolViolation,
        "TLS: server chose suite \(tlsHex16(serverHello.cipherSuite)), not offered for TLS 1.3")
    }
  }

  // MARK: Records and messages

  /// The next handshake message, reading records as needed (alerts end the handshake).
  func nextHandshakeMessage(deadline: Deadline) throws -> TLSHandshakeMessage {
    var ignored = 0
    while true {
      if let message = try handshakeBuffer.next() { return message }
      guard let record = try records.readRecord(deadline: deadline) else {
        throw SMTPProbeError(.closed, "TLS: connection closed during the handshake")
      }
      switch record.type {
      case TLSRecordLayer.ContentType.handshake:
        try handshakeBuffer.append(record.content)
      case TLSRecordLayer.ContentType.alert:
        throw try Self.alertError(record.content)
      case TLSRecordLayer.ContentType.changeCipherSpec where records.isTLS13:
        guard record.content == [1] else {
          throw SMTPProbeError(.protocolViolation, "TLS: malformed ChangeCipherSpec")
        }
        ignored += 1
        guard ignored <= 2 else {
          throw SMTPProbeError(.protocolViolation, "TLS: repeated ChangeCipherSpec")
        }
      default:
        throw SMTPProbeError(
          .protocolViolation, "TLS: unexpected record of type \(record.type) in the handshake")
      }
    }
  }

  /// The error for a received alert.
  static func alertError(_ content: [UInt8]) throws -> SMTPProbeError {
    guard content.count == 2 else {
      throw SMTPProbeError(.protocolViolation, "TLS: malformed alert")
    }
    if content[1] == 0 {
      return SMTPProbeError(.closed, "TLS: server sent close_notify during the handshake")
    }
    return SMTPProbeError(.tlsAlert, "TLS: server sent alert \(alertName(content[1]))")
  }

  /// The RFC 8446 name of an alert description.
  static func alertName(_ description: UInt8) -> String {
    let names: [UInt8: String] = [
      0: "close_notify", 10: "unexpected_message", 20: "bad_record_mac", 22: "record_overflow",
      40: "handshake_failure", 42: "bad_certificate", 43: "unsupported_certificate",
      44: "certificate_revoked", 45: "certificate_expired", 46: "certificate_unknown",
      47: "illegal_parameter", 48: "unknown_ca", 49: "access_denied", 50: "decode_error",
      51: "decrypt_error", 70: "protocol_version", 71: "insufficient_security",
      80: "internal_error", 86: "inappropriate_fallback", 90: "user_canceled",
      100: "no_renegotiation", 109: "missing_extension", 110: "unsupported_extension",
      112: "unrecognized_name", 113: "bad_certificate_status_response",
      115: "unknown_psk_identity", 116: "certificate_required",
      120: "no_application_protocol",
    ]
    return "\(names[description] ?? "unknown") (\(description))"
  }

  /// Marks the client failed and tries to tell the server with a fatal alert.
  private func fail(_ error: SMTPProbeError, deadline: Deadline) {
    if case .failed = state { return }
    state = .failed(error)
    let description: UInt8?
    switch error.code {
    case .protocolViolation: description = 50  // decode_error
    case .tlsFailure: description = error.reason.contains("bad_record_mac") ? 20 : 40
    default: description = nil
    }
    if let description {
      try? records.write(
        type: TLSRecordLayer.ContentType.alert, [2, description],
        deadline: deadline.earliest(
          Deadline.after(nanoseconds: 1_000_000_000, clock: deadline.clock)))
    }
  }

  static func randomBytes<G: RandomNumberGenerator>(_ count: Int, using generator: inout G)
    -> [UInt8]
  {
    (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
  }

  // MARK: Application data

  /// Sends application data.
  /// - Parameters:
  ///   - bytes: The data.
  ///   - deadline: When to give up.
  /// - Throws: ``SMTPProbeError``; `.closed` after ``close(deadline:)``.
  func write(_ bytes: [UInt8], deadline: Deadline) throws {
    switch state {
    case .established: break
    case .start: throw SMTPProbeError(.invalidRequest, "TLS: write before the handshake")
    case .closed: throw SMTPProbeError(.closed, "TLS: connection closed")
    case .failed(let error): throw error
    }
    do {
      try records.write(type: TLSRecordLayer.ContentType.applicationData, bytes, deadline: deadline)
    } catch let error as SMTPProbeError {
      // A partial record cannot be resumed.
      state = .failed(error)
      throw error
    }
  }

  /// Receives application data.
  /// - Parameters:
  ///   - maxBytes: The most bytes to return (at least 1).
  ///   - deadline: When to give up.
  /// - Returns: Up to `maxBytes` bytes; empty when the server closed the connection
  ///   (with close_notify or without).
  /// - Throws: ``SMTPProbeError``; a `.timeout` leaves the client usable.
  func read(maxBytes: Int, deadline: Deadline) throws -> [UInt8] {
    switch state {
    case .established: break
    case .start: throw SMTPProbeError(.invalidRequest, "TLS: read before the handshake")
    case .closed: throw SMTPProbeError(.closed, "TLS: connection closed")
    case .failed(let error): throw error
    }
    if plaintextStart < plaintext.count {
      return takePlaintext(maxBytes)
    }
    if receivedCloseNotify { return [] }
    var ignored = 0
    do {
      while plaintextStart >= plaintext.count {
        guard let record = try records.readRecord(deadline: deadline) else { return [] }
        switch record.type {
        case TLSRecordLayer.ContentType.applicationData:
          if record.content.isEmpty {
            ignored += 1
          } else {
            plaintext = record.content
            plaintextStart = 0
          }
        case TLSRecordLayer.ContentType.alert:
          guard record.content.count == 2 else {
            throw SMTPProbeError(.protocolViolation, "TLS: malformed alert")
          }
          if record.content[1] == 0 {
            receivedCloseNotify = true
            return []
          }
          if !records.isTLS13, record.content[0] == 1 {
            ignored += 1  // TLS 1.2 warning alert
          } else {
            throw SMTPProbeError(
              .tlsAlert, "TLS: server sent alert \(Self.alertName(record.content[1]))")
          }
        case TLSRecordLayer.ContentType.handshake:
          try handshakeBuffer.append(record.content)
          while let message = try handshakeBuffer.next() {
            try postHandshake(message, deadline: deadline)
            ignored += 1
          }
        default:
          throw SMTPProbeError(
            .protocolViolation, "TLS: unexpected record of type \(record.type) after the handshake")
        }
        guard ignored <= configuration.maxIgnoredRecords else {
          throw SMTPProbeError(
            .protocolViolation,
            "TLS: more than \(configuration.maxIgnoredRecords) records without data")
        }
      }
    } catch let error as SMTPProbeError {
      if error.code != .timeout { state = .failed(error) }
      throw error
    }
    return takePlaintext(maxBytes)
  }

  private func takePlaintext(_ maxBytes: Int) -> [UInt8] {
    let count = min(max(1, maxBytes), plaintext.count - plaintextStart)
    let out = Array(plaintext[plaintextStart..<(plaintextStart + count)])
    plaintextStart += count
    return out
  }

  /// Handles a handshake message after the handshake: NewSessionTicket is ignored,
  /// KeyUpdate updates keys (TLS 1.3); HelloRequest is ignored (TLS 1.2, no renegotiation).
  private func postHandshake(_ message: TLSHandshakeMessage, deadline: Deadline) throws {
    guard records.isTLS13 else {
      guard message.type == 0, message.body.isEmpty else {
        throw SMTPProbeError(
          .protocolViolation, "TLS: handshake message \(message.type) after the TLS 1.2 handshake")
      }
      return
    }
    switch message.type {
    case TLSHandshakeType.newSessionTicket:
      return
    case TLSHandshakeType.keyUpdate:
      guard message.body.count == 1, message.body[0] <= 1, let suite = negotiatedSuite else {
        throw SMTPProbeError(.protocolViolation, "TLS: malformed KeyUpdate")
      }
      guard handshakeBuffer.isEmpty else {
        throw SMTPProbeError(.protocolViolation, "TLS: KeyUpdate not at a record boundary")
      }
      serverApplicationSecret = TLS13KeySchedule.nextTrafficSecret(
        suite.hash, serverApplicationSecret)
      records.readProtection = try TLSRecordProtection(
        tls13: suite, secret: serverApplicationSecret)
      if message.body[0] == 1 {
        try records.write(
          type: TLSRecordLayer.ContentType.handshake,
          TLSHandshakeMessage.encode(type: TLSHandshakeType.keyUpdate, body: [0]),
          deadline: deadline)
        clientApplicationSecret = TLS13KeySchedule.nextTrafficSecret(
          suite.hash, clientApplicationSecret)
        records.writeProtection = try TLSRecordProtection(
          tls13: suite, secret: clientApplicationSecret)
      }
    default:
      throw SMTPProbeError(
        .protocolViolation, "TLS: handshake message \(message.type) after the handshake")
    }
  }

  /// Sends close_notify (best effort) and closes the connection.
  /// - Parameter deadline: How long sending close_notify may take.
  func close(deadline: Deadline) {
    if case .established = state {
      try? records.write(type: TLSRecordLayer.ContentType.alert, [1, 0], deadline: deadline)
    }
    switch state {
    case .failed: break
    default: state = .closed
    }
    records.transport.close()
  }
}
