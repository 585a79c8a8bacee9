import Foundation
import Testing

@testable import SMTPProbe

/// The TLS client against real `openssl s_server` on 127.0.0.1: every TLS 1.3 and TLS 1.2
/// suite it offers, RSA and ECDSA certificates, HelloRetryRequest, KeyUpdate, and
/// application data both ways.
@Suite(.serialized, .enabled(if: OpenSSLServer.shouldRun, OpenSSLServer.skipComment))
struct OpenSSLInteropTests {
  struct Case: Sendable, CustomStringConvertible {
    var suite: TLSClientCipherSuite
    var ecdsa: Bool
    var description: String { "\(suite.name) \(ecdsa ? "ECDSA" : "RSA")" }

    var serverArguments: [String] {
      if suite.isTLS13 { return ["-tls1_3", "-ciphersuites", suite.name] }
      let names: [TLSClientCipherSuite: String] = [
        .ecdheECDSAWithAES128GCMSHA256: "ECDHE-ECDSA-AES128-GCM-SHA256",
        .ecdheRSAWithAES128GCMSHA256: "ECDHE-RSA-AES128-GCM-SHA256",
        .ecdheECDSAWithAES256GCMSHA384: "ECDHE-ECDSA-AES256-GCM-SHA384",
        .ecdheRSAWithAES256GCMSHA384: "ECDHE-RSA-AES256-GCM-SHA384",
        .ecdheRSAWithChaCha20Poly1305: "ECDHE-RSA-CHACHA20-POLY1305",
        .ecdheECDSAWithChaCha20Poly1305: "ECDHE-ECDSA-CHACHA20-POLY1305",
      ]
      return ["-tls1_2", "-cipher", names[suite] ?? ""]
    }
  }

  static let cases: [Case] =
    TLSClientCipherSuite.tls13.flatMap {
      [Case(suite: $0, ecdsa: false), Case(suite: $0, ecdsa: true)]
    }
    + [
      Case(suite: .ecdheRSAWithAES128GCMSHA256, ecdsa: false),
      Case(suite: .ecdheRSAWithAES256GCMSHA384, ecdsa: false),
      Case(suite: .ecdheRSAWithChaCha20Poly1305, ecdsa: false),
      Case(suite: .ecdheECDSAWithAES128GCMSHA256, ecdsa: true),
      Case(suite: .ecdheECDSAWithAES256GCMSHA384, ecdsa: true),
      Case(suite: .ecdheECDSAWithChaCha20Poly1305, ecdsa: true),
    ]

  @Test(arguments: cases)
  func handshakeAndEcho(_ test: Case) throws {
    try OpenSSLServer.require()
    let credentials = try OpenSSLServer.Credentials.make(ecdsa: test.ecdsa)
    defer { credentials.remove() }
    let server = try OpenSSLServer(
      credentials: credentials, test.serverArguments + ["-rev", "-quiet"])
    defer { server.stop() }
    var configuration = TLSClientConfiguration(serverName: "mail.example.test")
    configuration.cipherSuites = [test.suite]
    let tls = try TLSClientTransport(
      handshakeOver: try server.connect(), configuration: configuration, deadline: seconds(10))
    defer { tls.close() }
    #expect(tls.session.cipherSuite == test.suite)
    #expect(tls.session.version == (test.suite.isTLS13 ? .tls13 : .tls12))
    #expect(tls.session.certificateChain == [credentials.der])
    let leaf = try X509Certificate.parse(try #require(tls.session.certificateChain.first))
    #expect(leaf.subjectCommonName == "mail.example.test")
    #expect(leaf.keyType == (test.ecdsa ? "EC" : "RSA"))
    if !test.suite.isTLS13 { #expect(tls.session.extendedMasterSecret) }

    // -rev answers each line reversed; many lines make several records each way.
    var sent: [String] = []
    for index in 0..<200 {
      sent.append("line \(index) " + String(repeating: "abcdefghij", count: 10))
    }
    try tls.send(Array(sent.map { $0 + "\n" }.joined().utf8), deadline: seconds(10))
    let expected = sent.map { String($0.reversed()) + "\n" }.joined()
    var received: [UInt8] = []
    let expectedCount = expected.utf8.count
    while received.count < expectedCount {
      let chunk = try tls.receive(maxBytes: 65_536, deadline: seconds(10))
      guard !chunk.isEmpty else { break }
      received += chunk
    }
    #expect(String(decoding: received, as: UTF8.self) == expected)
  }

  @Test func helloRetryRequestForX25519() throws {
    try OpenSSLServer.require()
    let credentials = try OpenSSLServer.Credentials.make(ecdsa: true)
    defer { credentials.remove() }
    let server = try OpenSSLServer(
      credentials: credentials, ["-tls1_3", "-groups", "X25519", "-rev", "-quiet"])
    defer { server.stop() }
    var configuration = TLSClientConfiguration()
    configuration.sendKeyShareInFirstHello = false
    let tls = try TLSClientTransport(
      handshakeOver: try server.connect(), configuration: configuration, deadline: seconds(10))
    defer { tls.close() }
    #expect(tls.session.helloRetryRequest)
    try tls.send(Array("retry\n".utf8), deadline: seconds(5))
    #expect(try tls.receive(maxBytes: 100, deadline: seconds(5)) == Array("yrter\n".utf8))
  }

  @Test func groupWeLackFailsClearly() throws {
    try OpenSSLServer.require()
    let credentials = try OpenSSLServer.Credentials.make(ecdsa: true)
    defer { credentials.remove() }
    let server = try OpenSSLServer(
      credentials: credentials, ["-tls1_3", "-groups", "P-256", "-rev", "-quiet"])
    defer { server.stop() }
    let error = #expect(throws: SMTPProbeError.self) {
      _ = try TLSClientTransport(
        handshakeOver: try server.connect(), configuration: TLSClientConfiguration(),
        deadline: seconds(10))
    }
    #expect(error?.code == .tlsAlert || error?.code == .tlsFailure)
    print("P-256-only server: \(error?.reason ?? "")")
  }

  @Test func keyUpdateFromTheServer() throws {
    try OpenSSLServer.require()
    let credentials = try OpenSSLServer.Credentials.make(ecdsa: false)
    defer { credentials.remove() }
    let server = try OpenSSLServer(credentials: credentials, ["-tls1_3"])
    defer { server.stop() }
    let tls = try TLSClientTransport(
      handshakeOver: try server.connect(), configuration: TLSClientConfiguration(),
      deadline: seconds(10))
    defer { tls.close() }
    try tls.send(Array("before update\n".utf8), deadline: seconds(5))
    #expect(server.waitForOutput("before update"))
    server.type("K")  // KeyUpdate with update_requested
    usleep(300_000)
    server.type("from the server")
    var received: [UInt8] = []
    while !String(decoding: received, as: UTF8.self).contains("from the server") {
      let chunk = try tls.receive(maxBytes: 1000, deadline: seconds(5))
      guard !chunk.isEmpty else { break }
      received += chunk
    }
    #expect(
      String(decoding: received, as: UTF8.self).contains("from the server"), "\(server.printed)")
    // Our KeyUpdate answer went out; the server must read this under the new keys.
    try tls.send(Array("after update\n".utf8), deadline: seconds(5))
    #expect(server.waitForOutput("after update"), "\(server.printed)")
  }
}
