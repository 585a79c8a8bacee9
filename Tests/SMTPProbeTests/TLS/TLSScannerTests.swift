import Testing

@testable import SMTPProbe

@Suite struct TLSScannerTests {
  static let now: Int64 = 1_800_000_000

  func scan(
    _ server: FakeTLSServer, role: TLSRole = .mx,
    configure: (inout TLSScanOptions) -> Void = { _ in }
  )
    -> TLSScanResult
  {
    var options = TLSScanOptions(now: Self.now, role: role, serverName: "mail.example.test")
    options.sleep = { _ in }
    configure(&options)
    return TLSScanner(options: options) { try server.channel() }.scan()
  }

  @Test func enumeratesWithOneHandshakePerSuitePlusOne() throws {
    let server = FakeTLSServer()
    server.versions = [.tls10, .tls12]
    server.suites = [0xC030, 0x009F, 0x00A7, 0x0035]
    server.dhBits = [0x009F: 2048, 0x00A7: 1024]
    server.certificate = try TLSFixtures.certificate("rsa2048")
    let result = scan(server)
    #expect(result.notes == [])
    #expect(
      result.protocols == [
        "SSLv3": false, "TLSv1.0": true, "TLSv1.1": false, "TLSv1.2": true, "TLSv1.3": false,
      ])
    let tls12 = result.ciphers.filter { $0.protocol == "TLSv1.2" }
    #expect(tls12.map(\.id) == ["0xC030", "0x009F", "0x00A7", "0x0035"])
    #expect(tls12.map(\.kex) == ["ECDHE", "DHE", "ADH", "RSA"])
    #expect(tls12.map(\.kexBits) == [253, 2048, 1024, nil])
    #expect(tls12.first?.group == "X25519")
    #expect(result.minDHBits == 2048)
    #expect(result.minAnonDHBits == 1024)
    #expect(result.serverPreference == true)
    #expect(result.certificate?.keyBits == 2048)
    #expect(result.certificate?.matchesHost == true)
    // SSLv3 1 + TLS 1.0 5 + TLS 1.1 1 + TLS 1.2 5 + TLS 1.3 1 + curves 2; server order
    // shows without an extra handshake because 0x0035 precedes the others in the registry.
    #expect(result.ecdheCurves == ["X25519"])
    #expect(result.connections == 15)
    #expect(server.connections == 15)
  }

  @Test func enumeratesCurvesWhenTLS13IsOff() {
    let server = FakeTLSServer()
    server.suites = [0xC02F, 0x009E]
    server.curves = [.secp384r1, .x25519, .secp256r1]
    let result = scan(server) { $0.protocols = [.tls12] }
    #expect(result.ecdheCurves == ["P-384", "X25519", "P-256"])
    #expect(result.ciphers.first?.group == "P-384")
    #expect(result.ciphers.first?.kexBits == 384)
    // 2 suites + refusal (0x009E precedes 0xC02F in our list, so no preference check)
    // + 3 curves + refusal
    #expect(result.connections == 7)
  }

  @Test func detectsClientPreference() {
    let server = FakeTLSServer()
    server.suites = [0xC02F, 0xC030]
    server.serverPreference = false
    let result = scan(server) { $0.protocols = [.tls12] }
    #expect(result.serverPreference == false)
    #expect(result.ciphers.map(\.id) == ["0xC02F", "0xC030"])
    #expect(result.connections == 6)  // two suites, the refusal, the reversed offer, curves 2
  }

  @Test func detectsServerPreferenceWithAReversedOffer() {
    let server = FakeTLSServer()
    server.suites = [0xC02F, 0xC030]  // the registry lists 0xC02F first too
    let result = scan(server) { $0.protocols = [.tls12] }
    #expect(result.serverPreference == true)
    #expect(result.connections == 6)
  }

  @Test func tls13SuitesAndGroupsFromHelloRetryRequests() {
    let server = FakeTLSServer()
    server.versions = [.tls13]
    server.tls13Suites = [0x1302, 0x1303, 0x1301]
    server.tls13Groups = [.x25519, .secp256r1, .x448, .ffdhe2048]
    let result = scan(server)
    #expect(result.protocols["TLSv1.3"] == true)
    #expect(result.protocols["TLSv1.2"] == false)
    #expect(result.ciphers.map(\.id) == ["0x1302", "0x1303", "0x1301"])
    #expect(
      result.ciphers.allSatisfy { $0.group == "X25519" && $0.kexBits == 253 && $0.kex == "ECDHE" })
    #expect(result.tls13Groups == ["X25519", "P-256", "X448", "ffdhe2048"])
    #expect(result.serverPreference == true)
    // 4 versions refused + 4 HRRs + the ambiguous refusal, its probe, and the final
    // refusal; then the TLS client's try to read the certificate, which this fake server
    // cannot complete.
    #expect(result.connections <= 4 + 4 + 3 + 1)
    #expect(result.notes.contains { $0.hasPrefix("TLSv1.3: the certificate could not be read") })
    #expect(result.findings.contains { $0.id == "tls-certificate-not-seen" })
  }

  @Test func tls13WithMoreSuitesThanGroups() {
    let server = FakeTLSServer()
    server.versions = [.tls13]
    server.tls13Suites = [0x1301, 0x1302, 0x1303, 0x1304]
    server.tls13Groups = [.secp384r1]
    let result = scan(server) { $0.protocols = [.tls13] }
    #expect(Set(result.ciphers.map(\.id)) == ["0x1301", "0x1302", "0x1303", "0x1304"])
    #expect(result.tls13Groups == ["P-384"])
    #expect(result.ciphers.first?.kexBits == 384)
  }

  @Test func budgetStopsTheScan() {
    let server = FakeTLSServer()
    server.suites = [0xC02F, 0xC030, 0x009E, 0x009F]
    let result = scan(server) {
      $0.maxConnections = 3
      $0.protocols = [.tls12]
    }
    #expect(result.connections == 3)
    #expect(server.connections == 3)
    #expect(result.ciphers.count == 3)
    // The TLS 1.2 enumeration; the curve listing skipped after it does not repeat it.
    #expect(result.notes.count == 1)
    #expect(result.notes.allSatisfy { $0.contains("budget") })
  }

  @Test func backsOffAndRetriesWhenConnectionsAreRefused() {
    let server = FakeTLSServer()
    server.suites = [0xC02F]
    server.refuseConnections = 2
    let slept = TLSSleepLog()
    let result = scan(server) {
      $0.protocols = [.tls12]
      $0.backoff = [.seconds(1), .seconds(5)]
      $0.sleep = { slept.append($0) }
    }
    #expect(slept.values == [.seconds(1), .seconds(5)])
    #expect(result.protocols["TLSv1.2"] == true)
    #expect(result.notes == [])
  }

  @Test func givesUpAfterTheLastBackoff() {
    let server = FakeTLSServer()
    server.suites = [0xC02F]
    server.refuseConnections = 100
    let result = scan(server) { $0.backoff = [.zero] }
    #expect(result.connections == 2)
    #expect(result.notes.first?.contains("421") == true)
    #expect(result.ciphers.isEmpty)
  }

  @Test func permanentRefusalStopsWithoutBackoff() {
    let server = FakeTLSServer()
    server.suites = [0xC02F]
    server.permanentFailure = SMTPProbeError(.protocolViolation, "STARTTLS refused: 502 5.5.1")
    let slept = TLSSleepLog()
    let result = scan(server) {
      $0.backoff = [.seconds(1), .seconds(5)]
      $0.sleep = { slept.append($0) }
    }
    #expect(slept.values.isEmpty)
    #expect(result.connections == 1)
    #expect(result.notes.first?.contains("502") == true)
  }

  @Test func garbageAndSilenceAreRefusalsNotCrashes() {
    let server = FakeTLSServer()
    for answer: [UInt8] in [[], [0x48, 0x54, 0x54, 0x50, 0x2F], [22, 3, 3, 0, 5, 2, 0, 0, 9, 9]] {
      server.answer = { _ in answer }
      let result = scan(server) { $0.protocols = [.tls12, .tls13] }
      #expect(result.protocols == ["TLSv1.2": false, "TLSv1.3": false])
      #expect(result.ciphers.isEmpty)
    }
  }

  @Test func serverChoosingAnUnofferedSuiteIsNoted() {
    let server = FakeTLSServer()
    server.suites = [0xC02F]
    server.answer = { _ in
      // A syntactically fine ServerHello for 0x0A0A (never offered).
      let body: [UInt8] = [3, 3] + [UInt8](repeating: 1, count: 32) + [0, 0x0A, 0x0A, 0]
      let message: [UInt8] = [2, 0, 0, UInt8(body.count)] + body + [14, 0, 0, 0]
      return [22, 3, 3, 0, UInt8(message.count)] + message
    }
    let result = scan(server) { $0.protocols = [.tls12] }
    #expect(result.protocols["TLSv1.2"] == false)
    #expect(result.notes.contains { $0.contains("not offered") })
  }
}

final class TLSSleepLog: @unchecked Sendable {
  var values: [Duration] = []
  func append(_ value: Duration) { values.append(value) }
}
