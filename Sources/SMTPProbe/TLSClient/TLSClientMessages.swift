/// Handshake message types the client sends or expects (RFC 8446, section 4).
enum TLSHandshakeType {
  static let clientHello: UInt8 = 1
  static let serverHello: UInt8 = 2
  static let newSessionTicket: UInt8 = 4
  static let encryptedExtensions: UInt8 = 8
  static let certificate: UInt8 = 11
  static let serverKeyExchange: UInt8 = 12
  static let certificateRequest: UInt8 = 13
  static let serverHelloDone: UInt8 = 14
  static let certificateVerify: UInt8 = 15
  static let clientKeyExchange: UInt8 = 16
  static let finished: UInt8 = 20
  static let keyUpdate: UInt8 = 24
  static let messageHash: UInt8 = 254
}

/// One handshake message: its type, body and the encoded bytes (for the transcript).
struct TLSHandshakeMessage {
  let type: UInt8
  let body: [UInt8]

  /// The message as sent: type, 24-bit length, body.
  var encoded: [UInt8] { Self.encode(type: type, body: body) }

  static func encode(type: UInt8, body: [UInt8]) -> [UInt8] {
    [
      type, UInt8(truncatingIfNeeded: body.count >> 16),
      UInt8(truncatingIfNeeded: body.count >> 8), UInt8(truncatingIfNeeded: body.count),
    ] + body
  }
}

/// Splits handshake records into messages, bounding each message's length.
struct TLSHandshakeBuffer {
  let maxMessageBytes: Int
  private var bytes: [UInt8] = []

  init(maxMessageBytes: Int) {
    self.maxMessageBytes = maxMessageBytes
  }

  var isEmpty: Bool { bytes.isEmpty }

  mutating func append(_ content: [UInt8]) throws {
    guard !content.isEmpty else {
      throw SMTPProbeError(.protocolViolation, "TLS: empty handshake record")
    }
    bytes.append(contentsOf: content)
    if bytes.count >= 4 {
      let length = Int(bytes[1]) << 16 | Int(bytes[2]) << 8 | Int(bytes[3])
      guard length <= maxMessageBytes else {
        throw SMTPProbeError(
          .protocolViolation,
          "TLS: handshake message of \(length) bytes exceeds the limit of \(maxMessageBytes)")
      }
    }
  }

  /// The next complete message, if one is buffered.
  mutating func next() throws -> TLSHandshakeMessage? {
    guard bytes.count >= 4 else { return nil }
    let length = Int(bytes[1]) << 16 | Int(bytes[2]) << 8 | Int(bytes[3])
    guard length <= maxMessageBytes else {
      throw SMTPProbeError(.protocolViolation, "TLS: handshake message of \(length) bytes")
    }
    guard bytes.count >= 4 + length else { return nil }
    let message = TLSHandshakeMessage(type: bytes[0], body: Array(bytes[4..<(4 + length)]))
    bytes.removeFirst(4 + length)
    return message
  }
}

/// The client's ClientHello.
struct TLSClientHelloMessage {
  var random: [UInt8]
  var sessionID: [UInt8]
  var cipherSuites: [TLSClientCipherSuite]
  var serverName: String?
  var offersTLS12: Bool
  var offersTLS13: Bool
  var signatureAlgorithms: [UInt16]
  /// The X25519 public key to send in `key_share`; nil sends an empty share list.
  var keyShare: [UInt8]?
  /// The cookie from a HelloRetryRequest.
  var cookie: [UInt8]?

  /// Encodes the handshake message (type, length, body).
  func encode() throws -> [UInt8] {
    var body: [UInt8] = [3, 3]
    body += random
    body.append(UInt8(sessionID.count))
    body += sessionID
    body.appendUInt16(UInt16(cipherSuites.count * 2))
    for suite in cipherSuites { body.appendUInt16(suite.rawValue) }
    body += [1, 0]
    var extensions: [UInt8] = []
    if let name = serverName, let host = try TLSClientHello.sniName(name) {
      var list: [UInt8] = [0]
      list.appendUInt16(UInt16(host.count))
      list += host
      var data: [UInt8] = []
      data.appendUInt16(UInt16(list.count))
      data += list
      extensions.appendExtension(0, data)
    }
    // supported_groups: X25519 for the key exchange. With TLS 1.2 the NIST curves are
    // listed too, because a TLS 1.2 server only presents an ECDSA certificate on a curve
    // the client lists (RFC 8422, section 5.1.1); a server that picks one of them for the
    // key exchange fails the handshake clearly.
    let groups: [UInt16] = offersTLS12 ? [29, 23, 24, 25] : [29]
    var groupList: [UInt8] = []
    groupList.appendUInt16(UInt16(groups.count * 2))
    for group in groups { groupList.appendUInt16(group) }
    extensions.appendExtension(10, groupList)
    if offersTLS12 {
      extensions.appendExtension(11, [1, 0])  // ec_point_formats: uncompressed
    }
    var schemes: [UInt8] = []
    schemes.appendUInt16(UInt16(signatureAlgorithms.count * 2))
    for scheme in signatureAlgorithms { schemes.appendUInt16(scheme) }
    extensions.appendExtension(13, schemes)
    if offersTLS12 {
      extensions.appendExtension(23, [])  // extended_master_secret
      extensions.appendExtension(0xFF01, [0])  // renegotiation_info: initial handshake
    }
    var versions: [UInt8] = []
    if offersTLS13 { versions += [3, 4] }
    if offersTLS12 { versions += [3, 3] }
    extensions.appendExtension(43, [UInt8(versions.count)] + versions)
    if offersTLS13 {
      if let cookie {
        var data: [UInt8] = []
        data.appendUInt16(UInt16(cookie.count))
        data += cookie
        extensions.appendExtension(44, data)
      }
      extensions.appendExtension(45, [1, 1])  // psk_key_exchange_modes: psk_dhe_ke
      var shares: [UInt8] = []
      if let keyShare {
        shares.appendUInt16(29)
        shares.appendUInt16(UInt16(keyShare.count))
        shares += keyShare
      }
      var data: [UInt8] = []
      data.appendUInt16(UInt16(shares.count))
      data += shares
      extensions.appendExtension(51, data)
    }
    body.appendUInt16(UInt16(extensions.count))
    body += extensions
    return TLSHandshakeMessage.encode(type: TLSHandshakeType.clientHello, body: body)
  }
}

/// A ServerHello or HelloRetryRequest as the client needs it.
struct TLSServerHelloMessage {
  var legacyVersion: UInt16
  var random: [UInt8]
  var sessionID: [UInt8]
  var cipherSuite: UInt16
  var compression: UInt8
  var isHelloRetryRequest: Bool
  /// From `supported_versions`.
  var selectedVersion: UInt16?
  /// The group of `key_share` (the server's share, or the group a HelloRetryRequest asks for).
  var keyShareGroup: UInt16?
  /// The server's key share (ServerHello only).
  var keyShare: [UInt8]?
  /// From `cookie` (HelloRetryRequest only).
  var cookie: [UInt8]?
  var extendedMasterSecret = false
  var renegotiationInfo: [UInt8]?

  static func parse(_ body: [UInt8]) throws -> TLSServerHelloMessage {
    var reader = TLSByteReader(body)
    let legacy = try reader.readUInt16("ServerHello version")
    let random = try reader.readBytes(32, "ServerHello random")
    let sessionID = try reader.readVector8("ServerHello session id")
    guard sessionID.count <= 32 else { throw TLSByteReader.violation("session id too long") }
    let suite = try reader.readUInt16("ServerHello cipher suite")
    let compression = try reader.readUInt8("ServerHello compression")
    let isHRR = random == TLSServerHello.helloRetryRequestRandom
    var hello = TLSServerHelloMessage(
      legacyVersion: legacy, random: random, sessionID: sessionID, cipherSuite: suite,
      compression: compression, isHelloRetryRequest: isHRR)
    if reader.isAtEnd { return hello }
    var extensions = try reader.subVector16("ServerHello extensions")
    try reader.expectEnd("ServerHello")
    var seen: Set<UInt16> = []
    while !extensions.isAtEnd {
      let type = try extensions.readUInt16("extension type")
      var data = try extensions.subVector16("extension data")
      guard seen.insert(type).inserted else {
        throw TLSByteReader.violation("duplicate extension \(type)")
      }
      switch type {
      case 43:
        hello.selectedVersion = try data.readUInt16("supported_versions")
      case 51:
        hello.keyShareGroup = try data.readUInt16("key_share group")
        if !isHRR { hello.keyShare = try data.readVector16("key_share") }
      case 44:
        hello.cookie = try data.readVector16("cookie")
        guard hello.cookie?.isEmpty == false else { throw TLSByteReader.violation("empty cookie") }
      case 23:
        hello.extendedMasterSecret = true
      case 0xFF01:
        hello.renegotiationInfo = try data.readVector8("renegotiation_info")
      default:
        continue
      }
      try data.expectEnd("extension \(type)")
    }
    return hello
  }
}

/// Reads a Certificate message's DER chain (TLS 1.3 layout, or TLS 1.2 without the
/// request context and per-certificate extensions).
enum TLSCertificateMessage {
  /// The most certificates accepted in one chain.
  static let maxCertificates = 32

  static func parse(_ body: [UInt8], tls13: Bool) throws -> [[UInt8]] {
    var reader = TLSByteReader(body)
    if tls13 {
      let context = try reader.readVector8("certificate_request_context")
      guard context.isEmpty else {
        throw TLSByteReader.violation("certificate_request_context in a server Certificate")
      }
    }
    var list = try reader.subVector24("certificate_list")
    try reader.expectEnd("Certificate")
    var chain: [[UInt8]] = []
    while !list.isAtEnd {
      guard chain.count < maxCertificates else {
        throw TLSByteReader.violation("more than \(maxCertificates) certificates")
      }
      let length = try list.readUInt24("cert_data length")
      guard length > 0 else { throw TLSByteReader.violation("empty certificate") }
      chain.append(try list.readBytes(length, "cert_data"))
      if tls13 { _ = try list.readVector16("certificate extensions") }
    }
    guard !chain.isEmpty else { throw TLSByteReader.violation("empty certificate chain") }
    return chain
  }
}

extension [UInt8] {
  fileprivate mutating func appendUInt16(_ value: UInt16) {
    append(UInt8(value >> 8))
    append(UInt8(value & 0xFF))
  }

  fileprivate mutating func appendExtension(_ type: UInt16, _ data: [UInt8]) {
    appendUInt16(type)
    appendUInt16(UInt16(data.count))
    append(contentsOf: data)
  }
}
