/// One `name = value` entry of a main.cf file, as Postfix reads it.
public struct MainCFEntry: Sendable, Equatable {
  /// The name bytes (any bytes except whitespace, `=` and NUL).
  public let nameBytes: [UInt8]
  /// The raw value as Postfix stores it.
  ///
  /// Continuation lines are joined verbatim (their leading whitespace included),
  /// the text is cut at the first NUL and trimmed of leading and trailing
  /// whitespace. Inner TABs, CRs and runs of blanks are kept.
  public let value: [UInt8]
  /// The 1-based number of the entry's first physical line.
  public let line: Int
  /// The physical lines from the first to the last continuation line (comment and
  /// blank lines inside the entry included).
  public let lines: ClosedRange<Int>
  /// The entry's bytes in the document, from its first line to the end of its
  /// last continuation line (that line's `\n` included).
  public let byteRange: Range<Int>

  /// The name decoded as UTF-8 (invalid sequences become U+FFFD).
  public var name: String { String(decoding: nameBytes, as: UTF8.self) }
}
