/// One buffer that the macro parser reads: a parameter value as given to the
/// expander, or the value that a `$name` reference looked up.
///
/// Every text the parser ever scans is a sub-range of such a buffer, so the
/// matching bracket of each `{` and `(` is computed once per buffer (lazily,
/// with a stack) and then answered in logarithmic time. That keeps deeply
/// nested input from being re-scanned once per nesting level.
final class MacroSource {
  /// The bytes, cut at the first NUL (Postfix handles C strings).
  let bytes: [UInt8]
  private var braces: BracketIndex?
  private var parens: BracketIndex?

  init(_ bytes: [UInt8]) {
    if let nul = bytes.firstIndex(of: 0) {
      self.bytes = Array(bytes[..<nul])
    } else {
      self.bytes = bytes
    }
  }

  /// The whole buffer as a text.
  var all: MacroText { MacroText(source: self, start: 0, end: bytes.count) }

  /// The position of the bracket that closes the `open` bracket at `position`,
  /// counting only brackets of the same kind, or nil when it is never closed.
  func match(of open: UInt8, at position: Int) -> Int? {
    if open == UInt8(ascii: "{") {
      if braces == nil {
        braces = BracketIndex(bytes, open: UInt8(ascii: "{"), close: UInt8(ascii: "}"))
      }
      return braces?.match(at: position)
    }
    if parens == nil {
      parens = BracketIndex(bytes, open: UInt8(ascii: "("), close: UInt8(ascii: ")"))
    }
    return parens?.match(at: position)
  }
}

/// The positions of every opening bracket of one kind and of its closing partner.
struct BracketIndex {
  private var opens: [Int] = []
  private var closes: [Int] = []

  init(_ bytes: [UInt8], open: UInt8, close: UInt8) {
    var stack: [Int] = []
    for (position, byte) in bytes.enumerated() {
      if byte == open {
        stack.append(opens.count)
        opens.append(position)
        closes.append(-1)
      } else if byte == close, let slot = stack.popLast() {
        closes[slot] = position
      }
    }
  }

  func match(at position: Int) -> Int? {
    var low = 0
    var high = opens.count
    while low < high {
      let middle = (low + high) / 2
      if opens[middle] < position {
        low = middle + 1
      } else {
        high = middle
      }
    }
    guard low < opens.count, opens[low] == position, closes[low] >= 0 else { return nil }
    return closes[low]
  }
}

/// A range of a ``MacroSource``: what C Postfix sees as one NUL-terminated string.
struct MacroText {
  let source: MacroSource
  var start: Int
  var end: Int

  var isEmpty: Bool { start >= end }
  var bytes: ArraySlice<UInt8> { source.bytes[start..<end] }

  func byte(at position: Int) -> UInt8? {
    position < end ? source.bytes[position] : nil
  }

  func sub(_ from: Int, _ to: Int) -> MacroText {
    MacroText(source: source, start: from, end: to)
  }

  /// The bytes from `position` to the end, at most `limit` of them (`%.20s`).
  func rest(from position: Int, limit: Int = 20) -> ArraySlice<UInt8> {
    source.bytes[position..<min(end, position + limit)]
  }

  /// `strspn(position, " \t\r\n")`: the position after the blanks at `position`.
  func skipBlanks(from position: Int) -> Int {
    var cursor = position
    while cursor < end, MacroText.isBlank(source.bytes[cursor]) { cursor += 1 }
    return cursor
  }

  static func isBlank(_ byte: UInt8) -> Bool {
    byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A
  }

  /// `[A-Za-z0-9_]`, as one bit test: bit `b` of the two masks for byte `b`.
  @inline(__always)
  static func isNameByte(_ byte: UInt8) -> Bool {
    // 0-9 (0x30-0x39); A-Z (0x41-0x5A), _ (0x5F), a-z (0x61-0x7A).
    let low: UInt64 = 0x03FF_0000_0000_0000
    let high: UInt64 = 0x07FF_FFFE_87FF_FFFE
    if byte < 64 { return (low >> UInt64(byte)) & 1 != 0 }
    if byte < 128 { return (high >> UInt64(byte - 64)) & 1 != 0 }
    return false
  }

  static func isAlphanumeric(_ byte: UInt8) -> Bool {
    isNameByte(byte) && byte != 0x5F
  }
}
