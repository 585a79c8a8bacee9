/// Escapes server bytes before they reach a terminal, a log or a report.
public enum Escape {
  /// Returns `bytes` as ASCII: printable ASCII stays, `\` becomes `\\`, every other byte
  /// becomes `\xNN` (so CR, LF, ESC and 8-bit bytes are visible and harmless).
  /// - Parameter bytes: Raw, possibly hostile bytes.
  /// - Returns: A pure printable-ASCII string.
  public static func text<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
    let hex: [UInt8] = Array("0123456789abcdef".utf8)
    var out: [UInt8] = []
    out.reserveCapacity(bytes.underestimatedCount)
    for byte in bytes {
      if byte == UInt8(ascii: "\\") {
        out += [byte, byte]
      } else if (0x20...0x7E).contains(byte) {
        out.append(byte)
      } else {
        out += [UInt8(ascii: "\\"), UInt8(ascii: "x"), hex[Int(byte >> 4)], hex[Int(byte & 15)]]
      }
    }
    return String(decoding: out, as: UTF8.self)
  }

  /// Escapes `bytes` as ``text(_:)`` does and cuts the result to at most `limit`
  /// characters, ending in `...` when it was longer; an escape is never cut in half.
  /// - Parameters:
  ///   - bytes: Raw, possibly hostile bytes.
  ///   - limit: The most characters to return (at least 3).
  /// - Returns: A pure printable-ASCII string of at most `max(limit, 3)` characters.
  public static func clipped<S: Sequence>(_ bytes: S, to limit: Int) -> String
  where S.Element == UInt8 {
    let input = Array(bytes)
    let whole = text(input)
    guard whole.utf8.count > limit else { return whole }
    let room = max(limit, 3) - 3
    var out = ""
    var used = 0
    // Each byte becomes one to four characters; stop before the room for "..." is used.
    for byte in input {
      let piece = text([byte])
      used += piece.utf8.count
      if used > room { break }
      out += piece
    }
    return out + "..."
  }
}
