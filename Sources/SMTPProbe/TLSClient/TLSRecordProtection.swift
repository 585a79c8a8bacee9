/// The AEAD state of one direction of a TLS connection: cipher, IV and sequence number.
struct TLSRecordProtection {
  /// How the per-record nonce is formed.
  enum NonceStyle {
    /// TLS 1.3 and ChaCha20-Poly1305 in TLS 1.2: the 12-byte IV XOR the sequence number.
    case xorSequence
    /// AES-GCM in TLS 1.2 (RFC 5288): a 4-byte salt and an explicit 8-byte part sent in
    /// each record.
    case explicitGCM
  }

  /// The tag length of every suite the client offers.
  static let tagSize = 16

  let cipher: any AEADCipher
  let iv: [UInt8]
  let isTLS13: Bool
  let nonceStyle: NonceStyle
  private(set) var sequence: UInt64 = 0

  /// TLS 1.3 protection from a traffic secret.
  /// - Parameters:
  ///   - suite: The negotiated suite.
  ///   - secret: The traffic secret.
  /// - Throws: ``SMTPProbeError`` when the key cannot be set up.
  init(tls13 suite: TLSClientCipherSuite, secret: [UInt8]) throws {
    let keys = TLS13KeySchedule.trafficKeys(suite.hash, secret: secret, keyLength: suite.keyLength)
    cipher = try suite.cipher(key: keys.key)
    iv = keys.iv
    isTLS13 = true
    nonceStyle = .xorSequence
  }

  /// TLS 1.2 protection from a key and the IV from the key block.
  /// - Parameters:
  ///   - suite: The negotiated suite.
  ///   - key: The write key.
  ///   - iv: 4 bytes (AES-GCM salt) or 12 bytes (ChaCha20-Poly1305).
  /// - Throws: ``SMTPProbeError`` when the key cannot be set up.
  init(tls12 suite: TLSClientCipherSuite, key: [UInt8], iv: [UInt8]) throws {
    cipher = try suite.cipher(key: key)
    self.iv = iv
    isTLS13 = false
    nonceStyle = suite.isChaCha ? .xorSequence : .explicitGCM
  }

  private func nonce(explicit: [UInt8]?) -> [UInt8] {
    switch nonceStyle {
    case .xorSequence:
      var nonce = iv
      for index in 0..<8 {
        nonce[4 + index] ^= UInt8(truncatingIfNeeded: sequence >> UInt64(56 - 8 * index))
      }
      return nonce
    case .explicitGCM:
      return iv + (explicit ?? Self.bigEndian(sequence))
    }
  }

  private static func bigEndian(_ value: UInt64) -> [UInt8] {
    (0..<8).map { UInt8(truncatingIfNeeded: value >> UInt64(56 - 8 * $0)) }
  }

  private mutating func advance() throws {
    guard sequence < UInt64.max - 1 else {
      throw SMTPProbeError(.tlsFailure, "TLS: record sequence number exhausted")
    }
    sequence += 1
  }

  /// Protects one record's content.
  /// - Parameters:
  ///   - type: The content type.
  ///   - content: At most 2^14 bytes.
  /// - Returns: The complete record, header included.
  /// - Throws: ``SMTPProbeError`` when the sequence number is exhausted.
  mutating func seal(type: UInt8, _ content: [UInt8]) throws -> [UInt8] {
    var record: [UInt8]
    if isTLS13 {
      let inner = content + [type]
      let length = inner.count + Self.tagSize
      let header: [UInt8] = [23, 3, 3, UInt8(length >> 8), UInt8(length & 0xFF)]
      record = header + cipher.seal(inner, nonce: nonce(explicit: nil), additionalData: header)
    } else {
      let aad =
        Self.bigEndian(sequence) + [
          type, 3, 3, UInt8(content.count >> 8), UInt8(content.count & 0xFF),
        ]
      let explicit = nonceStyle == .explicitGCM ? Self.bigEndian(sequence) : []
      let body =
        explicit + cipher.seal(content, nonce: nonce(explicit: nil), additionalData: aad)
      record = [type, 3, 3, UInt8(body.count >> 8), UInt8(body.count & 0xFF)] + body
    }
    try advance()
    return record
  }

  /// Checks and decrypts one record's fragment.
  /// - Parameters:
  ///   - type: The outer content type.
  ///   - fragment: The record body.
  /// - Returns: The inner content type and content.
  /// - Throws: ``SMTPProbeError`` `.tlsFailure` when authentication fails,
  ///   `.protocolViolation` for a malformed record.
  mutating func open(type: UInt8, _ fragment: [UInt8]) throws -> (type: UInt8, content: [UInt8]) {
    if isTLS13 {
      guard type == 23 else {
        throw SMTPProbeError(.protocolViolation, "TLS: unprotected record of type \(type)")
      }
      let header: [UInt8] = [23, 3, 3, UInt8(fragment.count >> 8), UInt8(fragment.count & 0xFF)]
      guard
        let inner = cipher.open(fragment, nonce: nonce(explicit: nil), additionalData: header)
      else {
        throw SMTPProbeError(.tlsFailure, "TLS: record failed authentication (bad_record_mac)")
      }
      try advance()
      guard inner.count <= TLSRecordLayer.maxPlaintext + 1 else {
        throw SMTPProbeError(.protocolViolation, "TLS: record_overflow")
      }
      var end = inner.count
      while end > 0, inner[end - 1] == 0 { end -= 1 }
      guard end > 0 else {
        throw SMTPProbeError(.protocolViolation, "TLS: protected record without a content type")
      }
      return (inner[end - 1], Array(inner[0..<(end - 1)]))
    }
    let explicitCount = nonceStyle == .explicitGCM ? 8 : 0
    guard fragment.count >= explicitCount + Self.tagSize else {
      throw SMTPProbeError(.protocolViolation, "TLS: protected record too short")
    }
    let explicit = explicitCount > 0 ? Array(fragment[0..<8]) : nil
    let sealed = Array(fragment[explicitCount...])
    let length = sealed.count - Self.tagSize
    let aad =
      Self.bigEndian(sequence) + [type, 3, 3, UInt8(length >> 8), UInt8(length & 0xFF)]
    guard let content = cipher.open(sealed, nonce: nonce(explicit: explicit), additionalData: aad)
    else { throw SMTPProbeError(.tlsFailure, "TLS: record failed authentication (bad_record_mac)") }
    try advance()
    guard content.count <= TLSRecordLayer.maxPlaintext else {
      throw SMTPProbeError(.protocolViolation, "TLS: record_overflow")
    }
    return (type, content)
  }
}
