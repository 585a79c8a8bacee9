import PostfixConfig

/// Which TCP sockets listen, compared with what the configuration asks for.
public enum ListeningSockets {
  /// One listening TCP socket.
  public struct Socket: Sendable, Equatable {
    /// The local address (`0.0.0.0`/`::` for all).
    public var address: IPAddress
    /// The port.
    public var port: Int
  }

  /// The listening TCP sockets from `/proc/net/tcp` and `/proc/net/tcp6`.
  /// - Returns: The sockets (empty where `/proc` is unavailable).
  public static func current() -> [Socket] {
    ["/proc/net/tcp", "/proc/net/tcp6"].flatMap { path in
      parse((try? ConfigFile.read(path: path, limit: 16 << 20)) ?? [])
    }
  }

  /// Parses `/proc/net/tcp{,6}` text: the sockets in state `0A` (LISTEN).
  /// - Parameter table: The file's content.
  /// - Returns: The listening sockets.
  public static func parse(_ table: [UInt8]) -> [Socket] {
    var sockets: [Socket] = []
    for line in table.split(separator: 0x0A).dropFirst() {
      let fields = line.split(separator: 0x20)
      guard fields.count > 3, Array(fields[3]) == Array("0A".utf8) else { continue }
      let local = fields[1].split(separator: UInt8(ascii: ":"))
      guard local.count == 2, let port = Int(String(decoding: local[1], as: UTF8.self), radix: 16),
        let address = address(hex: Array(local[0]))
      else { continue }
      sockets.append(Socket(address: address, port: port))
    }
    return sockets
  }

  /// The kernel prints each 32-bit word of the address in host (little-endian) order.
  static func address(hex: [UInt8]) -> IPAddress? {
    guard hex.count == 8 || hex.count == 32 else { return nil }
    var bytes: [UInt8] = []
    for word in stride(from: 0, to: hex.count, by: 8) {
      var wordBytes: [UInt8] = []
      for index in stride(from: word, to: word + 8, by: 2) {
        guard let value = UInt8(String(decoding: hex[index..<index + 2], as: UTF8.self), radix: 16)
        else { return nil }
        wordBytes.append(value)
      }
      bytes += wordBytes.reversed()
    }
    return IPAddress(bytes: bytes)
  }

  /// The ports smtpd listens on according to master.cf, with the address a
  /// `host:port` service name fixes.
  /// - Parameter configuration: The configuration.
  /// - Returns: Port and fixed address (`nil`: `inet_interfaces` decides).
  public static func expected(_ configuration: PostfixConfiguration) -> [(
    port: Int, address: IPAddress?
  )] {
    let wellKnown = ["smtp": 25, "submission": 587, "submissions": 465, "smtps": 465]
    return configuration.services.compactMap { service in
      guard service.type == "inet" else { return nil }
      var host: IPAddress?
      var portText = service.name
      if let colon = service.name.lastIndex(of: ":") {
        host = IPAddress(
          String(service.name[..<colon]).trimmingCharacters(in: ["[", "]"]))
        portText = String(service.name[service.name.index(after: colon)...])
      }
      guard let port = wellKnown[portText] ?? Int(portText) else { return nil }
      return (port, host)
    }
  }

  /// Differences between the listening sockets and the configuration.
  /// - Parameters:
  ///   - sockets: The listening sockets.
  ///   - configuration: The configuration applied.
  /// - Returns: One sentence per difference; empty when they match.
  public static func mismatches(_ sockets: [Socket], configuration: PostfixConfiguration)
    -> [String]
  {
    let interfaces = configuration.setting("inet_interfaces").words.map { $0.lowercased() }
    var problems: [String] = []
    for (port, fixed) in expected(configuration) {
      let listening = sockets.filter { $0.port == port }
      if listening.isEmpty {
        problems.append("nothing listens on port \(port)")
        continue
      }
      for socket in listening {
        let allowed: Bool
        if let fixed {
          allowed = socket.address == fixed
        } else if interfaces.contains("all") {
          allowed = true
        } else if interfaces == ["loopback-only"] {
          allowed = socket.address.isLoopback
        } else {
          allowed = interfaces.contains { IPAddress($0) == socket.address }
        }
        if !allowed {
          problems.append(
            "port \(port) listens on \(socket.address), which inet_interfaces = "
              + "\(interfaces.joined(separator: " ")) does not include")
        }
      }
    }
    return problems
  }
}

extension String {
  fileprivate func trimmingCharacters(in set: Set<Character>) -> String {
    String(drop { set.contains($0) }.reversed().drop { set.contains($0) }.reversed())
  }
}
