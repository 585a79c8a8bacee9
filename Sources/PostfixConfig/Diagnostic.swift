/// A problem found in a configuration file, located by file and line.
///
/// Diagnostics never carry raw bytes: ``message`` has already had every byte
/// that is not printable ASCII replaced by `?`, exactly as Postfix's
/// `printable()` does for its own log and terminal output.
public struct Diagnostic: Equatable, Sendable {
  /// How serious the problem is, in Postfix's terms.
  public enum Severity: String, Sendable {
    /// Postfix prints `warning:` and goes on.
    case warning
    /// Postfix prints `fatal:` and exits with status 1.
    case fatal
  }

  /// The severity.
  public var severity: Severity
  /// The file the problem is in (`main.cf`, `master.cf`), when there is one.
  public var file: String?
  /// The 1-based line number, when the problem has one.
  public var line: Int?
  /// The text Postfix would print after `warning: ` or `fatal: `.
  public var message: String

  /// Creates a diagnostic.
  /// - Parameters:
  ///   - severity: How serious the problem is.
  ///   - file: The file the problem is in.
  ///   - line: The 1-based line number.
  ///   - message: The already sanitised message text.
  public init(_ severity: Severity, file: String?, line: Int?, message: String) {
    self.severity = severity
    self.file = file
    self.line = line
    self.message = message
  }
}

/// Postfix's `printable()`: every byte outside printable ASCII becomes `?`.
public enum Printable {
  /// Returns `bytes` as a string with each byte outside 0x20...0x7E replaced by `?`.
  /// - Parameter bytes: Raw bytes, possibly hostile.
  /// - Returns: A pure ASCII string.
  public static func sanitize<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
    var out: [UInt8] = []
    out.reserveCapacity(bytes.underestimatedCount)
    for byte in bytes { out.append(printable(byte)) }
    return String(decoding: out, as: UTF8.self)
  }

  /// Appends `bytes` to `out` as ``sanitize(_:)`` spells them.
  static func append(_ bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
    put(bytes, to: &out)
  }

  /// ``append(_:to:)`` into any sink.
  static func put<Sink: ByteSink>(_ bytes: UnsafeBufferPointer<UInt8>, to out: inout Sink) {
    // Printable text (nearly always) is copied at once.
    guard !isPrintable(bytes) else {
      out.put(bytes)
      return
    }
    for byte in bytes { out.put(printable(byte)) }
  }

  /// Whether every byte is printable ASCII, eight bytes at a time: a byte
  /// below 0x20 borrows into its top bit when 0x20 is taken away, 0x7F
  /// carries into it when 1 is added, and 0x80 and above have it already
  /// (a borrow or carry into the next byte only follows a byte already
  /// caught, so no block is passed wrongly).
  static func isPrintable(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    guard let base = bytes.baseAddress else { return true }
    var index = 0
    var outside: UInt64 = 0
    while index + 8 <= bytes.count {
      let block = UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)
      outside |= (block &- 0x2020_2020_2020_2020) | (block &+ 0x0101_0101_0101_0101) | block
      index += 8
    }
    guard outside & 0x8080_8080_8080_8080 == 0 else { return false }
    while index < bytes.count {
      guard printable(bytes[index]) == bytes[index] else { return false }
      index += 1
    }
    return true
  }

  /// `byte` when it is printable ASCII (0x20...0x7E), else `?`.
  static func printable(_ byte: UInt8) -> UInt8 {
    (0x20...0x7E).contains(byte) ? byte : UInt8(ascii: "?")
  }
}
