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
