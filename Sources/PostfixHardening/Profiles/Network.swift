import PostfixConfig

/// A network in CIDR notation, validated for `mynetworks`.
public struct Network: Sendable, Equatable {
  /// The network address (host bits clear).
  public let address: IPAddress
  /// The prefix length.
  public let prefixLength: Int

  /// The narrowest IPv4 and IPv6 prefixes accepted as "internal systems".
  public static let minimumPrefix = (inet4: 8, inet6: 16)

  /// Parses `192.0.2.0/24`, `2001:db8::/32` or `[2001:db8::]/32`; a bare
  /// address is a single host.
  /// - Parameter text: The network text.
  /// - Throws: ``PostfixHardeningError`` `invalidRequest` for malformed text,
  ///   host bits set (with the network to use instead) or a prefix wider than
  ///   ``minimumPrefix``.
  public init(_ text: String) throws {
    let bad = { (why: String) in
      PostfixHardeningError(
        .invalidRequest, "bad network '\(Printable.sanitize(text.utf8))': \(why)")
    }
    var addressText = Substring(text)
    var prefixText: Substring?
    if let slash = text.lastIndex(of: "/") {
      addressText = text[..<slash]
      prefixText = text[text.index(after: slash)...]
    }
    if addressText.hasPrefix("[") && addressText.hasSuffix("]") && addressText.count >= 2 {
      addressText = addressText.dropFirst().dropLast()
    }
    guard let address = IPAddress(String(addressText)) else {
      throw bad("not an IPv4 or IPv6 address (expected CIDR such as 192.0.2.0/24)")
    }
    let maximum = address.family == .inet4 ? 32 : 128
    var length = maximum
    if let prefixText {
      guard !prefixText.isEmpty, prefixText.count <= 3, prefixText.allSatisfy(\.isASCIIDigit),
        let parsed = Int(prefixText), parsed <= maximum
      else { throw bad("the prefix length must be 0 to \(maximum)") }
      length = parsed
    }
    let minimum = address.family == .inet4 ? Self.minimumPrefix.inet4 : Self.minimumPrefix.inet6
    if length < minimum {
      throw bad("/\(length) is too wide to trust; use /\(minimum) or narrower")
    }
    let network = address.masked(prefixLength: length)
    if network != address {
      let suggestion = Network(address: network, prefixLength: length).postfixText
      throw bad("host bits are set; did you mean '\(suggestion)'?")
    }
    self.address = address
    self.prefixLength = length
  }

  private init(address: IPAddress, prefixLength: Int) {
    self.address = address
    self.prefixLength = prefixLength
  }

  /// The network as `mynetworks` wants it (`192.0.2.0/24`, `[2001:db8::]/32`).
  public var postfixText: String {
    address.family == .inet4
      ? "\(address)/\(prefixLength)" : "[\(address)]/\(prefixLength)"
  }
}

extension Character {
  fileprivate var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
