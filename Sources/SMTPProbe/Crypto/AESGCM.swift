/// An authenticated cipher with associated data, as TLS record protection uses it.
protocol AEADCipher {
  /// The tag length in bytes.
  static var tagSize: Int { get }
  /// Encrypts and authenticates.
  /// - Parameters:
  ///   - plaintext: The message.
  ///   - nonce: 12 bytes, never reused with the key.
  ///   - additionalData: Authenticated, not encrypted.
  /// - Returns: The ciphertext followed by the tag.
  func seal(_ plaintext: [UInt8], nonce: [UInt8], additionalData: [UInt8]) -> [UInt8]
  /// Checks and decrypts.
  /// - Parameters:
  ///   - sealed: The ciphertext followed by the tag.
  ///   - nonce: 12 bytes.
  ///   - additionalData: Authenticated, not encrypted.
  /// - Returns: The plaintext, or nil when the tag does not match.
  func open(_ sealed: [UInt8], nonce: [UInt8], additionalData: [UInt8]) -> [UInt8]?
}

/// AES-GCM (NIST SP 800-38D) with 12-byte nonces and 16-byte tags.
struct AESGCM: AEADCipher {
  static let tagSize = 16

  private let aes: AES
  private let hashKey: GHASH.Key

  /// Creates the cipher.
  /// - Parameter key: 16 (AES-128) or 32 (AES-256) bytes.
  /// - Throws: `SMTPProbeError` `.invalidRequest` for another length.
  init(key: [UInt8]) throws {
    aes = try AES(key: key)
    hashKey = GHASH.Key(aes.encrypt(block: [UInt8](repeating: 0, count: 16)))
  }

  func seal(_ plaintext: [UInt8], nonce: [UInt8], additionalData: [UInt8]) -> [UInt8] {
    precondition(nonce.count == 12, "GCM nonce is 12 bytes")
    var out = plaintext
    counterMode(&out, nonce: nonce)
    out.append(contentsOf: tag(nonce: nonce, additionalData: additionalData, ciphertext: out))
    return out
  }

  func open(_ sealed: [UInt8], nonce: [UInt8], additionalData: [UInt8]) -> [UInt8]? {
    guard nonce.count == 12, sealed.count >= Self.tagSize else { return nil }
    var ciphertext = Array(sealed[0..<(sealed.count - Self.tagSize)])
    let received = Array(sealed[(sealed.count - Self.tagSize)...])
    let expected = tag(nonce: nonce, additionalData: additionalData, ciphertext: ciphertext)
    guard constantTimeEquals(expected, received) else { return nil }
    counterMode(&ciphertext, nonce: nonce)
    return ciphertext
  }

  private func tag(nonce: [UInt8], additionalData: [UInt8], ciphertext: [UInt8]) -> [UInt8] {
    var ghash = GHASH(key: hashKey)
    ghash.absorb(additionalData)
    ghash.absorb(ciphertext)
    var lengths: [UInt8] = []
    for value in [UInt64(additionalData.count) * 8, UInt64(ciphertext.count) * 8] {
      for shift in stride(from: 56, through: 0, by: -8) {
        lengths.append(UInt8(truncatingIfNeeded: value >> UInt64(shift)))
      }
    }
    ghash.absorb(lengths)
    let mask = aes.encrypt(block: nonce + [0, 0, 0, 1])
    return zip(ghash.digest(), mask).map { $0 ^ $1 }
  }

  /// XORs the keystream starting at counter 2 into `data`.
  private func counterMode(_ data: inout [UInt8], nonce: [UInt8]) {
    var counterBlock = nonce + [0, 0, 0, 2]
    var stream = [UInt8](repeating: 0, count: 16)
    let count = data.count
    guard count > 0 else { return }
    aes.withEncryptor { encryptor in
      data.withUnsafeMutableBufferPointer { buffer in
        counterBlock.withUnsafeMutableBufferPointer { block in
          stream.withUnsafeMutableBufferPointer { keystream in
            guard let out = buffer.baseAddress, let blockBase = block.baseAddress,
              let streamBase = keystream.baseAddress
            else { return }
            var counter: UInt32 = 2
            var offset = 0
            while offset < count {
              blockBase[12] = UInt8(truncatingIfNeeded: counter >> 24)
              blockBase[13] = UInt8(truncatingIfNeeded: counter >> 16)
              blockBase[14] = UInt8(truncatingIfNeeded: counter >> 8)
              blockBase[15] = UInt8(truncatingIfNeeded: counter)
              encryptor.encrypt(blockBase, streamBase)
              let end = min(offset + 16, count)
              var index = offset
              while index < end {
                out[index] ^= streamBase[index - offset]
                index += 1
              }
              offset = end
              counter &+= 1
            }
          }
        }
      }
    }
  }
}

/// GHASH, GCM's universal hash, with 4-bit tables (Shoup's method).
struct GHASH {
  /// The precomputed multiples of the hash key H.
  struct Key {
    var high = [UInt64](repeating: 0, count: 16)
    var low = [UInt64](repeating: 0, count: 16)

    init(_ h: [UInt8]) {
      var vh: UInt64 = 0
      var vl: UInt64 = 0
      for index in 0..<8 {
        vh = vh << 8 | UInt64(h[index])
        vl = vl << 8 | UInt64(h[index + 8])
      }
      high[8] = vh
      low[8] = vl
      var step = 4
      while step > 0 {
        let carry = 0xE100_0000_0000_0000 & (0 &- (vl & 1))
        vl = (vh << 63) | (vl >> 1)
        vh = (vh >> 1) ^ carry
        high[step] = vh
        low[step] = vl
        step >>= 1
      }
      for base in [2, 4, 8] {
        for index in 1..<base {
          high[base + index] = high[base] ^ high[index]
          low[base + index] = low[base] ^ low[index]
        }
      }
    }
  }

  private static let reduction: [UInt64] = [
    0x0000, 0x1C20, 0x3840, 0x2460, 0x7080, 0x6CA0, 0x48C0, 0x54E0, 0xE100, 0xFD20, 0xD940,
    0xC560, 0x9180, 0x8DA0, 0xA9C0, 0xB5E0,
  ].map { $0 << 48 }

  private let key: Key
  private var xHigh: UInt64 = 0
  private var xLow: UInt64 = 0

  init(key: Key) {
    self.key = key
  }

  /// Absorbs bytes, zero-padding the last partial block.
  mutating func absorb(_ bytes: [UInt8]) {
    guard !bytes.isEmpty else { return }
    var zh = xHigh
    var zl = xLow
    bytes.withUnsafeBufferPointer { buffer in
      key.high.withUnsafeBufferPointer { highTable in
        key.low.withUnsafeBufferPointer { lowTable in
          Self.reduction.withUnsafeBufferPointer { remTable in
            guard let input = buffer.baseAddress, let hh = highTable.baseAddress,
              let hl = lowTable.baseAddress, let rem = remTable.baseAddress
            else { return }
            let count = buffer.count
            var offset = 0
            while offset < count {
              // X ^= next block (zero-padded), as two big-endian words.
              var xh: UInt64 = 0
              var xl: UInt64 = 0
              for index in 0..<16 {
                let byte = offset + index < count ? UInt64(input[offset + index]) : 0
                if index < 8 {
                  xh = xh << 8 | byte
                } else {
                  xl = xl << 8 | byte
                }
              }
              xh ^= zh
              xl ^= zl
              // Z = X * H, nibble by nibble from the last byte.
              var word = xl
              var byte = Int(word & 0xFF)
              zh = hh[byte & 0xF]
              zl = hl[byte & 0xF]
              var position = 15
              while true {
                var r = Int(zl & 0xF)
                zl = (zh << 60) | (zl >> 4)
                zh = (zh >> 4) ^ rem[r]
                zh ^= hh[byte >> 4]
                zl ^= hl[byte >> 4]
                position -= 1
                if position < 0 { break }
                if position == 7 {
                  word = xh
                } else {
                  word >>= 8
                }
                byte = Int(word & 0xFF)
                r = Int(zl & 0xF)
                zl = (zh << 60) | (zl >> 4)
                zh = (zh >> 4) ^ rem[r]
                zh ^= hh[byte & 0xF]
                zl ^= hl[byte & 0xF]
              }
              offset += 16
            }
          }
        }
      }
    }
    xHigh = zh
    xLow = zl
  }

  /// The 16-byte hash of everything absorbed.
  func digest() -> [UInt8] {
    var out: [UInt8] = []
    for word in [xHigh, xLow] {
      for shift in stride(from: 56, through: 0, by: -8) {
        out.append(UInt8(truncatingIfNeeded: word >> UInt64(shift)))
      }
    }
    return out
  }
}
