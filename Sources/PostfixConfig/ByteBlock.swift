/// Eight bytes read as one integer and searched for bytes of interest at
/// once: each such byte is flagged by its high bit.
enum ByteBlock {
  /// The eight bytes at `pointer`, the first in the lowest bits.
  @inline(__always)
  static func load(_ pointer: UnsafePointer<UInt8>) -> UInt64 {
    UInt64(littleEndian: UnsafeRawPointer(pointer).loadUnaligned(as: UInt64.self))
  }

  /// The bytes below `!`: blanks and control bytes.
  ///
  /// The lowest flag is exact: a false flag only comes from a borrow out of
  /// a flagged byte below it.
  @inline(__always)
  static func belowBang(_ block: UInt64) -> UInt64 {
    (block &- 0x2121_2121_2121_2121) & ~block & 0x8080_8080_8080_8080
  }

  /// The bytes equal to `byte`, every flag exact: no carry crosses from one
  /// byte to the next (for counting them).
  @inline(__always)
  static func exactlyEqual(_ block: UInt64, _ byte: UInt8) -> UInt64 {
    let difference = block ^ (UInt64(byte) &* 0x0101_0101_0101_0101)
    let low = (difference & 0x7F7F_7F7F_7F7F_7F7F) &+ 0x7F7F_7F7F_7F7F_7F7F
    return ~(low | difference) & 0x8080_8080_8080_8080
  }

  /// The bytes equal to `byte`, the lowest flag exact as in ``belowBang(_:)``.
  @inline(__always)
  static func equal(_ block: UInt64, _ byte: UInt8) -> UInt64 {
    let difference = block ^ (UInt64(byte) &* 0x0101_0101_0101_0101)
    return (difference &- 0x0101_0101_0101_0101) & ~difference & 0x8080_8080_8080_8080
  }
}
