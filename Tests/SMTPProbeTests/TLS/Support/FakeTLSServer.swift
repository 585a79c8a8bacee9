import SMTPProbe

@testable import SMTPProbe

/// A scripted TLS server for scanner tests without a network: it reads the ClientHello
/// and answers with a synthetic first flight.
final class FakeTLSServer: @unchecked Sendable {
  var versions: Set<TLSProtocolVersion> = [.tls12]
  /// Suites in server preference order.
  var suites: [UInt16] = []
  var tls13Suites: [UInt16] = []
  var tls13Groups: [TLSNamedGroup] = []
  /// Whether TLS 1.3 suites are chosen in ``tls13Suites`` order (else in the client's).
  var tls13ServerPreference = true
  var serverPreference = true
  /// DH prime bits per suite (DHE and ADH suites).
  var dhBits: [UInt16: Int] = [:]
  /// Curves in server preference order.
  var curves: [TLSNamedGroup] = [.x25519]
  var certificate: [UInt8]?
  /// Replaces the whole answer when set.
  var answer: (([UInt8]) -> [UInt8])?
  /// Throws instead of connecting while positive.
  var refuseConnections = 0
  /// What a refused connection says (`.closed`, as the STARTTLS opener throws for 421).
  var refusal = "greeting refused service: 421 4.7.0 try again later"
  /// Throws this instead of connecting (a permanent refusal), when set.
  var permanentFailure: SMTPProbeError?
  var connections = 0
  var hellos: [[UInt8]] = []

  func channel() throws -> any TLSHandshakeChannel {
    if let permanentFailure { throw permanentFailure }
    if refuseConnections > 0 {
      refuseConnections -= 1
      throw SMTPProbeError(.closed, refusal)
    }
    connections += 1
    return FakeTLSChannel(server: self)
  }

  func respond(to record: [UInt8]) -> [UInt8] {
    hellos.append(record)
    if let answer { return answer(record) }
    // Not a handshake record (the TLS client's alert after a HelloRetryRequest it
    // cannot follow): a close.
    guard record.first == 22 else { return [] }
    guard let hello = try? TLSClientHelloTests.dissect(record) else {
      return [21, 3, 3, 0, 2, 2, 50]
    }
    let offered = hello.suites
    if hello.extensions[43] != nil {
      return tls13(offered: offered, groups: hello.extensions[10] ?? [])
    }
    let offeredGroups = Self.groups(hello.extensions[10] ?? [])
    let version = TLSProtocolVersion(rawValue: hello.version)
    guard versions.contains(version) else { return alert(70) }
    let choice =
      serverPreference
      ? suites.first { offered.contains($0) } : offered.first { suites.contains($0) }
    guard let suite = choice else { return alert(40) }
    var flight = handshake(2, serverHello(version: version, suite: suite, extensions: nil))
    let info = CipherSuiteRegistry.suite(suite)
    if let certificate, info?.isAnonymous == false {
      var list: [UInt8] = []
      list += u24(certificate.count) + certificate
      flight += handshake(11, u24(list.count) + list)
    }
    switch info?.keyExchange {
    case .dhe?, .anonymousDH?:
      let bytes = (dhBits[suite] ?? 2048) / 8
      let prime = [0x80] + [UInt8](repeating: 0xFF, count: bytes - 1)
      var body = u16(prime.count) + prime + u16(1) + [2] + u16(1) + [5]
      if info?.keyExchange == .dhe { body += signature(version) }
      flight += handshake(12, body)
    case .ecdhe?, .anonymousECDH?:
      guard let curve = curves.first(where: { offeredGroups.contains($0) }) else {
        return alert(40)
      }
      var body: [UInt8] = [3] + u16(Int(curve.rawValue)) + [32] + [UInt8](repeating: 9, count: 32)
      if info?.keyExchange == .ecdhe { body += signature(version) }
      flight += handshake(12, body)
    default:
      break
    }
    flight += handshake(14, [])
    return [22, 3, 3] + u16(flight.count) + flight
  }

  private func tls13(offered: [UInt16], groups: [UInt8]) -> [UInt8] {
    guard versions.contains(.tls13) else { return alert(70) }
    let offeredGroups = Self.groups(groups)
    let choice =
      tls13ServerPreference
      ? tls13Suites.first { offered.contains($0) } : offered.first { tls13Suites.contains($0) }
    guard let suite = choice,
      let group = tls13Groups.first(where: { offeredGroups.contains($0) })
    else { return alert(40) }
    var extensions: [UInt8] = []
    extensions += u16(43) + u16(2) + [3, 4]
    extensions += u16(51) + u16(2) + u16(Int(group.rawValue))
    let body = serverHello(
      version: .tls12, suite: suite, extensions: extensions,
      random: TLSServerHello.helloRetryRequestRandom)
    let message = handshake(2, body)
    return [22, 3, 3] + u16(message.count) + message + [20, 3, 3, 0, 1, 1]
  }

  private func serverHello(
    version: TLSProtocolVersion, suite: UInt16, extensions: [UInt8]?,
    random: [UInt8] = [UInt8](repeating: 7, count: 32)
  ) -> [UInt8] {
    var body = u16(Int(version.rawValue)) + random + [0] + u16(Int(suite)) + [0]
    if let extensions { body += u16(extensions.count) + extensions }
    return body
  }

  static func groups(_ data: [UInt8]) -> [TLSNamedGroup] {
    var list: [TLSNamedGroup] = []
    var index = 2
    while index + 1 < data.count {
      list.append(TLSNamedGroup(rawValue: UInt16(data[index]) << 8 | UInt16(data[index + 1])))
      index += 2
    }
    return list
  }

  private func signature(_ version: TLSProtocolVersion) -> [UInt8] {
    (version >= .tls12 ? [4, 1] : []) + u16(4) + [1, 2, 3, 4]
  }

  private func alert(_ code: UInt8) -> [UInt8] { [21, 3, 3, 0, 2, 2, code] }
  private func handshake(_ type: UInt8, _ body: [UInt8]) -> [UInt8] {
    [type] + u24(body.count) + body
  }
  private func u16(_ value: Int) -> [UInt8] { [UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)] }
  private func u24(_ value: Int) -> [UInt8] {
    [UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
  }
}

struct FakeTLSChannel: TLSHandshakeChannel {
  let server: FakeTLSServer
  var pending: [UInt8] = []
  var closed = false

  init(server: FakeTLSServer) { self.server = server }

  mutating func send(_ bytes: [UInt8]) throws {
    guard !closed else { throw SMTPProbeError(.closed, "closed") }
    pending += server.respond(to: bytes)
  }

  mutating func receive(upTo maxCount: Int, deadline: ContinuousClock.Instant) throws -> [UInt8] {
    guard !closed else { throw SMTPProbeError(.closed, "closed") }
    if pending.isEmpty { throw SMTPProbeError(.timeout, "silence") }
    // Dribble bytes out in small pieces to exercise reassembly.
    let count = min(maxCount, 11, pending.count)
    defer { pending.removeFirst(count) }
    return Array(pending.prefix(count))
  }

  mutating func close() { closed = true }
}
