/// A ``Transport`` over one of the scanner's ``TLSHandshakeChannel``s, so the TLS client
/// can complete a TLS 1.3 handshake on a connection the scan opened (and counted).
///
/// Reads end at the earlier of the client's deadline and the channel's own step limit.
final class HandshakeChannelTransport: Transport {
  private var channel: any TLSHandshakeChannel
  private var isClosed = false

  /// Wraps a channel; closing the transport closes it.
  /// - Parameter channel: A fresh channel, positioned where the handshake begins.
  init(_ channel: any TLSHandshakeChannel) {
    self.channel = channel
  }

  /// Sends every byte (the channel bounds the write by its own step deadline).
  /// - Parameters:
  ///   - bytes: What to send.
  ///   - deadline: Checked before sending.
  /// - Throws: ``SMTPProbeError``.
  func send(_ bytes: [UInt8], deadline: Deadline) throws {
    guard !isClosed else { throw SMTPProbeError(.closed, "send: connection closed") }
    guard deadline.remainingNanoseconds > 0 else {
      throw SMTPProbeError(.timeout, "TLS: handshake deadline passed")
    }
    try channel.send(bytes)
  }

  /// Receives at most `maxBytes` bytes.
  /// - Parameters:
  ///   - maxBytes: The most bytes to return.
  ///   - deadline: When to give up.
  /// - Returns: The bytes; empty when the server closed the connection.
  /// - Throws: ``SMTPProbeError``.
  func receive(maxBytes: Int, deadline: Deadline) throws -> [UInt8] {
    guard !isClosed else { throw SMTPProbeError(.closed, "recv: connection closed") }
    let left = Int64(clamping: deadline.remainingNanoseconds)
    guard left > 0 else { throw SMTPProbeError(.timeout, "TLS: handshake deadline passed") }
    return try channel.receive(
      upTo: max(1, maxBytes), deadline: ContinuousClock.now.advanced(by: .nanoseconds(left)))
  }

  /// Closes the channel; safe to call more than once.
  func close() {
    guard !isClosed else { return }
    isClosed = true
    channel.close()
  }

  /// Not known through a channel.
  var localAddress: SocketAddress? { nil }
  /// Not known through a channel.
  var remoteAddress: SocketAddress? { nil }
}
