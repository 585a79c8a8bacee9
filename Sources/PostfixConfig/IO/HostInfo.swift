import Glibc

/// Reads the facts ``HostDefaults`` needs from the running system.
public enum HostInfo {
  /// The current host: `gethostname()`, the addresses of interfaces that are up
  /// (`getifaddrs()` order, IPv4 and IPv6 only) and `getpid()`.
  /// - Parameter processName: What `process_name` should show (Postfix uses
  ///   the basename of argv[0]).
  /// - Returns: The host description; empty fields where the system refuses.
  public static func current(processName: String) -> HostEnvironment {
    HostEnvironment(
      hostname: hostname(), interfaces: interfaces(), processID: getpid(),
      processName: processName)
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
