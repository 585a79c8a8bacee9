import PostfixConfig

/// The prime size of PEM `DH PARAMETERS` (pure Swift: base64 and minimal DER).
public enum DHParameterFile {
  /// The largest file read.
  public static let sizeLimit = 1 << 20

  /// The size in bits of the prime `p` in the first `BEGIN DH PARAMETERS`
  /// (PKCS #3) or `BEGIN X9.42 DH PARAMETERS` block, or nil when there is
  /// none or it is malformed.
  /// - Parameter pem: The file's contents.
  /// - Returns: The prime's bit length.
  public static func primeBits(pem: [UInt8]) -> Int? {
    let text = String(decoding: pem, as: UTF8.self)
    let begin = "DH PARAMETERS-----"
    let end = "-----END "
    guard let start = text.firstRange(of: begin),
      let stop = text[start.upperBound...].firstRange(of: end),
      let der = base64Decode(Array(text[start.upperBound..<stop.lowerBound].utf8))
    else { return nil }
    return primeBits(der: der)
  }

  /// The bit length of `p` in DER `SEQUENCE { INTEGER p, INTEGER g, ... }`.
  /// - Parameter der: The DER bytes.
  /// - Returns: The bit length, or nil when malformed.
  public static func primeBits(der: [UInt8]) -> Int? {
    var offset = 0
    guard let sequence = element(der, &offset), sequence.tag == 0x30 else { return nil }
    var inner = 0
    guard let prime = element(sequence.content, &inner), prime.tag == 0x02 else { return nil }
    var bytes = prime.content[...]
    while let first = bytes.first, first == 0 { bytes = bytes.dropFirst() }
    guard let first = bytes.first else { return 0 }
    return (bytes.count - 1) * 8 + (8 - first.leadingZeroBitCount)
  }

  static func element(_ bytes: [UInt8], _ offset: inout Int) -> (tag: UInt8, content: [UInt8])? {
    guard offset + 2 <= bytes.count else { return nil }
    let tag = bytes[offset]
    var length = Int(bytes[offset + 1])
    var position = offset + 2
    if length & 0x80 != 0 {
      let count = length & 0x7F
      guard count >= 1, count <= 4, position + count <= bytes.count else { return nil }
      length = 0
      for byte in bytes[position..<position + count] { length = length << 8 | Int(byte) }
      position += count
    }
    guard length >= 0, position + length <= bytes.count else { return nil }
    offset = position + length
    return (tag, Array(bytes[position..<position + length]))
  }

  static func base64Decode(_ text: [UInt8]) -> [UInt8]? {
    var output: [UInt8] = []
    var buffer: UInt32 = 0
    var bits = 0
    for byte in text {
      let value: UInt8
      switch byte {
      case UInt8(ascii: "A")...UInt8(ascii: "Z"): value = byte - UInt8(ascii: "A")
      case UInt8(ascii: "a")...UInt8(ascii: "z"): value = byte - UInt8(ascii: "a") + 26
      case UInt8(ascii: "0")...UInt8(ascii: "9"): value = byte - UInt8(ascii: "0") + 52
      case UInt8(ascii: "+"): value = 62
      case UInt8(ascii: "/"): value = 63
      case UInt8(ascii: "="), 0x0A, 0x0D, 0x20, 0x09: continue
      default: return nil
      }
      buffer = buffer << 6 | UInt32(value)
      bits += 6
      if bits >= 8 {
        bits -= 8
        output.append(UInt8(truncatingIfNeeded: buffer >> UInt32(bits)))
        buffer &= (1 << UInt32(bits)) - 1
      }
    }
    return output
  }
}
