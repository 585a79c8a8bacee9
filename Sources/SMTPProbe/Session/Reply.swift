/// One SMTP reply: a three-digit code and one or more lines of text.
public struct Reply: Equatable, Sendable {
  /// The reply code (200...599).
  public let code: Int
  /// The text of each line after the code and its separator, raw bytes.
  public let lines: [[UInt8]]

  /// Creates a reply.
  /// - Parameters:
  ///   - code: The code.
  ///   - lines: The text of each line.
  public init(code: Int, lines: [[UInt8]]) {
    self.code = code
    self.lines = lines
  }

  /// 2xx.
  public var isPositive: Bool { (200...299).contains(code) }
  /// 3xx.
  public var isIntermediate: Bool { (300...399).contains(code) }
  /// 4xx.
  public var isTransientFailure: Bool { (400...499).contains(code) }
  /// 5xx.
  public var isPermanentFailure: Bool { (500...599).contains(code) }

  /// The RFC 3463 enhanced status code of the first line (`5.7.1`), if it starts with one.
  public var enhancedCode: String? {
    guard let first = lines.first else { return nil }
    var parts: [[UInt8]] = [[]]
    for byte in first {
      if byte == UInt8(ascii: " ") { break }
      if byte == UInt8(ascii: ".") {
        parts.append([])
      } else if (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte),
        parts[parts.count - 1].count < 3
      {
        parts[parts.count - 1].append(byte)
      } else {
        return nil
      }
    }
    guard parts.count == 3, parts.allSatisfy({ !$0.isEmpty }),
      let klass = parts[0].first,
      [UInt8(ascii: "2"), UInt8(ascii: "4"), UInt8(ascii: "5")].contains(klass),
      parts[0].count == 1
    else { return nil }
    return parts.map { String(decoding: $0, as: UTF8.self) }.joined(separator: ".")
  }

  /// The lines as the server sent them (`250-first`, `250 last`), escaped for display.
  public var escapedLines: [String] {
    lines.enumerated().map { index, text in
      let separator = index == lines.count - 1 ? " " : "-"
      return "\(code)\(separator)\(Escape.text(text))"
    }
  }

  /// All text on one line, escaped (`550 5.1.1 <x>: Recipient address rejected`).
  public var summary: String {
    "\(code) " + lines.map { Escape.text($0) }.joined(separator: " / ")
  }

  /// Whether any line contains `needle` (ASCII, case-insensitive).
  /// - Parameter needle: The text to look for.
  /// - Returns: True when found.
  public func mentions(_ needle: String) -> Bool {
    let target = Array(needle.lowercased().utf8)
    guard !target.isEmpty else { return true }
    for line in lines {
      let lower = line.map { (0x41...0x5A).contains($0) ? $0 | 0x20 : $0 }
      if lower.count >= target.count {
        for start in 0...(lower.count - target.count)
        where lower[start..<(start + target.count)].elementsEqual(target) {
          return true
        }
      }
    }
    return false
  }
}

/// Bounds on what the server may send; past them the session ends with `.protocolViolation`.
public struct ReplyLimits: Sendable {
  /// The longest reply line accepted, without its line ending (RFC 5321 allows 512 with it).
  public var maxLineLength: Int
  /// The most lines in one multi-line reply.
  public var maxLines: Int
  /// The most bytes in one reply, all lines together.
  public var maxReplyBytes: Int

  /// Creates limits.
  /// - Parameters:
  ///   - maxLineLength: The longest line.
  ///   - maxLines: The most lines per reply.
  ///   - maxReplyBytes: The most bytes per reply.
  public init(maxLineLength: Int = 2048, maxLines: Int = 100, maxReplyBytes: Int = 32_768) {
    self.maxLineLength = max(16, maxLineLength)
    self.maxLines = max(1, maxLines)
    self.maxReplyBytes = max(16, maxReplyBytes)
  }
}

/// Reads replies from a transport, byte-bounded: it never buffers more than one line's
/// limit plus one read.
struct ReplyReader {
  private var buffer: [UInt8] = []
  private var start = 0
  let limits: ReplyLimits
  /// How many bytes one `receive` asks for.
  static let chunk = 4096

  init(limits: ReplyLimits) { self.limits = limits }

  /// Whether bytes arrived that no reply has consumed yet.
  var hasBufferedBytes: Bool { start < buffer.count }

  /// The first unconsumed bytes, escaped (at most 80 of them), for evidence.
  var bufferedPreview: String { Escape.text(buffer[start...].prefix(80)) }

  /// Keeps bytes read outside ``readReply(from:deadline:)`` (at most one chunk).
  mutating func absorb(_ bytes: [UInt8]) { buffer += bytes.prefix(Self.chunk) }

  /// Reads one complete (possibly multi-line) reply.
  /// - Parameters:
  ///   - transport: Where to read from.
  ///   - deadline: When to give up.
  /// - Returns: The reply.
  /// - Throws: `.timeout`, `.closed` (end of stream), `.protocolViolation` (not SMTP, or a limit).
  mutating func readReply(from transport: any Transport, deadline: Deadline) throws -> Reply {
    var code: Int?
    var lines: [[UInt8]] = []
    var total = 0
    while true {
      let line = try readLine(from: transport, deadline: deadline)
      guard line.count >= 3,
        let first = digit(line[0]), (2...5).contains(first),
        let second = digit(line[1]), let third = digit(line[2])
      else {
        throw SMTPProbeError(
          .protocolViolation, "not an SMTP reply line: \(Escape.text(line.prefix(80)))")
      }
      let lineCode = first * 100 + second * 10 + third
      if let code, code != lineCode {
        throw SMTPProbeError(
          .protocolViolation, "reply code changed from \(code) to \(lineCode) inside one reply")
      }
      code = lineCode
      let separator = line.count > 3 ? line[3] : UInt8(ascii: " ")
      guard separator == UInt8(ascii: " ") || separator == UInt8(ascii: "-") else {
        throw SMTPProbeError(
          .protocolViolation, "bad separator after reply code: \(Escape.text(line.prefix(80)))")
      }
      total += line.count
      lines.append(Array(line.dropFirst(min(4, line.count))))
      if lines.count > limits.maxLines {
        throw SMTPProbeError(
          .protocolViolation, "reply has more than \(limits.maxLines) lines")
      }
      if total > limits.maxReplyBytes {
        throw SMTPProbeError(
          .protocolViolation, "reply is longer than \(limits.maxReplyBytes) bytes")
      }
      if separator == UInt8(ascii: " ") { return Reply(code: lineCode, lines: lines) }
    }
  }

  /// Reads one line ending in LF (CR LF or a bare LF), without the line ending.
  private mutating func readLine(from transport: any Transport, deadline: Deadline) throws
    -> [UInt8]
  {
    var scanned = start
    while true {
      if let newline = buffer[scanned...].firstIndex(of: UInt8(ascii: "\n")) {
        var end = newline
        if end > start, buffer[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        let line = Array(buffer[start..<end])
        start = newline + 1
        if start == buffer.count {
          buffer.removeAll(keepingCapacity: true)
          start = 0
        }
        if line.count > limits.maxLineLength { throw lineTooLong() }
        return line
      }
      if buffer.count - start > limits.maxLineLength + 1 { throw lineTooLong() }
      if start > 0 {
        buffer.removeFirst(start)
        start = 0
      }
      scanned = buffer.count
      if deadline.hasPassed {
        throw SMTPProbeError(.timeout, "no complete reply before the deadline")
      }
      let bytes = try transport.receive(maxBytes: Self.chunk, deadline: deadline)
      if bytes.isEmpty {
        throw SMTPProbeError(
          .closed,
          buffer.isEmpty
            ? "server closed the connection"
            : "server closed the connection inside a reply line")
      }
      buffer += bytes.prefix(Self.chunk)
    }
  }

  private func lineTooLong() -> SMTPProbeError {
    SMTPProbeError(.protocolViolation, "reply line longer than \(limits.maxLineLength) bytes")
  }

  private func digit(_ byte: UInt8) -> Int? {
    (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) ? Int(byte - UInt8(ascii: "0")) : nil
  }
}
