import Foundation
import Testing

@testable import SMTPProbe

/// SMTP inside the TLS client against real Postfix instances on 127.0.0.1: EHLO, STARTTLS,
/// the handshake, EHLO again inside TLS, QUIT.
@Suite(.serialized, .enabled(if: PostfixTLSClientGate.shouldRun, PostfixTLSClientGate.skipComment))
struct PostfixStartTLSClientTests {
  struct Case: Sendable, CustomStringConvertible {
    var certificate: String
    var protocols: String?
    var version: TLSProtocolVersion
    var description: String { "\(certificate) \(version.name)" }
  }

  static let cases: [Case] = [
    Case(certificate: "rsa2048", protocols: nil, version: .tls13),
    Case(certificate: "ec-prime256v1", protocols: nil, version: .tls13),
    Case(
      certificate: "rsa2048", protocols: "!SSLv2, !SSLv3, !TLSv1, !TLSv1.1, !TLSv1.3",
      version: .tls12),
    Case(
      certificate: "ec-prime256v1", protocols: "!SSLv2, !SSLv3, !TLSv1, !TLSv1.1, !TLSv1.3",
      version: .tls12),
  ]

  @Test(arguments: cases)
  func ehloInsideTLS(_ test: Case) throws {
    try RealPostfix.requireInstances()
    let certs = TLSFixtures.certs
    let instance = try PostfixInstance(
      posture: .stock,
      tls: PostfixInstance.TLSSettings(
        certificate: "\(certs)/\(test.certificate).pem", key: "\(certs)/\(test.certificate).key",
        parameters: test.protocols.map { ["smtpd_tls_protocols = \($0)"] } ?? []))
    defer { instance.stop() }
    try instance.start()

    let clock = SystemClock()
    guard let address = SocketAddress.numeric("127.0.0.1", port: instance.port) else {
      throw TLSTestError("bad address")
    }
    let tcp = try TCPTransport(to: address, source: nil, deadline: seconds(5))
    let plain = SMTPSession(
      transport: tcp, connection: 0, clock: clock, stepNanoseconds: 5_000_000_000,
      sessionDeadline: seconds(30), limits: ProbeOptions().replyLimits)
    #expect(try plain.greeting().code == 220)
    let hello = try plain.command("EHLO probe.example.test")
    #expect(Capabilities(reply: hello, extended: true).startTLS)
    #expect(try plain.command("STARTTLS").code == 220)
    #expect(!plain.hasBufferedInput)

    // The plain session is abandoned (not closed): the connection now belongs to TLS.
    let tls = try TLSClientTransport(
      handshakeOver: tcp, configuration: TLSClientConfiguration(serverName: instance.hostname),
      deadline: seconds(10))
    #expect(tls.session.version == test.version)
    #expect(tls.session.certificateChain.first == (try TLSFixtures.certificate(test.certificate)))
    let secure = SMTPSession(
      transport: tls, connection: 0, clock: clock, stepNanoseconds: 5_000_000_000,
      sessionDeadline: seconds(30), limits: ProbeOptions().replyLimits)
    let inside = try secure.command("EHLO probe.example.test")
    #expect(inside.code == 250)
    #expect(!Capabilities(reply: inside, extended: true).startTLS, "no STARTTLS inside TLS")
    #expect(try secure.command("QUIT").code == 221)
    secure.close()
    print(
      "Postfix 127.0.0.1:\(instance.port): \(tls.session.version.name) "
        + "\(tls.session.cipherSuite.name), EHLO inside TLS answered \(inside.code)")
  }
}

/// The gate of ``PostfixStartTLSClientTests``: real Postfix instances (root).
enum PostfixTLSClientGate {
  static var shouldRun: Bool {
    (RealPostfix.isInstalled && RealPostfix.isRoot) || RealPostfix.isRequired
  }
  static let skipComment: Comment = RealPostfix.skipComment
}
