/// One DER element: tag, content and, for constructed elements, its children.
public struct DERNode: Equatable, Sendable {
  /// The identifier octet (single-byte tags only).
  public var tag: UInt8
  /// The content octets.
  public var content: [UInt8]
  /// The whole encoding (tag, length and content).
  public var encoded: [UInt8]
  /// The parsed children of a constructed element; empty for primitives.
  public var children: [DERNode]

  /// Whether the element is constructed (bit 6 of the tag).
  public var isConstructed: Bool { tag & 0x20 != 0 }
}

/// A small, defensive DER reader.
///
/// Limits: nesting depth 24, 4 096 elements, definite lengths of at most four
/// bytes, 128 KiB per document, single-byte tags. Indefinite or non-minimal lengths and
/// trailing bytes are rejected with `SMTPProbeError` code `.protocolViolation`.
public enum DER {
  /// Deepest nesting accepted.
  public static let maxDepth = 24
  /// Most elements accepted in one document.
  public static let maxNodes = 4_096
  /// Largest document accepted.
  public static let maxLength = 1 << 17

  /// Parses exactly one element spanning all of `bytes`.
  /// - Parameter bytes: The DER encoding.
  /// - Returns: The element tree.
  /// - Throws: `SMTPProbeError` with code `.protocolViolation` when malformed.
  public static func parse(_ bytes: [UInt8]) throws -> DERNode {
    guard bytes.count <= maxLength else { throw violation("document too large") }
    var budget = maxNodes
    var index = 0
    let node = try element(bytes, &index, bytes.count, depth: 0, budget: &budget)
    guard index == bytes.count else { throw violation("\(bytes.count - index) trailing bytes") }
    return node
  }

  static func violation(_ what: String) -> SMTPProbeError {
    SMTPProbeError(.protocolViolation, "DER: \(what)")
  }

  private static func element(
    _ bytes: [UInt8], _ index: inout Int, _ end: Int, depth: Int, budget: inout Int
  ) throws -> DERNode {
    guard depth < maxDepth else { throw violation("nesting deeper than \(maxDepth)") }
    budget -= 1
    guard budget >= 0 else { throw violation("more than \(maxNodes) elements") }
    let start = index
    guard end - index >= 2 else { throw violation("truncated header") }
    let tag = bytes[index]
    guard tag & 0x1F != 0x1F else { throw violation("multi-byte tag") }
    let first = bytes[index + 1]
    index += 2
    var length = 0
    if first < 0x80 {
      length = Int(first)
    } else {
      let count = Int(first & 0x7F)
      guard count >= 1, count <= 4 else { throw violation("length of \(count) bytes") }
      guard end - index >= count else { throw violation("truncated length") }
      for _ in 0..<count {
        length = length << 8 | Int(bytes[index])
        index += 1
      }
      guard length >= 0x80, length >> ((count - 1) * 8) != 0 else {
        throw violation("non-minimal length")
      }
    }
    guard length <= end - index else { throw violation("length \(length) exceeds its parent") }
    let contentEnd = index + length
    let content = Array(bytes[index..<contentEnd])
    var children: [DERNode] = []
    if tag & 0x20 != 0 {
      // Each child consumes at least its two header bytes.
      while index < contentEnd {
        children.append(try element(bytes, &index, contentEnd, depth: depth + 1, budget: &budget))
      }
    }
    index = contentEnd
    return DERNode(
      tag: tag, content: content, encoded: Array(bytes[start..<contentEnd]), children: children)
  }

  /// Decodes an OBJECT IDENTIFIER's content as dotted text.
  /// - Parameter content: The content octets.
  /// - Returns: The dotted form (`1.2.840.113549.1.1.11`).
  /// - Throws: `SMTPProbeError` with code `.protocolViolation` when malformed.
  public static func objectIdentifier(_ content: [UInt8]) throws -> String {
    guard !content.isEmpty, content.count <= 64 else { throw violation("bad OID length") }
    var arcs: [UInt64] = []
    var value: UInt64 = 0
    var started = false
    for byte in content {
      if !started, byte == 0x80 { throw violation("non-minimal OID arc") }
      guard value >> 56 == 0 else { throw violation("OID arc too large") }
      value = value << 7 | UInt64(byte & 0x7F)
      started = true
      if byte & 0x80 == 0 {
        arcs.append(value)
        value = 0
        started = false
      }
    }
    guard !started else { throw violation("truncated OID") }
    let head = arcs[0]
    var parts: [UInt64] = head < 40 ? [0, head] : head < 80 ? [1, head - 40] : [2, head - 80]
    parts.append(contentsOf: arcs.dropFirst())
    return parts.map { String($0) }.joined(separator: ".")
  }
}
