/// Builds ClientHello records for SSLv3 and TLS 1.0–1.3.
///
/// No cryptography is needed: the scanner only reads the server's first flight.
/// TLS 1.3 key shares are random bytes, which are valid public keys only for
/// X25519 and X448; for any other group offer an empty `key_share` and read the
/// group the server names in its HelloRetryRequest.
struct TLSClientHello: Sendable {
  /// The version to ask for.
  ///
  /// TLS 1.3 is sent as `legacy_version` 1.2 plus `supported_versions`.
  public var version: TLSProtocolVersion
  /// The cipher suites to offer, in preference order.
  public var cipherSuites: [UInt16]
  /// The server name for SNI; IP literals and `nil` send none.
  public var serverName: String?
  /// Groups for `supported_groups` (not sent for SSLv3).
  public var groups: [TLSNamedGroup]
  /// Groups to send random key shares for (TLS 1.3; X25519 and X448 only).
  ///
  /// Empty sends an empty `key_share`, which makes a server answer with a HelloRetryRequest.
  public var keyShareGroups: [TLSNamedGroup]
  /// Values for `signature_algorithms` (TLS 1.2 and 1.3).
  public var signatureAlgorithms: [UInt16]

  /// Signature schemes offered by default, strongest first, SHA-1 last.
  public static let defaultSignatureAlgorithms: [UInt16] = [
    0x0403, 0x0503, 0x0603, 0x0807, 0x0808, 0x0804, 0x0805, 0x0806, 0x0809, 0x080A, 0x080B,
    0x0401, 0x0501, 0x0601, 0x0303, 0x0301, 0x0302, 0x0402, 0x0502, 0x0602, 0x0203, 0x0201,
    0x0202,
  ]

  /// Creates a hello.
  /// - Parameters:
  ///   - version: The version to ask for.
  ///   - cipherSuites: Suites to offer, in preference order (1 to 32 000).
  ///   - serverName: The SNI host name, if any.
  ///   - groups: Groups for `supported_groups`; defaults depend on `version`.
  ///   - keyShareGroups: TLS 1.3 groups to send random key shares for.
  public init(
    version: TLSProtocolVersion, cipherSuites: [UInt16], serverName: String? = nil,
    groups: [TLSNamedGroup]? = nil, keyShareGroups: [TLSNamedGroup] = []
  ) {
    self.version = version
    self.cipherSuites = cipherSuites
    self.serverName = serverName
    self.groups =
      groups ?? (version >= .tls13 ? TLSNamedGroup.enumerationOrder : TLSNamedGroup.legacyCurves)
    self.keyShareGroups = keyShareGroups
    self.signatureAlgorithms = Self.defaultSignatureAlgorithms
  }

  /// Encodes the hello as one handshake record, with fresh random values.
  /// - Returns: The record bytes.
  /// - Throws: `SMTPProbeError` with code `.invalidRequest` when the hello cannot be encoded
  ///   (no suites, too many, a key share for a group other than X25519/X448, a bad name).
  public func encode() throws -> [UInt8] {
    var generator = SystemRandomNumberGenerator()
    return try encode(using: &generator)
  }

  /// Encodes the hello as one handshake record.
  /// - Parameter generator: The source of the client random, session id and key shares.
  /// - Returns: The record bytes.
  /// - Throws: `SMTPProbeError` with code `.invalidRequest` when the hello cannot be encoded.
  public func encode<G: RandomNumberGenerator>(using generator: inout G) throws -> [UInt8] {
    guard !cipherSuites.isEmpty, cipherSuites.count <= 32_000 else {
      throw SMTPProbeError(.invalidRequest, "TLS: \(cipherSuites.count) cipher suites")
    }
    guard version >= .sslv3, version <= .tls13 else {
      throw SMTPProbeError(.invalidRequest, "TLS: cannot build a \(version.name) hello")
    }
    var body: [UInt8] = []
    let legacy = min(version, .tls12)
    body.appendUInt16(legacy.rawValue)
    body.append(contentsOf: Self.randomBytes(32, using: &generator))
    if version >= .tls13 {
      body.append(32)
      body.append(contentsOf: Self.randomBytes(32, using: &generator))
    } else {
      body.append(0)
    }
    var suites = cipherSuites
    if version == .sslv3, !suites.contains(0x00FF) { suites.append(0x00FF) }
    body.appendUInt16(UInt16(suites.count * 2))
    for suite in suites { body.appendUInt16(suite) }
    body.append(contentsOf: [1, 0])  // compression: null only
    if version > .sslv3 {
      let extensions = try encodeExtensions(using: &generator)
      body.appendUInt16(UInt16(extensions.count))
      body.append(contentsOf: extensions)
    }
    guard body.count <= 16_000 else {
      throw SMTPProbeError(.invalidRequest, "TLS: ClientHello of \(body.count) bytes")
    }
    var message: [UInt8] = [
      1, UInt8(body.count >> 16), UInt8(body.count >> 8 & 0xFF),
      UInt8(body.count & 0xFF),
    ]
    message.append(contentsOf: body)
    var record: [UInt8] = [22]
    record.appendUInt16(version == .sslv3 ? 0x0300 : 0x0301)
    record.appendUInt16(UInt16(message.count))
    record.append(contentsOf: message)
    return record
  }

  private func encodeExtensions<G: RandomNumberGenerator>(using generator: inout G) throws
    -> [UInt8]
  {
    var out: [UInt8] = []
    if let name = serverName, let host = try Self.sniName(name) {
      var list: [UInt8] = [0]
      list.appendUInt16(UInt16(host.count))
      list.append(contentsOf: host)
      var data: [UInt8] = []
      data.appendUInt16(UInt16(list.count))
      data.append(contentsOf: list)
      out.appendExtension(0, data)
    }
    if !groups.isEmpty {
      var data: [UInt8] = []
      data.appendUInt16(UInt16(groups.count * 2))
      for group in groups { data.appendUInt16(group.rawValue) }
      out.appendExtension(10, data)
    }
    out.appendExtension(11, [1, 0])  // ec_point_formats: uncompressed
    if version >= .tls12 {
      var data: [UInt8] = []
      data.appendUInt16(UInt16(signatureAlgorithms.count * 2))
      for scheme in signatureAlgorithms { data.appendUInt16(scheme) }
      out.appendExtension(13, data)
    }
    if version >= .tls13 {
      out.appendExtension(43, [2, 0x03, 0x04])  // supported_versions: TLS 1.3 only
      out.appendExtension(45, [1, 1])  // psk_key_exchange_modes: psk_dhe_ke
      var shares: [UInt8] = []
      for group in keyShareGroups {
        let size: Int
        switch group {
        case .x25519: size = 32
        case .x448: size = 56
        default:
          throw SMTPProbeError(
            .invalidRequest, "TLS: no random key share possible for \(group.name)")
        }
        shares.appendUInt16(group.rawValue)
        shares.appendUInt16(UInt16(size))
        shares.append(contentsOf: Self.randomBytes(size, using: &generator))
      }
      var data: [UInt8] = []
      data.appendUInt16(UInt16(shares.count))
      data.append(contentsOf: shares)
      out.appendExtension(51, data)
    } else {
      out.appendExtension(0xFF01, [0])  // renegotiation_info: initial handshake
    }
    return out
  }

  /// The SNI bytes for a host name, or `nil` for IP literals.
  static func sniName(_ name: String) throws -> [UInt8]? {
    var host = Array(name.utf8)
    if host.last == UInt8(ascii: ".") { host.removeLast() }
    guard !host.isEmpty, host.count <= 253 else {
      throw SMTPProbeError(.invalidRequest, "TLS: bad server name")
    }
    if host.contains(UInt8(ascii: ":")) { return nil }  // IPv6 literal
    let allowed = host.allSatisfy { byte in
      (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A)
        || (byte >= 0x61 && byte <= 0x7A) || byte == UInt8(ascii: "-")
        || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_")
    }
    guard allowed else { throw SMTPProbeError(.invalidRequest, "TLS: bad server name") }
    let isNumeric = host.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || $0 == UInt8(ascii: ".") }
    return isNumeric ? nil : host
  }

  private static func randomBytes<G: RandomNumberGenerator>(_ count: Int, using generator: inout G)
    -> [UInt8]
  {
    (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
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
