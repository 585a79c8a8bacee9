/// Bytes from hexadecimal text; spaces and newlines are ignored.
func hexBytes(_ text: String) -> [UInt8] {
  let digits = Array(text.utf8).filter { $0 != 0x20 && $0 != 0x0A }
  var out: [UInt8] = []
  var index = 0
  while index + 1 < digits.count {
    let pair = String(decoding: digits[index..<index + 2], as: UTF8.self)
    out.append(UInt8(pair, radix: 16) ?? 0)
    index += 2
  }
  return out
}

/// Lower-case hexadecimal text of bytes.
func hexString(_ bytes: [UInt8]) -> String {
  bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
}
