// Every libc call SMTPProbe makes lives in this file, behind small typed wrappers.
// EINTR is retried; EBADF and EFAULT are programming errors (precondition); every other
// failure is thrown as an SMTPProbeError naming the call and errno.

#if canImport(Glibc)
import Glibc
#endif

/// An errno value with its name for messages.
struct Errno: Equatable, Sendable {
  var rawValue: Int32

  /// The current thread's errno.
  static var current: Errno { Errno(rawValue: errno) }

  /// `strerror` text for the value.
  var message: String {
    guard let text = strerror(rawValue) else { return "errno \(rawValue)" }
    return String(cString: text)
  }

  /// The error thrown for a failed call.
  /// - Parameter call: The name of the libc call that failed.
  /// - Returns: A `.system` error, or `.timeout` for ETIMEDOUT.
  func error(_ call: String) -> SMTPProbeError {
    precondition(rawValue != EBADF && rawValue != EFAULT, "\(call): \(message) (a bug)")
    if rawValue == ETIMEDOUT { return SMTPProbeError(.timeout, "\(call): \(message)") }
    if rawValue == ECONNRESET || rawValue == EPIPE {
      return SMTPProbeError(.closed, "\(call): \(message)")
    }
    return SMTPProbeError(.system, "\(call): \(message)")
  }
}

/// Reads the monotonic clock.
/// - Returns: Nanoseconds since an arbitrary fixed point.
func monotonicNanoseconds() -> UInt64 {
  var spec = timespec()
  clock_gettime(CLOCK_MONOTONIC, &spec)
  return UInt64(spec.tv_sec) &* 1_000_000_000 &+ UInt64(spec.tv_nsec)
}

/// Sleeps for a duration, resuming after signals until it has passed.
/// - Parameter nanoseconds: How long to sleep.
func sleepNanoseconds(_ nanoseconds: UInt64) {
  var request = timespec(
    tv_sec: Int(nanoseconds / 1_000_000_000), tv_nsec: Int(nanoseconds % 1_000_000_000))
  var remaining = timespec()
  while nanosleep(&request, &remaining) != 0 && errno == EINTR {
    request = remaining
  }
}

/// Reads the wall clock (for certificate validity).
/// - Returns: Seconds since 1970.
func wallClockSeconds() -> Int64 {
  Int64(time(nil))
}

/// Fills a buffer with random bytes from the kernel.
/// - Parameter count: How many bytes.
/// - Returns: The bytes (falls back to the system generator on failure).
func randomBytes(_ count: Int) -> [UInt8] {
  var generator = SystemRandomNumberGenerator()
  return (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
}

/// An IPv4 or IPv6 socket address (`sockaddr_in` / `sockaddr_in6`).
public struct SocketAddress: Equatable, Sendable, CustomStringConvertible {
  /// The address family.
  public enum Family: Sendable { case ipv4, ipv6 }

  /// The family.
  public let family: Family
  /// The address bytes in network order (4 or 16 bytes).
  public let bytes: [UInt8]
  /// The port.
  public let port: UInt16

  /// Parses a numeric IPv4 or IPv6 address (no name lookup).
  /// - Parameters:
  ///   - text: `192.0.2.1`, `::1` or `[::1]`.
  ///   - port: The port.
  /// - Returns: The address, or nil when `text` is not a numeric address.
  public static func numeric(_ text: String, port: UInt16) -> SocketAddress? {
    var host = text
    if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
    if host.isEmpty || host.utf8.count > 64 || host.utf8.contains(0) { return nil }
    var v4 = in_addr()
    if inet_pton(AF_INET, host, &v4) == 1 {
      let raw = withUnsafeBytes(of: v4) { Array($0) }
      return SocketAddress(family: .ipv4, bytes: raw, port: port)
    }
    var v6 = in6_addr()
    if inet_pton(AF_INET6, host, &v6) == 1 {
      let raw = withUnsafeBytes(of: v6) { Array($0) }
      return SocketAddress(family: .ipv6, bytes: raw, port: port)
    }
    return nil
  }

  /// Resolves a host name or numeric address to stream socket addresses.
  ///
  /// Name lookup uses `getaddrinfo` and is not bounded by the probe's deadlines.
  /// - Parameters:
  ///   - host: A name or numeric address.
  ///   - port: The port.
  /// - Returns: The addresses, in the resolver's order.
  /// - Throws: `.invalidRequest` when the name does not resolve.
  public static func resolve(_ host: String, port: UInt16) throws -> [SocketAddress] {
    if let address = numeric(host, port: port) { return [address] }
    guard !host.isEmpty, host.utf8.count <= 253, !host.utf8.contains(0) else {
      throw SMTPProbeError(.invalidRequest, "not a host name: \(Escape.text(Array(host.utf8)))")
    }
    var hints = addrinfo()
    hints.ai_family = AF_UNSPEC
    hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
    var list: UnsafeMutablePointer<addrinfo>?
    let status = getaddrinfo(host, nil, &hints, &list)
    guard status == 0 else {
      let reason = gai_strerror(status).map { String(cString: $0) } ?? "error \(status)"
      throw SMTPProbeError(.invalidRequest, "getaddrinfo(\(host)): \(reason)")
    }
    defer { freeaddrinfo(list) }
    var result: [SocketAddress] = []
    var cursor = list
    while let entry = cursor {
      if let sa = entry.pointee.ai_addr, let address = SocketAddress(sa, port: port),
        !result.contains(address)
      {
        result.append(address)
      }
      cursor = entry.pointee.ai_next
    }
    if result.isEmpty {
      throw SMTPProbeError(.invalidRequest, "getaddrinfo(\(host)): no IPv4 or IPv6 address")
    }
    return result
  }

  /// Creates an address from raw parts.
  /// - Parameters:
  ///   - family: The family.
  ///   - bytes: 4 or 16 address bytes.
  ///   - port: The port.
  init(family: Family, bytes: [UInt8], port: UInt16) {
    self.family = family
    self.bytes = bytes
    self.port = port
  }

  init?(_ sa: UnsafePointer<sockaddr>, port overridePort: UInt16?) {
    switch Int32(sa.pointee.sa_family) {
    case AF_INET:
      let v4 = UnsafeRawPointer(sa).loadUnaligned(as: sockaddr_in.self)
      family = .ipv4
      bytes = withUnsafeBytes(of: v4.sin_addr) { Array($0) }
      port = overridePort ?? UInt16(bigEndian: v4.sin_port)
    case AF_INET6:
      let v6 = UnsafeRawPointer(sa).loadUnaligned(as: sockaddr_in6.self)
      family = .ipv6
      bytes = withUnsafeBytes(of: v6.sin6_addr) { Array($0) }
      port = overridePort ?? UInt16(bigEndian: v6.sin6_port)
    default:
      return nil
    }
  }

  /// The numeric address without the port (`127.0.0.1`, `::1`).
  public var host: String {
    var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
    let af = family == .ipv4 ? AF_INET : AF_INET6
    let ok = bytes.withUnsafeBytes { raw in
      buffer.withUnsafeMutableBufferPointer {
        inet_ntop(af, raw.baseAddress, $0.baseAddress, socklen_t($0.count)) != nil
      }
    }
    guard ok else { return "?" }
    let end = buffer.firstIndex(of: 0) ?? buffer.count
    return String(decoding: buffer[..<end].map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }

  /// `127.0.0.1:25` or `[::1]:25`.
  public var description: String {
    family == .ipv4 ? "\(host):\(port)" : "[\(host)]:\(port)"
  }

  /// The same address with another port.
  /// - Parameter port: The new port.
  /// - Returns: The address with `port`.
  public func with(port: UInt16) -> SocketAddress {
    SocketAddress(family: family, bytes: bytes, port: port)
  }

  fileprivate func withSockaddr<T>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> T) -> T {
    switch family {
    case .ipv4:
      var v4 = sockaddr_in()
      v4.sin_family = sa_family_t(AF_INET)
      v4.sin_port = port.bigEndian
      withUnsafeMutableBytes(of: &v4.sin_addr) { $0.copyBytes(from: bytes.prefix(4)) }
      return withUnsafePointer(to: &v4) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
          body($0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
      }
    case .ipv6:
      var v6 = sockaddr_in6()
      v6.sin6_family = sa_family_t(AF_INET6)
      v6.sin6_port = port.bigEndian
      withUnsafeMutableBytes(of: &v6.sin6_addr) { $0.copyBytes(from: bytes.prefix(16)) }
      return withUnsafePointer(to: &v6) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
          body($0, socklen_t(MemoryLayout<sockaddr_in6>.size))
        }
      }
    }
  }
}

/// An owned, non-blocking TCP socket.
///
/// Not copyable: closing it twice is impossible.
struct SocketDescriptor: ~Copyable {
  private let raw: Int32

  /// Opens a non-blocking, close-on-exec TCP socket.
  /// - Parameter family: IPv4 or IPv6.
  /// - Throws: `.system` naming `socket`.
  init(family: SocketAddress.Family) throws {
    let domain = family == .ipv4 ? AF_INET : AF_INET6
    let type =
      Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue)
      | Int32(SOCK_CLOEXEC.rawValue)
    let fd = socket(domain, type, Int32(IPPROTO_TCP))
    guard fd >= 0 else { throw Errno.current.error("socket") }
    raw = fd
  }

  deinit { _ = Glibc.close(raw) }

  /// Binds the local end to an address (the `--source` option).
  /// - Parameter address: The local address (port 0: any).
  /// - Throws: `.system` naming `bind`.
  func bind(_ address: SocketAddress) throws {
    let status = address.withSockaddr { Glibc.bind(raw, $0, $1) }
    guard status == 0 else { throw Errno.current.error("bind(\(address.host))") }
  }

  /// Connects, waiting at most until the deadline.
  /// - Parameters:
  ///   - address: The peer.
  ///   - deadline: When to give up.
  /// - Throws: `.timeout` past the deadline, `.system` naming `connect` otherwise.
  func connect(_ address: SocketAddress, deadline: Deadline) throws {
    let status = address.withSockaddr { Glibc.connect(raw, $0, $1) }
    if status == 0 { return }
    let error = Errno.current
    // An interrupted non-blocking connect goes on in the background, like EINPROGRESS:
    // calling connect again would fail with EALREADY, so wait for it instead.
    guard error.rawValue == EINPROGRESS || error.rawValue == EINTR else {
      throw error.error("connect(\(address))")
    }
    try wait(for: Int16(POLLOUT), deadline: deadline, call: "connect(\(address))")
    var pending: Int32 = 0
    var length = socklen_t(MemoryLayout<Int32>.size)
    guard getsockopt(raw, SOL_SOCKET, SO_ERROR, &pending, &length) == 0 else {
      throw Errno.current.error("getsockopt(SO_ERROR)")
    }
    if pending != 0 { throw Errno(rawValue: pending).error("connect(\(address))") }
  }

  /// Sends every byte, waiting at most until the deadline.
  /// - Parameters:
  ///   - bytes: What to send.
  ///   - deadline: When to give up.
  /// - Throws: `.timeout`, `.closed` or `.system` naming `send`.
  func send(_ bytes: [UInt8], deadline: Deadline) throws {
    var offset = 0
    while offset < bytes.count {
      let sent = bytes[offset...].withUnsafeBytes {
        Glibc.send(raw, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
      }
      if sent >= 0 {
        offset += sent
        continue
      }
      let error = Errno.current
      if error.rawValue == EINTR { continue }
      if error.rawValue == EAGAIN || error.rawValue == EWOULDBLOCK {
        try wait(for: Int16(POLLOUT), deadline: deadline, call: "send")
        continue
      }
      throw error.error("send")
    }
  }

  /// Receives up to `maxBytes`, waiting at most until the deadline.
  /// - Parameters:
  ///   - maxBytes: The most bytes to return.
  ///   - deadline: When to give up.
  /// - Returns: The bytes; empty when the peer closed the connection.
  /// - Throws: `.timeout` or `.system` naming `recv`.
  func receive(maxBytes: Int, deadline: Deadline) throws -> [UInt8] {
    var buffer = [UInt8](repeating: 0, count: max(1, maxBytes))
    while true {
      let count = buffer.withUnsafeMutableBytes { recv(raw, $0.baseAddress, $0.count, 0) }
      if count >= 0 { return Array(buffer[..<count]) }
      let error = Errno.current
      if error.rawValue == EINTR { continue }
      if error.rawValue == EAGAIN || error.rawValue == EWOULDBLOCK {
        try wait(for: Int16(POLLIN), deadline: deadline, call: "recv")
        continue
      }
      throw error.error("recv")
    }
  }

  /// Shuts both directions down (`shutdown`); errors are irrelevant at this point.
  func shutdown() {
    _ = Glibc.shutdown(raw, Int32(SHUT_RDWR))
  }

  /// The local end's address (`getsockname`).
  /// - Returns: The address, or nil when it cannot be read.
  func localAddress() -> SocketAddress? {
    var storage = sockaddr_storage()
    var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
    let status = withUnsafeMutablePointer(to: &storage) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(raw, $0, &length) }
    }
    guard status == 0 else { return nil }
    return withUnsafePointer(to: &storage) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { SocketAddress($0, port: nil) }
    }
  }

  /// Waits until the socket is ready for `events` or the deadline passes.
  private func wait(for events: Int16, deadline: Deadline, call: String) throws {
    while true {
      let remaining = deadline.remainingMilliseconds
      if remaining <= 0 { throw SMTPProbeError(.timeout, "\(call): deadline passed") }
      var entry = pollfd(fd: raw, events: events, revents: 0)
      let status = poll(&entry, 1, Int32(min(remaining, Int(Int32.max))))
      if status > 0 { return }
      if status == 0 { continue }  // re-check the deadline
      let error = Errno.current
      if error.rawValue == EINTR { continue }
      throw error.error("poll")
    }
  }
}
