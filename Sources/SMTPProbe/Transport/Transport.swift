/// A byte stream to an SMTP server: a TCP connection, or a scripted server in tests.
///
/// Implementations never block past a deadline and never return more bytes than asked.
public protocol Transport: AnyObject {
  /// Sends every byte before the deadline.
  /// - Parameters:
  ///   - bytes: What to send.
  ///   - deadline: When to give up.
  /// - Throws: ``SMTPProbeError`` (`.timeout`, `.closed`, `.system`).
  func send(_ bytes: [UInt8], deadline: Deadline) throws

  /// Receives at most `maxBytes` bytes, waiting until some arrive or the deadline passes.
  /// - Parameters:
  ///   - maxBytes: The most bytes to return (at least 1).
  ///   - deadline: When to give up.
  /// - Returns: The bytes; empty when the peer closed the connection.
  /// - Throws: ``SMTPProbeError`` (`.timeout`, `.system`).
  func receive(maxBytes: Int, deadline: Deadline) throws -> [UInt8]

  /// Closes the connection. Further calls fail with `.closed`.
  func close()

  /// The local address of the connection, when known (the probe's vantage).
  var localAddress: SocketAddress? { get }
  /// The server's address, when known.
  var remoteAddress: SocketAddress? { get }
}

/// Opens transports to one server.
///
/// The prober opens every connection through it, so
/// the connection budget is enforced in one place. A connector is `Sendable`: the
/// asynchronous probe (`Prober`'s `async` methods, ``ProbeFleet``) uses it on a thread of
/// its own, one connection at a time.
public protocol Connector: Sendable {
  /// Opens a new connection.
  /// - Parameter deadline: When to give up connecting.
  /// - Returns: The connected transport.
  /// - Throws: ``SMTPProbeError``.
  func connect(deadline: Deadline) throws -> any Transport
}

/// A TCP connection over POSIX sockets.
public final class TCPTransport: Transport {
  private let socket: SocketDescriptor
  private var isClosed = false
  /// The local address of the connection.
  public let localAddress: SocketAddress?
  /// The server's address.
  public let remoteAddress: SocketAddress?

  /// Connects to a server.
  /// - Parameters:
  ///   - address: The server.
  ///   - source: The local address to bind first (`--source`), if any.
  ///   - deadline: When to give up connecting.
  /// - Throws: ``SMTPProbeError`` (`.timeout`, `.system` naming the call).
  public init(to address: SocketAddress, source: SocketAddress?, deadline: Deadline) throws {
    let descriptor = try SocketDescriptor(family: address.family)
    if let source {
      guard source.family == address.family else {
        throw SMTPProbeError(
          .invalidRequest, "source \(source.host) and target \(address.host) differ in family")
      }
      try descriptor.bind(source.with(port: 0))
    }
    try descriptor.connect(address, deadline: deadline)
    localAddress = descriptor.localAddress()
    remoteAddress = address
    socket = descriptor
  }

  /// Sends every byte before the deadline.
  /// - Parameters:
  ///   - bytes: What to send.
  ///   - deadline: When to give up.
  /// - Throws: ``SMTPProbeError``.
  public func send(_ bytes: [UInt8], deadline: Deadline) throws {
    guard !isClosed else { throw SMTPProbeError(.closed, "send: connection closed") }
    try socket.send(bytes, deadline: deadline)
  }

  /// Receives at most `maxBytes` bytes before the deadline.
  /// - Parameters:
  ///   - maxBytes: The most bytes to return.
  ///   - deadline: When to give up.
  /// - Returns: The bytes; empty on end of stream.
  /// - Throws: ``SMTPProbeError``.
  public func receive(maxBytes: Int, deadline: Deadline) throws -> [UInt8] {
    guard !isClosed else { throw SMTPProbeError(.closed, "recv: connection closed") }
    return try socket.receive(maxBytes: maxBytes, deadline: deadline)
  }

  /// Shuts the connection down; the descriptor is released with the transport.
  public func close() {
    if !isClosed { socket.shutdown() }
    isClosed = true
  }
}

/// Opens TCP connections to one address, optionally from a bound source address.
public struct TCPConnector: Connector {
  /// The server.
  public var address: SocketAddress
  /// The local address to bind, if any.
  public var source: SocketAddress?

  /// Creates a connector.
  /// - Parameters:
  ///   - address: The server.
  ///   - source: The local address to bind, if any.
  public init(address: SocketAddress, source: SocketAddress? = nil) {
    self.address = address
    self.source = source
  }

  /// Opens a TCP connection.
  /// - Parameter deadline: When to give up.
  /// - Returns: The connection.
  /// - Throws: ``SMTPProbeError``.
  public func connect(deadline: Deadline) throws -> any Transport {
    try TCPTransport(to: address, source: source, deadline: deadline)
  }
}
