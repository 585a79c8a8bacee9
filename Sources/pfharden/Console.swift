import PostfixConfig

#if canImport(Glibc)
import Glibc
#endif

/// Where a command writes: the real standard streams, or buffers in tests.
struct Console {
  /// Bytes written to standard output (only kept when ``isCapturing``).
  var stdout: [UInt8] = []
  /// Bytes written to standard error (only kept when ``isCapturing``).
  var stderr: [UInt8] = []
  /// The process environment as the command sees it.
  var environment: [String: String]
  /// When true, output is kept in ``stdout``/``stderr`` instead of written.
  var isCapturing: Bool
  /// Whether standard output is a terminal (colour, prompts).
  var stdoutIsTerminal: Bool

  /// A console over the process's own streams and environment.
  static var standard: Console {
    var env: [String: String] = [:]
    var pointer = environ
    while let entry = pointer.pointee {
      // Split at the first `=` byte (no Character walk: this runs at every start).
      let length = strlen(entry)
      entry.withMemoryRebound(to: UInt8.self, capacity: length) { bytes in
        let buffer = UnsafeBufferPointer(start: bytes, count: length)
        if let eq = buffer.firstIndex(of: UInt8(ascii: "=")) {
          env[String(decoding: buffer[..<eq], as: UTF8.self)] = String(
            decoding: buffer[(eq + 1)...], as: UTF8.self)
        }
      }
      pointer += 1
    }
    return Console(environment: env, isCapturing: false, stdoutIsTerminal: isatty(1) == 1)
  }

  /// A console that captures everything, for in-process tests.
  /// - Parameter environment: The environment the command sees.
  /// - Returns: A capturing console.
  static func capturing(environment: [String: String] = [:]) -> Console {
    Console(environment: environment, isCapturing: true, stdoutIsTerminal: false)
  }

  /// Writes bytes to standard output.
  /// - Parameter bytes: The bytes to write.
  mutating func out(_ bytes: [UInt8]) {
    if isCapturing { stdout += bytes } else { Console.writeAll(fd: 1, bytes) }
  }

  /// Writes text to standard output.
  /// - Parameter text: The text to write.
  mutating func out(_ text: String) { out(Array(text.utf8)) }

  /// Writes bytes to standard error.
  /// - Parameter bytes: The bytes to write.
  mutating func err(_ bytes: [UInt8]) {
    if isCapturing { stderr += bytes } else { Console.writeAll(fd: 2, bytes) }
  }

  /// Writes text to standard error.
  /// - Parameter text: The text to write.
  mutating func err(_ text: String) { err(Array(text.utf8)) }

  /// Writes all of `bytes` to a file descriptor, retrying short writes.
  /// - Parameters:
  ///   - fd: The descriptor.
  ///   - bytes: The bytes.
  static func writeAll(fd: Int32, _ bytes: [UInt8]) {
    // A failed write to a terminal or pipe has nowhere to be reported.
    _ = Syscall.writeAll(fd, bytes)
  }
}
