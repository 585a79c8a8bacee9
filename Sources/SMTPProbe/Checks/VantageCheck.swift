/// Decides whether the server likely trusts a client address (inside `mynetworks`).
enum VantageCheck {
  /// True for loopback, private, shared, link-local and unique-local addresses, and for
  /// an address in the server's own /24 (IPv4) or /64 (IPv6).
  /// - Parameters:
  ///   - address: The client address as the server sees it.
  ///   - server: The server's address, when known.
  /// - Returns: Whether the server likely trusts it.
  static func likelyTrusted(_ address: SocketAddress, server: SocketAddress?) -> Bool {
    let b = address.bytes
    if let server, server.family == address.family {
      let prefix = address.family == .ipv4 ? 3 : 8
      if Array(server.bytes.prefix(prefix)) == Array(b.prefix(prefix)) { return true }
    }
    switch address.family {
    case .ipv4:
      guard b.count == 4 else { return false }
      return b[0] == 127 || b[0] == 10 || (b[0] == 172 && (16...31).contains(b[1]))
        || (b[0] == 192 && b[1] == 168) || (b[0] == 169 && b[1] == 254)
        || (b[0] == 100 && (64...127).contains(b[1])) || b[0] == 0
    case .ipv6:
      guard b.count == 16 else { return false }
      if b.prefix(15).allSatisfy({ $0 == 0 }) && (b[15] == 1 || b[15] == 0) { return true }
      if b[0] & 0xFE == 0xFC { return true }  // fc00::/7
      if b[0] == 0xFE && b[1] & 0xC0 == 0x80 { return true }  // fe80::/10
      // IPv4-mapped: judge the IPv4 address.
      if b.prefix(10).allSatisfy({ $0 == 0 }) && b[10] == 0xFF && b[11] == 0xFF {
        let v4 = SocketAddress(family: .ipv4, bytes: Array(b[12...]), port: 0)
        return likelyTrusted(v4, server: nil)
      }
      return false
    }
  }
}
