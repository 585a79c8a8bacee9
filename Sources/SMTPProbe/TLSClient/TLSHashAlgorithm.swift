/// The hash of a TLS cipher suite, with the HKDF and PRF functions built on it.
enum TLSHashAlgorithm: Sendable {
  case sha256
  case sha384

  /// The digest length in bytes.
  var length: Int {
    switch self {
    case .sha256: SHA256.digestSize
    case .sha384: SHA384.digestSize
    }
  }

  /// The digest of `bytes`.
  func hash(_ bytes: [UInt8]) -> [UInt8] {
    switch self {
    case .sha256: SHA256.hash(bytes)
    case .sha384: SHA384.hash(bytes)
    }
  }

  /// HMAC of `message` under `key`.
  func hmac(_ message: [UInt8], key: [UInt8]) -> [UInt8] {
    switch self {
    case .sha256: HMAC<SHA256>.authenticate(message, key: key)
    case .sha384: HMAC<SHA384>.authenticate(message, key: key)
    }
  }

  /// HKDF-Extract.
  func extract(salt: [UInt8], inputKeyMaterial: [UInt8]) -> [UInt8] {
    switch self {
    case .sha256: HKDF<SHA256>.extract(salt: salt, inputKeyMaterial: inputKeyMaterial)
    case .sha384: HKDF<SHA384>.extract(salt: salt, inputKeyMaterial: inputKeyMaterial)
    }
  }

  /// HKDF-Expand.
  func expand(_ pseudorandomKey: [UInt8], info: [UInt8], length: Int) -> [UInt8] {
    switch self {
    case .sha256: HKDF<SHA256>.expand(pseudorandomKey: pseudorandomKey, info: info, length: length)
    case .sha384: HKDF<SHA384>.expand(pseudorandomKey: pseudorandomKey, info: info, length: length)
    }
  }

  /// HKDF-Expand-Label (RFC 8446, section 7.1).
  /// - Parameters:
  ///   - secret: The secret.
  ///   - label: The label without the `tls13 ` prefix.
  ///   - context: The context (a transcript hash or empty).
  ///   - length: The output length.
  /// - Returns: The derived bytes.
  func expandLabel(_ secret: [UInt8], _ label: String, context: [UInt8], length: Int) -> [UInt8] {
    let fullLabel = Array(("tls13 " + label).utf8)
    var info: [UInt8] = [UInt8(truncatingIfNeeded: length >> 8), UInt8(truncatingIfNeeded: length)]
    info.append(UInt8(truncatingIfNeeded: fullLabel.count))
    info.append(contentsOf: fullLabel)
    info.append(UInt8(truncatingIfNeeded: context.count))
    info.append(contentsOf: context)
    return expand(secret, info: info, length: length)
  }

  /// Derive-Secret (RFC 8446, section 7.1) given the transcript hash.
  func deriveSecret(_ secret: [UInt8], _ label: String, transcriptHash: [UInt8]) -> [UInt8] {
    expandLabel(secret, label, context: transcriptHash, length: length)
  }

  /// The TLS 1.2 PRF, P_hash (RFC 5246, section 5).
  func prf(secret: [UInt8], label: String, seed: [UInt8], length: Int) -> [UInt8] {
    let labelSeed = Array(label.utf8) + seed
    var output: [UInt8] = []
    output.reserveCapacity(length)
    var a = labelSeed
    while output.count < length {
      a = hmac(a, key: secret)
      output.append(contentsOf: hmac(a + labelSeed, key: secret).prefix(length - output.count))
    }
    return output
  }
}
