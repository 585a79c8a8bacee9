import Foundation

/// An `openssl s_server -www` on 127.0.0.1 for end-to-end tests; ``stop()`` kills it.
final class TLSTestServer {
  let port: UInt16
  private let process: Process

  /// Starts a server with extra arguments (run in the certificate folder) and waits until
  /// it accepts connections.
  init(_ arguments: [String]) throws {
    port = try Self.freePort()
    process = Process()
    process.executableURL = URL(fileURLWithPath: TLSTools.openssl)
    process.arguments = ["s_server", "-accept", "127.0.0.1:\(port)", "-www", "-quiet"] + arguments
    process.currentDirectoryURL = URL(fileURLWithPath: TLSFixtures.certs)
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    for _ in 0..<100 {
      if let channel = try? TLSLoopbackChannel(port: port) {
        var open = channel
        open.close()
        return
      }
      usleep(50_000)
    }
    stop()
    throw TLSTestError("s_server on port \(port) did not start")
  }

  /// Kills the server with SIGKILL: children of the test process inherit a signal mask
  /// that blocks SIGTERM.
  func stop() {
    if process.isRunning {
      kill(process.processIdentifier, SIGKILL)
      process.waitUntilExit()
    }
  }

  deinit { stop() }

  private static func freePort() throws -> UInt16 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw TLSTestError("socket failed") }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
        bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
      }
    }
    guard bound else { throw TLSTestError("bind failed") }
    return UInt16(bigEndian: address.sin_port)
  }
}

struct TLSTestError: Error, CustomStringConvertible {
  var description: String
  init(_ description: String) { self.description = description }
}
