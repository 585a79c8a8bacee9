import PostfixConfig

/// Where a master.cf `inet` service listens, as master binds it.
///
/// master resolves the port with `getservbyname()` and binds the host part of
/// the service name, or each address of `inet_interfaces` when there is none.
/// Two listeners whose addresses overlap on one port make master exit at
/// start-up (`bind … Address already in use`): Linux refuses a specific
/// address on a port already bound to the wildcard of its family, and the
/// reverse.
public struct Listener: Sendable, Equatable {
  /// One address a listener binds.
  public enum Address: Sendable, Hashable {
    /// Every address of one family (`inet_interfaces = all`, `0.0.0.0`, `[::]`).
    case wildcard(IPAddress.Family)
    /// One address.
    case address(IPAddress)
    /// A host name master resolves at start-up (compared by name).
    case named(String)

    /// Whether binding both on one port fails.
    func overlaps(_ other: Address) -> Bool {
      switch (self, other) {
      case (.wildcard(let a), .wildcard(let b)): return a == b
      case (.wildcard(let family), .address(let address)),
        (.address(let address), .wildcard(let family)):
        return address.family == family
      case (.address(let a), .address(let b)): return a == b
      case (.named(let a), .named(let b)): return a == b
      case (.wildcard, .named), (.named, .wildcard): return true
      default: return false
      }
    }

    var isLoopback: Bool {
      switch self {
      case .wildcard: return false
      case .address(let address): return address.isLoopback
      case .named(let name): return name == "localhost"
      }
    }
  }

  /// The master.cf service name (`smtp`, `127.0.0.1:10025`, `[::]:587`).
  public var service: String
  /// The master.cf service type (always `inet`).
  public var type: String
  /// The command (`smtpd`, `postscreen`, …).
  public var command: String
  /// The first line of the entry.
  public var line: Int
  /// The TCP port, or nil when the service names one master would look up
  /// in a services database this library does not read.
  public var port: Int?
  /// The addresses it binds.
  public var addresses: [Address]

  /// `service/type`.
  public var key: String { "\(service)/\(type)" }

  /// Whether every address it binds is a loopback address.
  public var isLoopbackOnly: Bool { !addresses.isEmpty && addresses.allSatisfy(\.isLoopback) }

  /// Whether master cannot bind both: same port, overlapping addresses.
  /// - Parameter other: Another listener.
  /// - Returns: True when they clash.
  public func clashes(with other: Listener) -> Bool {
    guard let port, port == other.port else { return false }
    return addresses.contains { mine in other.addresses.contains { mine.overlaps($0) } }
  }

  /// For each listener that clashes with an earlier one, the first earlier
  /// one it clashes with (``clashes(with:)``), in list order.
  ///
  /// Linear in the number of listeners and addresses: each port keeps the
  /// first listener per address, per family and per kind of address, so a
  /// master.cf of thousands of listeners on one port (one per address) is
  /// not compared pair by pair.
  /// - Parameter listeners: Listeners in master.cf order.
  /// - Returns: `(listener, earlier)` index pairs into `listeners`, by
  ///   ascending `listener`.
  public static func firstClashes(in listeners: [Listener]) -> [(listener: Int, earlier: Int)] {
    var ports: [Int: PortIndex] = [:]
    var result: [(listener: Int, earlier: Int)] = []
    for (index, listener) in listeners.enumerated() {
      guard let port = listener.port else { continue }
      var ofPort = ports.removeValue(forKey: port) ?? PortIndex()
      if let earlier = ofPort.firstOverlap(with: listener.addresses) {
        result.append((index, earlier))
      }
      ofPort.record(listener.addresses, at: index)
      ports[port] = ofPort
    }
    return result
  }

  /// The first listener on one port for each way a later address can
  /// overlap it (``Address/overlaps(_:)``).
  private struct PortIndex {
    /// The first listener with each address (same address, same wildcard,
    /// same name).
    var byAddress: [Address: Int] = [:]
    /// The first listener with a wildcard or an address of each family
    /// (what a wildcard of that family overlaps).
    var byFamily: [IPAddress.Family: Int] = [:]
    /// The first listener with a host name (a wildcard overlaps every name).
    var firstNamed: Int?
    /// The first listener with a wildcard of either family (which overlaps
    /// every name).
    var firstWildcard: Int?

    /// The first recorded listener that one of `addresses` overlaps.
    func firstOverlap(with addresses: [Address]) -> Int? {
      var first: Int?
      func consider(_ index: Int?) {
        if let index, first.map({ index < $0 }) ?? true { first = index }
      }
      for address in addresses {
        switch address {
        case .wildcard(let family):
          consider(byFamily[family])
          consider(firstNamed)
        case .address(let ip):
          consider(byAddress[address])
          consider(byAddress[.wildcard(ip.family)])
        case .named:
          consider(byAddress[address])
          consider(firstWildcard)
        }
      }
      return first
    }

    /// Records the addresses of listener `index` (later than every recorded one).
    mutating func record(_ addresses: [Address], at index: Int) {
      for address in addresses {
        if byAddress[address] == nil { byAddress[address] = index }
        switch address {
        case .wildcard(let family):
          if byFamily[family] == nil { byFamily[family] = index }
          if firstWildcard == nil { firstWildcard = index }
        case .address(let ip):
          if byFamily[ip.family] == nil { byFamily[ip.family] = index }
        case .named:
          if firstNamed == nil { firstNamed = index }
        }
      }
    }
  }

  /// Service names of `/etc/services` that mail servers use.
  public static let wellKnownPorts: [String: Int] = [
    "smtp": 25, "submission": 587, "submissions": 465, "smtps": 465, "urd": 465, "lmtp": 24,
  ]

  /// The inet listeners of `configuration`, in master.cf order.
  /// - Parameter configuration: The effective configuration.
  /// - Returns: One listener per `inet` service.
  public static func all(in configuration: PostfixConfiguration) -> [Listener] {
    let interfaces = configuration.setting("inet_interfaces").words.map { $0.lowercased() }
    let protocols = configuration.setting("inet_protocols").words.map { $0.lowercased() }
    var families: [IPAddress.Family] = []
    if protocols.contains("all") || protocols.contains("ipv4") || protocols.isEmpty {
      families.append(.inet4)
    }
    if protocols.contains("all") || protocols.contains("ipv6") { families.append(.inet6) }
    return configuration.services.filter { $0.type == "inet" }.map { service in
      let (host, portText) = split(service.name)
      let port = Int(portText) ?? wellKnownPorts[portText.lowercased()]
      let addresses: [Address]
      if let host {
        addresses = [address(host, families: families)].compactMap { $0 }
      } else {
        addresses = interfaces.flatMap { word -> [Address] in
          switch word {
          case "all": return families.map { .wildcard($0) }
          case "loopback-only":
            return families.compactMap {
              IPAddress($0 == .inet4 ? "127.0.0.1" : "::1").map { .address($0) }
            }
          default: return [address(word, families: families)].compactMap { $0 }
          }
        }
      }
      return Listener(
        service: service.name, type: service.type, command: service.command, line: service.line,
        port: port, addresses: addresses)
    }
  }

  /// Splits `host:port`, `[v6]:port` or `port`.
  static func split(_ name: String) -> (host: String?, port: String) {
    guard let colon = name.lastIndex(of: ":") else { return (nil, name) }
    var host = String(name[..<colon])
    if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
    return (host, String(name[name.index(after: colon)...]))
  }

  static func address(_ text: String, families: [IPAddress.Family]) -> Address? {
    var host = text
    if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
    if host.isEmpty { return nil }
    guard let address = IPAddress(host) else { return .named(host.lowercased()) }
    if address.bytes.allSatisfy({ $0 == 0 }) { return .wildcard(address.family) }
    return .address(address)
  }
}
