import Testing

@testable import SMTPProbe

/// Recorded first flights of `openssl s_server` (see `Fixtures/record-flights.py`).
@Suite struct TLSFlightParserTests {
  @Test func tls10DHEWith1024BitPrime() throws {
    let flight = try TLSFlightParser.parse(try TLSFixtures.flight("tls10-dhe-rsa1024-dh1024"))
    let hello = try #require(flight.serverHello)
    #expect(hello.version == .tls10)
    #expect(hello.cipherSuite == 0x0033)  // TLS_DHE_RSA_WITH_AES_128_CBC_SHA
    #expect(!hello.isHelloRetryRequest)
    #expect(flight.certificates.count == 1)
    #expect(flight.sawServerHelloDone)
    #expect(flight.serverKeyExchange?.bits == 1024)
    guard case .dh(_, let generator, let publicValue)? = flight.serverKeyExchange else {
      Issue.record("no DH parameters")
      return
    }
    #expect(generator == [2])
    #expect(publicValue.count <= 128)
  }

  @Test func tls12ECDHEWithX25519() throws {
    let flight = try TLSFlightParser.parse(try TLSFixtures.flight("tls12-ecdhe-rsa2048"))
    #expect(flight.serverHello?.version == .tls12)
    #expect(flight.serverHello?.cipherSuite == 0xC02F)
    #expect(flight.serverKeyExchange?.bits == 253)
    guard case .ecdh(let group, let point)? = flight.serverKeyExchange else {
      Issue.record("no ECDH parameters")
      return
    }
    #expect(group == .x25519)
    #expect(point.count == 32)
  }

  @Test func tls12ECDSAWithP256() throws {
    let flight = try TLSFlightParser.parse(try TLSFixtures.flight("tls12-ecdhe-ecdsa-p256"))
    #expect(flight.serverHello?.cipherSuite == 0xC02C)
    guard case .ecdh(let group, let point)? = flight.serverKeyExchange else {
      Issue.record("no ECDH parameters")
      return
    }
    #expect(group == .secp256r1)
    #expect(point.count == 65)
    let leaf = try X509Certificate.parse(try #require(flight.certificates.first))
    #expect(leaf.keyType == "EC")
    #expect(leaf.curve == "P-256")
  }

  @Test func anonymousDHHasNoCertificate() throws {
    let flight = try TLSFlightParser.parse(try TLSFixtures.flight("tls12-adh-dh2048"))
    #expect(flight.serverHello?.cipherSuite == 0x00A7)  // TLS_DH_anon_WITH_AES_256_GCM_SHA384
    #expect(flight.certificates.isEmpty)
    #expect(flight.serverKeyExchange?.bits == 2048)
    #expect(flight.sawServerHelloDone)
  }

  @Test func chainOfTwoCertificates() throws {
    let flight = try TLSFlightParser.parse(try TLSFixtures.flight("tls12-dhe-chain-leaf"))
    #expect(flight.certificates.count == 2)
    #expect(flight.certificates.first == (try TLSFixtures.certificate("leaf")))
    #expect(flight.certificates.last == (try TLSFixtures.certificate("ca")))
    #expect(flight.serverKeyExchange?.bits == 2048)
  }

  @Test func tls13ServerHelloStopsAtTheEncryptedPart() throws {
    let flight = try TLSFlightParser.parse(try TLSFixtures.flight("tls13-x25519"))
    let hello = try #require(flight.serverHello)
    #expect(hello.version == .tls13)
    #expect(hello.legacyVersion == .tls12)
    #expect(hello.keyShareGroup == .x25519)
    #expect(!hello.isHelloRetryRequest)
    #expect(flight.certificates.isEmpty)
  }

  @Test func helloRetryRequestNamesTheGroup() throws {
    let flight = try TLSFlightParser.parse(try TLSFixtures.flight("tls13-hrr-x448"))
    let hello = try #require(flight.serverHello)
    #expect(hello.isHelloRetryRequest)
    #expect(hello.version == .tls13)
    #expect(hello.keyShareGroup == .x448)
    #expect(hello.cipherSuite == 0x1302)
  }

  @Test func alertInsteadOfHello() throws {
    let flight = try TLSFlightParser.parse(try TLSFixtures.flight("alert-protocol-version"))
    #expect(flight.serverHello == nil)
    #expect(flight.alert == TLSAlert(level: 2, description: 70))
    #expect(flight.alert?.name == "protocol_version")
  }

  @Test func warningAlertBeforeTheHelloDoesNotEndTheFlight() throws {
    let bytes = try TLSFixtures.flight("tls12-ecdhe-rsa2048")
    let flight = try TLSFlightParser.parse([21, 3, 3, 0, 2, 1, 112] + bytes)
    #expect(flight.alert == TLSAlert(level: 1, description: 112))
    #expect(flight.alert?.name == "unrecognized_name")
    #expect(flight.sawServerHelloDone)
    #expect(flight.serverHello?.cipherSuite == 0xC02F)
    // close_notify and fatal alerts do end it.
    let closed = try TLSFlightParser.parse([21, 3, 3, 0, 2, 1, 0])
    #expect(closed.serverHello == nil)
    #expect(closed.alert?.name == "close_notify")
  }

  @Test func byteByByteFeedingGivesTheSameFlight() throws {
    for name in ["tls10-dhe-rsa1024-dh1024", "tls12-dhe-chain-leaf", "tls13-hrr-x448"] {
      let bytes = try TLSFixtures.flight(name)
      var parser = TLSFlightParser()
      for byte in bytes where !parser.isComplete {
        try parser.consume([byte])
      }
      #expect(parser.isComplete)
      #expect(parser.flight == (try TLSFlightParser.parse(bytes)))
    }
  }

  @Test func handshakeMessagesSplitAcrossRecordsAreReassembled() throws {
    // Re-frame the TLS 1.0 flight's handshake bytes into records of 7 bytes each.
    let bytes = try TLSFixtures.flight("tls10-dhe-rsa1024-dh1024")
    var payload: [UInt8] = []
    var index = 0
    while index + 5 <= bytes.count {
      let length = Int(bytes[index + 3]) << 8 | Int(bytes[index + 4])
      payload += bytes[(index + 5)..<(index + 5 + length)]
      index += 5 + length
    }
    var reframed: [UInt8] = []
    var offset = 0
    while offset < payload.count {
      let chunk = payload[offset..<min(offset + 7, payload.count)]
      reframed += [22, 3, 1, 0, UInt8(chunk.count)] + chunk
      offset += chunk.count
    }
    #expect(try TLSFlightParser.parse(reframed) == (try TLSFlightParser.parse(bytes)))
  }
}
