import Glibc
import Synchronization

/// Reads the facts ``HostDefaults`` needs from the running system.
public enum HostInfo {
  /// The current host: `gethostname()`, the addresses of interfaces that are up
  /// (`getifaddrs()` order, IPv4 and IPv6 only), `getpid()` and the system's
  /// resolver for host names in `inet_interfaces` (``systemResolver()``).
  /// - Parameter processName: What `process_name` should show (Postfix uses
  ///   the basename of argv[0]).
  /// - Returns: The host description; empty fields where the system refuses.
  public static func current(processName: String) -> HostEnvironment {
    HostEnvironment(
      hostname: hostname(), interfaces: interfaces(), processID: getpid(),
      processName: processName, resolver: systemResolver())
  }

  /// The longest host name ``systemResolver()`` looks up, in bytes.
  public static let maximumHostNameLength = 255

  /// The system's resolver, as Postfix's `inet_addr_host()` uses it:
  /// `getaddrinfo()` with `SOCK_STREAM` and the family `inet_protocols`
  /// selects (`AF_UNSPEC` for both), so `/etc/hosts`, DNS and the rest of
  /// nsswitch.conf answer as they answer Postfix on this host.
  ///
  /// Each name and family set is looked up once per resolver; a name that is
  /// empty, longer than ``maximumHostNameLength`` bytes or holds a NUL byte is
  /// not looked up (not found).
  /// - Returns: The resolver.
  public static func systemResolver() -> HostResolver {
    let answers = Answers()
    return HostResolver { name, families in
      let key = Answers.Key(name: name, families: families)
      if let known = answers.table.withLock({ $0[key] }) { return known }
      let found = addresses(of: name, families: families)
      answers.table.withLock { $0[key] = found }
      return found
    }
  }

  // The lookups one resolver has made.
  private final class Answers: Sendable {
    struct Key: Hashable {
      var name: String
      var families: Set<IPAddress.Family>
    }
    let table = Mutex<[Key: [IPAddress]]>([:])
  }

  /// Whether ``systemResolver()`` passes `name` to `getaddrinfo()`: 1 to
  /// ``maximumHostNameLength`` bytes, no NUL.
  static func isLookedUp(_ name: String) -> Bool {
    let count = name.utf8.count
    return count > 0 && count <= maximumHostNameLength && !name.utf8.contains(0)
  }

  // getaddrinfo() as hostname_to_sockaddr() calls it, without a service.
  private static func addresses(of name: String, families: Set<IPAddress.Family>)
    -> [IPAddress]
  {
    guard isLookedUp(name), !families.isEmpty else { return [] }
    var hints = addrinfo()
    hints.ai_family =
      families.count == 2 ? AF_UNSPEC : families.contains(.inet4) ? AF_INET : AF_INET6
    hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
    var head: UnsafeMutablePointer<addrinfo>?
    guard getaddrinfo(name, nil, &hints, &head) == 0 else { return [] }
    defer { freeaddrinfo(head) }
    var result: [IPAddress] = []
    var cursor = head
    while let entry = cursor {
      cursor = entry.pointee.ai_next
      guard let address = entry.pointee.ai_addr.flatMap({ self.address($0) }),
        families.contains(address.family)
      else { continue }
      result.append(address)
    }
    return result
  }

  private static func hostname() -> String {
    var buffer = [CChar](repeating: 0, count: 256)
    guard gethostname(&buffer, buffer.count - 1) == 0 else { return "" }
    let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
    return String(decoding: bytes, as: UTF8.self)
  }

  private static func interfaces() -> [NetworkInterface] {
    var head: UnsafeMutablePointer<ifaddrs>?
    guard getifaddrs(&head) == 0 else { return [] }
    defer { freeifaddrs(head) }
    var result: [NetworkInterface] = []
    var cursor = head
    while let entry = cursor {
      cursor = entry.pointee.ifa_next
      guard entry.pointee.ifa_flags & UInt32(IFF_UP) != 0,
        let address = entry.pointee.ifa_addr,
        let parsed = self.address(address)
      else { continue }
      let mask = entry.pointee.ifa_netmask.flatMap { self.address($0) }
      let prefix = mask.map(prefixLength) ?? parsed.bytes.count * 8
      let name = entry.pointee.ifa_name.map { String(cString: $0) } ?? ""
      result.append(NetworkInterface(name: name, address: parsed, prefixLength: prefix))
    }
    return result
  }

  private static func address(_ pointer: UnsafeMutablePointer<sockaddr>) -> IPAddress? {
    switch Int32(pointer.pointee.sa_family) {
    case AF_INET:
      return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { sin in
        withUnsafeBytes(of: sin.pointee.sin_addr) { IPAddress(bytes: Array($0)) }
      }
    case AF_INET6:
      return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { sin6 in
        withUnsafeBytes(of: sin6.pointee.sin6_addr) { IPAddress(bytes: Array($0)) }
      }
    default:
      return nil
    }
  }

  // Leading one bits of a netmask (what Postfix's subnet style counts).
  private static func prefixLength(_ mask: IPAddress) -> Int {
    var count = 0
    for byte in mask.bytes {
      if byte == 0xFF {
        count += 8
        continue
      }
      count += (~byte).leadingZeroBitCount
      break
    }
    return count
  }
}
