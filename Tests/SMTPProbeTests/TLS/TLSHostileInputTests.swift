import Testing

@testable import SMTPProbe

/// Malformed, truncated, oversized and mutated server flights and certificates must be
/// rejected with `.protocolViolation` and never trap.
@Suite struct TLSHostileInputTests {
  static let flights = [
    "tls10-dhe-rsa1024-dh1024", "tls12-ecdhe-rsa2048", "tls12-ecdhe-ecdsa-p256",
    "tls12-adh-dh2048", "tls12-dhe-chain-leaf", "tls13-x25519", "tls13-hrr-x448",
    "alert-protocol-version",
  ]

  func expectViolation(_ bytes: [UInt8], _ comment: Comment? = nil) {
    #expect(throws: SMTPProbeError(.protocolViolation, ""), comment) {
      try TLSFlightParser.parse(bytes)
    }
  }

  @Test(arguments: flights) func everyTruncationIsRejected(name: String) throws {
    let bytes = try TLSFixtures.flight(name)
    let end = name.hasPrefix("tls13") ? bytes.count - 6 : bytes.count  // TLS 1.3: encrypted tail
    let full = try TLSFlightParser.parse(bytes)
    for cut in 0..<end {
      let prefix = Array(bytes[0..<cut])
      if let flight = try? TLSFlightParser.parse(prefix) {
        // Only a TLS 1.3 prefix that already holds the whole ServerHello may parse.
        #expect(flight.serverHello == full.serverHello, "cut at \(cut)")
        #expect(name.hasPrefix("tls13"), "cut at \(cut)")
      }
    }
  }

  @Test func trailingBytesAfterServerHelloDoneAreRejected() throws {
    let bytes = try TLSFixtures.flight("tls12-ecdhe-rsa2048")
    expectViolation(bytes + [22, 3, 3, 0, 1, 0])
    expectViolation(bytes + [0])
  }

  @Test func trailingBytesInsideMessagesAreRejected() throws {
    // A ServerHello body with one extra byte after its extensions.
    let bytes = try TLSFixtures.flight("tls12-adh-dh2048")
    let recordLength = Int(bytes[3]) << 8 | Int(bytes[4])
    let helloLength = Int(bytes[6]) << 16 | Int(bytes[7]) << 8 | Int(bytes[8])
    var hello = Array(bytes[9..<(9 + helloLength)]) + [0xAA]
    hello = [2, 0, UInt8(hello.count >> 8), UInt8(hello.count & 0xFF)] + hello
    let rest = Array(bytes[(9 + helloLength)..<(5 + recordLength)])
    let fragment = hello + rest
    let record = [22, 3, 3, UInt8(fragment.count >> 8), UInt8(fragment.count & 0xFF)] + fragment
    expectViolation(record + Array(bytes[(5 + recordLength)...]))
  }

  @Test func oversizeLengthsAreRejected() {
    expectViolation([22, 3, 3, 0xFF, 0xFF] + [UInt8](repeating: 0, count: 100))
    expectViolation([22, 3, 3, 0, 0])  // empty record
    expectViolation([22, 3, 3, 0, 4, 2, 0xFF, 0xFF, 0xFF])  // 16 MiB handshake message
    expectViolation([22, 2, 0, 0, 4, 2, 0, 0, 0])  // SSLv2-style version
    expectViolation([23, 3, 3, 0, 1, 0])  // application data first
    expectViolation([21, 3, 3, 0, 3, 2, 40, 0])  // alert of three bytes
    expectViolation([22, 3, 3, 0, 4, 1, 0, 0, 0])  // a ClientHello from the server
  }

  @Test func endlessRecordsHitTheFlightCap() {
    var parser = TLSFlightParser()
    // CertificateRequest-free garbage: a handshake message that never completes.
    var thrown = false
    let header: [UInt8] = [22, 3, 3, 0x40, 0x00]
    do {
      try parser.consume([22, 3, 3, 0, 4, 2, 0x01, 0xFF, 0xFF])
      for _ in 0..<40 {
        try parser.consume(header + [UInt8](repeating: 0, count: 0x4000))
      }
    } catch let error as SMTPProbeError {
      thrown = error.code == .protocolViolation
    } catch {}
    #expect(thrown)
  }

  @Test func seededMutationsNeverTrap() throws {
    var generator = TLSSplitMix64(seed: 0x5EED_7715)
    var parsed = 0
    for name in Self.flights {
      let original = try TLSFixtures.flight(name)
      for _ in 0..<400 {
        var bytes = original
        for _ in 0..<Int.random(in: 1...4, using: &generator) {
          guard !bytes.isEmpty else { break }
          let index = Int.random(in: 0..<bytes.count, using: &generator)
          switch Int.random(in: 0..<4, using: &generator) {
          case 0: bytes[index] = UInt8.random(in: 0...255, using: &generator)
          case 1: bytes.remove(at: index)
          case 2: bytes.insert(UInt8.random(in: 0...255, using: &generator), at: index)
          default: bytes[index] ^= 0x80
          }
        }
        if (try? TLSFlightParser.parse(bytes)) != nil { parsed += 1 }
      }
    }
    // Some mutations only touch random bytes or signatures and still parse.
    #expect(parsed > 0)
    #expect(parsed < Self.flights.count * 400)
  }

  @Test func mutatedCertificatesNeverTrap() throws {
    var generator = TLSSplitMix64(seed: 42)
    for name in ["rsa2048", "ec-prime256v1", "leaf"] {
      let original = try TLSFixtures.certificate(name)
      for _ in 0..<500 {
        var bytes = original
        let index = Int.random(in: 0..<bytes.count, using: &generator)
        bytes[index] = UInt8.random(in: 0...255, using: &generator)
        if Bool.random(using: &generator) {
          bytes.removeLast(Int.random(in: 0..<bytes.count, using: &generator))
        }
        _ = try? X509Certificate.parse(bytes)
      }
    }
  }

  @Test func deepAndLongDERIsRejected() {
    let deep = [UInt8](repeating: 0x30, count: 1) + [0x80]  // indefinite length
    #expect(throws: SMTPProbeError(.protocolViolation, "")) { try DER.parse(deep) }
    var nested: [UInt8] = [0x05, 0x00]
    for _ in 0..<40 { nested = [0x30, UInt8(nested.count)] + nested }
    #expect(throws: SMTPProbeError(.protocolViolation, "")) {
      try DER.parse(Array(nested.suffix(120)))
    }
    #expect(throws: SMTPProbeError(.protocolViolation, "")) {
      try DER.parse([0x30, 0x84, 0x7F, 0xFF, 0xFF, 0xFF])
    }
    #expect(throws: SMTPProbeError(.protocolViolation, "")) { try DER.parse([0x30, 0x81, 0x05]) }
    #expect(throws: SMTPProbeError(.protocolViolation, "")) {
      try DER.parse([0x04, 0x01, 0x00, 0x00])  // trailing byte
    }
    #expect(throws: SMTPProbeError(.protocolViolation, "")) {
      try DER.objectIdentifier([0x2A, 0x86])  // truncated arc
    }
  }
}

/// A small seeded generator so mutation tests are reproducible.
struct TLSSplitMix64: RandomNumberGenerator {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}
