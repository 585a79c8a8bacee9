#if canImport(Glibc)
import Glibc
#endif

/// Bytes as a dictionary key, hashed in one call over the whole buffer
/// (an `[UInt8]` key is hashed byte by byte).
struct ByteKey: Hashable, Sendable {
  /// The bytes.
  var bytes: [UInt8]

  /// Wraps `bytes`.
  /// - Parameter bytes: The key bytes.
  init(_ bytes: [UInt8]) { self.bytes = bytes }

  func hash(into hasher: inout Hasher) {
    bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
  }

  static func == (lhs: ByteKey, rhs: ByteKey) -> Bool { lhs.bytes == rhs.bytes }
}

extension UnsafeBufferPointer where Element == UInt8 {
  /// Whether `other` holds the same bytes, compared with one `memcmp`.
  @inline(__always)
  func hasSameBytes(as other: UnsafeBufferPointer<UInt8>) -> Bool {
    guard count == other.count else { return false }
    guard count > 0, let left = baseAddress, let right = other.baseAddress else {
      return count == 0
    }
    return memcmp(left, right, count) == 0
  }

  /// The first index of `byte` in `start..<end`, found with one `memchr`.
  func firstIndex(of byte: UInt8, from start: Int, to end: Int) -> Int? {
    guard start < end, end <= count, let base = baseAddress,
      let hit = MainCFLexing.memchrOffset(base + start, byte, end - start)
    else { return nil }
    return start + hit
  }
}
