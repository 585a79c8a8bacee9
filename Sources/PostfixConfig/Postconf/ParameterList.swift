/// Postfix's lists of words in a parameter value (`CHARS_COMMA_SP`): words
/// separated by runs of blanks, TABs, CRs, LFs and commas.
enum ParameterList {
  /// Whether `byte` separates words.
  @inline(__always)
  static func isSeparator(_ byte: UInt8) -> Bool {
    switch byte {
    case 0x20, 0x09, 0x0D, 0x0A, UInt8(ascii: ","): return true
    default: return false
    }
  }

  /// Calls `body` with each word of `value`, in order, walking the value in
  /// place (a list of thousands of restriction classes is not split into an
  /// array first).
  /// - Parameters:
  ///   - value: The list.
  ///   - body: Receives each word.
  static func forEachWord(in value: [UInt8], _ body: (ArraySlice<UInt8>) throws -> Void) rethrows {
    var index = 0
    let count = value.count
    // Each iteration consumes a word and the separators before it, or ends.
    while index < count {
      while index < count && isSeparator(value[index]) { index += 1 }
      let start = index
      while index < count && !isSeparator(value[index]) { index += 1 }
      guard start < index else { return }
      try body(value[start..<index])
    }
  }
}
