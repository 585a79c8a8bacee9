import Foundation

@testable import SMTPProbe

/// A scripted SMTP server that speaks TLS after `220` to STARTTLS: SMTP lines go to
/// ``FakePostfix``, the bytes after the switch to a ``FakeTLSServer``.
final class StartTLSTransport: Transport {
  let clock: VirtualClock
  let smtp: ScriptedTransport
  let tls: FakeTLSServer
  private var inTLS = false
  private var switchPending = false
  private var tlsOut: [UInt8] = []
  private(set) var isClosed = false
  var localAddress: SocketAddress? { smtp.localAddress }
  var remoteAddress: SocketAddress? { smtp.remoteAddress }

  init(clock: VirtualClock, postfix: FakePostfix, tls: FakeTLSServer) {
    self.clock = clock
    self.tls = tls
    var state = FakePostfix.State()
    smtp = ScriptedTransport(clock: clock, greeting: [.text("220 \(postfix.banner)\r\n")]) {
      line in
      if line.uppercased() == "STARTTLS" { return [.text("220 2.0.0 Ready to start TLS\r\n")] }
      return postfix.answer(line, state: &state)
    }
  }

  func send(_ bytes: [UInt8], deadline: Deadline) throws {
    guard !isClosed else { throw SMTPProbeError(.closed, "send: closed") }
    if inTLS {
      tlsOut += tls.respond(to: bytes)
      return
    }
    try smtp.send(bytes, deadline: deadline)
    if smtp.received.last?.uppercased() == "STARTTLS" { switchPending = true }
  }

  func receive(maxBytes: Int, deadline: Deadline) throws -> [UInt8] {
    guard !isClosed else { throw SMTPProbeError(.closed, "recv: closed") }
    if inTLS {
      if tlsOut.isEmpty {
        clock.advance(to: deadline.instant)
        throw SMTPProbeError(.timeout, "recv: deadline passed")
      }
      let count = min(maxBytes, tlsOut.count)
      defer { tlsOut.removeFirst(count) }
      return Array(tlsOut.prefix(count))
    }
    let bytes = try smtp.receive(maxBytes: maxBytes, deadline: deadline)
    if switchPending {
      switchPending = false
      inTLS = true
    }
    return bytes
  }

  func close() { isClosed = true }
}

/// Opens ``StartTLSTransport`` connections to one fake server.
final class StartTLSConnector: Connector, @unchecked Sendable {
  let clock: VirtualClock
  let postfix: FakePostfix
  let tls: FakeTLSServer
  private(set) var transports: [StartTLSTransport] = []

  init(clock: VirtualClock, postfix: FakePostfix, tls: FakeTLSServer) {
    self.clock = clock
    self.postfix = postfix
    self.tls = tls
  }

  func connect(deadline: Deadline) throws -> any Transport {
    let transport = StartTLSTransport(clock: clock, postfix: postfix, tls: tls)
    transports.append(transport)
    return transport
  }

  /// Every SMTP command sent on every connection.
  var allCommands: [String] { transports.flatMap(\.smtp.received) }
}
