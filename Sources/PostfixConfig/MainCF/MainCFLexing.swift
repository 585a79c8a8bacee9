import Glibc

// Byte-level helpers shared by the main.cf reader and the postconf-style editor.
// Everything here mirrors the C library calls Postfix uses: `isspace()` in the
// "C" locale, `split_nameval()`, C-string truncation at NUL.

enum MainCFLexing {
  static let newline: UInt8 = 0x0A
  static let hash: UInt8 = 0x23
  static let quote: UInt8 = 0x22
  static let equals: UInt8 = 0x3D
  static let space: UInt8 = 0x20
  static let tab: UInt8 = 0x09
  static let carriageReturn: UInt8 = 0x0D

  /// C `isspace()` in the "C" locale: space, `\t`, `\n`, `\v`, `\f`, `\r`.
  @inline(__always)
  static func isSpace(_ byte: UInt8) -> Bool {
    byte == 0x20 || (byte >= 0x09 && byte <= 0x0D)
  }

  /// The outcome of Postfix's `split_nameval()` on one logical line.
  enum Split: Equatable {
    /// Name in `name`, value in `value` (both offsets into the scanned buffer).
    case entry(name: Range<Int>, value: Range<Int>)
    /// `missing attribute name`.
    case missingName
    /// `missing '=' after attribute name`.
    case missingEquals

    /// Postfix's error text, when this is an error.
    var errorText: String? {
      switch self {
      case .entry: return nil
      case .missingName: return "missing attribute name"
      case .missingEquals: return "missing '=' after attribute name"
      }
    }
  }

  /// Postfix's `split_nameval()` on `buffer[range]`, which must already be cut at
  /// its first NUL byte (C-string semantics).
  static func splitNameValue(_ buffer: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Split {
    let end = range.upperBound
    var nameStart = range.lowerBound
    while nameStart < end && isSpace(buffer[nameStart]) { nameStart += 1 }
    if nameStart == end || buffer[nameStart] == equals { return .missingName }
    var nameEnd = nameStart
    while nameEnd < end && !isSpace(buffer[nameEnd]) && buffer[nameEnd] != equals { nameEnd += 1 }
    var cursor = nameEnd
    while cursor < end && isSpace(buffer[cursor]) { cursor += 1 }
    if cursor == end || buffer[cursor] != equals { return .missingEquals }
    var valueStart = cursor + 1
    while valueStart < end && isSpace(buffer[valueStart]) { valueStart += 1 }
    var valueEnd = end
    while valueEnd > valueStart && isSpace(buffer[valueEnd - 1]) { valueEnd -= 1 }
    return .entry(name: nameStart..<nameEnd, value: valueStart..<valueEnd)
  }

  /// The index of the first NUL byte in `buffer[range]`, or `range.upperBound`.
  static func cStringEnd(_ buffer: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Int {
    guard !range.isEmpty, let base = buffer.baseAddress else { return range.upperBound }
    guard let found = memchrOffset(base + range.lowerBound, 0, range.count) else {
      return range.upperBound
    }
    return range.lowerBound + found
  }

  /// How many times `byte` occurs in `buffer`.
  static func count(_ byte: UInt8, in buffer: UnsafeBufferPointer<UInt8>) -> Int {
    guard let base = buffer.baseAddress else { return 0 }
    var found = 0
    var offset = 0
    while let hit = memchrOffset(base + offset, byte, buffer.count - offset) {
      found += 1
      // Progress: the next search starts past this hit.
      offset += hit + 1
    }
    return found
  }

  /// The number of newlines, and how many lines may start an entry.
  ///
  /// A line may start an entry when its first byte is neither whitespace
  /// (its newline included) nor `#`. That count bounds the number of names a main.cf
  /// sets, however many comment and continuation lines it has. One pass
  /// gives both.
  static func countLines(in buffer: UnsafeBufferPointer<UInt8>) -> (
    newlines: Int, entryStarts: Int
  ) {
    guard let base = buffer.baseAddress else { return (0, 0) }
    var newlines = 0
    var found = 0
    var offset = 0
    while offset < buffer.count {
      let first = buffer[offset]
      if !isSpace(first) && first != hash { found += 1 }
      guard let hit = memchrOffset(base + offset, newline, buffer.count - offset) else { break }
      newlines += 1
      // Progress: the next line starts past this newline.
      offset += hit + 1
    }
    return (newlines, found)
  }

  /// The offset of the first `byte` in `count` bytes at `pointer`, if any.
  @inline(__always)
  static func memchrOffset(_ pointer: UnsafePointer<UInt8>, _ byte: UInt8, _ count: Int) -> Int? {
    guard count > 0, let hit = memchr(pointer, Int32(byte), count) else { return nil }
    return UnsafeRawPointer(hit) - UnsafeRawPointer(pointer)
  }

  // Whether `buffer[range]` is empty, all whitespace, or a comment (first
  // non-whitespace byte `#`). The range is examined byte-wise, not as a C string.
  @inline(__always)
  static func isCommentOrBlank(_ buffer: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Bool {
    var index = range.lowerBound
    while index < range.upperBound && isSpace(buffer[index]) { index += 1 }
    return index == range.upperBound || buffer[index] == hash
  }

  /// `Printable.sanitize` in place: every byte outside printable ASCII becomes `?`.
  static func sanitized(_ message: inout [UInt8]) -> String {
    message.withUnsafeMutableBufferPointer { buffer in
      for index in buffer.indices where !(0x20...0x7E).contains(buffer[index]) {
        buffer[index] = UInt8(ascii: "?")
      }
    }
    return String(decoding: message, as: UTF8.self)
  }
}
