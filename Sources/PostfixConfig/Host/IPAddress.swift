/// An IPv4 or IPv6 address as bytes in network order.
public struct IPAddress: Hashable, Sendable, CustomStringConvertible {
  /// The address family.
  public enum Family: Sendable, Hashable {
    /// IPv4, 4 bytes.
    case inet4
    /// IPv6, 16 bytes.
    case inet6
  }

  /// The 4 or 16 address bytes, most significant first.
  public let bytes: [UInt8]

  /// The family, from the byte count.
  public var family: Family { bytes.count == 4 ? .inet4 : .inet6 }

  /// Creates an address from 4 (IPv4) or 16 (IPv6) bytes; `nil` for other counts.
  /// - Parameter bytes: The address bytes in network order.
  public init?(bytes: [UInt8]) {
    guard bytes.count == 4 || bytes.count == 16 else { return nil }
    self.bytes = bytes
  }

  /// Parses a numeric address: dotted IPv4 (`192.0.2.1`) or IPv6 text
  /// (`fd00::2`, `::ffff:192.0.2.1`); `nil` for anything else.
  /// - Parameter text: The address text, without brackets or prefix length.
  public init?(_ text: String) {
    if let v4 = Self.parse4(Array(text.utf8)) {
      self.bytes = v4
    } else if let v6 = Self.parse6(Array(text.utf8)) {
      self.bytes = v6
    } else {
      return nil
    }
  }

  /// Whether this is a loopback address (127.0.0.0/8 or ::1).
  public var isLoopback: Bool {
    switch family {
    case .inet4: return bytes[0] == 127
    case .inet6: return bytes.dropLast().allSatisfy { $0 == 0 } && bytes[15] == 1
    }
  }

  /// Whether this is the unspecified address (0.0.0.0 or ::).
  public var isUnspecified: Bool { bytes.allSatisfy { $0 == 0 } }

  /// The address with every bit after the first `prefixLength` cleared.
  /// - Parameter prefixLength: The number of bits to keep.
  /// - Returns: The network address.
  public func masked(prefixLength: Int) -> IPAddress {
    var out = bytes
    for index in out.indices {
      let keep = min(max(prefixLength - index * 8, 0), 8)
      out[index] &= keep == 0 ? 0 : UInt8(truncatingIfNeeded: 0xFF << (8 - keep))
    }
    return IPAddress(uncheckedBytes: out)
  }

  private init(uncheckedBytes: [UInt8]) { self.bytes = uncheckedBytes }

  /// The address as `inet_ntop` writes it (glibc): dotted quad, or lower-case
  /// IPv6 with the longest run (at least two) of zero groups written `::`.
  public var description: String {
    if family == .inet4 { return bytes.map { String($0) }.joined(separator: ".") }
    let words = (0..<8).map { Int(bytes[2 * $0]) << 8 | Int(bytes[2 * $0 + 1]) }
    var best = (start: -1, length: 0)
    var run = (start: -1, length: 0)
    for (index, word) in words.enumerated() {
      if word == 0 {
        if run.start < 0 { run = (index, 0) }
        run.length += 1
        if run.length > best.length { best = run }
      } else {
        run = (-1, 0)
      }
    }
    if best.length < 2 { best = (-1, 0) }
    var text = ""
    var index = 0
    while index < 8 {
      if index == best.start {
        text += "::"
        index += best.length
        continue
      }
      if index == 6, best.start == 0, best.length == 6 || (best.length == 5 && words[5] == 0xFFFF) {
        if !text.hasSuffix(":") { text += ":" }
        text += bytes[12...].map { String($0) }.joined(separator: ".")
        break
      }
      if !text.isEmpty, !text.hasSuffix(":") { text += ":" }
      text += String(words[index], radix: 16)
      index += 1
    }
    return text
  }

  private static func parse4(_ text: [UInt8]) -> [UInt8]? {
    let parts = text.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
    guard parts.count == 4 else { return nil }
    var out: [UInt8] = []
    for part in parts {
      guard !part.isEmpty, part.count <= 3,
        part.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) })
      else { return nil }
      let value = part.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
      guard value <= 255 else { return nil }
      out.append(UInt8(value))
    }
    return out
  }

  private static func parse6(_ text: [UInt8]) -> [UInt8]? {
    guard text.count >= 2, text.count <= 45 else { return nil }
    var head: [UInt16] = []
    var tail: [UInt16] = []
    var sawGap = false
    var index = 0
    if text.starts(with: Array("::".utf8)) {
      sawGap = true
      index = 2
    }
    while index < text.count {
      // One group: hex digits, or a trailing dotted IPv4 part.
      var end = index
      while end < text.count, text[end] != UInt8(ascii: ":") { end += 1 }
      let group = Array(text[index..<end])
      if end == text.count, group.contains(UInt8(ascii: ".")) {
        guard let v4 = parse4(group) else { return nil }
        let words = [UInt16(v4[0]) << 8 | UInt16(v4[1]), UInt16(v4[2]) << 8 | UInt16(v4[3])]
        if sawGap { tail += words } else { head += words }
        index = end
        break
      }
      guard !group.isEmpty, group.count <= 4,
        let word = UInt16(String(decoding: group, as: UTF8.self), radix: 16)
      else { return nil }
      if sawGap { tail.append(word) } else { head.append(word) }
      index = end
      if index < text.count {
        index += 1  // the ':'
        if index < text.count, text[index] == UInt8(ascii: ":") {
          guard !sawGap else { return nil }
          sawGap = true
          index += 1
        } else if index == text.count {
          return nil  // trailing single ':'
        }
      }
    }
    let count = head.count + tail.count
    if sawGap { guard count <= 7 else { return nil } } else { guard count == 8 else { return nil } }
    let words = head + Array(repeating: 0, count: 8 - count) + tail
    return words.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
  }
}
