/// Bytes as a dictionary key, hashed in one call over the whole buffer
/// (an `[UInt8]` key is hashed byte by byte).
public struct ByteKey: Hashable, Sendable {
  /// The bytes.
  public var bytes: [UInt8]

  /// Wraps `bytes`.
  /// - Parameter bytes: The key bytes.
  public init(_ bytes: [UInt8]) { self.bytes = bytes }

  public func hash(into hasher: inout Hasher) {
    bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
  }

  public static func == (lhs: ByteKey, rhs: ByteKey) -> Bool { lhs.bytes == rhs.bytes }
}
