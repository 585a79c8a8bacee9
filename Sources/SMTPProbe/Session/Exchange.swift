/// One step of a dialogue, kept as evidence: what the probe sent and what came back.
public struct Exchange: Equatable, Sendable {
  /// Which TCP connection of the probe (1-based).
  public var connection: Int
  /// The command line sent, without CR LF; nil for the greeting.
  public var command: String?
  /// The reply, when a complete one arrived.
  public var reply: Reply?
  /// Why no reply arrived (timeout, close, limit), escaped.
  public var failure: String?

  /// Creates an exchange.
  /// - Parameters:
  ///   - connection: The connection number.
  ///   - command: The command sent, if any.
  ///   - reply: The reply, if any.
  ///   - failure: Why there is no reply.
  public init(connection: Int, command: String?, reply: Reply?, failure: String? = nil) {
    self.connection = connection
    self.command = command
    self.reply = reply
    self.failure = failure
  }

  /// The exchange as transcript lines: `#1 C: EHLO x`, `#1 S: 250-...`, `#1 !: timeout`.
  public var transcriptLines: [String] {
    var out: [String] = []
    if let command { out.append("#\(connection) C: \(command)") }
    for line in reply?.escapedLines ?? [] { out.append("#\(connection) S: \(line)") }
    if let failure { out.append("#\(connection) !: \(failure)") }
    return out
  }
}

extension Array where Element == Exchange {
  /// Every exchange's transcript lines, in order.
  public var transcriptLines: [String] { flatMap(\.transcriptLines) }
}
