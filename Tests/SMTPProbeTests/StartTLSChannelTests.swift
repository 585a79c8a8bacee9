import Foundation
import Testing

@testable import SMTPProbe

/// The STARTTLS channel opener against scripted servers: every failure ends within its
/// deadline with the right error, and a good dialogue hands over a clean stream.
@Suite struct StartTLSChannelTests {
  static let step: UInt64 = 2_000_000_000

  func opener(
    _ connector: any Connector, clock: VirtualClock, mode: TLSChannelOpener.Mode = .startTLS
  )
    -> TLSChannelOpener
  {
    var options = ProbeOptions.scripted(clock)
    options.stepTimeout = .nanoseconds(Self.step)
    return TLSChannelOpener(connector: connector, mode: mode, options: options)
  }

  /// A server that greets with `greeting` and answers commands from `answers`.
  func server(
    _ clock: VirtualClock, greeting: [ServerAction],
    answers: [String: [ServerAction]] = [:]
  ) -> ScriptedConnector {
    ScriptedConnector(clock: clock) { _, clock in
      ScriptedTransport(clock: clock, greeting: greeting) { line in
        let verb = String(line.uppercased().prefix { $0 != " " })
        if let scripted = answers[verb] { return scripted }
        switch verb {
        case "EHLO": return [.text("250-mail.example.test\r\n250-STARTTLS\r\n250 8BITMIME\r\n")]
        case "STARTTLS": return [.text("220 2.0.0 Ready to start TLS\r\n")]
        case "QUIT": return [.text("221 Bye\r\n"), .close]
        default: return [.text("500 5.5.2 Error\r\n")]
        }
      }
    }
  }

  /// Opens and returns the error, checking that it came within `limit` virtual nanoseconds.
  func failure(
    _ connector: ScriptedConnector, clock: VirtualClock, within limit: UInt64,
    sourceLocation: SourceLocation = #_sourceLocation
  ) -> SMTPProbeError? {
    let start = clock.now()
    defer {
      #expect(clock.now() - start <= limit, "took too long", sourceLocation: sourceLocation)
      let open = connector.transports.filter { !$0.isClosed }.count
      #expect(open == 0, "left open", sourceLocation: sourceLocation)
    }
    do {
      _ = try opener(connector, clock: clock).open()
      Issue.record("opened", sourceLocation: sourceLocation)
      return nil
    } catch let error as SMTPProbeError {
      return error
    } catch {
      Issue.record("unexpected \(error)", sourceLocation: sourceLocation)
      return nil
    }
  }

  @Test func goodDialogueHandsOverACleanStream() throws {
    let clock = VirtualClock()
    let connector = server(
      clock, greeting: [.text("220 mail.example.test ESMTP\r\n")],
      answers: ["STARTTLS": [.text("220 2.0.0 Ready\r\n"), .send([22, 3, 3, 0, 1, 9])]])
    var channel = try opener(connector, clock: clock).open()
    try channel.send([22, 3, 1, 0, 0])
    let bytes = try channel.receive(upTo: 100, deadline: .now + .seconds(5))
    #expect(bytes == [22, 3, 3, 0, 1, 9])
    let transport = try #require(connector.transports.first)
    #expect(transport.received == ["EHLO example.com", "STARTTLS"])
    #expect(transport.receivedBytes.suffix(5) == [22, 3, 1, 0, 0])
    channel.close()
    #expect(transport.isClosed)
  }

  @Test func greeting421IsATemporaryRefusal() {
    let clock = VirtualClock()
    let connector = server(
      clock, greeting: [.text("421 4.7.0 mail.example.test Error: too many connections\r\n")])
    let error = failure(connector, clock: clock, within: Self.step)
    #expect(error?.code == .closed)
    #expect(error?.reason.contains("421") == true)
    #expect(connector.transports.first?.received == [])
  }

  @Test func startTLSRefusedWith454IsTemporaryAnd502Permanent() {
    for (reply, code) in [
      ("454 4.7.0 TLS not available due to local problem", SMTPProbeError.Code.closed),
      ("502 5.5.1 Error: command not implemented", .protocolViolation),
    ] {
      let clock = VirtualClock()
      let connector = server(
        clock, greeting: [.text("220 mail.example.test ESMTP\r\n")],
        answers: ["STARTTLS": [.text(reply + "\r\n")]])
      let error = failure(connector, clock: clock, within: 3 * Self.step)
      #expect(error?.code == code, "\(reply)")
      #expect(error?.reason.contains(String(reply.prefix(3))) == true)
    }
  }

  @Test func startTLSNoLongerAdvertisedIsRefused() {
    let clock = VirtualClock()
    let connector = server(
      clock, greeting: [.text("220 mail.example.test ESMTP\r\n")],
      answers: ["EHLO": [.text("250-mail.example.test\r\n250 8BITMIME\r\n")]])
    let error = failure(connector, clock: clock, within: 2 * Self.step)
    #expect(error?.code == .protocolViolation)
    #expect(connector.transports.first?.received == ["EHLO example.com"])
  }

  @Test func garbageIsAProtocolViolation() {
    for greeting in [
      "HTTP/1.1 400 Bad Request\r\n", "\u{16}\u{03}\u{01}\u{00}\u{02}\u{02}\u{28}",
      "220-ok\r\n250 changed code\r\n",
    ] {
      let clock = VirtualClock()
      let connector = server(clock, greeting: [.text(greeting), .silence])
      let error = failure(connector, clock: clock, within: Self.step)
      #expect(error?.code == .protocolViolation || error?.code == .timeout, "\(greeting)")
    }
  }

  @Test func endlessGreetingLineHitsTheLimitNotTheMemory() {
    let clock = VirtualClock()
    let connector = server(clock, greeting: [.repeating(Array("220 xxxx".utf8), total: nil)])
    let error = failure(connector, clock: clock, within: Self.step)
    #expect(error?.code == .protocolViolation)
    #expect((connector.transports.first?.bytesSent ?? .max) < 16_384)
  }

  @Test func bytesAfterThe220AreRefused() {
    let clock = VirtualClock()
    let connector = server(
      clock, greeting: [.text("220 mail.example.test ESMTP\r\n")],
      answers: ["STARTTLS": [.text("220 2.0.0 Ready\r\n\u{16}\u{03}\u{03}")]])
    let error = failure(connector, clock: clock, within: 3 * Self.step)
    #expect(error?.code == .protocolViolation)
    #expect(error?.reason.contains("after the 220") == true)
  }

  @Test func silenceEndsAtEachStepsDeadline() {
    // Silent greeting, silent EHLO reply, silent STARTTLS reply.
    let cases: [([ServerAction], [String: [ServerAction]], UInt64)] = [
      ([.silence], [:], Self.step),
      ([.text("220 ok\r\n")], ["EHLO": [.silence]], 2 * Self.step),
      ([.text("220 ok\r\n")], ["STARTTLS": [.silence]], 3 * Self.step),
      ([.drip(Array("220 slow greeting\r\n".utf8), interval: 500_000_000)], [:], Self.step),
    ]
    for (greeting, answers, limit) in cases {
      let clock = VirtualClock()
      let connector = server(clock, greeting: greeting, answers: answers)
      let error = failure(connector, clock: clock, within: limit)
      #expect(error?.code == .timeout)
    }
  }

  @Test func silenceAfterTheSwitchEndsAtTheHandshakeDeadline() throws {
    let clock = VirtualClock()
    let connector = server(clock, greeting: [.text("220 ok\r\n")])
    var channel = try opener(connector, clock: clock).open()
    let start = clock.now()
    #expect(throws: SMTPProbeError(.timeout, "")) {
      _ = try channel.receive(upTo: 100, deadline: .now + .seconds(60))
    }
    // The step timeout caps a long handshake deadline.
    #expect(clock.now() - start <= Self.step)
  }

  @Test func implicitTLSHandsOverRightAfterConnect() throws {
    let clock = VirtualClock()
    let connector = server(clock, greeting: [.send([22, 3, 3, 0, 0])])
    var channel = try opener(connector, clock: clock, mode: .implicit).open()
    #expect(connector.transports.first?.received == [])
    #expect(try channel.receive(upTo: 3, deadline: .now + .seconds(1)) == [22, 3, 3])
  }

  @Test func realSocketSilenceEndsOnTime() throws {
    let server = try LoopbackServer { fd in
      var byte: UInt8 = 0
      var timeout = timeval(tv_sec: 3, tv_usec: 0)
      setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
      _ = recv(fd, &byte, 1, 0)
    }
    defer { server.stop() }
    let address = try #require(SocketAddress.numeric("127.0.0.1", port: server.port))
    var options = ProbeOptions()
    options.stepTimeout = .milliseconds(300)
    let opener = TLSChannelOpener(
      connector: TCPConnector(address: address), mode: .startTLS, options: options)
    let start = Date()
    #expect(throws: SMTPProbeError(.timeout, "")) { _ = try opener.open() }
    let elapsed = Date().timeIntervalSince(start)
    #expect(elapsed >= 0.25 && elapsed < 2, "\(elapsed)")
  }
}
