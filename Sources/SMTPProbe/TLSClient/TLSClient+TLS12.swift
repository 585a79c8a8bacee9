extension TLSClient {
  /// The TLS 1.2 ECDHE handshake after the ServerHello (RFC 5246, RFC 8422, RFC 7627).
  func handshake12(
    _ serverHello: TLSServerHelloMessage, hello: TLSClientHelloMessage, privateKey: [UInt8],
    publicKey: [UInt8], transcript start: [UInt8], deadline: Deadline
  ) throws -> TLSClientSessionInfo {
    guard let suite = TLSClientCipherSuite(rawValue: serverHello.cipherSuite), !suite.isTLS13,
      hello.cipherSuites.contains(suite), serverHello.compression == 0
    else {
      throw SMTPProbeError(
        .protocolViolation,
        "TLS: server chose suite \(tlsHex16(serverHello.cipherSuite)), not offered for TLS 1.2")
    }
    if let info = serverHello.renegotiationInfo, !info.isEmpty {
      throw SMTPProbeError(.tlsFailure, "TLS: renegotiation_info not empty (handshake_failure)")
    }
    records.isTLS13 = false
    negotiatedSuite = suite
    let hash = suite.hash
    var transcript = start

    var message = try nextHandshakeMessage(deadline: deadline)
    guard message.type == TLSHandshakeType.certificate else {
      throw SMTPProbeError(
        .protocolViolation, "TLS: expected Certificate, got message \(message.type)")
    }
    let chain = try TLSCertificateMessage.parse(message.body, tls13: false)
    transcript += message.encoded

    message = try nextHandshakeMessage(deadline: deadline)
    guard message.type == TLSHandshakeType.serverKeyExchange else {
      throw SMTPProbeError(
        .protocolViolation, "TLS: expected ServerKeyExchange, got message \(message.type)")
    }
    var exchange = TLSByteReader(message.body)
    let curveType = try exchange.readUInt8("ECParameters curve_type")
    let curve = try exchange.readUInt16("ECParameters named_curve")
    guard curveType == 3, curve == TLSNamedGroup.x25519.rawValue else {
      throw SMTPProbeError(
        .tlsFailure,
        "TLS: the server chose key exchange group \(TLSNamedGroup(rawValue: curve).name); "
          + "the client supports X25519 only")
    }
    let serverShare = try exchange.readVector8("ECPoint")
    let signatureAlgorithm = try exchange.readUInt16("ServerKeyExchange signature algorithm")
    let signature = try exchange.readVector16("ServerKeyExchange signature")
    try exchange.expectEnd("ServerKeyExchange")
    guard serverShare.count == 32, !signature.isEmpty else {
      throw SMTPProbeError(.protocolViolation, "TLS: malformed ServerKeyExchange")
    }
    transcript += message.encoded

    message = try nextHandshakeMessage(deadline: deadline)
    var certificateRequested = false
    if message.type == TLSHandshakeType.certificateRequest {
      certificateRequested = true
      transcript += message.encoded
      message = try nextHandshakeMessage(deadline: deadline)
    }
    guard message.type == TLSHandshakeType.serverHelloDone, message.body.isEmpty else {
      throw SMTPProbeError(
        .protocolViolation, "TLS: expected ServerHelloDone, got message \(message.type)")
    }
    transcript += message.encoded
    guard handshakeBuffer.isEmpty else {
      throw SMTPProbeError(.protocolViolation, "TLS: handshake data after ServerHelloDone")
    }

    let preMaster = X25519.scalarMultiply(scalar: privateKey, point: serverShare)
    guard preMaster.contains(where: { $0 != 0 }) else {
      throw SMTPProbeError(.tlsFailure, "TLS: X25519 share of low order (illegal_parameter)")
    }
    var flight: [UInt8] = []
    if certificateRequested {
      let empty = TLSHandshakeMessage.encode(type: TLSHandshakeType.certificate, body: [0, 0, 0])
      flight += empty
      transcript += empty
    }
    let keyExchange = TLSHandshakeMessage.encode(
      type: TLSHandshakeType.clientKeyExchange, body: [UInt8(publicKey.count)] + publicKey)
    flight += keyExchange
    transcript += keyExchange

    let master =
      serverHello.extendedMasterSecret
      ? hash.prf(
        secret: preMaster, label: "extended master secret", seed: hash.hash(transcript),
        length: 48)
      : hash.prf(
        secret: preMaster, label: "master secret", seed: hello.random + serverHello.random,
        length: 48)
    let ivLength = suite.isChaCha ? 12 : 4
    let block = hash.prf(
      secret: master, label: "key expansion", seed: serverHello.random + hello.random,
      length: 2 * suite.keyLength + 2 * ivLength)
    let keyLength = suite.keyLength
    let clientKey = Array(block[0..<keyLength])
    let serverKey = Array(block[keyLength..<(2 * keyLength)])
    let clientIV = Array(block[(2 * keyLength)..<(2 * keyLength + ivLength)])
    let serverIV = Array(block[(2 * keyLength + ivLength)...])

    try records.write(type: TLSRecordLayer.ContentType.handshake, flight, deadline: deadline)
    try records.write(type: TLSRecordLayer.ContentType.changeCipherSpec, [1], deadline: deadline)
    records.writeProtection = try TLSRecordProtection(tls12: suite, key: clientKey, iv: clientIV)
    let clientFinished = TLSHandshakeMessage.encode(
      type: TLSHandshakeType.finished,
      body: hash.prf(
        secret: master, label: "client finished", seed: hash.hash(transcript), length: 12))
    transcript += clientFinished
    try records.write(
      type: TLSRecordLayer.ContentType.handshake, clientFinished, deadline: deadline)

    // The server's ChangeCipherSpec, then its Finished under the new keys.
    guard let record = try records.readRecord(deadline: deadline) else {
      throw SMTPProbeError(.closed, "TLS: connection closed before ChangeCipherSpec")
    }
    switch record.type {
    case TLSRecordLayer.ContentType.changeCipherSpec:
      guard record.content == [1] else {
        throw SMTPProbeError(.protocolViolation, "TLS: malformed ChangeCipherSpec")
      }
    case TLSRecordLayer.ContentType.alert:
      throw try Self.alertError(record.content)
    default:
      throw SMTPProbeError(
        .protocolViolation, "TLS: expected ChangeCipherSpec, got record type \(record.type)")
    }
    records.readProtection = try TLSRecordProtection(tls12: suite, key: serverKey, iv: serverIV)
    message = try nextHandshakeMessage(deadline: deadline)
    guard message.type == TLSHandshakeType.finished else {
      throw SMTPProbeError(
        .protocolViolation, "TLS: expected Finished, got message \(message.type)")
    }
    let expected = hash.prf(
      secret: master, label: "server finished", seed: hash.hash(transcript), length: 12)
    guard constantTimeEquals(expected, message.body) else {
      throw SMTPProbeError(.tlsFailure, "TLS: server Finished does not match (decrypt_error)")
    }
    guard handshakeBuffer.isEmpty else {
      throw SMTPProbeError(.protocolViolation, "TLS: handshake data after Finished in its record")
    }
    return TLSClientSessionInfo(
      version: .tls12, cipherSuite: suite, group: .x25519, certificateChain: chain,
      signatureAlgorithm: signatureAlgorithm, helloRetryRequest: false,
      certificateRequested: certificateRequested,
      extendedMasterSecret: serverHello.extendedMasterSecret)
  }
}
