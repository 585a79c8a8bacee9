extension TLSClient {
  /// The TLS 1.3 handshake after the ServerHello (RFC 8446, section 4).
  func handshake13(
    _ serverHello: TLSServerHelloMessage, hello: TLSClientHelloMessage, privateKey: [UInt8],
    transcript start: [UInt8], retried: Bool, deadline: Deadline
  ) throws -> TLSClientSessionInfo {
    try checkCommon(serverHello, hello: hello)
    guard let suite = TLSClientCipherSuite(rawValue: serverHello.cipherSuite) else {
      throw SMTPProbeError(.protocolViolation, "TLS: unknown suite")
    }
    guard serverHello.keyShareGroup == TLSNamedGroup.x25519.rawValue,
      let serverShare = serverHello.keyShare, serverShare.count == 32
    else {
      throw SMTPProbeError(.protocolViolation, "TLS: ServerHello without an X25519 key share")
    }
    let shared = X25519.scalarMultiply(scalar: privateKey, point: serverShare)
    guard shared.contains(where: { $0 != 0 }) else {
      throw SMTPProbeError(.tlsFailure, "TLS: X25519 share of low order (illegal_parameter)")
    }
    guard handshakeBuffer.isEmpty else {
      throw SMTPProbeError(
        .protocolViolation, "TLS: handshake data after ServerHello in its record")
    }
    let hash = suite.hash
    var transcript = start
    let schedule = TLS13KeySchedule(hash: hash, sharedSecret: shared)
    let handshakeSecrets = schedule.handshakeTrafficSecrets(transcriptHash: hash.hash(transcript))
    records.isTLS13 = true
    records.readProtection = try TLSRecordProtection(tls13: suite, secret: handshakeSecrets.server)
    negotiatedSuite = suite

    let extensions = try nextHandshakeMessage(deadline: deadline)
    guard extensions.type == TLSHandshakeType.encryptedExtensions else {
      throw SMTPProbeError(
        .protocolViolation, "TLS: expected EncryptedExtensions, got message \(extensions.type)")
    }
    try Self.checkExtensionBlock(extensions.body)
    transcript += extensions.encoded

    var message = try nextHandshakeMessage(deadline: deadline)
    var certificateRequestContext: [UInt8]?
    if message.type == TLSHandshakeType.certificateRequest {
      var reader = TLSByteReader(message.body)
      certificateRequestContext = try reader.readVector8("certificate_request_context")
      _ = try reader.readVector16("CertificateRequest extensions")
      try reader.expectEnd("CertificateRequest")
      transcript += message.encoded
      message = try nextHandshakeMessage(deadline: deadline)
    }
    guard message.type == TLSHandshakeType.certificate else {
      throw SMTPProbeError(
        .protocolViolation, "TLS: expected Certificate, got message \(message.type)")
    }
    let chain = try TLSCertificateMessage.parse(message.body, tls13: true)
    transcript += message.encoded

    message = try nextHandshakeMessage(deadline: deadline)
    guard message.type == TLSHandshakeType.certificateVerify else {
      throw SMTPProbeError(
        .protocolViolation, "TLS: expected CertificateVerify, got message \(message.type)")
    }
    var verify = TLSByteReader(message.body)
    let signatureAlgorithm = try verify.readUInt16("CertificateVerify algorithm")
    let signature = try verify.readVector16("CertificateVerify signature")
    try verify.expectEnd("CertificateVerify")
    guard !signature.isEmpty else {
      throw SMTPProbeError(.protocolViolation, "TLS: empty CertificateVerify signature")
    }
    transcript += message.encoded

    message = try nextHandshakeMessage(deadline: deadline)
    guard message.type == TLSHandshakeType.finished else {
      throw SMTPProbeError(
        .protocolViolation, "TLS: expected Finished, got message \(message.type)")
    }
    let expected = TLS13KeySchedule.finished(
      hash, baseKey: handshakeSecrets.server, transcriptHash: hash.hash(transcript))
    guard constantTimeEquals(expected, message.body) else {
      throw SMTPProbeError(.tlsFailure, "TLS: server Finished does not match (decrypt_error)")
    }
    transcript += message.encoded
    guard handshakeBuffer.isEmpty else {
      throw SMTPProbeError(.protocolViolation, "TLS: handshake data after Finished in its record")
    }
    let application = schedule.applicationTrafficSecrets(transcriptHash: hash.hash(transcript))
    records.readProtection = try TLSRecordProtection(tls13: suite, secret: application.server)

    records.writeProtection = try TLSRecordProtection(tls13: suite, secret: handshakeSecrets.client)
    var flight: [UInt8] = []
    if let context = certificateRequestContext {
      let empty = TLSHandshakeMessage.encode(
        type: TLSHandshakeType.certificate, body: [UInt8(context.count)] + context + [0, 0, 0])
      transcript += empty
      flight += empty
    }
    let clientFinished = TLSHandshakeMessage.encode(
      type: TLSHandshakeType.finished,
      body: TLS13KeySchedule.finished(
        hash, baseKey: handshakeSecrets.client, transcriptHash: hash.hash(transcript)))
    flight += clientFinished
    try records.write(type: TLSRecordLayer.ContentType.handshake, flight, deadline: deadline)
    records.writeProtection = try TLSRecordProtection(tls13: suite, secret: application.client)
    clientApplicationSecret = application.client
    serverApplicationSecret = application.server
    return TLSClientSessionInfo(
      version: .tls13, cipherSuite: suite, group: .x25519, certificateChain: chain,
      signatureAlgorithm: signatureAlgorithm, helloRetryRequest: retried,
      certificateRequested: certificateRequestContext != nil, extendedMasterSecret: false)
  }

  /// Checks that an extension block is well formed (no duplicates, no trailing bytes).
  static func checkExtensionBlock(_ body: [UInt8]) throws {
    var reader = TLSByteReader(body)
    var extensions = try reader.subVector16("extensions")
    try reader.expectEnd("extensions")
    var seen: Set<UInt16> = []
    while !extensions.isAtEnd {
      let type = try extensions.readUInt16("extension type")
      _ = try extensions.readVector16("extension data")
      guard seen.insert(type).inserted else {
        throw TLSByteReader.violation("duplicate extension \(type)")
      }
    }
  }
}
