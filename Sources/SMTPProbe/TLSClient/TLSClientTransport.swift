/// An established TLS connection as a ``Transport``, so an ``SMTPSession`` can speak
/// SMTP inside TLS: after `220` to STARTTLS on the same connection, or on an
/// implicit-TLS port.
///
/// Closing sends close_notify (briefly) and closes the connection underneath.
final class TLSClientTransport: Transport {
  /// The TLS client.
  let client: TLSClient
  /// What the handshake negotiated.
  let session: TLSClientSessionInfo
  private let clock: any ProbeClock

  /// Runs the TLS handshake on a connection and wraps it.
  /// - Parameters:
  ///   - transport: The connection, positioned where the handshake begins. It belongs to
  ///     the returned transport from now on (closed when the handshake fails).
  ///   - configuration: What the client offers.
  ///   - deadline: When to give up on the handshake.
  /// - Throws: ``SMTPProbeError`` from ``TLSClient/handshake(deadline:)``.
  init(
    handshakeOver transport: any Transport, configuration: TLSClientConfiguration,
    deadline: Deadline
  ) throws {
    let client = TLSClient(transport: transport, configuration: configuration)
    do {
      session = try client.handshake(deadline: deadline)
    } catch {
      transport.close()
      throw error
    }
    self.client = client
    clock = deadline.clock
  }

  /// Sends application data.
  /// - Parameters:
  ///   - bytes: The data.
  ///   - deadline: When to give up.
  /// - Throws: ``SMTPProbeError``.
  func send(_ bytes: [UInt8], deadline: Deadline) throws {
    try client.write(bytes, deadline: deadline)
  }

  /// Receives application data.
  /// - Parameters:
  ///   - maxBytes: The most bytes to return.
  ///   - deadline: When to give up.
  /// - Returns: The bytes; empty when the server closed the connection.
  /// - Throws: ``SMTPProbeError``.
  func receive(maxBytes: Int, deadline: Deadline) throws -> [UInt8] {
    try client.read(maxBytes: maxBytes, deadline: deadline)
  }

  /// Sends close_notify (waiting at most a second) and closes the connection.
  func close() {
    client.close(deadline: Deadline.after(nanoseconds: 1_000_000_000, clock: clock))
  }

  /// The local address of the connection underneath.
  var localAddress: SocketAddress? { client.transport.localAddress }
  /// The server's address.
  var remoteAddress: SocketAddress? { client.transport.remoteAddress }
}
