/// ChaCha20-Poly1305 (RFC 8439) with 12-byte nonces.
struct ChaCha20Poly1305: AEADCipher {
  static let tagSize = 16

  private let key: [UInt32]

  /// Creates the cipher.
  /// - Parameter key: 32 bytes.
  /// - Throws: `SMTPProbeError` `.invalidRequest` for another length.
  init(key: [UInt8]) throws {
    guard key.count == 32 else {
      throw SMTPProbeError(.invalidRequest, "ChaCha20: key of \(key.count) bytes")
    }
    self.key = Self.words(key)
  }

  static func words(_ bytes: [UInt8]) -> [UInt32] {
    var words: [UInt32] = []
    words.reserveCapacity(bytes.count / 4)
    var index = 0
    while index + 4 <= bytes.count {
      let low = UInt32(bytes[index]) | UInt32(bytes[index + 1]) << 8
      let high = UInt32(bytes[index + 2]) << 16 | UInt32(bytes[index + 3]) << 24
      words.append(low | high)
      index += 4
    }
    return words
  }

  func seal(_ plaintext: [UInt8], nonce: [UInt8], additionalData: [UInt8]) -> [UInt8] {
    precondition(nonce.count == 12, "ChaCha20-Poly1305 nonce is 12 bytes")
    var out = plaintext
    ChaCha20.xor(&out, key: key, nonce: Self.words(nonce), counter: 1)
    out.append(contentsOf: tag(nonce: nonce, additionalData: additionalData, ciphertext: out))
    return out
  }

  func open(_ sealed: [UInt8], nonce: [UInt8], additionalData: [UInt8]) -> [UInt8]? {
    guard nonce.count == 12, sealed.count >= Self.tagSize else { return nil }
    var ciphertext = Array(sealed[0..<(sealed.count - Self.tagSize)])
    let received = Array(sealed[(sealed.count - Self.tagSize)...])
    let expected = tag(nonce: nonce, additionalData: additionalData, ciphertext: ciphertext)
    guard constantTimeEquals(expected, received) else { return nil }
    ChaCha20.xor(&ciphertext, key: key, nonce: Self.words(nonce), counter: 1)
    return ciphertext
  }

  private func tag(nonce: [UInt8], additionalData: [UInt8], ciphertext: [UInt8]) -> [UInt8] {
    var oneTimeKey = [UInt8](repeating: 0, count: 32)
    ChaCha20.xor(&oneTimeKey, key: key, nonce: Self.words(nonce), counter: 0)
    var mac = Poly1305(key: oneTimeKey)
    mac.update(additionalData)
    mac.update([UInt8](repeating: 0, count: (16 - additionalData.count % 16) % 16))
    mac.update(ciphertext)
    mac.update([UInt8](repeating: 0, count: (16 - ciphertext.count % 16) % 16))
    var lengths: [UInt8] = []
    for value in [UInt64(additionalData.count), UInt64(ciphertext.count)] {
      for shift in stride(from: 0, to: 64, by: 8) {
        lengths.append(UInt8(truncatingIfNeeded: value >> UInt64(shift)))
      }
    }
    mac.update(lengths)
    return mac.finalize()
  }
}

/// The ChaCha20 stream cipher (RFC 8439, section 2.4).
enum ChaCha20 {
  /// XORs the keystream into `data`.
  /// - Parameters:
  ///   - data: The bytes to encrypt or decrypt in place.
  ///   - key: Eight little-endian key words.
  ///   - nonce: Three little-endian nonce words.
  ///   - counter: The first block counter.
  static func xor(_ data: inout [UInt8], key: [UInt32], nonce: [UInt32], counter: UInt32) {
    var input: [UInt32] = [0x6170_7865, 0x3320_646e, 0x7962_2d32, 0x6b20_6574]
    input += key
    input.append(counter)
    input += nonce
    var working = [UInt32](repeating: 0, count: 16)
    let count = data.count
    data.withUnsafeMutableBufferPointer { buffer in
      input.withUnsafeMutableBufferPointer { state in
        working.withUnsafeMutableBufferPointer { x in
          var offset = 0
          while offset < count {
            for index in 0..<16 { x[index] = state[index] }
            for _ in 0..<10 {
              quarterRound(x, 0, 4, 8, 12)
              quarterRound(x, 1, 5, 9, 13)
              quarterRound(x, 2, 6, 10, 14)
              quarterRound(x, 3, 7, 11, 15)
              quarterRound(x, 0, 5, 10, 15)
              quarterRound(x, 1, 6, 11, 12)
              quarterRound(x, 2, 7, 8, 13)
              quarterRound(x, 3, 4, 9, 14)
            }
            let end = min(offset + 64, count)
            var index = offset
            while index < end {
              let word = x[(index - offset) >> 2] &+ state[(index - offset) >> 2]
              let shift = UInt32(((index - offset) & 3) * 8)
              buffer[index] ^= UInt8(truncatingIfNeeded: word >> shift)
              index += 1
            }
            offset = end
            state[12] &+= 1
          }
        }
      }
    }
  }

  @inline(__always)
  private static func quarterRound(
    _ x: UnsafeMutableBufferPointer<UInt32>, _ a: Int, _ b: Int, _ c: Int, _ d: Int
  ) {
    x[a] &+= x[b]
    x[d] = (x[d] ^ x[a]).rotatedLeft(16)
    x[c] &+= x[d]
    x[b] = (x[b] ^ x[c]).rotatedLeft(12)
    x[a] &+= x[b]
    x[d] = (x[d] ^ x[a]).rotatedLeft(8)
    x[c] &+= x[d]
    x[b] = (x[b] ^ x[c]).rotatedLeft(7)
  }
}

/// The Poly1305 one-time authenticator (RFC 8439, section 2.5), 26-bit limbs.
struct Poly1305 {
  private var r: [UInt64]
  private var h: [UInt64] = [0, 0, 0, 0, 0]
  private let pad: [UInt64]
  private var pending: [UInt8] = []

  /// Creates the authenticator.
  /// - Parameter key: 32 bytes, used for one message only.
  init(key: [UInt8]) {
    func le32(_ offset: Int) -> UInt64 {
      UInt64(key[offset]) | UInt64(key[offset + 1]) << 8 | UInt64(key[offset + 2]) << 16
        | UInt64(key[offset + 3]) << 24
    }
    r = [
      le32(0) & 0x3FF_FFFF, (le32(3) >> 2) & 0x3FF_FF03, (le32(6) >> 4) & 0x3FF_C0FF,
      (le32(9) >> 6) & 0x3F0_3FFF, (le32(12) >> 8) & 0x00F_FFFF,
    ]
    pad = [le32(16), le32(20), le32(24), le32(28)]
  }

  /// Adds message bytes.
  mutating func update(_ bytes: [UInt8]) {
    pending.append(contentsOf: bytes)
    let whole = pending.count / 16 * 16
    if whole > 0 {
      blocks(Array(pending[0..<whole]), final: false)
      pending.removeFirst(whole)
    }
  }

  /// The 16-byte tag.
  mutating func finalize() -> [UInt8] {
    if !pending.isEmpty {
      var last = pending
      last.append(1)
      last.append(contentsOf: [UInt8](repeating: 0, count: 16 - last.count))
      blocks(last, final: true)
      pending = []
    }
    let mask26: UInt64 = 0x3FF_FFFF
    var h0 = h[0]
    var h1 = h[1]
    var h2 = h[2]
    var h3 = h[3]
    var h4 = h[4]
    var c = h1 >> 26
    h1 &= mask26
    h2 += c
    c = h2 >> 26
    h2 &= mask26
    h3 += c
    c = h3 >> 26
    h3 &= mask26
    h4 += c
    c = h4 >> 26
    h4 &= mask26
    h0 += c * 5
    c = h0 >> 26
    h0 &= mask26
    h1 += c
    var g0 = h0 + 5
    c = g0 >> 26
    g0 &= mask26
    var g1 = h1 + c
    c = g1 >> 26
    g1 &= mask26
    var g2 = h2 + c
    c = g2 >> 26
    g2 &= mask26
    var g3 = h3 + c
    c = g3 >> 26
    g3 &= mask26
    let g4 = (h4 + c) &- (1 << 26)
    let select = (g4 >> 63) &- 1  // all ones when h >= p
    h0 = (h0 & ~select) | (g0 & select)
    h1 = (h1 & ~select) | (g1 & select)
    h2 = (h2 & ~select) | (g2 & select)
    h3 = (h3 & ~select) | (g3 & select)
    h4 = (h4 & ~select) | (g4 & select)
    let w0 = (h0 | h1 << 26) & 0xFFFF_FFFF
    let w1 = (h1 >> 6 | h2 << 20) & 0xFFFF_FFFF
    let w2 = (h2 >> 12 | h3 << 14) & 0xFFFF_FFFF
    let w3 = (h3 >> 18 | h4 << 8) & 0xFFFF_FFFF
    var out: [UInt8] = []
    var carry: UInt64 = 0
    for (word, padWord) in zip([w0, w1, w2, w3], pad) {
      let sum = word + padWord + carry
      carry = sum >> 32
      for shift in stride(from: 0, to: 32, by: 8) {
        out.append(UInt8(truncatingIfNeeded: sum >> UInt64(shift)))
      }
    }
    return out
  }

  private mutating func blocks(_ data: [UInt8], final: Bool) {
    let hibit: UInt64 = final ? 0 : 1 << 24
    let mask26: UInt64 = 0x3FF_FFFF
    let r0 = r[0]
    let r1 = r[1]
    let r2 = r[2]
    let r3 = r[3]
    let r4 = r[4]
    let s1 = r1 * 5
    let s2 = r2 * 5
    let s3 = r3 * 5
    let s4 = r4 * 5
    var h0 = h[0]
    var h1 = h[1]
    var h2 = h[2]
    var h3 = h[3]
    var h4 = h[4]
    data.withUnsafeBufferPointer { m in
      func le32(_ offset: Int) -> UInt64 {
        UInt64(m[offset]) | UInt64(m[offset + 1]) << 8 | UInt64(m[offset + 2]) << 16
          | UInt64(m[offset + 3]) << 24
      }
      var offset = 0
      while offset + 16 <= m.count {
        h0 += le32(offset) & mask26
        h1 += (le32(offset + 3) >> 2) & mask26
        h2 += (le32(offset + 6) >> 4) & mask26
        h3 += (le32(offset + 9) >> 6) & mask26
        h4 += (le32(offset + 12) >> 8) | hibit
        var d0 = h0 * r0 + h1 * s4
        d0 += h2 * s3 + h3 * s2 + h4 * s1
        var d1 = h0 * r1 + h1 * r0
        d1 += h2 * s4 + h3 * s3 + h4 * s2
        var d2 = h0 * r2 + h1 * r1
        d2 += h2 * r0 + h3 * s4 + h4 * s3
        var d3 = h0 * r3 + h1 * r2
        d3 += h2 * r1 + h3 * r0 + h4 * s4
        var d4 = h0 * r4 + h1 * r3
        d4 += h2 * r2 + h3 * r1 + h4 * r0
        d1 += d0 >> 26
        h0 = d0 & mask26
        d2 += d1 >> 26
        h1 = d1 & mask26
        d3 += d2 >> 26
        h2 = d2 & mask26
        d4 += d3 >> 26
        h3 = d3 & mask26
        h4 = d4 & mask26
        h0 += (d4 >> 26) * 5
        h1 += h0 >> 26
        h0 &= mask26
        offset += 16
      }
    }
    h = [h0, h1, h2, h3, h4]
  }
}
