import PostfixConfig

/// A network in Postfix's `mynetworks` notation (`192.0.2.0/24`, `[::1]/128`).
struct CIDR: Equatable, Sendable {
  var address: IPAddress
  var prefixLength: Int

  /// What a list word is.
  enum Word: Equatable {
    case network(CIDR)
    /// A table lookup, file name or host name: not judged.
    case other
    /// Looks like an address but Postfix would reject it.
    case invalid(String)
  }

  /// Parses a network, or nil for anything else.
  static func parse(_ word: String) -> CIDR? {
    if case .network(let network) = classify(word) { return network }
    return nil
  }

  static func classify(_ word: String) -> Word {
    var text = Substring(word)
    if text.hasPrefix("!") { text = text.dropFirst() }
    if text.hasPrefix("/") { return .other }
    if let colon = text.firstIndex(of: ":"), !text.hasPrefix("[") {
      let head = text[..<colon]
      let after = text[text.index(after: colon)...]
      let isHex = head.allSatisfy { $0.isHexDigit }
      if after.hasPrefix("/") || !isHex { return .other }
    }
    var addressText = text
    var prefixText: Substring?
    if let slash = text.lastIndex(of: "/") {
      addressText = text[..<slash]
      prefixText = text[text.index(after: slash)...]
    }
    if addressText.hasPrefix("[") {
      guard addressText.hasSuffix("]") else { return .invalid("unbalanced brackets in \(word)") }
      addressText = addressText.dropFirst().dropLast()
    }
    guard let address = IPAddress(String(addressText)) else {
      let looksNumeric = addressText.allSatisfy { $0.isNumber || $0 == "." }
      if prefixText != nil || looksNumeric || addressText.contains(":") {
        return .invalid("\(word) is not a valid address or network")
      }
      return .other
    }
    let maximum = address.family == .inet4 ? 32 : 128
    guard let prefixText else { return .network(CIDR(address: address, prefixLength: maximum)) }
    guard let prefix = Int(prefixText), prefix >= 0, prefix <= maximum,
      prefixText.allSatisfy({ $0.isNumber })
    else { return .invalid("bad network mask length in \(word)") }
    let masked = address.masked(prefixLength: prefix)
    guard masked == address else {
      return .invalid(
        "non-null host address bits in \(word), perhaps you should use \(masked)/\(prefix)")
    }
    return .network(CIDR(address: address, prefixLength: prefix))
  }

  /// Whether this network lies inside `other`.
  func isInside(_ other: CIDR) -> Bool {
    address.family == other.address.family && prefixLength >= other.prefixLength
      && address.masked(prefixLength: other.prefixLength) == other.address
  }

  /// The private and special-use ranges (RFC 1918, RFC 6598, RFC 4193, link-local).
  static let privateRanges: [CIDR] = [
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16",
    "fc00::/7", "fe80::/10",
  ].compactMap { parse($0) }

  /// Whether the network is loopback (127/8, ::1, ::ffff:127/104).
  var isLoopback: Bool {
    address.isLoopback || RoleInference.isMappedLoopback(address) && prefixLength >= 104
  }

  /// Whether the network is one address (/32, /128).
  var isSingleHost: Bool { prefixLength == (address.family == .inet4 ? 32 : 128) }

  /// The private range it lies in, if any.
  var privateRange: CIDR? { Self.privateRanges.first { isInside($0) } }

  var text: String {
    address.family == .inet4 ? "\(address)/\(prefixLength)" : "[\(address)]/\(prefixLength)"
  }
}
