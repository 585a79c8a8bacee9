/// A server to probe: a host and, when given, a port.
///
/// Parsed from the forms a command line takes: `host`, `host:port`, `192.0.2.1:25`,
/// `[2001:db8::1]:25`, `[::1]` and a bare IPv6 address (`::1`, no port). A host is a name
/// or a numeric address; nothing is resolved here.
public struct ProbeTarget: Hashable, Sendable, CustomStringConvertible {
  /// The name or numeric address, without brackets.
  public var host: String
  /// The port, when one was given.
  public var port: UInt16?

  /// The longest target text accepted, in bytes.
  public static let maxLength = 300

  /// Creates a target.
  /// - Parameters:
  ///   - host: A name or numeric address, without brackets.
  ///   - port: The port, if any.
  public init(host: String, port: UInt16? = nil) {
    self.host = host
    self.port = port
  }

  /// Parses `HOST`, `HOST:PORT`, `[V6]`, `[V6]:PORT` or a bare IPv6 address.
  ///
  /// The text must be printable ASCII without spaces, at most ``maxLength`` bytes; a port
  /// is 1 to 65535; brackets hold a numeric address only.
  /// - Parameter text: The target as written; nil when it is malformed.
  public init?(parsing text: String) {
    guard !text.isEmpty, text.utf8.count <= Self.maxLength,
      text.utf8.allSatisfy({ (0x21...0x7E).contains($0) })
    else { return nil }
    if text.hasPrefix("[") {
      guard let close = text.firstIndex(of: "]") else { return nil }
      let host = String(text[text.index(after: text.startIndex)..<close])
      let rest = text[text.index(after: close)...]
      guard SocketAddress.numeric(host, port: 0) != nil else { return nil }
      if rest.isEmpty {
        self.init(host: host)
        return
      }
      guard rest.hasPrefix(":"), let port = Self.port(rest.dropFirst()) else { return nil }
      self.init(host: host, port: port)
      return
    }
    let colons = text.utf8.filter { $0 == UInt8(ascii: ":") }.count
    if colons > 1 {
      guard SocketAddress.numeric(text, port: 0) != nil else { return nil }
      self.init(host: text)
      return
    }
    if colons == 1, let colon = text.firstIndex(of: ":") {
      let host = String(text[..<colon])
      guard !host.isEmpty, let port = Self.port(text[text.index(after: colon)...]) else {
        return nil
      }
      self.init(host: host, port: port)
      return
    }
    self.init(host: text)
  }

  /// `host:port`, `[v6]:port`, or the host alone without a port; escaped for a terminal.
  public var description: String {
    let host = Escape.text(Array(self.host.utf8))
    let shown = self.host.contains(":") ? "[\(host)]" : host
    return port.map { "\(shown):\($0)" } ?? shown
  }

  /// The target with `port` filled in when it has none.
  /// - Parameter defaultPort: The port to use when none was given.
  /// - Returns: The target with a port.
  public func withPort(default defaultPort: UInt16) -> ProbeTarget {
    ProbeTarget(host: host, port: port ?? defaultPort)
  }

  private static func port(_ text: Substring) -> UInt16? {
    guard !text.isEmpty, text.count <= 5, text.utf8.allSatisfy({ (0x30...0x39).contains($0) }),
      let value = Int(text), (1...65535).contains(value)
    else { return nil }
    return UInt16(value)
  }
}
