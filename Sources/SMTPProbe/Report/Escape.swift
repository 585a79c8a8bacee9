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
}
