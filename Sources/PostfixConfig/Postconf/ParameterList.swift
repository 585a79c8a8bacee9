/// Postfix's lists of words in a parameter value (`CHARS_COMMA_SP`): words
/// separated by runs of blanks, TABs, CRs, LFs and commas.
enum ParameterList {
  /// Where a long value is cut in two parts read at once: the first
  /// separator at or after the middle (no word, and no `$name`, `${name}`
  /// or `$(name)`, spans it); nil when there is none.
  static func middleSeparator(in value: UnsafeBufferPointer<UInt8>) -> Int? {
    var index = value.count / 2
    while index < value.count, !isSeparator(value[index]) { index += 1 }
    return index < value.count ? index : nil
  }

  /// ``middleSeparator(in:)`` of an array.
  static func middleSeparator(in value: [UInt8]) -> Int? {
    value.withUnsafeBufferPointer { middleSeparator(in: $0) }
  }

  /// Whether `byte` separates words.
  @inline(__always)
  static func isSeparator(_ byte: UInt8) -> Bool {
    byte < 64 && (separators >> UInt64(byte)) & 1 != 0
  }

  // Bit `b` set for each separator byte `b`: TAB, LF, CR, space and comma.
  private static let separators: UInt64 = 1 << 0x09 | 1 << 0x0A | 1 << 0x0D | 1 << 0x20 | 1 << 0x2C

  /// Calls `body` with each word of `value`, in order, walking the value in
  /// place (a list of thousands of restriction classes is not split into an
  /// array first).
  /// - Parameters:
  ///   - value: The list.
  ///   - body: Receives each word.
  static func forEachWord(in value: [UInt8], _ body: (ArraySlice<UInt8>) throws -> Void) rethrows {
    try value.withUnsafeBufferPointer { buffer in
      var index = 0
      let count = buffer.count
      // Each iteration consumes a word and the separators before it, or ends.
      while index < count {
        while index < count && isSeparator(buffer[index]) { index += 1 }
        let start = index
        while index < count && !isSeparator(buffer[index]) { index += 1 }
        guard start < index else { return }
        try body(value[start..<index])
      }
    }
  }
}
