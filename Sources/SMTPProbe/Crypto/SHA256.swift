/// SHA-256 (FIPS 180-4).
struct SHA256: HashFunction {
  static let digestSize = 32
  static let blockSize = 64

  private static let roundConstants: [UInt32] = [
    0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4,
    0xab1c_5ed5, 0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe,
    0x9bdc_06a7, 0xc19b_f174, 0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f,
    0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da, 0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7,
    0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967, 0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc,
    0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85, 0xa2bf_e8a1, 0xa81a_664b,
    0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070, 0x19a4_c116,
    0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3,
    0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7,
    0xc671_78f2,
  ]

  private var state: [UInt32] = [
    0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a, 0x510e_527f, 0x9b05_688c, 0x1f83_d9ab,
    0x5be0_cd19,
  ]
  private var input = HashBlockBuffer(blockSize: 64, lengthFieldSize: 8)

  init() {}

  mutating func update(_ bytes: [UInt8]) {
    let blocks = input.absorb(bytes)
    if !blocks.isEmpty { Self.compress(&state, blocks, blocks: blocks.count / Self.blockSize) }
  }

  func finalize() -> [UInt8] {
    var state = self.state
    let blocks = input.finalBlocks()
    Self.compress(&state, blocks, blocks: blocks.count / Self.blockSize)
    var out: [UInt8] = []
    out.reserveCapacity(32)
    for word in state {
      out.append(UInt8(truncatingIfNeeded: word >> 24))
      out.append(UInt8(truncatingIfNeeded: word >> 16))
      out.append(UInt8(truncatingIfNeeded: word >> 8))
      out.append(UInt8(truncatingIfNeeded: word))
    }
    return out
  }

  private static func compress(_ state: inout [UInt32], _ data: [UInt8], blocks: Int) {
    var schedule = [UInt32](repeating: 0, count: 64)
    data.withUnsafeBufferPointer { input in
      roundConstants.withUnsafeBufferPointer { k in
        schedule.withUnsafeMutableBufferPointer { w in
          state.withUnsafeMutableBufferPointer { h in
            for block in 0..<blocks {
              let base = block * 64
              for t in 0..<16 {
                let i = base + t * 4
                w[t] =
                  UInt32(input[i]) << 24 | UInt32(input[i + 1]) << 16 | UInt32(input[i + 2]) << 8
                  | UInt32(input[i + 3])
              }
              for t in 16..<64 {
                let x = w[t - 15]
                let y = w[t - 2]
                let s0 = x.rotatedRight(7) ^ x.rotatedRight(18) ^ (x >> 3)
                let s1 = y.rotatedRight(17) ^ y.rotatedRight(19) ^ (y >> 10)
                w[t] = w[t - 16] &+ s0 &+ w[t - 7] &+ s1
              }
              var a = h[0]
              var b = h[1]
              var c = h[2]
              var d = h[3]
              var e = h[4]
              var f = h[5]
              var g = h[6]
              var hh = h[7]
              for t in 0..<64 {
                let s1 = e.rotatedRight(6) ^ e.rotatedRight(11) ^ e.rotatedRight(25)
                let choice = (e & f) ^ (~e & g)
                let t1 = hh &+ s1 &+ choice &+ k[t] &+ w[t]
                let s0 = a.rotatedRight(2) ^ a.rotatedRight(13) ^ a.rotatedRight(22)
                let majority = (a & b) ^ (a & c) ^ (b & c)
                let t2 = s0 &+ majority
                hh = g
                g = f
                f = e
                e = d &+ t1
                d = c
                c = b
                b = a
                a = t1 &+ t2
              }
              h[0] &+= a
              h[1] &+= b
              h[2] &+= c
              h[3] &+= d
              h[4] &+= e
              h[5] &+= f
              h[6] &+= g
              h[7] &+= hh
            }
          }
        }
      }
    }
  }
}

extension UInt32 {
  /// The value rotated right by `count` bits (0 < count < 32).
  func rotatedRight(_ count: UInt32) -> UInt32 { (self >> count) | (self << (32 - count)) }
  /// The value rotated left by `count` bits (0 < count < 32).
  func rotatedLeft(_ count: UInt32) -> UInt32 { (self << count) | (self >> (32 - count)) }
}

extension UInt64 {
  /// The value rotated right by `count` bits (0 < count < 64).
  func rotatedRight(_ count: UInt64) -> UInt64 { (self >> count) | (self << (64 - count)) }
}
