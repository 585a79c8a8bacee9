import Foundation
import Testing

@testable import SMTPProbe

/// A peer that plays fixed bytes in chunks, then closes (or stays silent).
final class ByteScriptTransport: Transport {
  private var pending: [UInt8]
  private let chunk: Int
  private let silentAtEnd: Bool
  private(set) var sent: [UInt8] = []
  private(set) var reads = 0
  let localAddress: SocketAddress? = nil
  let remoteAddress: SocketAddress? = nil

  init(_ bytes: [UInt8], chunk: Int = 4096, silentAtEnd: Bool = false) {
    pending = bytes
    self.chunk = max(1, chunk)
    self.silentAtEnd = silentAtEnd
  }

  func send(_ bytes: [UInt8], deadline: Deadline) throws { sent += bytes }

  func receive(maxBytes: Int, deadline: Deadline) throws -> [UInt8] {
    reads += 1
    if pending.isEmpty {
      if silentAtEnd { throw SMTPProbeError(.timeout, "recv: deadline passed") }
      return []
    }
    let count = min(maxBytes, chunk, pending.count)
    defer { pending.removeFirst(count) }
    return Array(pending[0..<count])
  }

  func close() {}
}

/// A small seeded generator, so every failure can be replayed.
struct SeededGenerator: RandomNumberGenerator {
  var state: UInt64
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

/// Hostile records against the TLS client: random, truncated, oversized and mutated
/// records must end in an ``SMTPProbeError`` within bounded reads and time, never a trap
/// or a loop.
@Suite struct TLSRecordFuzzTests {
  static func record(_ type: UInt8, _ body: [UInt8]) -> [UInt8] {
    [type, 3, 3, UInt8(body.count >> 8), UInt8(body.count & 0xFF)] + body
  }

  /// A well-formed TLS 1.3 ServerHello record (its key share will not match ours).
  static var serverHello: [UInt8] {
    TLS13KeyScheduleTests.serverHello.withUnsafeBufferPointer { record(22, Array($0)) }
  }

  func handshakeFails(_ bytes: [UInt8], chunk: Int = 4096, silent: Bool = false) -> SMTPProbeError?
  {
    let transport = ByteScriptTransport(bytes, chunk: chunk, silentAtEnd: silent)
    let client = TLSClient(transport: transport, configuration: TLSClientConfiguration())
    do {
      try client.handshake(deadline: seconds(5))
      return nil
    } catch let error as SMTPProbeError {
      #expect(transport.reads <= bytes.count + 2, "reads bounded by bytes offered")
      return error
    } catch {
      Issue.record("unexpected error type: \(error)")
      return nil
    }
  }

  @Test func randomBytesNeverComplete() {
    var generator = SeededGenerator(state: 1)
    let started = ContinuousClock.now
    for _ in 0..<300 {
      let length = Int.random(in: 0...600, using: &generator)
      var bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
      if Bool.random(using: &generator), bytes.count > 5 {
        bytes[0] = UInt8.random(in: 20...23, using: &generator)  // plausible header
        bytes[1] = 3
      }
      #expect(handshakeFails(bytes, chunk: Int.random(in: 1...700, using: &generator)) != nil)
    }
    #expect(ContinuousClock.now - started < .seconds(60))
  }

  @Test func truncatedServerHelloAtEveryLength() {
    let full = Self.serverHello
    for cut in 0..<full.count {
      let error = handshakeFails(Array(full[0..<cut]), chunk: 7)
      #expect(error?.code == .closed || error?.code == .protocolViolation, "cut \(cut)")
    }
  }

  @Test func mutatedServerHelloIsRefused() {
    var generator = SeededGenerator(state: 2)
    let full = Self.serverHello
    for _ in 0..<300 {
      var bytes = full
      for _ in 0..<Int.random(in: 1...4, using: &generator) {
        let index = Int.random(in: 0..<bytes.count, using: &generator)
        bytes[index] = UInt8.random(in: 0...255, using: &generator)
      }
      #expect(handshakeFails(bytes) != nil)
    }
  }

  @Test func oversizedRecordIsRefusedBeforeItsBody() {
    let error = handshakeFails([22, 3, 3, 0xFF, 0xFF], silent: true)
    #expect(error?.code == .protocolViolation)
    #expect(error?.reason.contains("record_overflow") == true)
  }

  @Test func oversizedHandshakeMessageIsRefused() {
    let error = handshakeFails(
      Self.record(22, [2, 0xFF, 0xFF, 0xFF] + [UInt8](repeating: 0, count: 100)), silent: true)
    #expect(error?.code == .protocolViolation)
  }

  @Test func endlessChangeCipherSpecIsBounded() {
    let flood = (0..<1000).flatMap { _ in Self.record(20, [1]) }
    let error = handshakeFails(flood)
    #expect(error?.code == .protocolViolation)
  }

  @Test func alertEndsTheHandshake() {
    let error = handshakeFails(Self.record(21, [2, 40]))
    #expect(error?.code == .tlsAlert)
    #expect(error?.reason.contains("handshake_failure") == true)
  }

  @Test func silentServerTimesOut() {
    #expect(handshakeFails([], silent: true)?.code == .timeout)
  }

  // MARK: Established connection: records under a known key

  /// A client past its handshake reading records sealed by `server`.
  func established(_ bytes: [UInt8], suite: TLSClientCipherSuite) throws -> TLSClient {
    let client = TLSClient(
      transport: ByteScriptTransport(bytes, chunk: 1000), configuration: TLSClientConfiguration())
    client.state = .established
    client.negotiatedSuite = suite
    client.serverApplicationSecret = [UInt8](repeating: 0x11, count: suite.hash.length)
    client.clientApplicationSecret = [UInt8](repeating: 0x22, count: suite.hash.length)
    client.records.isTLS13 = true
    client.records.readProtection = try TLSRecordProtection(
      tls13: suite, secret: client.serverApplicationSecret)
    client.records.writeProtection = try TLSRecordProtection(
      tls13: suite, secret: client.clientApplicationSecret)
    return client
  }

  func serverSeal(_ items: [(UInt8, [UInt8])], suite: TLSClientCipherSuite) throws -> [UInt8] {
    var protection = try TLSRecordProtection(
      tls13: suite, secret: [UInt8](repeating: 0x11, count: suite.hash.length))
    var out: [UInt8] = []
    for (type, content) in items { out += try protection.seal(type: type, content) }
    return out
  }

  func readAll(_ client: TLSClient) throws -> [UInt8] {
    var out: [UInt8] = []
    for _ in 0..<10_000 {
      let chunk = try client.read(maxBytes: 100, deadline: seconds(5))
      if chunk.isEmpty { return out }
      out += chunk
    }
    Issue.record("read did not end")
    return out
  }

  @Test(arguments: TLSClientCipherSuite.tls13)
  func applicationDataTicketsAndCloseNotify(_ suite: TLSClientCipherSuite) throws {
    let ticket = TLSHandshakeMessage.encode(type: 4, body: [UInt8](repeating: 7, count: 40))
    let bytes = try serverSeal(
      [
        (22, ticket), (23, Array("hello ".utf8)), (23, []), (23, Array("world".utf8)),
        (21, [1, 0]),
      ],
      suite: suite)
    let client = try established(bytes, suite: suite)
    #expect(try readAll(client) == Array("hello world".utf8))
    #expect(client.receivedCloseNotify)
  }

  @Test func keyUpdateChangesTheReadKey() throws {
    let suite = TLSClientCipherSuite.tls13AES128GCMSHA256
    var server = try TLSRecordProtection(
      tls13: suite, secret: [UInt8](repeating: 0x11, count: 32))
    var bytes = try server.seal(type: 22, TLSHandshakeMessage.encode(type: 24, body: [1]))
    let next = TLS13KeySchedule.nextTrafficSecret(suite.hash, [UInt8](repeating: 0x11, count: 32))
    server = try TLSRecordProtection(tls13: suite, secret: next)
    bytes += try server.seal(type: 23, Array("updated".utf8))
    let transport = ByteScriptTransport(bytes)
    let client = TLSClient(transport: transport, configuration: TLSClientConfiguration())
    client.state = .established
    client.negotiatedSuite = suite
    client.serverApplicationSecret = [UInt8](repeating: 0x11, count: 32)
    client.clientApplicationSecret = [UInt8](repeating: 0x22, count: 32)
    client.records.readProtection = try TLSRecordProtection(
      tls13: suite, secret: client.serverApplicationSecret)
    client.records.writeProtection = try TLSRecordProtection(
      tls13: suite, secret: client.clientApplicationSecret)
    #expect(try client.read(maxBytes: 100, deadline: seconds(5)) == Array("updated".utf8))
    // The client answered with its own KeyUpdate, sealed under the old client key.
    var peer = try TLSRecordProtection(tls13: suite, secret: [UInt8](repeating: 0x22, count: 32))
    let answer = try peer.open(type: 23, Array(transport.sent.dropFirst(5)))
    #expect(answer.type == 22 && answer.content == [24, 0, 0, 1, 0])
  }

  @Test func mutatedProtectedRecordsFail() throws {
    let suite = TLSClientCipherSuite.tls13ChaCha20Poly1305SHA256
    let good = try serverSeal([(23, Array("payload".utf8))], suite: suite)
    var generator = SeededGenerator(state: 3)
    for _ in 0..<200 {
      var bytes = good
      let index = Int.random(in: 0..<bytes.count, using: &generator)
      bytes[index] ^= UInt8.random(in: 1...255, using: &generator)
      let client = try established(bytes, suite: suite)
      #expect(throws: SMTPProbeError.self) { _ = try readAll(client) }
      // A failed client stays failed.
      #expect(throws: SMTPProbeError.self) {
        _ = try client.read(maxBytes: 1, deadline: seconds(1))
      }
    }
  }

  @Test func endlessEmptyRecordsAreBounded() throws {
    let suite = TLSClientCipherSuite.tls13AES256GCMSHA384
    let bytes = try serverSeal(Array(repeating: (23, []), count: 500), suite: suite)
    let client = try established(bytes, suite: suite)
    let error = #expect(throws: SMTPProbeError.self) { _ = try readAll(client) }
    #expect(error?.code == .protocolViolation)
  }

  @Test func paddingOnlyAndOversizedInnerRecordsFail() throws {
    let suite = TLSClientCipherSuite.tls13AES128GCMSHA256
    var protection = try TLSRecordProtection(
      tls13: suite, secret: [UInt8](repeating: 0x11, count: 32))
    // All padding: no content type.
    let key = TLS13KeySchedule.trafficKeys(
      suite.hash, secret: [UInt8](repeating: 0x11, count: 32), keyLength: 16)
    let cipher = try AESGCM(key: key.key)
    let inner = [UInt8](repeating: 0, count: 10)
    let header: [UInt8] = [23, 3, 3, 0, UInt8(inner.count + 16)]
    let padded = header + cipher.seal(inner, nonce: key.iv, additionalData: header)
    let client = try established(padded, suite: suite)
    #expect(throws: SMTPProbeError.self) { _ = try readAll(client) }
    _ = try protection.seal(type: 23, [])
  }
}
