/// HMAC (RFC 2104) over any ``HashFunction``.
enum HMAC<H: HashFunction> {
  /// Computes the authentication code of a message.
  /// - Parameters:
  ///   - message: The message.
  ///   - key: The key (hashed first when longer than a block).
  /// - Returns: `H.digestSize` bytes.
  static func authenticate(_ message: [UInt8], key: [UInt8]) -> [UInt8] {
    var block = key.count > H.blockSize ? H.hash(key) : key
    block.append(contentsOf: [UInt8](repeating: 0, count: H.blockSize - block.count))
    var inner = H()
    inner.update(block.map { $0 ^ 0x36 })
    inner.update(message)
    var outer = H()
    outer.update(block.map { $0 ^ 0x5c })
    outer.update(inner.finalize())
    return outer.finalize()
  }
}

/// HKDF (RFC 5869) over any ``HashFunction``.
enum HKDF<H: HashFunction> {
  /// HKDF-Extract: a pseudorandom key from input keying material.
  /// - Parameters:
  ///   - salt: The salt (empty means `digestSize` zero bytes).
  ///   - inputKeyMaterial: The secret input.
  /// - Returns: The pseudorandom key, `H.digestSize` bytes.
  static func extract(salt: [UInt8], inputKeyMaterial: [UInt8]) -> [UInt8] {
    let key = salt.isEmpty ? [UInt8](repeating: 0, count: H.digestSize) : salt
    return HMAC<H>.authenticate(inputKeyMaterial, key: key)
  }

  /// HKDF-Expand: `length` bytes of output keying material.
  /// - Parameters:
  ///   - pseudorandomKey: The key from ``extract(salt:inputKeyMaterial:)``.
  ///   - info: Context.
  ///   - length: How many bytes (at most 255 digests).
  /// - Returns: The output keying material.
  static func expand(pseudorandomKey: [UInt8], info: [UInt8], length: Int) -> [UInt8] {
    precondition(length >= 0 && length <= 255 * H.digestSize, "HKDF length out of range")
    var output: [UInt8] = []
    output.reserveCapacity(length)
    var previous: [UInt8] = []
    var counter: UInt8 = 1
    while output.count < length {
      previous = HMAC<H>.authenticate(previous + info + [counter], key: pseudorandomKey)
      output.append(contentsOf: previous.prefix(length - output.count))
      counter &+= 1
    }
    return output
  }
}
