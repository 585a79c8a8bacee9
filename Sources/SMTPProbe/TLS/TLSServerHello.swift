/// A parsed ServerHello or HelloRetryRequest.
public struct TLSServerHello: Equatable, Sendable {
  /// The `legacy_version` / `server_version` field.
  public var legacyVersion: TLSProtocolVersion
  /// The negotiated version: `supported_versions` when present, else `legacyVersion`.
  public var version: TLSProtocolVersion
  /// The 32-byte server random.
  public var random: [UInt8]
  /// The session identifier (at most 32 bytes).
  public var sessionID: [UInt8]
  /// The chosen cipher suite.
  public var cipherSuite: UInt16
  /// The chosen compression method.
  public var compressionMethod: UInt8
  /// Extension types in the order received.
  public var extensionTypes: [UInt16]
  /// Whether this is a TLS 1.3 HelloRetryRequest (recognised by its fixed random).
  public var isHelloRetryRequest: Bool
  /// The group from `key_share` (the server's share, or the group a HelloRetryRequest asks for).
  public var keyShareGroup: TLSNamedGroup?

  /// The fixed `random` that marks a HelloRetryRequest (RFC 8446, 4.1.3).
  public static let helloRetryRequestRandom: [UInt8] = [
    0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
    0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
  ]

  /// Parses a ServerHello body (the handshake message without its four-byte header).
  /// - Parameter body: The message body.
  /// - Returns: The parsed message.
  /// - Throws: `SMTPProbeError` with code `.protocolViolation` on malformed or trailing bytes.
  public static func parse(_ body: [UInt8]) throws -> TLSServerHello {
    var reader = TLSByteReader(body)
    let legacy = TLSProtocolVersion(rawValue: try reader.readUInt16("ServerHello version"))
    guard legacy.rawValue >> 8 == 3 else {
      throw TLSByteReader.violation("ServerHello version \(tlsHex16(legacy.rawValue))")
    }
    let random = try reader.readBytes(32, "ServerHello random")
    let sessionID = try reader.readVector8("ServerHello session id")
    guard sessionID.count <= 32 else { throw TLSByteReader.violation("session id too long") }
    let suite = try reader.readUInt16("ServerHello cipher suite")
    let compression = try reader.readUInt8("ServerHello compression")
    let isHRR = random == helloRetryRequestRandom
    var hello = TLSServerHello(
      legacyVersion: legacy, version: legacy, random: random, sessionID: sessionID,
      cipherSuite: suite, compressionMethod: compression, extensionTypes: [],
      isHelloRetryRequest: isHRR, keyShareGroup: nil)
    if reader.isAtEnd { return hello }  // SSLv3 and TLS 1.0 servers may send no extensions.
    var extensions = try reader.subVector16("ServerHello extensions")
    try reader.expectEnd("ServerHello")
    var selectedVersion: TLSProtocolVersion?
    while !extensions.isAtEnd {
      let type = try extensions.readUInt16("extension type")
      var data = try extensions.subVector16("extension data")
      if hello.extensionTypes.contains(type) {
        throw TLSByteReader.violation("duplicate extension \(type)")
      }
      hello.extensionTypes.append(type)
      switch type {
      case 43:  // supported_versions: the selected version
        selectedVersion = TLSProtocolVersion(rawValue: try data.readUInt16("supported_versions"))
        try data.expectEnd("supported_versions")
      case 51:  // key_share
        hello.keyShareGroup = TLSNamedGroup(rawValue: try data.readUInt16("key_share group"))
        if !isHRR {
          let share = try data.readVector16("key_share key")
          guard !share.isEmpty else { throw TLSByteReader.violation("empty key share") }
        }
        try data.expectEnd("key_share")
      default:
        break
      }
    }
    if let selectedVersion {
      guard selectedVersion >= .tls13, legacy == .tls12 else {
        throw TLSByteReader.violation("supported_versions selects \(selectedVersion.name)")
      }
      hello.version = selectedVersion
    } else if isHRR {
      throw TLSByteReader.violation("HelloRetryRequest without supported_versions")
    }
    return hello
  }
}

/// A TLS alert.
public struct TLSAlert: Equatable, Sendable {
  /// 1 warning, 2 fatal.
  public var level: UInt8
  /// The alert description (40 handshake_failure, 70 protocol_version, …).
  public var description: UInt8

  /// A short name for common descriptions.
  public var name: String {
    switch description {
    case 0: return "close_notify"
    case 10: return "unexpected_message"
    case 20: return "bad_record_mac"
    case 40: return "handshake_failure"
    case 47: return "illegal_parameter"
    case 50: return "decode_error"
    case 70: return "protocol_version"
    case 71: return "insufficient_security"
    case 80: return "internal_error"
    case 86: return "inappropriate_fallback"
    case 109: return "missing_extension"
    case 112: return "unrecognized_name"
    default: return "alert \(description)"
    }
  }
}

/// The key-exchange parameters of a ServerKeyExchange message.
public enum TLSServerKeyExchange: Equatable, Sendable {
  /// Finite-field Diffie-Hellman: prime, generator and the server's public value.
  case dh(prime: [UInt8], generator: [UInt8], publicValue: [UInt8])
  /// Elliptic-curve Diffie-Hellman on a named curve.
  case ecdh(group: TLSNamedGroup, publicPoint: [UInt8])
  /// Parameters this parser does not interpret (RSA export, SRP, PSK hint only, …).
  case other(bytes: Int)

  /// The size of the key exchange: DH prime bits, or the curve size as sslscan reports it.
  public var bits: Int? {
    switch self {
    case .dh(let prime, _, _): return tlsBitLength(ofBigEndian: prime)
    case .ecdh(let group, _): return group.kexBits
    case .other: return nil
    }
  }

  /// Parses a ServerKeyExchange body for a suite and version.
  /// - Parameters:
  ///   - body: The message body (without the handshake header).
  ///   - keyExchange: The negotiated suite's key exchange.
  ///   - version: The negotiated protocol version (TLS 1.2 signatures carry an algorithm).
  /// - Returns: The parameters.
  /// - Throws: `SMTPProbeError` with code `.protocolViolation` when malformed or trailing bytes remain.
  public static func parse(
    _ body: [UInt8], keyExchange: TLSKeyExchange, version: TLSProtocolVersion
  ) throws -> TLSServerKeyExchange {
    var reader = TLSByteReader(body)
    let signed: Bool
    switch keyExchange {
    case .dhe, .ecdhe: signed = true
    case .anonymousDH, .anonymousECDH: signed = false
    case .dhePSK, .ecdhePSK:
      signed = false
      _ = try reader.readVector16("PSK identity hint")
    default:
      return .other(bytes: body.count)
    }
    let result: TLSServerKeyExchange
    switch keyExchange {
    case .dhe, .anonymousDH, .dhePSK:
      let prime = try reader.readVector16("DH prime")
      let generator = try reader.readVector16("DH generator")
      let publicValue = try reader.readVector16("DH public value")
      guard tlsBitLength(ofBigEndian: prime) > 0, !generator.isEmpty, !publicValue.isEmpty else {
        throw TLSByteReader.violation("empty DH parameter")
      }
      result = .dh(prime: prime, generator: generator, publicValue: publicValue)
    default:
      let curveType = try reader.readUInt8("ECDH curve type")
      guard curveType == 3 else {
        throw TLSByteReader.violation("ECDH curve type \(curveType) (only named curves)")
      }
      let group = TLSNamedGroup(rawValue: try reader.readUInt16("ECDH named curve"))
      let point = try reader.readVector8("ECDH public point")
      guard !point.isEmpty else { throw TLSByteReader.violation("empty ECDH point") }
      result = .ecdh(group: group, publicPoint: point)
    }
    if signed {
      if version >= .tls12 { _ = try reader.readUInt16("signature algorithm") }
      let signature = try reader.readVector16("ServerKeyExchange signature")
      guard !signature.isEmpty else { throw TLSByteReader.violation("empty signature") }
    }
    try reader.expectEnd("ServerKeyExchange")
    return result
  }
}
