import Foundation

/// A tiny TCP server on a loopback address for tests: accepts connections one after
/// another on a background thread and hands each socket to `handle`.
final class LoopbackServer: @unchecked Sendable {
  let port: UInt16
  let host: String
  private let listener: Int32
  private let handle: @Sendable (Int32) -> Void
  private let lock = NSLock()
  private var stopped = false
  private let done = DispatchSemaphore(value: 0)
  private var accepted = 0

  /// Starts listening on `host` (127.0.0.1 or ::1), on a port the kernel picks.
  init(host: String = "127.0.0.1", handle: @escaping @Sendable (Int32) -> Void) throws {
    precondition(host == "127.0.0.1" || host == "::1", "tests only ever use loopback")
    self.host = host
    self.handle = handle
    let v6 = host.contains(":")
    let fd = socket(v6 ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw PostfixInstance.Failure("socket: \(errno)") }
    var yes: Int32 = 1
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
    var bound: Int32
    var port: UInt16 = 0
    if v6 {
      var address = sockaddr_in6()
      address.sin6_family = sa_family_t(AF_INET6)
      address.sin6_addr = in6addr_loopback
      bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
          bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size))
        }
      }
      var length = socklen_t(MemoryLayout<sockaddr_in6>.size)
      _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
      }
      port = UInt16(bigEndian: address.sin6_port)
    } else {
      var address = sockaddr_in()
      address.sin_family = sa_family_t(AF_INET)
      address.sin_addr.s_addr = inet_addr("127.0.0.1")
      bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
          bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
      }
      var length = socklen_t(MemoryLayout<sockaddr_in>.size)
      _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
      }
      port = UInt16(bigEndian: address.sin_port)
    }
    guard bound == 0, listen(fd, 16) == 0 else {
      close(fd)
      throw PostfixInstance.Failure("bind/listen failed: \(errno)")
    }
    self.listener = fd
    self.port = port
    let thread = Thread { [self] in self.loop() }
    thread.start()
  }

  /// How many connections were accepted.
  var connections: Int { lock.withLock { accepted } }

  private func loop() {
    defer { done.signal() }
    while !lock.withLock({ stopped }) {
      var entry = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
      guard poll(&entry, 1, 50) > 0 else { continue }
      let client = accept(listener, nil, nil)
      guard client >= 0 else { continue }
      lock.withLock { accepted += 1 }
      handle(client)
      close(client)
    }
  }

  /// Stops accepting and waits for the current connection's handler to return.
  func stop() {
    lock.withLock { stopped = true }
    done.wait()
    close(listener)
  }
}

/// Helpers for handlers: line reading and writing on a blocking socket.
enum Wire {
  /// Writes all of `text`; false when the peer has gone.
  @discardableResult
  static func write(_ fd: Int32, _ text: String) -> Bool {
    let bytes = Array(text.utf8)
    var offset = 0
    while offset < bytes.count {
      let sent = bytes[offset...].withUnsafeBytes {
        send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
      }
      if sent <= 0 { return false }
      offset += sent
    }
    return true
  }

  /// Reads one line (without CR LF), or nil at end of stream or after `seconds`.
  static func readLine(_ fd: Int32, seconds: Int = 5) -> String? {
    var timeout = timeval(tv_sec: seconds, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    var line: [UInt8] = []
    var byte: UInt8 = 0
    while recv(fd, &byte, 1, 0) == 1 {
      if byte == UInt8(ascii: "\n") {
        if line.last == UInt8(ascii: "\r") { line.removeLast() }
        return String(decoding: line, as: UTF8.self)
      }
      line.append(byte)
      if line.count > 4096 { return nil }
    }
    return nil
  }
}
