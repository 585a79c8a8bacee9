import Foundation
import Testing

@testable import SMTPProbe

/// `ListenerCheck`: the connection `apply --reload` makes to each listener,
/// against scripted servers on 127.0.0.1.
struct ListenerCheckTests {
  @Test func aMultiLineGreetingPasses() throws {
    let server = try LoopbackServer { fd in
      _ = Wire.write(fd, "220-first line\r\n220 mail.example.test ESMTP\r\n")
      _ = Wire.readLine(fd, seconds: 1)
    }
    defer { server.stop() }
    #expect(ListenerCheck.failure(address: "127.0.0.1", port: server.port, tls: nil) == nil)
  }

  @Test func aRefusalIsNoGreeting() throws {
    let server = try LoopbackServer { fd in
      _ = Wire.write(fd, "554 go away\r\n")
    }
    defer { server.stop() }
    #expect(
      ListenerCheck.failure(address: "127.0.0.1", port: server.port, tls: nil)
        == "no 220 greeting")
  }

  @Test func aSilentListenerFailsWithinTheStepTimeout() throws {
    let server = try LoopbackServer { fd in
      _ = Wire.readLine(fd, seconds: 3)
    }
    defer { server.stop() }
    let started = ContinuousClock.now
    let failure = ListenerCheck.failure(
      address: "127.0.0.1", port: server.port, tls: nil, stepTimeout: .milliseconds(300))
    #expect(failure == "no 220 greeting")
    #expect(ContinuousClock.now - started < .seconds(3))
  }

  @Test func startTLSRefusedIsNoHandshake() throws {
    let server = try LoopbackServer { fd in
      _ = Wire.write(fd, "220 mail.example.test ESMTP\r\n")
      while let line = Wire.readLine(fd, seconds: 2) {
        if line.uppercased().hasPrefix("EHLO") {
          _ = Wire.write(fd, "250-mail.example.test\r\n250 PIPELINING\r\n")
        } else if line.uppercased().hasPrefix("STARTTLS") {
          _ = Wire.write(fd, "454 TLS not available\r\n")
        } else {
          _ = Wire.write(fd, "221 bye\r\n")
          return
        }
      }
    }
    defer { server.stop() }
    let failure = ListenerCheck.failure(
      address: "127.0.0.1", port: server.port, tls: .startTLS, stepTimeout: .seconds(2))
    #expect(failure?.hasPrefix("no TLS 1.2 or 1.3 handshake over STARTTLS") == true)
  }

  @Test func aNameIsNotAnAddress() {
    #expect(
      ListenerCheck.failure(address: "mail.example.test", port: 25, tls: nil)
        == "mail.example.test is not an address")
  }
}
