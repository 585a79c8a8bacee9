/// A cryptographic hash with streaming input, as the TLS client needs it.
///
/// Conformers are value types: copying one and finalising the copy gives the digest of
/// everything hashed so far without disturbing the original (a running transcript hash).
protocol HashFunction {
  /// The digest length in bytes.
  static var digestSize: Int { get }
  /// The block length in bytes (HMAC pads keys to it).
  static var blockSize: Int { get }
  /// Starts an empty hash.
  init()
  /// Adds bytes to the input.
  /// - Parameter bytes: The bytes.
  mutating func update(_ bytes: [UInt8])
  /// The digest of everything added so far.
  /// - Returns: `digestSize` bytes.
  func finalize() -> [UInt8]
}

extension HashFunction {
  /// Hashes bytes in one call.
  /// - Parameter bytes: The input.
  /// - Returns: The digest.
  static func hash(_ bytes: [UInt8]) -> [UInt8] {
    var hasher = Self()
    hasher.update(bytes)
    return hasher.finalize()
  }
}

/// Compares two byte arrays in time that depends only on their lengths.
/// - Parameters:
///   - lhs: One array.
///   - rhs: The other.
/// - Returns: Whether they are equal.
func constantTimeEquals(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
  guard lhs.count == rhs.count else { return false }
  var difference: UInt8 = 0
  for index in 0..<lhs.count { difference |= lhs[index] ^ rhs[index] }
  return difference == 0
}

/// The input side shared by SHA-256 and SHA-512 (FIPS 180-4 §5.1): bytes are
/// gathered into whole blocks for the compression function, the rest waits,
/// and the total length goes into the final padding.
struct HashBlockBuffer {
  /// The block length in bytes (64 or 128).
  let blockSize: Int
  /// The length field's size in bytes (8 for SHA-256, 16 for SHA-512).
  let lengthFieldSize: Int
  private var pending: [UInt8] = []
  private var length: UInt64 = 0

  init(blockSize: Int, lengthFieldSize: Int) {
    self.blockSize = blockSize
    self.lengthFieldSize = lengthFieldSize
  }

  /// Adds `bytes`; returns the blocks they complete, to be compressed in order.
  /// - Parameter bytes: The input.
  /// - Returns: Whole blocks (possibly none), concatenated.
  mutating func absorb(_ bytes: [UInt8]) -> [UInt8] {
    length &+= UInt64(bytes.count)
    var blocks: [UInt8] = []
    var offset = 0
    if !pending.isEmpty {
      let take = min(blockSize - pending.count, bytes.count)
      pending.append(contentsOf: bytes[0..<take])
      offset = take
      if pending.count == blockSize {
        blocks = pending
        pending.removeAll(keepingCapacity: true)
      }
    }
    let whole = (bytes.count - offset) / blockSize
    if whole > 0 {
      blocks.append(contentsOf: bytes[offset..<offset + whole * blockSize])
      offset += whole * blockSize
    }
    if offset < bytes.count { pending.append(contentsOf: bytes[offset...]) }
    return blocks
  }

  /// The waiting bytes padded to whole blocks: `0x80`, zeros, and the
  /// message length in bits, big-endian, in the length field.
  /// - Returns: One or two blocks.
  func finalBlocks() -> [UInt8] {
    var tail = pending
    tail.append(0x80)
    let padded =
      (pending.count + 1 + lengthFieldSize + blockSize - 1) / blockSize * blockSize
    tail.append(
      contentsOf: [UInt8](repeating: 0, count: padded - pending.count - 1 - lengthFieldSize))
    // The bit length is `length * 8`: its bits above 64 are `length >> 61`.
    var words = [length &* 8]
    if lengthFieldSize == 16 { words.insert(length >> 61, at: 0) }
    for word in words {
      for shift in stride(from: 56, through: 0, by: -8) {
        tail.append(UInt8(truncatingIfNeeded: word >> UInt64(shift)))
      }
    }
    return tail
  }
}
