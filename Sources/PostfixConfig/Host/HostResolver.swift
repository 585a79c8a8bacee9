/// Turns the host names of `inet_interfaces` into addresses, as Postfix's
/// `inet_addr_host()` does with `getaddrinfo()`.
///
/// A plain value wrapping a lookup function, so the library stays pure:
/// ``HostInfo/current(processName:)`` supplies the system's resolver
/// (``HostInfo/systemResolver()``), tests a table (``table(_:)``) or their own
/// function. Only words of `inet_interfaces` that are neither `all`,
/// `loopback-only` nor a numeric address are looked up.
public struct HostResolver: Sendable {
  private let lookup: @Sendable (String, Set<IPAddress.Family>) -> [IPAddress]

  /// Creates a resolver from a lookup function.
  /// - Parameter lookup: Given a host name (brackets already removed) and the
  ///   families `inet_protocols` enables (both: `getaddrinfo()` with
  ///   `AF_UNSPEC`; one: `AF_INET` or `AF_INET6`), returns the name's
  ///   addresses in the resolver's order, none when it is not found.
  public init(
    _ lookup: @escaping @Sendable (_ name: String, _ families: Set<IPAddress.Family>) -> [IPAddress]
  ) {
    self.lookup = lookup
  }

  /// The addresses of a host name.
  /// - Parameters:
  ///   - name: The host name.
  ///   - families: The address families to ask for.
  /// - Returns: The addresses of those families; empty when not found.
  public func addresses(of name: String, families: Set<IPAddress.Family>) -> [IPAddress] {
    lookup(name, families).filter { families.contains($0.family) }
  }

  /// A resolver that finds no name.
  public static let empty = HostResolver { _, _ in [] }

  /// A resolver that answers from a fixed table, like a hosts file.
  /// - Parameter table: Host name (matched exactly) to addresses; other
  ///   names are not found.
  /// - Returns: The resolver.
  public static func table(_ table: [String: [IPAddress]]) -> HostResolver {
    HostResolver { name, _ in table[name] ?? [] }
  }
}
