import Foundation
import Testing

@testable import SMTPProbe

/// The POSIX layer over real loopback sockets: deadlines, refusals, IPv6, binding.
@Suite struct TCPTransportTests {
  let clock = SystemClock()

  func deadline(_ milliseconds: UInt64) -> Deadline {
    Deadline.after(nanoseconds: milliseconds * 1_000_000, clock: clock)
  }

  @Test func readsAGreetingOverIPv4() throws {
    let server = try LoopbackServer { fd in
      Wire.write(fd, "220 loopback ESMTP\r\n")
      _ = Wire.readLine(fd)
    }
    defer { server.stop() }
    let address = try #require(SocketAddress.numeric("127.0.0.1", port: server.port))
    let transport = try TCPTransport(to: address, source: nil, deadline: deadline(2000))
    defer { transport.close() }
    var reader = ReplyReader(limits: ReplyLimits())
    let reply = try reader.readReply(from: transport, deadline: deadline(2000))
    #expect(reply.code == 220)
    #expect(transport.localAddress?.host == "127.0.0.1")
    #expect(transport.remoteAddress?.port == server.port)
  }

  static var hasIPv6Loopback: Bool {
    guard let server = try? LoopbackServer(host: "::1", handle: { _ in }) else { return false }
    server.stop()
    return true
  }

  @Test(.enabled(if: hasIPv6Loopback, "no IPv6 loopback (::1) here"))
  func readsAGreetingOverIPv6() throws {
    let server = try LoopbackServer(host: "::1") { fd in
      Wire.write(fd, "220 v6\r\n")
      _ = Wire.readLine(fd)
    }
    defer { server.stop() }
    let address = try #require(SocketAddress.numeric("[::1]", port: server.port))
    #expect(address.description == "[::1]:\(server.port)")
    let transport = try TCPTransport(to: address, source: nil, deadline: deadline(2000))
    defer { transport.close() }
    var reader = ReplyReader(limits: ReplyLimits())
    #expect(try reader.readReply(from: transport, deadline: deadline(2000)).code == 220)
    #expect(transport.localAddress?.host == "::1")
  }

  @Test func silentServerTimesOutOnTime() throws {
    let server = try LoopbackServer { fd in _ = Wire.readLine(fd, seconds: 2) }
    defer { server.stop() }
    let address = try #require(SocketAddress.numeric("127.0.0.1", port: server.port))
    let transport = try TCPTransport(to: address, source: nil, deadline: deadline(2000))
    defer { transport.close() }
    let start = Date()
    var reader = ReplyReader(limits: ReplyLimits())
    #expect(throws: SMTPProbeError(.timeout, "")) {
      try reader.readReply(from: transport, deadline: deadline(300))
    }
    let elapsed = Date().timeIntervalSince(start)
    #expect(elapsed >= 0.29 && elapsed < 1.5)
  }

  @Test func slowDripTimesOutOnTheWholeReply() throws {
    let server = try LoopbackServer { fd in
      for byte in "220 slow drip greeting\r\n" {
        guard Wire.write(fd, String(byte)) else { return }
        usleep(100_000)
      }
    }
    defer { server.stop() }
    let address = try #require(SocketAddress.numeric("127.0.0.1", port: server.port))
    let transport = try TCPTransport(to: address, source: nil, deadline: deadline(2000))
    let start = Date()
    var reader = ReplyReader(limits: ReplyLimits())
    #expect(throws: SMTPProbeError(.timeout, "")) {
      try reader.readReply(from: transport, deadline: deadline(400))
    }
    transport.close()
    #expect(Date().timeIntervalSince(start) < 1.5)
  }

  @Test func refusedConnectionNamesTheCall() throws {
    let port = try PostfixInstance.freeLoopbackPort()
    let address = try #require(SocketAddress.numeric("127.0.0.1", port: port))
    do {
      _ = try TCPTransport(to: address, source: nil, deadline: deadline(2000))
      Issue.record("connected to a closed port")
    } catch let error as SMTPProbeError {
      #expect(error.code == .system)
      #expect(error.reason.contains("connect(127.0.0.1:\(port))"))
      #expect(error.reason.contains("refused"))
    }
  }

  @Test func sourceAddressIsBound() throws {
    let server = try LoopbackServer { fd in Wire.write(fd, "220 ok\r\n") }
    defer { server.stop() }
    let address = try #require(SocketAddress.numeric("127.0.0.1", port: server.port))
    let source = try #require(SocketAddress.numeric("127.0.0.2", port: 0))
    let transport = try TCPTransport(to: address, source: source, deadline: deadline(2000))
    defer { transport.close() }
    #expect(transport.localAddress?.host == "127.0.0.2")
  }

  @Test func sourceOfAnotherFamilyIsRefused() throws {
    let address = try #require(SocketAddress.numeric("127.0.0.1", port: 9))
    let source = try #require(SocketAddress.numeric("::1", port: 0))
    #expect(throws: SMTPProbeError(.invalidRequest, "")) {
      _ = try TCPTransport(to: address, source: source, deadline: deadline(500))
    }
  }

  @Test func closedTransportRefusesIO() throws {
    let server = try LoopbackServer { fd in _ = Wire.readLine(fd, seconds: 1) }
    defer { server.stop() }
    let address = try #require(SocketAddress.numeric("127.0.0.1", port: server.port))
    let transport = try TCPTransport(to: address, source: nil, deadline: deadline(2000))
    transport.close()
    #expect(throws: SMTPProbeError(.closed, "")) {
      try transport.send([65], deadline: deadline(100))
    }
    #expect(throws: SMTPProbeError(.closed, "")) {
      _ = try transport.receive(maxBytes: 10, deadline: deadline(100))
    }
  }

  @Test func numericParsing() {
    #expect(SocketAddress.numeric("127.0.0.1", port: 25)?.family == .ipv4)
    #expect(SocketAddress.numeric("[::1]", port: 25)?.host == "::1")
    #expect(SocketAddress.numeric("::ffff:127.0.0.1", port: 25)?.family == .ipv6)
    for bad in ["", "localhost", "127.0.0.256", "1.2.3", "[::1", "::1]", "127.0.0.1\u{0}"] {
      #expect(SocketAddress.numeric(bad, port: 25) == nil, "\(bad)")
    }
  }

  @Test func probeOverTCPAgainstAScriptedLoopbackServer() throws {
    let server = try LoopbackServer { fd in
      Wire.write(fd, "220 loop.example.test ESMTP\r\n")
      while let line = Wire.readLine(fd) {
        if line.hasPrefix("QUIT") {
          Wire.write(fd, "221 bye\r\n")
          return
        }
        if line.hasPrefix("EHLO") {
          Wire.write(fd, "250-loop.example.test\r\n250 STARTTLS\r\n")
        } else if line.hasPrefix("RCPT") {
          Wire.write(fd, "554 5.7.1 Relay access denied\r\n")
        } else if line.hasPrefix("VRFY") {
          Wire.write(fd, "502 5.5.1 VRFY command is disabled\r\n")
        } else if line.hasPrefix("MAIL") || line.hasPrefix("RSET") {
          Wire.write(fd, "250 2.0.0 Ok\r\n")
        } else {
          Wire.write(fd, "502 5.5.2 Error: command not recognized\r\n")
        }
      }
    }
    defer { server.stop() }
    var options = ProbeOptions()
    options.stepTimeout = .seconds(2)
    let report = Prober.probe(host: "127.0.0.1", port: server.port, options: options)
    #expect(report.failure == nil)
    #expect(report.connections == server.connections)
    #expect(report.vrfy?.verdict == .disabled)
    #expect(report.heloRequired?.required == false)
    // Direct from 127.0.0.1 and every form refused: closed even from a trusted vantage.
    #expect(report.openRelay?.verdict == .closed)
  }
}
