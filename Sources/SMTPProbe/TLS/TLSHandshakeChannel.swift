/// A fresh connection positioned where the client's TLS handshake begins: right
/// after `220 Ready to start TLS` for STARTTLS, or right after connect for implicit TLS.
///
/// Conformers bound every call by the deadline they are given and never read more
/// than asked for.
public protocol TLSHandshakeChannel {
  /// Sends all of `bytes`.
  /// - Parameter bytes: The bytes to send.
  /// - Throws: `SMTPProbeError` (`.closed`, `.timeout`, `.system`).
  mutating func send(_ bytes: [UInt8]) throws

  /// Receives at least one and at most `maxCount` bytes.
  /// - Parameters:
  ///   - maxCount: The most bytes to return.
  ///   - deadline: When to give up with `.timeout`.
  /// - Returns: The bytes; an empty array means the peer closed the connection.
  /// - Throws: `SMTPProbeError` (`.closed`, `.timeout`, `.system`).
  mutating func receive(upTo maxCount: Int, deadline: ContinuousClock.Instant) throws -> [UInt8]

  /// Closes the connection; safe to call more than once.
  mutating func close()
}

/// Opens a fresh ``TLSHandshakeChannel``.
///
/// An `SMTPProbeError` it throws stops the scan (after the retries in
/// ``TLSScanOptions/backoff``), for example after a `421` reply.
public typealias TLSChannelFactory = () throws -> any TLSHandshakeChannel
