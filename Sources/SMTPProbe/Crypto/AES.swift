/// AES-128 and AES-256 block encryption (FIPS 197), the direction GCM needs.
///
/// Table-driven (four 256-entry round tables built once from the S-box), so it is fast
/// enough in debug builds but not constant time.
struct AES {
  /// The S-box and the four encryption round tables.
  struct Tables: Sendable {
    let sbox: [UInt8]
    let t0: [UInt32]
    let t1: [UInt32]
    let t2: [UInt32]
    let t3: [UInt32]
    /// The four round tables one after another (1 024 entries).
    let combined: [UInt32]

    init() {
      func multiply(_ a: UInt8, _ b: UInt8) -> UInt8 {
        var a = a
        var b = b
        var product: UInt8 = 0
        for _ in 0..<8 {
          if b & 1 == 1 { product ^= a }
          let high = a & 0x80
          a <<= 1
          if high != 0 { a ^= 0x1B }
          b >>= 1
        }
        return product
      }
      var sbox = [UInt8](repeating: 0, count: 256)
      for value in 0..<256 {
        let x = UInt8(value)
        // x^254 is the inverse in GF(2^8) (0 maps to 0).
        var inverse: UInt8 = 1
        var base = x
        var exponent = 254
        while exponent > 0 {
          if exponent & 1 == 1 { inverse = multiply(inverse, base) }
          base = multiply(base, base)
          exponent >>= 1
        }
        if x == 0 { inverse = 0 }
        func rotl(_ v: UInt8, _ n: UInt8) -> UInt8 { (v << n) | (v >> (8 - n)) }
        sbox[value] =
          inverse ^ rotl(inverse, 1) ^ rotl(inverse, 2) ^ rotl(inverse, 3)
          ^ rotl(inverse, 4) ^ 0x63
      }
      var t0 = [UInt32](repeating: 0, count: 256)
      for index in 0..<256 {
        let s = sbox[index]
        let s2 = multiply(s, 2)
        let s3 = multiply(s, 3)
        t0[index] = UInt32(s2) << 24 | UInt32(s) << 16 | UInt32(s) << 8 | UInt32(s3)
      }
      self.sbox = sbox
      self.t0 = t0
      t1 = t0.map { $0.rotatedRight(8) }
      t2 = t0.map { $0.rotatedRight(16) }
      t3 = t0.map { $0.rotatedRight(24) }
      combined = t0 + t1 + t2 + t3
    }
  }

  static let tables = Tables()

  private let roundKeys: [UInt32]
  private let rounds: Int

  /// Expands a key.
  /// - Parameter key: 16 or 32 bytes.
  /// - Throws: `SMTPProbeError` `.invalidRequest` for another length.
  init(key: [UInt8]) throws {
    guard key.count == 16 || key.count == 32 else {
      throw SMTPProbeError(.invalidRequest, "AES: key of \(key.count) bytes")
    }
    let nk = key.count / 4
    rounds = nk + 6
    let total = 4 * (rounds + 1)
    var words = [UInt32](repeating: 0, count: total)
    for index in 0..<nk {
      words[index] =
        UInt32(key[4 * index]) << 24 | UInt32(key[4 * index + 1]) << 16
        | UInt32(key[4 * index + 2]) << 8 | UInt32(key[4 * index + 3])
    }
    let sbox = Self.tables.sbox
    func subWord(_ w: UInt32) -> UInt32 {
      UInt32(sbox[Int(w >> 24)]) << 24 | UInt32(sbox[Int(w >> 16 & 0xFF)]) << 16
        | UInt32(sbox[Int(w >> 8 & 0xFF)]) << 8 | UInt32(sbox[Int(w & 0xFF)])
    }
    var rcon: UInt32 = 1
    for index in nk..<total {
      var temp = words[index - 1]
      if index % nk == 0 {
        temp = subWord(temp.rotatedLeft(8)) ^ (rcon << 24)
        rcon = rcon << 1 ^ ((rcon & 0x80) != 0 ? 0x11B : 0)
      } else if nk > 6, index % nk == 4 {
        temp = subWord(temp)
      }
      words[index] = words[index - nk] ^ temp
    }
    roundKeys = words
  }

  /// Runs `body` with an encryptor that holds the key and tables as raw pointers, so a
  /// loop over many blocks does not re-enter the arrays for each one.
  /// - Parameter body: Receives the encryptor; it must not escape.
  /// - Returns: What `body` returns.
  func withEncryptor<R>(_ body: (BlockEncryptor) -> R) -> R {
    let tables = Self.tables
    return roundKeys.withUnsafeBufferPointer { rk in
      tables.combined.withUnsafeBufferPointer { t in
        tables.sbox.withUnsafeBufferPointer { sbox in
          guard let rkBase = rk.baseAddress, let tBase = t.baseAddress,
            let sboxBase = sbox.baseAddress
          else { preconditionFailure("AES tables are never empty") }
          return body(BlockEncryptor(rk: rkBase, t: tBase, sbox: sboxBase, rounds: rounds))
        }
      }
    }
  }

  /// Encrypts one 16-byte block.
  /// - Parameters:
  ///   - input: The plaintext block.
  ///   - output: Receives the ciphertext block.
  func encryptBlock(_ input: UnsafePointer<UInt8>, _ output: UnsafeMutablePointer<UInt8>) {
    withEncryptor { $0.encrypt(input, output) }
  }

  /// Encrypts one block given as an array.
  /// - Parameter block: 16 bytes.
  /// - Returns: The 16-byte ciphertext.
  func encrypt(block: [UInt8]) -> [UInt8] {
    precondition(block.count == 16, "AES block is 16 bytes")
    var out = [UInt8](repeating: 0, count: 16)
    block.withUnsafeBufferPointer { input in
      out.withUnsafeMutableBufferPointer { output in
        if let source = input.baseAddress, let target = output.baseAddress {
          encryptBlock(source, target)
        }
      }
    }
    return out
  }
}

/// AES encryption over raw pointers to the round keys and tables (valid only inside
/// ``AES/withEncryptor(_:)``).
struct BlockEncryptor {
  let rk: UnsafePointer<UInt32>
  let t: UnsafePointer<UInt32>
  let sbox: UnsafePointer<UInt8>
  let rounds: Int

  /// Encrypts the 16 bytes at `input` into `output`.
  func encrypt(_ input: UnsafePointer<UInt8>, _ output: UnsafeMutablePointer<UInt8>) {
    func load(_ offset: Int) -> UInt32 {
      UInt32(input[offset]) << 24 | UInt32(input[offset + 1]) << 16
        | UInt32(input[offset + 2]) << 8 | UInt32(input[offset + 3])
    }
    func round(_ a: UInt32, _ b: UInt32, _ c: UInt32, _ d: UInt32, _ key: UInt32) -> UInt32 {
      let x = t[Int(a >> 24)] ^ t[256 + Int(b >> 16 & 0xFF)]
      return x ^ t[512 + Int(c >> 8 & 0xFF)] ^ t[768 + Int(d & 0xFF)] ^ key
    }
    func last(_ a: UInt32, _ b: UInt32, _ c: UInt32, _ d: UInt32) -> UInt32 {
      let high = UInt32(sbox[Int(a >> 24)]) << 24 | UInt32(sbox[Int(b >> 16 & 0xFF)]) << 16
      return high | UInt32(sbox[Int(c >> 8 & 0xFF)]) << 8 | UInt32(sbox[Int(d & 0xFF)])
    }
    var s0 = load(0) ^ rk[0]
    var s1 = load(4) ^ rk[1]
    var s2 = load(8) ^ rk[2]
    var s3 = load(12) ^ rk[3]
    var key = 4
    for _ in 1..<rounds {
      let u0 = round(s0, s1, s2, s3, rk[key])
      let u1 = round(s1, s2, s3, s0, rk[key + 1])
      let u2 = round(s2, s3, s0, s1, rk[key + 2])
      let u3 = round(s3, s0, s1, s2, rk[key + 3])
      s0 = u0
      s1 = u1
      s2 = u2
      s3 = u3
      key += 4
    }
    let o0 = last(s0, s1, s2, s3) ^ rk[key]
    let o1 = last(s1, s2, s3, s0) ^ rk[key + 1]
    let o2 = last(s2, s3, s0, s1) ^ rk[key + 2]
    let o3 = last(s3, s0, s1, s2) ^ rk[key + 3]
    store(o0, output)
    store(o1, output + 4)
    store(o2, output + 8)
    store(o3, output + 12)
  }

  private func store(_ word: UInt32, _ output: UnsafeMutablePointer<UInt8>) {
    output[0] = UInt8(truncatingIfNeeded: word >> 24)
    output[1] = UInt8(truncatingIfNeeded: word >> 16)
    output[2] = UInt8(truncatingIfNeeded: word >> 8)
    output[3] = UInt8(truncatingIfNeeded: word)
  }
}
