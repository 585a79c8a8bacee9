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
  /// Set on the line that marks a completed TLS handshake: the version and suite
  /// (`TLSv1.3 TLS_AES_256_GCM_SHA384`); what follows on the connection is inside TLS.
  public var tls: String?

  /// Creates an exchange.
  /// - Parameters:
  ///   - connection: The connection number.
  ///   - command: The command sent, if any.
  ///   - reply: The reply, if any.
  ///   - failure: Why there is no reply.
  ///   - tls: What a TLS handshake negotiated, on the line that marks it.
  public init(
    connection: Int, command: String?, reply: Reply?, failure: String? = nil, tls: String? = nil
  ) {
    self.connection = connection
    self.command = command
    self.reply = reply
    self.failure = failure
    self.tls = tls
  }

  /// The exchange as transcript lines: `#1 C: EHLO x`, `#1 S: 250-...`, `#1 !: timeout`,
  /// `#1 T: TLSv1.3 TLS_AES_256_GCM_SHA384` (a TLS handshake completed).
  public var transcriptLines: [String] {
    var out: [String] = []
    if let tls { out.append("#\(connection) T: \(tls)") }
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
