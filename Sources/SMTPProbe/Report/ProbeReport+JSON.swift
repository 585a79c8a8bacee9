extension ProbeReport {
  /// The version of the JSON document ``json(includingTranscript:)`` writes (see
  /// docs/probe-json-schema.md).
  public static let jsonSchemaVersion = 2

  /// The report as a pretty-printed JSON document, schema version 2, ending in a newline.
  /// - Parameter includingTranscript: Whether to add every exchange of every connection.
  /// - Returns: The JSON text (pure ASCII: server bytes are escaped).
  public func json(includingTranscript: Bool = true) -> String {
    jsonValue(includingTranscript: includingTranscript).rendered() + "\n"
  }

  /// The report as one line of JSON Lines (`--format jsonl`): compact, with
  /// `"type": "report"` first and then the members of ``json(includingTranscript:)``,
  /// ending in a newline.
  /// - Parameter includingTranscript: Whether to add every exchange of every connection.
  /// - Returns: The line (pure ASCII).
  public func jsonLine(includingTranscript: Bool = true) -> String {
    var members: [(String, JSONValue)] = [("type", .string("report"))]
    if case .object(let fields) = jsonValue(includingTranscript: includingTranscript) {
      members += fields
    }
    return JSONValue.object(members).rendered(indent: nil) + "\n"
  }

  func jsonValue(includingTranscript includeTranscript: Bool) -> JSONValue {
    var members: [(String, JSONValue)] = [
      ("schemaVersion", .int(Self.jsonSchemaVersion)),
      (
        "target",
        .object([
          ("host", .string(Escape.text(Array(host.utf8)))), ("port", .int(Int(port))),
          ("address", .optional(address)), ("role", .string(role.rawValue)),
        ])
      ),
      ("completed", .bool(failure == nil)),
      (
        "error",
        failure.map {
          .object([("code", .string($0.code.description)), ("message", .string($0.reason))])
        } ?? .null
      ),
      ("connections", .int(connections)),
      (
        "checks",
        .array(
          checks.map {
            .object([
              ("check", .string($0.check)), ("state", .string($0.state.rawValue)),
              ("reason", .optional($0.reason)), ("tried", .optional($0.tried)),
              ("total", .optional($0.total)), ("transport", .optional($0.transport?.rawValue)),
            ])
          })
      ),
      ("banner", banner.map(Self.json) ?? .null),
      ("capabilities", capabilities.map(Self.json) ?? .null),
      (
        "starttls",
        .object([
          ("offered", .bool(startTLSOffered)), ("tlsMode", .string(tlsMode.rawValue)),
          ("implicitTLSExpected", .bool(implicitTLSExpected)),
          ("status", .optional(startTLSStatus?.rawValue)),
          ("refusal", .optional(tls?.startTLSRefusal)),
        ])
      ),
      ("tls", tls.map(Self.json) ?? .null),
      ("smtpTransport", .optional(smtpTransport?.rawValue)),
      ("smtpTransportReason", .optional(smtpTransportReason)),
      ("smtpTLS", .optional(smtpTLSSession)),
      ("tlsCapabilities", tlsCapabilities.map(Self.json) ?? .null),
      ("authBeforeStarttls", .optional(authBeforeStartTLS)),
      ("authInsideTls", .optional(authInsideTLS)),
      (
        "postscreen",
        postscreen.map {
          .object([
            ("passed", .optional($0.passed)), ("reason", .optional($0.reason)),
            ("evidence", .strings($0.evidence.transcriptLines)),
          ])
        } ?? .null
      ),
      ("vrfy", vrfy.map(Self.json) ?? .null),
      ("expn", expn.map(Self.json) ?? .null),
      ("rcptEnumeration", rcptEnumeration.map(Self.json) ?? .null),
      ("heloRequired", .optional(heloRequired?.required)),
      ("heloRequiredReason", .optional(heloRequired?.reason)),
      ("openRelay", openRelay.map(Self.json) ?? .null),
      (
        "submission",
        submission.map {
          .object([
            ("mailRefusedBeforeStarttls", .optional($0.mailRefusedBeforeStartTLS)),
            ("evidence", .strings($0.evidence.transcriptLines)),
          ])
        } ?? .null
      ),
      (
        "findings",
        .array(
          findings.map {
            .object([
              ("id", .string($0.id)), ("severity", .string($0.severity.rawValue)),
              ("message", .string($0.message)),
              ("reference", .optional($0.reference)),
              ("evidence", .strings($0.evidence.transcriptLines)),
            ])
          })
      ),
    ]
    if includeTranscript {
      members.append(("transcript", .strings(transcript.transcriptLines)))
    }
    return .object(members)
  }

  static func json(_ tls: TLSScanResult) -> JSONValue {
    .object([
      (
        "protocols",
        .object(TLSProtocolVersion.all.map { ($0.name, .optional(tls.protocols[$0.name])) })
      ),
      (
        "ciphers",
        .array(
          tls.ciphers.map {
            .object([
              ("protocol", .string($0.protocol)), ("id", .string($0.id)),
              ("name", .string($0.name)), ("kex", .string($0.kex)),
              ("kexBits", .optional($0.kexBits)), ("group", .optional($0.group)),
              ("anonymous", .bool($0.anonymous)), ("forwardSecret", .bool($0.forwardSecret)),
            ])
          })
      ),
      ("serverPreference", .optional(tls.serverPreference)),
      ("minDHBits", .optional(tls.minDHBits)),
      ("minAnonDHBits", .optional(tls.minAnonDHBits)),
      ("tls13Groups", .strings(tls.tls13Groups)),
      ("ecdheCurves", .strings(tls.ecdheCurves)),
      ("certificate", tls.certificate.map(Self.json) ?? .null),
      ("otherCertificates", .array(tls.otherCertificates.map(Self.json))),
      ("connections", .int(tls.connections)),
      ("notes", .strings(tls.notes)),
      ("resumes", .int(tls.resumes)),
      (
        "resumeWaitMilliseconds",
        .int(Int(clamping: tls.resumeWait.clampedNanoseconds / 1_000_000))
      ),
      ("outcome", .string(tls.outcome.rawValue)),
      ("handshakes", .int(tls.handshakes)),
      (
        "handshakeFailures",
        .object(
          TLSProtocolVersion.all.compactMap { version in
            tls.handshakeFailures[version.name].map { (version.name, .string($0)) }
          })
      ),
    ])
  }

  static func json(_ certificate: TLSCertificateSummary) -> JSONValue {
    let leaf = certificate.leaf
    return .object([
      ("keyType", .string(certificate.keyType)), ("keyBits", .optional(certificate.keyBits)),
      ("notAfter", .string(certificate.notAfter)),
      ("notBefore", .string(X509Time.format(leaf.notBefore))),
      ("selfSigned", .bool(certificate.selfSigned)),
      (
        "subjectAltNames", .strings(certificate.subjectAltNames.map { Escape.text(Array($0.utf8)) })
      ),
      ("subjectCommonName", .optional(leaf.subjectCommonName.map { Escape.text(Array($0.utf8)) })),
      ("signatureAlgorithm", .string(leaf.signatureAlgorithm)),
      ("matchesHost", .optional(certificate.matchesHost)),
      ("chainLength", .int(certificate.chainLength)),
      ("protocol", .optional(certificate.seenWith)),
    ])
  }

  static func json(_ banner: BannerResult) -> JSONValue {
    .object([
      ("code", .int(banner.reply.code)), ("text", .string(banner.text)),
      ("disclosesSoftware", .bool(banner.disclosesSoftware)),
      ("software", .optional(banner.software)),
      ("operatingSystem", .optional(banner.operatingSystem)),
      ("refused", .bool(banner.refused)),
    ])
  }

  static func json(_ capabilities: Capabilities) -> JSONValue {
    .object([
      ("extended", .bool(capabilities.extended)),
      ("serverName", .optional(capabilities.serverName)),
      ("keywords", .strings(capabilities.keywords)),
      ("starttls", .bool(capabilities.startTLS)),
      ("authMechanisms", .strings(capabilities.authMechanisms)),
      ("size", .optional(capabilities.size)),
      ("pipelining", .bool(capabilities.pipelining)),
      ("vrfy", .bool(capabilities.vrfy)), ("etrn", .bool(capabilities.etrn)),
      ("xclient", .bool(capabilities.xclient)),
      ("lines", .strings(capabilities.lines)),
    ])
  }

  static func json(_ oracle: OracleResult) -> JSONValue {
    .object([
      ("verdict", .optional(oracle.verdict?.rawValue)), ("reason", .optional(oracle.reason)),
      ("evidence", .strings(oracle.evidence.transcriptLines)),
    ])
  }

  static func json(_ relay: RelayResult) -> JSONValue {
    .object([
      ("verdict", .string(relay.verdict.rawValue)),
      ("accepted", .strings(relay.accepted)),
      (
        "vantage",
        .object([
          ("kind", .string(relay.vantage.kind.rawValue)),
          ("address", .optional(relay.vantage.address)),
          ("likelyTrusted", .bool(relay.vantage.likelyTrusted)),
          ("note", .optional(relay.vantage.note)),
        ])
      ),
      ("defers", .bool(relay.defers)),
      ("reason", .optional(relay.reason)),
      (
        "variants",
        .array(
          relay.attempts.map {
            .object([
              ("id", .string($0.id)), ("number", .int($0.number)),
              ("mailFrom", .string($0.mailFrom)), ("rcptTo", .string($0.rcptTo)),
              ("outcome", .string($0.outcome.rawValue)),
              ("senderRefused", .bool($0.senderRefused)),
              ("reply", .optional($0.reply?.summary)),
            ])
          })
      ),
    ])
  }
}
