import Foundation
import Testing

@testable import SMTPProbe

/// An `openssl s_server` on 127.0.0.1 with a throw-away certificate.
///
/// For the TLS client's end-to-end tests; ``stop()`` kills it.
final class OpenSSLServer: @unchecked Sendable {
  static let openssl = "/usr/bin/openssl"

  static var isInstalled: Bool { FileManager.default.isExecutableFile(atPath: openssl) }
  static var isRequired: Bool {
    ProcessInfo.processInfo.environment["PFHARDEN_REQUIRE_POSTFIX"] == "1"
  }
  static var shouldRun: Bool { isInstalled || isRequired }
  static let skipComment: Comment =
    "needs /usr/bin/openssl (apt-get install openssl); set PFHARDEN_REQUIRE_POSTFIX=1 to fail instead of skipping"

  static func require() throws {
    if !isInstalled {
      throw TLSTestError("PFHARDEN_REQUIRE_POSTFIX=1 but \(openssl) is missing")
    }
  }

  /// A key and self-signed certificate in a temporary directory.
  struct Credentials {
    var directory: URL
    var certificate: String
    var key: String
    /// The certificate as DER, decoded from the PEM file.
    var der: [UInt8]

    /// Generates an RSA-2048 or ECDSA P-256 key and certificate.
    static func make(ecdsa: Bool) throws -> Credentials {
      let directory = FileManager.default.temporaryDirectory
        .appendingPathComponent("pfharden-tls-\(UUID().uuidString.prefix(8))")
      try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
      let key = directory.appendingPathComponent("key.pem").path
      let certificate = directory.appendingPathComponent("cert.pem").path
      let algorithm =
        ecdsa
        ? ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"] : ["-newkey", "rsa:2048"]
      let run = try TLSTools.run(
        openssl,
        ["req", "-x509"] + algorithm + [
          "-nodes", "-keyout", key, "-out", certificate, "-days", "2", "-subj",
          "/CN=mail.example.test",
        ])
      guard run.status == 0 else { throw TLSTestError("openssl req failed: \(run.stderr)") }
      let pem = try String(contentsOfFile: certificate, encoding: .utf8)
      let body = pem.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
      guard let data = Data(base64Encoded: body) else { throw TLSTestError("bad PEM") }
      return Credentials(directory: directory, certificate: certificate, key: key, der: Array(data))
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }
  }

  let port: UInt16
  private let process: Process
  /// Writes to the server's stdin (commands and data in interactive mode).
  let input = Pipe()
  private let output = Pipe()
  private let lock = NSLock()
  private var received: [UInt8] = []

  /// Starts `openssl s_server` with extra arguments and waits until it accepts.
  init(credentials: Credentials, _ arguments: [String]) throws {
    port = try PostfixInstance.freeLoopbackPort()
    process = Process()
    process.executableURL = URL(fileURLWithPath: Self.openssl)
    process.arguments =
      [
        "s_server", "-accept", "127.0.0.1:\(port)", "-cert", credentials.certificate, "-key",
        credentials.key,
      ] + arguments
    process.standardInput = input
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    output.fileHandleForReading.readabilityHandler = { [weak self] handle in
      let data = handle.availableData
      guard let self else { return }
      self.lock.withLock { self.received += Array(data) }
    }
    try process.run()
    for _ in 0..<100 {
      if Self.accepts(port: port) { return }
      usleep(50_000)
    }
    stop()
    throw TLSTestError("s_server on port \(port) did not start")
  }

  /// What the server printed on stdout so far.
  var printed: String { lock.withLock { String(decoding: received, as: UTF8.self) } }

  /// Waits up to `seconds` for `text` to appear on the server's stdout.
  func waitForOutput(_ text: String, seconds: Double = 5) -> Bool {
    let end = Date().addingTimeInterval(seconds)
    while Date() < end {
      if printed.contains(text) { return true }
      usleep(20_000)
    }
    return false
  }

  /// Types a line on the server's stdin.
  func type(_ line: String) {
    input.fileHandleForWriting.write(Data((line + "\n").utf8))
  }

  func stop() {
    output.fileHandleForReading.readabilityHandler = nil
    if process.isRunning {
      kill(process.processIdentifier, SIGKILL)
      process.waitUntilExit()
    }
  }

  deinit { stop() }

  /// A TCP connection to the server.
  func connect() throws -> TCPTransport {
    guard let address = SocketAddress.numeric("127.0.0.1", port: port) else {
      throw TLSTestError("bad address")
    }
    return try TCPTransport(
      to: address, source: nil, deadline: .after(nanoseconds: 5_000_000_000, clock: SystemClock()))
  }

  private static func accepts(port: UInt16) -> Bool {
    guard let address = SocketAddress.numeric("127.0.0.1", port: port),
      let transport = try? TCPTransport(
        to: address, source: nil, deadline: .after(nanoseconds: 500_000_000, clock: SystemClock()))
    else { return false }
    transport.close()
    return true
  }
}

/// A deadline `seconds` from now on the system clock.
func seconds(_ value: UInt64) -> Deadline {
  .after(nanoseconds: value * 1_000_000_000, clock: SystemClock())
}
