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
  /// Why it stopped; the steps after the protocol loop are then skipped without a note.
  var stopReason: String?
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
        let reason = (error as? Stop)?.reason ?? SMTPProbeError.reason(of: error)
        result.notes.append("\(version.name): scan stopped: \(reason)")
        stopped = true
        stopReason = reason
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
    // A scan that could not go on (budget, time, refused connections) tries nothing more,
    // and the steps it skips add no note: the stop's note already gives the reason once.
    if stopReason == nil {
      do {
        try enumerateLegacyCurves()
      } catch {
        let reason = (error as? Stop)?.reason ?? SMTPProbeError.reason(of: error)
        result.notes.append("curves: scan stopped: \(reason)")
        stopReason = reason
      }
    }
    if stopReason == nil, result.certificate == nil,
      result.protocols[TLSProtocolVersion.tls13.name] == true
    {
      readTLS13Certificates()
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
      noteCertificate(flight.certificates, version: version)
      if offered.isEmpty { break }
    }
    try detectPreference(version, accepted: accepted, order: all)
  }

  private mutating func detectPreference(
    _ version: TLSProtocolVersion, accepted: [UInt16], order: [UInt16]
  ) throws {
    guard accepted.count >= 2 else { return }
    let first = accepted[0]
    // Client order would have given the earliest accepted suite in our list.
    if Self.serverOrderShows(accepted, order: order) {
      preference[version] = true
      return
    }
    // Only the newest version's answer is reported: a handshake for an older one would
    // settle nothing.
    guard !preference.keys.contains(where: { $0 > version }) else { return }
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

  /// Whether the server's first choice comes after another accepted suite in the order
  /// offered: a client-order server would have taken the earliest, so the server imposes
  /// its own.
  static func serverOrderShows(_ accepted: [UInt16], order: [UInt16]) -> Bool {
    guard let first = accepted.first else { return false }
    let position = { (suite: UInt16) in order.firstIndex(of: suite) ?? Int.max }
    return accepted.contains { position($0) < position(first) }
  }

  /// Keeps the leaf of `chain` as ``TLSScanResult/certificate`` when it comes from the
  /// newest version so far, else as one of ``TLSScanResult/otherCertificates``.
  mutating func noteCertificate(_ chain: [[UInt8]], version: TLSProtocolVersion) {
    guard let leaf = chain.first else { return }
    if let seen = certificateVersion, seen >= version {
      noteOtherCertificate(leaf, chainLength: chain.count, version: version)
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
        chainLength: chain.count, seenWith: version.name)
    } catch {
      let reason = SMTPProbeError.reason(of: error)
      result.notes.append("\(version.name): certificate not readable: \(reason)")
    }
  }

  /// Keeps a leaf of a key type not seen yet (the ECDSA certificate next to the RSA one).
  ///
  /// No extra connection: every accepted suite's handshake already carries the
  /// certificate for its key type.
  private mutating func noteOtherCertificate(
    _ leaf: [UInt8], chainLength: Int, version: TLSProtocolVersion
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
        chainLength: chainLength, seenWith: version.name))
  }

  /// Reads the certificate of each key type a TLS 1.3-only server has (the scan's
  /// handshakes stop at the encrypted part, where TLS 1.3 sends it).
  ///
  /// The TLS client completes a handshake offering the signature schemes of every
  /// ``TLS13CertificateKind``; the certificate the server shows belongs to the kind of its
  /// `CertificateVerify` scheme, which the next handshake leaves out, until the server
  /// refuses (no certificate for the kinds left): one handshake per certificate plus one.
  /// The client offers only X25519, so a server without it is not asked.
  private mutating func readTLS13Certificates() {
    guard result.tls13Groups.contains(TLSNamedGroup.x25519.name) else {
      result.notes.append("TLSv1.3: the certificate could not be read: X25519 is not accepted")
      return
    }
    var kinds = TLS13CertificateKind.allCases
    // Each round removes the kind of the certificate it read, or ends.
    for _ in 0..<kinds.count {
      var configuration = TLSClientConfiguration(serverName: options.serverName)
      configuration.versions = [.tls13]
      configuration.cipherSuites = TLSClientCipherSuite.tls13
      configuration.signatureAlgorithms = kinds.flatMap(\.schemes)
      let session: TLSClientSessionInfo
      do {
        let transport = HandshakeChannelTransport(try open())
        defer { transport.close() }
        let client = TLSClient(transport: transport, configuration: configuration)
        let left = ContinuousClock.now.duration(to: deadline)
        let limit = Deadline.after(
          min(options.handshakeTimeout, left), clock: SystemClock())
        session = try client.handshake(deadline: limit)
        client.close(deadline: Deadline.after(.milliseconds(200), clock: SystemClock()))
      } catch let stop as Stop {
        result.notes.append("certificates: scan stopped: \(stop.reason)")
        return
      } catch {
        // After the first certificate a refusal is the expected end: no certificate of
        // the kinds left.
        if result.certificate == nil {
          result.notes.append(
            "TLSv1.3: the certificate could not be read: "
              + Escape.clipped(
                Array(SMTPProbeError.reason(of: error).utf8), to: TLSScanResult.maxReasonLength))
        }
        return
      }
      guard !session.certificateChain.isEmpty,
        let kind = session.signatureAlgorithm.flatMap(TLS13CertificateKind.init(scheme:)),
        kinds.contains(kind)
      else { return }
      noteCertificate(session.certificateChain, version: .tls13)
      kinds.removeAll { $0 == kind }
    }
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
      // Once the suites are known, the rounds that list the groups offer every suite:
      // offering the first two accepted ones swapped answers the order question for free.
      let swapped = suitesDone ? swappedOrder(accepted, all: allSuites) : nil
      let offerSuites = swapped ?? (suitesDone ? allSuites : suites)
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
        if swapped != nil {
          notePreference(.tls13, chosen: suite, accepted: accepted)
        }
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
    // When the group rounds did not settle it: one handshake with the first two accepted
    // suites swapped (unless the order of the first choice shows it already).
    if let swapped = swappedOrder(accepted, all: allSuites) {
      let hello = TLSClientHello(
        version: .tls13, cipherSuites: Array(swapped.prefix(2)), serverName: options.serverName,
        groups: allGroups, keyShareGroups: [])
      if case .flight(let flight) = try handshake(hello, version: .tls13),
        let serverHello = flight.serverHello, serverHello.version == .tls13
      {
        notePreference(.tls13, chosen: serverHello.cipherSuite, accepted: accepted)
      }
    }
  }

  /// The suites to offer to learn whether the server imposes its order: the second
  /// accepted suite, then the first, then the rest of `all`; nil when the answer is
  /// known (or shown by the order of the first choice, which this records) or there are
  /// fewer than two suites.
  private mutating func swappedOrder(_ accepted: [UInt16], all: [UInt16]) -> [UInt16]? {
    guard accepted.count >= 2, preference[.tls13] == nil else { return nil }
    if Self.serverOrderShows(accepted, order: all) {
      preference[.tls13] = true
      return nil
    }
    let pair = [accepted[1], accepted[0]]
    return pair + all.filter { !pair.contains($0) }
  }

  /// Records the answer of a hello that offered the first two accepted suites swapped:
  /// the server's first choice again means its own order, the suite now offered first
  /// means the client's.
  private mutating func notePreference(
    _ version: TLSProtocolVersion, chosen: UInt16, accepted: [UInt16]
  ) {
    guard accepted.count >= 2 else { return }
    if chosen == accepted[0] {
      preference[version] = true
    } else if chosen == accepted[1] {
      preference[version] = false
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

  /// Opens a connection within the budget and the time limit.
  ///
  /// A refusal for now is retried after each ``TLSScanOptions/backoff`` step; when they
  /// are used up and the refusal shows a rate limit, the scan waits
  /// ``TLSScanOptions/rateLimitWait`` and tries again, so the caller resumes where it
  /// stopped (at most ``TLSScanOptions/maxResumes`` times per scan, and only when the wait
  /// ends before the time limit).
  private mutating func open() throws -> any TLSHandshakeChannel {
    // Once a rate limit was waited out, the next refusal is the next window's: the short
    // back-off steps cannot help.
    var attempt = result.resumes > 0 ? options.backoff.count : 0
    // Each round connects once, then ends, sleeps a back-off step (bounded by their
    // count) or waits out a rate limit (bounded by maxResumes); and every round counts
    // against maxConnections.
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
        let reason = "cannot open a connection: \(SMTPProbeError.reason(of: error))"
        // A permanent refusal or a server that does not speak SMTP: no use retrying.
        if let failure = error as? SMTPProbeError,
          failure.code == .protocolViolation || failure.code == .invalidRequest
        {
          throw Stop(reason: reason)
        }
        if attempt < options.backoff.count {
          options.sleep(options.backoff[attempt])
          attempt += 1
          continue
        }
        guard isRateLimit(error) else { throw Stop(reason: reason) }
        guard result.resumes < options.maxResumes else {
          throw Stop(
            reason: "\(reason) (a rate limit; the \(options.maxResumes) waits allowed are used up)"
          )
        }
        guard ContinuousClock.now.advanced(by: options.rateLimitWait) < deadline else {
          throw Stop(
            reason: "\(reason) (a rate limit; waiting \(options.rateLimitWait.secondsText) s "
              + "to resume would pass the time limit)")
        }
        options.sleep(options.rateLimitWait)
        result.resumes += 1
        result.resumeWait += options.rateLimitWait
      }
    }
  }

  /// Whether a refusal shows a connection rate limit: the server refused for now
  /// (`.closed`: a `421` greeting, a `4xx` to STARTTLS) after it served this scan's
  /// earlier connections, or said "too many connections" (Postfix's anvil limits).
  private func isRateLimit(_ error: any Error) -> Bool {
    guard let failure = error as? SMTPProbeError, failure.code == .closed else { return false }
    return result.handshakes > 0 || failure.reason.lowercased().contains("too many connections")
  }
}
