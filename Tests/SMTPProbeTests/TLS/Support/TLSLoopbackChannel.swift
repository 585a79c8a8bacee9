import Glibc
import SMTPProbe

/// A plain TCP ``TLSHandshakeChannel`` to 127.0.0.1 for tests (implicit TLS).
///
/// The shared socket layer provides the production equivalent.
struct TLSLoopbackChannel: TLSHandshakeChannel {
  private var descriptor: Int32

  /// Connects to 127.0.0.1:`port`.
  init(port: UInt16) throws {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw SMTPProbeError(.system, "socket: errno \(errno)") }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = port.bigEndian
    address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
    let status = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
      }
    }
    guard status == 0 else {
      let code = errno
      Glibc.close(fd)
      throw SMTPProbeError(.system, "connect: errno \(code)")
    }
    descriptor = fd
  }

  mutating func send(_ bytes: [UInt8]) throws {
    var offset = 0
    while offset < bytes.count {
      let sent = bytes[offset...].withUnsafeBytes {
        Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
      }
      if sent < 0 {
        if errno == EINTR { continue }
        throw SMTPProbeError(.closed, "send: errno \(errno)")
      }
      offset += sent
    }
  }

  mutating func receive(upTo maxCount: Int, deadline: ContinuousClock.Instant) throws -> [UInt8] {
    while true {
      let left = ContinuousClock.now.duration(to: deadline)
      guard left > .zero else { throw SMTPProbeError(.timeout, "receive: deadline passed") }
      let (seconds, attoseconds) = left.components
      let millis = Int32(min(seconds * 1_000 + attoseconds / 1_000_000_000_000_000 + 1, 60_000))
      var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
      let ready = poll(&poller, 1, millis)
      if ready < 0 {
        if errno == EINTR { continue }
        throw SMTPProbeError(.system, "poll: errno \(errno)")
      }
      if ready == 0 { continue }
      var buffer = [UInt8](repeating: 0, count: max(1, maxCount))
      let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
      if count < 0 {
        if errno == EINTR { continue }
        if errno == ECONNRESET { return [] }
        throw SMTPProbeError(.system, "recv: errno \(errno)")
      }
      return Array(buffer[0..<count])
    }
  }

  mutating func close() {
    if descriptor >= 0 {
      Glibc.close(descriptor)
      descriptor = -1
    }
  }
}
