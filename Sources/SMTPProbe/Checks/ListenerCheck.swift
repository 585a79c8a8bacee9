#if canImport(Glibc)
import Glibc
#endif

/// Whether one listener answers as a mail server should: a connection, the
/// `220` greeting read to its last line, and where TLS is configured a TLS 1.2
/// or 1.3 handshake begun (after `STARTTLS`, or at once on an implicit-TLS
/// port) and answered with a ServerHello.
///
/// This is the check `apply --reload` makes after Postfix reloads; give it to
/// `ActivationWorkflow` (PostfixHardening) as its verifier:
///
/// ```swift
/// let answers = ListenerCheck.failure(address: "127.0.0.1", port: 25, tls: .startTLS)
/// // nil: it greets and starts TLS; else why not
/// ```
///
/// No mail is sent and no command other than `EHLO` and `STARTTLS` is. Every
/// step is bounded by `stepTimeout`, the TLS part by four connections at most.
public enum ListenerCheck {
  /// Connects once and reports what failed.
  /// - Parameters:
  ///   - address: A numeric IPv4 or IPv6 address.
  ///   - port: The TCP port.
  ///   - tls: How TLS starts there; nil when TLS is not configured (only the
  ///     greeting is checked).
  ///   - stepTimeout: The limit of each step (connect, each read, each handshake).
  /// - Returns: nil when the listener greets (and starts TLS where asked);
  ///   else why not, such as `no 220 greeting`.
  public static func failure(
    address: String, port: UInt16, tls: TLSChannelOpener.Mode?,
    stepTimeout: Duration = .seconds(5)
  ) -> String? {
    guard let socket = SocketAddress.numeric(address, port: port) else {
      return "\(address) is not an address"
    }
    var options = ProbeOptions()
    options.stepTimeout = stepTimeout
    let connector = TCPConnector(address: socket)
    guard let mode = tls else {
      return greets(connector, options: options) ? nil : "no 220 greeting"
    }
    var scan = TLSScanOptions(now: Int64(time(nil)))
    scan.protocols = [.tls12, .tls13]
    scan.maxConnections = 4
    scan.backoff = []
    scan.handshakeTimeout = stepTimeout
    scan.totalTimeout = stepTimeout * 4
    let opener = TLSChannelOpener(connector: connector, mode: mode, options: options)
    let result = TLSScanner(options: scan, connect: { try opener.open() }).scan()
    if result.protocols.values.contains(true) { return nil }
    let why = result.notes.first.map { ": " + $0 } ?? ""
    let how = mode == .implicit ? "implicit TLS" : "STARTTLS"
    return "no TLS 1.2 or 1.3 handshake over \(how)\(why)"
  }

  /// Whether the listener greets with 220 within the step timeout.
  static func greets(_ connector: TCPConnector, options: ProbeOptions) -> Bool {
    let deadline = Deadline.after(options.stepTimeout, clock: options.clock)
    guard let transport = try? connector.connect(deadline: deadline) else { return false }
    defer { transport.close() }
    var received: [UInt8] = []
    // Each read returns at least one byte or ends the loop; at most 4 KiB are read.
    while received.count < 4096 {
      guard let bytes = try? transport.receive(maxBytes: 512, deadline: deadline), !bytes.isEmpty
      else { return false }
      received += bytes
      // The last line of the greeting: "220 " (multi-line greetings use "220-").
      for line in received.split(separator: 0x0A) where line.count >= 4 {
        if line.starts(with: Array("220 ".utf8)) { return true }
        if !line.starts(with: Array("220-".utf8)) { return false }
      }
    }
    return false
  }
}
