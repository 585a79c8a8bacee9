/// X25519 Diffie-Hellman (RFC 7748) with radix-2^51 field arithmetic.
///
/// Correct for every input but not constant time: the probe's keys are ephemeral and
/// live for one connection.
enum X25519 {
  /// The base point's u-coordinate, 9.
  static let basePoint: [UInt8] = [9] + [UInt8](repeating: 0, count: 31)

  /// The public key for a 32-byte private key.
  /// - Parameter privateKey: 32 random bytes (clamped here).
  /// - Returns: The 32-byte public key.
  static func publicKey(privateKey: [UInt8]) -> [UInt8] {
    scalarMultiply(scalar: privateKey, point: basePoint)
  }

  /// The X25519 function: `scalar` times the point with u-coordinate `point`.
  /// - Parameters:
  ///   - scalar: 32 bytes, clamped as RFC 7748 section 5 says.
  ///   - point: 32 bytes, the top bit ignored.
  /// - Returns: 32 bytes (all zero for a low-order point).
  static func scalarMultiply(scalar: [UInt8], point: [UInt8]) -> [UInt8] {
    precondition(scalar.count == 32 && point.count == 32, "X25519 inputs are 32 bytes")
    var k = scalar
    k[0] &= 248
    k[31] &= 127
    k[31] |= 64
    let x1 = FieldElement(bytes: point)
    var x2 = FieldElement.one
    var z2 = FieldElement.zero
    var x3 = x1
    var z3 = FieldElement.one
    var swap: UInt64 = 0
    for bit in stride(from: 254, through: 0, by: -1) {
      let kt = UInt64((k[bit >> 3] >> UInt8(bit & 7)) & 1)
      swap ^= kt
      FieldElement.conditionalSwap(&x2, &x3, swap)
      FieldElement.conditionalSwap(&z2, &z3, swap)
      swap = kt
      let a = x2 + z2
      let aa = a.squared()
      let b = x2 - z2
      let bb = b.squared()
      let e = aa - bb
      let c = x3 + z3
      let d = x3 - z3
      let da = d * a
      let cb = c * b
      x3 = (da + cb).squared()
      z3 = x1 * (da - cb).squared()
      x2 = aa * bb
      z2 = e * (aa + e.times121665())
    }
    FieldElement.conditionalSwap(&x2, &x3, swap)
    FieldElement.conditionalSwap(&z2, &z3, swap)
    return (x2 * z2.inverted()).bytes()
  }
}

/// An element of GF(2^255 - 19) as five 51-bit limbs, least significant first.
struct FieldElement {
  var limbs: (UInt64, UInt64, UInt64, UInt64, UInt64)

  static let mask: UInt64 = (1 << 51) - 1
  static let zero = FieldElement(limbs: (0, 0, 0, 0, 0))
  static let one = FieldElement(limbs: (1, 0, 0, 0, 0))

  init(limbs: (UInt64, UInt64, UInt64, UInt64, UInt64)) {
    self.limbs = limbs
  }

  /// Reads 32 little-endian bytes, ignoring the top bit.
  init(bytes: [UInt8]) {
    func load(_ offset: Int) -> UInt64 {
      var word: UInt64 = 0
      for index in stride(from: 7, through: 0, by: -1) {
        word = word << 8 | UInt64(bytes[offset + index])
      }
      return word
    }
    let m = Self.mask
    limbs = (
      load(0) & m, (load(6) >> 3) & m, (load(12) >> 6) & m, (load(19) >> 1) & m,
      (load(24) >> 12) & m
    )
  }

  /// Propagates carries so every limb is below 2^51 plus a little.
  private func carried() -> FieldElement {
    let m = Self.mask
    var (h0, h1, h2, h3, h4) = limbs
    h1 += h0 >> 51
    h0 &= m
    h2 += h1 >> 51
    h1 &= m
    h3 += h2 >> 51
    h2 &= m
    h4 += h3 >> 51
    h3 &= m
    h0 += (h4 >> 51) * 19
    h4 &= m
    h1 += h0 >> 51
    h0 &= m
    return FieldElement(limbs: (h0, h1, h2, h3, h4))
  }

  static func + (lhs: FieldElement, rhs: FieldElement) -> FieldElement {
    FieldElement(
      limbs: (
        lhs.limbs.0 + rhs.limbs.0, lhs.limbs.1 + rhs.limbs.1, lhs.limbs.2 + rhs.limbs.2,
        lhs.limbs.3 + rhs.limbs.3, lhs.limbs.4 + rhs.limbs.4
      )
    ).carried()
  }

  /// Subtraction: adds 4p first so no limb underflows (inputs are carried).
  static func - (lhs: FieldElement, rhs: FieldElement) -> FieldElement {
    let low: UInt64 = 0x1F_FFFF_FFFF_FFB4
    let high: UInt64 = 0x1F_FFFF_FFFF_FFFC
    return FieldElement(
      limbs: (
        lhs.limbs.0 + low - rhs.limbs.0, lhs.limbs.1 + high - rhs.limbs.1,
        lhs.limbs.2 + high - rhs.limbs.2, lhs.limbs.3 + high - rhs.limbs.3,
        lhs.limbs.4 + high - rhs.limbs.4
      )
    ).carried()
  }

  static func * (lhs: FieldElement, rhs: FieldElement) -> FieldElement {
    let (a0, a1, a2, a3, a4) = lhs.limbs
    let (b0, b1, b2, b3, b4) = rhs.limbs
    let b1x = b1 * 19
    let b2x = b2 * 19
    let b3x = b3 * 19
    let b4x = b4 * 19
    func m(_ x: UInt64, _ y: UInt64) -> UInt128 { UInt128(x) * UInt128(y) }
    var r0 = m(a0, b0) + m(a1, b4x)
    r0 += m(a2, b3x) + m(a3, b2x) + m(a4, b1x)
    var r1 = m(a0, b1) + m(a1, b0)
    r1 += m(a2, b4x) + m(a3, b3x) + m(a4, b2x)
    var r2 = m(a0, b2) + m(a1, b1)
    r2 += m(a2, b0) + m(a3, b4x) + m(a4, b3x)
    var r3 = m(a0, b3) + m(a1, b2)
    r3 += m(a2, b1) + m(a3, b0) + m(a4, b4x)
    var r4 = m(a0, b4) + m(a1, b3)
    r4 += m(a2, b2) + m(a3, b1) + m(a4, b0)
    let m128 = UInt128(mask)
    r1 += r0 >> 51
    r2 += r1 >> 51
    r3 += r2 >> 51
    r4 += r3 >> 51
    let c4 = UInt64(truncatingIfNeeded: r4 >> 51)
    var h0 = UInt64(truncatingIfNeeded: r0 & m128) + c4 * 19
    var h1 = UInt64(truncatingIfNeeded: r1 & m128)
    h1 += h0 >> 51
    h0 &= mask
    return FieldElement(
      limbs: (
        h0, h1, UInt64(truncatingIfNeeded: r2 & m128), UInt64(truncatingIfNeeded: r3 & m128),
        UInt64(truncatingIfNeeded: r4 & m128)
      ))
  }

  func squared() -> FieldElement { self * self }

  /// Multiplies by a24 = 121665 (RFC 7748).
  func times121665() -> FieldElement {
    self * FieldElement(limbs: (121_665, 0, 0, 0, 0))
  }

  /// The multiplicative inverse, `self^(p-2)` (zero stays zero).
  func inverted() -> FieldElement {
    func power2(_ value: FieldElement, _ times: Int) -> FieldElement {
      var result = value
      for _ in 0..<times { result = result.squared() }
      return result
    }
    let z2 = squared()
    let z9 = power2(z2, 2) * self
    let z11 = z9 * z2
    let z2p5 = z11.squared() * z9
    let z2p10 = power2(z2p5, 5) * z2p5
    let z2p20 = power2(z2p10, 10) * z2p10
    let z2p40 = power2(z2p20, 20) * z2p20
    let z2p50 = power2(z2p40, 10) * z2p10
    let z2p100 = power2(z2p50, 50) * z2p50
    let z2p200 = power2(z2p100, 100) * z2p100
    let z2p250 = power2(z2p200, 50) * z2p50
    return power2(z2p250, 5) * z11
  }

  /// The fully reduced value as 32 little-endian bytes.
  func bytes() -> [UInt8] {
    let m = Self.mask
    var (h0, h1, h2, h3, h4) = carried().carried().limbs
    var q = (h0 + 19) >> 51
    q = (h1 + q) >> 51
    q = (h2 + q) >> 51
    q = (h3 + q) >> 51
    q = (h4 + q) >> 51
    h0 += 19 * q
    h1 += h0 >> 51
    h0 &= m
    h2 += h1 >> 51
    h1 &= m
    h3 += h2 >> 51
    h2 &= m
    h4 += h3 >> 51
    h3 &= m
    h4 &= m
    let words: [UInt64] = [
      h0 | h1 << 51, h1 >> 13 | h2 << 38, h2 >> 26 | h3 << 25, h3 >> 39 | h4 << 12,
    ]
    var out: [UInt8] = []
    out.reserveCapacity(32)
    for word in words {
      for shift in stride(from: 0, to: 64, by: 8) {
        out.append(UInt8(truncatingIfNeeded: word >> UInt64(shift)))
      }
    }
    return out
  }

  /// Swaps `a` and `b` when `bit` is 1, without branching on it.
  static func conditionalSwap(_ a: inout FieldElement, _ b: inout FieldElement, _ bit: UInt64) {
    let m = 0 &- bit
    var t = m & (a.limbs.0 ^ b.limbs.0)
    a.limbs.0 ^= t
    b.limbs.0 ^= t
    t = m & (a.limbs.1 ^ b.limbs.1)
    a.limbs.1 ^= t
    b.limbs.1 ^= t
    t = m & (a.limbs.2 ^ b.limbs.2)
    a.limbs.2 ^= t
    b.limbs.2 ^= t
    t = m & (a.limbs.3 ^ b.limbs.3)
    a.limbs.3 ^= t
    b.limbs.3 ^= t
    t = m & (a.limbs.4 ^ b.limbs.4)
    a.limbs.4 ^= t
    b.limbs.4 ^= t
  }
}
