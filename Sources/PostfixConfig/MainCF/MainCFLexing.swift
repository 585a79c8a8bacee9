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

  /// Whether a continuation line starting with `byte` keeps a span of lines
  /// (``MainCFLogicalLine/spansLines``): a space, TAB or CR, which every word
  /// splitter and the output's squeezing take as a separator (a vertical tab
  /// or form feed also starts a continuation line, but is printed as it is).
  @inline(__always)
  static func isBlankOrCR(_ byte: UInt8) -> Bool {
    byte == space || byte == tab || byte == carriageReturn
  }

  /// Appends the range of each line of `span`, consecutive lines of
  /// `buffer`, without its newline: the pieces of a span
  /// (``MainCFLogicalLine/spansLines``).
  static func appendLineRanges(
    of span: Range<Int>, in buffer: UnsafeBufferPointer<UInt8>, to ranges: inout [Range<Int>]
  ) {
    guard let base = buffer.baseAddress else { return }
    var start = span.lowerBound
    while let hit = memchrOffset(base + start, newline, span.upperBound - start) {
      ranges.append(start..<start + hit)
      // Progress: the next line starts past this newline.
      start += hit + 1
    }
    ranges.append(start..<span.upperBound)
  }

  /// Appends `lines`, consecutive lines of a file, without their newlines:
  /// the joined text of a span (``MainCFLogicalLine/spansLines``).
  ///
  /// Room for all of them is made at once, and the bytes are moved eight at
  /// a time (a span of a long value has a short line per name).
  static func appendLines(of lines: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
    guard let source = lines.baseAddress else { return }
    let origin = out.count
    out.append(contentsOf: repeatElement(0, count: lines.count))
    let written = out.withUnsafeMutableBufferPointer { buffer in
      buffer.baseAddress.map { dropNewlines(source, count: lines.count, to: $0 + origin) } ?? 0
    }
    out.removeLast(lines.count - written)
  }

  /// Copies `count` bytes from `source` to `target`, which has room for as
  /// many, leaving out the newlines; returns how many were written.
  ///
  /// Eight bytes are stored at a time: a store at `target + written` never
  /// reaches past `target + read + 8`, where `read + 8 <= count`.
  static func dropNewlines(
    _ source: UnsafePointer<UInt8>, count: Int, to target: UnsafeMutablePointer<UInt8>
  ) -> Int {
    var read = 0
    var written = 0
    // Each iteration moves up to eight bytes, or passes one newline.
    while read + 8 <= count {
      let block = ByteBlock.load(source + read)
      UnsafeMutableRawPointer(target + written).storeBytes(
        of: UInt64(littleEndian: block), as: UInt64.self)
      let found = ByteBlock.equal(block, newline)
      let run = found == 0 ? 8 : found.trailingZeroBitCount / 8
      written += run
      read += run + (found == 0 ? 0 : 1)
    }
    while read < count {
      target[written] = source[read]
      written += source[read] == newline ? 0 : 1
      read += 1
    }
    return written
  }

  /// The number of newlines in `bytes`, counted eight bytes at a time.
  static func countNewlines(in bytes: UnsafeBufferPointer<UInt8>) -> Int {
    guard let base = bytes.baseAddress else { return 0 }
    var found = 0
    var index = 0
    while index + 8 <= bytes.count {
      found += ByteBlock.exactlyEqual(ByteBlock.load(base + index), newline).nonzeroBitCount
      index += 8
    }
    while index < bytes.count {
      found += bytes[index] == newline ? 1 : 0
      index += 1
    }
    return found
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
