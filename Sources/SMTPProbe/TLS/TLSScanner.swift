/// Enumerates what a server accepts, the way sslscan does.
///
/// One handshake per accepted suite plus one per protocol: offer all suites, note the
/// one chosen, remove it, repeat until the server refuses. TLS 1.3 sends an empty
/// `key_share` so every answer is a HelloRetryRequest naming both a suite and a group.
///
/// Every loop is bounded by the number of suites or groups left, by
/// ``TLSScanOptions/maxConnections`` and by ``TLSScanOptions/totalTimeout``.
public struct TLSScanner {
  /// The limits and inputs.
  public var options: TLSScanOptions
  private let connect: TLSChannelFactory

  /// Creates a scanner.
  /// - Parameters:
  ///   - options: Limits and inputs.
  ///   - connect: Opens a fresh connection positioned at the start of the TLS handshake.
  public init(options: TLSScanOptions, connect: @escaping TLSChannelFactory) {
    self.options = options
    self.connect = connect
  }

  /// Runs the scan and judges the result for ``TLSScanOptions/role``.
  /// - Returns: The result; ``TLSScanResult/notes`` says why it may be incomplete.
  public func scan() -> TLSScanResult {
    var session = Session(options: options, connect: connect)
    session.run()
    var result = session.result
    result.findings = TLSVerdicts.findings(
      for: result, role: options.role, now: options.now)
    return result
  }
}

private struct Stop: Error {
  var reason: String
}

private enum Outcome {
  case flight(TLSServerFlight)
  case refused(String)
}

private struct Session {
  let options: TLSScanOptions
  let connect: TLSChannelFactory
  let deadline: ContinuousClock.Instant
  var result = TLSScanResult()
  var preference: [TLSProtocolVersion: Bool] = [:]
  var certificateVersion: TLSProtocolVersion?
  /// Whether any handshake got as far as a ServerHello (accepted or not).
  var sawServerHello = false
  /// Whether the protocol loop stopped early (budget, time, no connection).
  var stopped = false
  /// The versions whose first handshake has been tried.
  var tried: Set<TLSProtocolVersion> = []

  init(options: TLSScanOptions, connect: @escaping TLSChannelFactory) {
    self.options = options
    self.connect = connect
    self.deadline = ContinuousClock.now.advanced(by: options.totalTimeout)
  }

  mutating func run() {
    for version in options.protocols where result.protocols[version.name] == nil {
      do {
        if version >= .tls13 {
          try scanTLS13()
        } else {
          try scanLegacy(version)
        }
      } catch {
        let reason = (error as? Stop)?.reason ?? "\(error)"
        result.notes.append("\(version.name): scan stopped: \(reason)")
        stopped = true
        // Not known either way unless a suite was accepted before the stop.
        if !result.ciphers.contains(where: { $0.protocol == version.name }) {
          result.protocols[version.name] = nil
        }
        break
      }
    }
    result.ciphers.sort { lhs, rhs in
      let left = Self.rank(lhs.protocol)
      let right = Self.rank(rhs.protocol)
      return left < right
    }
    do {
      try enumerateLegacyCurves()
    } catch {
      result.notes.append("curves: scan stopped: \((error as? Stop)?.reason ?? "\(error)")")
    }
    for version in TLSProtocolVersion.all.reversed() {
      if let value = preference[version] {
        result.serverPreference = value
        break
      }
    }
    let dh = result.ciphers.filter { $0.kex == TLSKeyExchange.dhe.rawValue }.compactMap(\.kexBits)
    let anon = result.ciphers.filter { $0.kex == TLSKeyExchange.anonymousDH.rawValue }
      .compactMap(\.kexBits)
    result.minDHBits = dh.min()
    result.minAnonDHBits = anon.min()
    result.outcome = outcome()
  }

  /// Accepted; every version tried and none answered; no connection ever reached the
  /// handshake; or not known.
  private func outcome() -> TLSHandshakeOutcome {
    if result.protocols.values.contains(true) { return .accepted }
    if result.handshakes == 0 { return stopped ? .notStarted : .unknown }
    if stopped || sawServerHello || tried.count < Set(options.protocols).count { return .unknown }
    return .allFailed
  }

  private static func rank(_ name: String) -> Int {
    TLSProtocolVersion.all.firstIndex { $0.name == name } ?? Int.max
  }

  // MARK: TLS 1.0–1.2 and SSLv3

  private mutating func scanLegacy(_ version: TLSProtocolVersion) throws {
    let all = CipherSuiteRegistry.legacySuites.map(\.id)
    var offered = all
    var accepted: [UInt16] = []
    result.protocols[version.name] = false
    // At most one handshake per offered suite, plus the final refusal.
    for _ in 0...all.count {
      let hello = TLSClientHello(
        version: version, cipherSuites: offered, serverName: options.serverName)
      guard case .flight(let flight) = try handshake(hello, version: version),
        let serverHello = flight.serverHello, !serverHello.isHelloRetryRequest,
        serverHello.version == version
      else { break }
      let suite = serverHello.cipherSuite
      guard offered.contains(suite) else {
        result.notes.append(
          "\(version.name): server chose \(tlsHex16(suite)), which was not offered")
        break
      }
      result.protocols[version.name] = true
      accepted.append(suite)
      offered.removeAll { $0 == suite }
      result.ciphers.append(row(version: version, suite: suite, flight: flight))
      noteCertificate(flight, version: version)
      if offered.isEmpty { break }
    }
    try detectPreference(version, accepted: accepted, order: all)
  }

  private mutating func detectPreference(
    _ version: TLSProtocolVersion, accepted: [UInt16], order: [UInt16]
  ) throws {
    guard accepted.count >= 2 else { return }
    let first = accepted[0]
    let position = { (suite: UInt16) in order.firstIndex(of: suite) ?? Int.max }
    // Client order would have given the earliest accepted suite in our list.
    if accepted.contains(where: { position($0) < position(first) }) {
      preference[version] = true
      return
    }
    let second = accepted[1]
    let hello = TLSClientHello(
      version: version, cipherSuites: [second, first], serverName: options.serverName)
    guard case .flight(let flight) = try handshake(hello, version: version),
      let chosen = flight.serverHello?.cipherSuite
    else { return }
    if chosen == first {
      preference[version] = true
    } else if chosen == second {
      preference[version] = false
    }
  }

  private func row(version: TLSProtocolVersion, suite: UInt16, flight: TLSServerFlight)
    -> TLSCipherResult
  {
    let info = CipherSuiteRegistry.suite(suite)
    var kexBits: Int?
    var group: String?
    switch flight.serverKeyExchange {
    case .dh?:
      kexBits = flight.serverKeyExchange?.bits
    case .ecdh(let curve, _)?:
      kexBits = curve.kexBits
      group = curve.name
    default:
      break
    }
    return TLSCipherResult(
      protocol: version.name, id: tlsHex16(suite), name: info?.name ?? tlsHex16(suite),
      kex: info?.keyExchange.rawValue ?? "unknown", kexBits: kexBits, group: group,
      suiteID: suite, anonymous: info?.isAnonymous ?? false,
      forwardSecret: info?.forwardSecret ?? false)
  }

  private mutating func noteCertificate(_ flight: TLSServerFlight, version: TLSProtocolVersion) {
    guard let leaf = flight.certificates.first else { return }
    if let seen = certificateVersion, seen >= version {
      noteOtherCertificate(leaf, flight: flight, version: version)
      return
    }
    certificateVersion = version
    do {
      let certificate = try X509Certificate.parse(leaf)
      result.certificate = TLSCertificateSummary(
        keyType: certificate.keyType, keyBits: certificate.keyBits,
        notAfter: certificate.notAfterText, selfSigned: certificate.selfSigned,
        subjectAltNames: certificate.subjectAltNames, leaf: certificate,
        matchesHost: options.serverName.map { certificate.matches(host: $0) },
        chainLength: flight.certificates.count, seenWith: version.name)
    } catch {
      result.notes.append("\(version.name): certificate not readable: \(error)")
    }
  }

  /// Keeps a leaf of a key type not seen yet (the ECDSA certificate next to the RSA one).
  ///
  /// No extra connection: every accepted suite's handshake already carries the
  /// certificate for its key type.
  private mutating func noteOtherCertificate(
    _ leaf: [UInt8], flight: TLSServerFlight, version: TLSProtocolVersion
  ) {
    guard result.otherCertificates.count < 4, let main = result.certificate,
      let certificate = try? X509Certificate.parse(leaf)
    else { return }
    let kinds = ([main] + result.otherCertificates).map(\.leaf.keyType)
    guard !kinds.contains(certificate.keyType) else { return }
    result.otherCertificates.append(
      TLSCertificateSummary(
        keyType: certificate.keyType, keyBits: certificate.keyBits,
        notAfter: certificate.notAfterText, selfSigned: certificate.selfSigned,
        subjectAltNames: certificate.subjectAltNames, leaf: certificate,
        matchesHost: options.serverName.map { certificate.matches(host: $0) },
        chainLength: flight.certificates.count, seenWith: version.name))
  }

  /// Lists the curves accepted for ECDHE in TLS ≤ 1.2.
  ///
  /// Offers one accepted ECDHE suite and removes each chosen curve from the next offer. Skipped when TLS 1.3 already listed
  /// the server's groups (one setting governs both in OpenSSL-based servers).
  private mutating func enumerateLegacyCurves() throws {
    guard result.tls13Groups.isEmpty,
      let row = result.ciphers.last(where: {
        ($0.kex == TLSKeyExchange.ecdhe.rawValue || $0.kex == TLSKeyExchange.anonymousECDH.rawValue)
          && $0.protocol != TLSProtocolVersion.tls13.name
      }),
      let version = TLSProtocolVersion.all.first(where: { $0.name == row.protocol })
    else { return }
    var remaining = TLSNamedGroup.legacyCurves
    var found: [TLSNamedGroup] = []
    // Each round removes one curve or ends.
    for _ in 0..<remaining.count {
      let hello = TLSClientHello(
        version: version, cipherSuites: [row.suiteID], serverName: options.serverName,
        groups: remaining)
      guard case .flight(let flight) = try handshake(hello, version: version),
        flight.serverHello?.cipherSuite == row.suiteID,
        case .ecdh(let curve, _)? = flight.serverKeyExchange, remaining.contains(curve)
      else { break }
      found.append(curve)
      remaining.removeAll { $0 == curve }
    }
    result.ecdheCurves = found.map(\.name)
  }

  // MARK: TLS 1.3

  private mutating func scanTLS13() throws {
    let allSuites = CipherSuiteRegistry.tls13Suites.map(\.id)
    let allGroups = TLSNamedGroup.enumerationOrder
    var suites = allSuites
    var groups = allGroups
    var suitesDone = false
    var groupsDone = false
    var probeAllGroups = false
    var accepted: [UInt16] = []
    var chosenGroups: [TLSNamedGroup] = []
    result.protocols[TLSProtocolVersion.tls13.name] = false
    // Each round removes a suite or a group or settles one of the two lists; the extra
    // rounds cover the ambiguous refusals.
    for _ in 0..<(allSuites.count + allGroups.count + 4) where !(suitesDone && groupsDone) {
      let offerSuites = suitesDone ? allSuites : suites
      let offerGroups = groupsDone || probeAllGroups ? allGroups : groups
      let hello = TLSClientHello(
        version: .tls13, cipherSuites: offerSuites, serverName: options.serverName,
        groups: offerGroups, keyShareGroups: [])
      if case .flight(let flight) = try handshake(hello, version: .tls13),
        let serverHello = flight.serverHello, serverHello.version == .tls13,
        offerSuites.contains(serverHello.cipherSuite),
        let group = serverHello.keyShareGroup, offerGroups.contains(group)
      {
        let suite = serverHello.cipherSuite
        if !suitesDone {
          accepted.append(suite)
          suites.removeAll { $0 == suite }
          suitesDone = suites.isEmpty
        }
        if probeAllGroups {
          groupsDone = true  // the remaining groups were what the server refused
          probeAllGroups = false
        } else if !groupsDone {
          chosenGroups.append(group)
          groups.removeAll { $0 == group }
          groupsDone = groups.isEmpty
        }
      } else {
        let allSuitesOffered = offerSuites.count == allSuites.count
        let allGroupsOffered = offerGroups.count == allGroups.count
        if allSuitesOffered, allGroupsOffered {
          suitesDone = true  // nothing at all is acceptable
          groupsDone = true
        } else if allSuitesOffered {
          groupsDone = true  // every suite was offered: the groups left are refused
        } else if allGroupsOffered {
          suitesDone = true  // every group was offered: the suites left are refused
          probeAllGroups = false
        } else {
          probeAllGroups = true  // ambiguous: retry the suites left with every group
        }
      }
    }
    guard !accepted.isEmpty else { return }
    result.protocols[TLSProtocolVersion.tls13.name] = true
    result.tls13Groups = chosenGroups.map(\.name)
    let preferred = chosenGroups.first
    for suite in accepted {
      result.ciphers.append(
        TLSCipherResult(
          protocol: TLSProtocolVersion.tls13.name, id: tlsHex16(suite),
          name: CipherSuiteRegistry.suite(suite)?.name ?? tlsHex16(suite),
          kex: preferred?.isFiniteField == true ? "DHE" : "ECDHE", kexBits: preferred?.kexBits,
          group: preferred?.name, suiteID: suite, anonymous: false, forwardSecret: true))
    }
    if accepted.count >= 2 {
      let order = allSuites
      let position = { (suite: UInt16) in order.firstIndex(of: suite) ?? Int.max }
      if accepted.contains(where: { position($0) < position(accepted[0]) }) {
        preference[.tls13] = true
      }
    }
  }

  // MARK: One handshake

  private mutating func handshake(_ hello: TLSClientHello, version: TLSProtocolVersion) throws
    -> Outcome
  {
    let bytes = try hello.encode()
    var channel = try open()
    defer { channel.close() }
    let first = tried.insert(version).inserted
    let outcome = try exchange(bytes, on: &channel, version: version)
    switch outcome {
    case .flight(let flight) where flight.serverHello != nil:
      sawServerHello = true
    case .flight:
      if first { result.handshakeFailures[version.name] = "no ServerHello" }
    case .refused(let reason):
      if first {
        result.handshakeFailures[version.name] = Escape.clipped(
          Array(reason.utf8), to: TLSScanResult.maxReasonLength)
      }
    }
    return outcome
  }

  private mutating func exchange(
    _ bytes: [UInt8], on channel: inout any TLSHandshakeChannel, version: TLSProtocolVersion
  ) throws -> Outcome {
    let limit = min(ContinuousClock.now.advanced(by: options.handshakeTimeout), deadline)
    do {
      try channel.send(bytes)
      var parser = TLSFlightParser()
      // Each round either consumes at least one byte (the parser caps the total) or ends.
      while !parser.isComplete {
        let chunk = try channel.receive(upTo: 16_384, deadline: limit)
        if chunk.isEmpty { return .refused("connection closed") }
        let leftover = try parser.consume(chunk)
        if leftover > 0, parser.flight.sawServerHelloDone {
          throw SMTPProbeError(.protocolViolation, "TLS: data after ServerHelloDone")
        }
      }
      if let alert = parser.flight.alert, parser.flight.serverHello == nil {
        return .refused("alert \(alert.name)")
      }
      return .flight(parser.flight)
    } catch let error as SMTPProbeError {
      if error.code == .protocolViolation {
        result.notes.append("\(version.name): \(error.reason)")
      }
      return .refused(error.reason)
    }
  }

  private mutating func open() throws -> any TLSHandshakeChannel {
    var attempt = 0
    // One try plus one per back-off step.
    while true {
      guard result.connections < options.maxConnections else {
        throw Stop(reason: "connection budget of \(options.maxConnections) used up")
      }
      guard ContinuousClock.now < deadline else { throw Stop(reason: "time limit reached") }
      result.connections += 1
      do {
        let channel = try connect()
        result.handshakes += 1
        return channel
      } catch {
        // A permanent refusal or a server that does not speak SMTP: no use retrying.
        if let failure = error as? SMTPProbeError,
          failure.code == .protocolViolation || failure.code == .invalidRequest
        {
          throw Stop(reason: "cannot open a connection: \(failure.reason)")
        }
        guard attempt < options.backoff.count else {
          throw Stop(
            reason: "cannot open a connection: \((error as? SMTPProbeError)?.reason ?? "\(error)")")
        }
        options.sleep(options.backoff[attempt])
        attempt += 1
      }
    }
  }
}
