/// A bounds-checked cursor over a byte array.
///
/// Every read checks the remaining length first and throws
/// ``SMTPProbeError/Code/protocolViolation`` instead of trapping, so hostile
/// lengths can never index out of range. Each successful read advances the
/// cursor by at least one byte or by the length it read.
struct TLSByteReader {
  private let bytes: [UInt8]
  private(set) var index: Int
  let end: Int

  init(_ bytes: [UInt8]) {
    self.bytes = bytes
    self.index = 0
    self.end = bytes.count
  }

  private init(bytes: [UInt8], index: Int, end: Int) {
    self.bytes = bytes
    self.index = index
    self.end = end
  }

  var remaining: Int { end - index }
  var isAtEnd: Bool { index >= end }

  static func violation(_ what: String) -> SMTPProbeError {
    SMTPProbeError(.protocolViolation, "TLS: \(what)")
  }

  private mutating func need(_ count: Int, _ what: String) throws {
    if count < 0 || count > remaining { throw Self.violation("truncated \(what)") }
  }

  mutating func readUInt8(_ what: String) throws -> UInt8 {
    try need(1, what)
    defer { index += 1 }
    return bytes[index]
  }

  mutating func readUInt16(_ what: String) throws -> UInt16 {
    try need(2, what)
    defer { index += 2 }
    return UInt16(bytes[index]) << 8 | UInt16(bytes[index + 1])
  }

  mutating func readUInt24(_ what: String) throws -> Int {
    try need(3, what)
    defer { index += 3 }
    return Int(bytes[index]) << 16 | Int(bytes[index + 1]) << 8 | Int(bytes[index + 2])
  }

  mutating func readBytes(_ count: Int, _ what: String) throws -> [UInt8] {
    try need(count, what)
    defer { index += count }
    return Array(bytes[index..<index + count])
  }

  /// Returns a reader over the next `count` bytes and skips them here.
  mutating func sub(_ count: Int, _ what: String) throws -> TLSByteReader {
    try need(count, what)
    defer { index += count }
    return TLSByteReader(bytes: bytes, index: index, end: index + count)
  }

  /// Reads a vector with a one-byte length prefix.
  mutating func readVector8(_ what: String) throws -> [UInt8] {
    let count = Int(try readUInt8(what))
    return try readBytes(count, what)
  }

  /// Reads a vector with a two-byte length prefix.
  mutating func readVector16(_ what: String) throws -> [UInt8] {
    let count = Int(try readUInt16(what))
    return try readBytes(count, what)
  }

  /// Returns a reader over a vector with a two-byte length prefix.
  mutating func subVector16(_ what: String) throws -> TLSByteReader {
    let count = Int(try readUInt16(what))
    return try sub(count, what)
  }

  /// Returns a reader over a vector with a three-byte length prefix.
  mutating func subVector24(_ what: String) throws -> TLSByteReader {
    let count = try readUInt24(what)
    return try sub(count, what)
  }

  /// The unread bytes, without moving the cursor.
  func rest() -> [UInt8] {
    Array(bytes[index..<end])
  }

  /// Throws when unread bytes remain: trailing data is a protocol violation.
  func expectEnd(_ what: String) throws {
    if index != end { throw Self.violation("\(remaining) trailing bytes after \(what)") }
  }
}

/// The number of significant bits in a big-endian unsigned integer.
func tlsBitLength(ofBigEndian bytes: [UInt8]) -> Int {
  var index = 0
  while index < bytes.count, bytes[index] == 0 { index += 1 }
  guard index < bytes.count else { return 0 }
  let leading = bytes[index]
  return (bytes.count - index - 1) * 8 + (8 - leading.leadingZeroBitCount)
}

/// `0xC02F`-style rendering of a 16-bit identifier.
func tlsHex16(_ value: UInt16) -> String {
  let digits: [Character] = Array("0123456789ABCDEF")
  var text = "0x"
  for shift in stride(from: 12, through: 0, by: -4) {
    text.append(digits[Int((value >> UInt16(shift)) & 0xF)])
  }
  return text
}
