#if canImport(Glibc)
import Glibc
#endif

/// The read-only bytes of a file: an array, or the file mapped into memory.
///
/// A large main.cf is cheaper to map than to read: no fresh memory is zeroed
/// and nothing is copied (``ConfigFile/readShared(path:limit:mappingFrom:)``
/// maps files from 1 MiB on). The bytes never change while the value lives;
/// a mapping is released with the last reference.
///
/// A mapped file that another program truncates while it is being read makes
/// the process receive `SIGBUS` when it touches the lost pages; the
/// `pfharden` command turns that into a fatal error message. Postfix's own
/// edits, `pfharden`'s and most editors' replace the file instead, which
/// leaves the mapped bytes intact.
public final class FileBytes: @unchecked Sendable, Equatable {
  // Exactly one of the two holds the bytes; neither changes after init.
  private let array: [UInt8]
  private let mapping: UnsafeBufferPointer<UInt8>?

  /// Bytes held in an array.
  /// - Parameter bytes: The bytes.
  public init(_ bytes: [UInt8]) {
    array = bytes
    mapping = nil
  }

  /// Takes over a read-only mapping made with `mmap`; it is unmapped when
  /// the value goes away.
  init(mapping: UnsafeBufferPointer<UInt8>) {
    array = []
    self.mapping = mapping
  }

  deinit {
    if let mapping, let base = mapping.baseAddress {
      munmap(UnsafeMutableRawPointer(mutating: base), mapping.count)
    }
  }

  /// Whether the bytes are a mapping of the file.
  public var isMapped: Bool { mapping != nil }

  /// The number of bytes.
  public var count: Int { mapping?.count ?? array.count }

  /// A copy of the bytes in an array (the array itself when not mapped).
  public var bytes: [UInt8] {
    if let mapping { return Array(mapping) }
    return array
  }

  /// Calls `body` with the bytes in place.
  /// - Parameter body: Reads the bytes; the pointer is valid only inside.
  /// - Returns: What `body` returns.
  public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R)
    rethrows -> R
  {
    if let mapping { return try body(mapping) }
    return try array.withUnsafeBufferPointer(body)
  }

  public static func == (lhs: FileBytes, rhs: FileBytes) -> Bool {
    lhs.withUnsafeBufferPointer { left in
      rhs.withUnsafeBufferPointer { right in left.hasSameBytes(as: right) }
    }
  }
}
