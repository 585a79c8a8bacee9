/// Turns check results into findings.
enum FindingsBuilder {
  static func findings(for report: ProbeReport) -> [ProbeFinding] {
    var out: [ProbeFinding] = []
    let submission = report.role == .submission
    if let failure = report.failure {
      out.append(
        ProbeFinding(
          id: "probe-incomplete", severity: .error,
          message: "The probe could not complete: \(failure.reason).",
          evidence: report.transcript.filter { $0.failure != nil || $0.reply?.code == 421 }))
    }
    if let banner = report.banner {
      if banner.refused {
        out.append(
          ProbeFinding(
            id: "greeting-refused", severity: .warning,
            message: "The server refused service at the greeting (\(banner.reply.summary)): "
              + "a rate limit, postscreen or a block list, not a missing SMTP service.",
            evidence: banner.evidence))
      }
      if banner.disclosesSoftware {
        let names = [banner.software, banner.operatingSystem].compactMap { $0 }
        out.append(
          ProbeFinding(
            id: "banner-discloses-software", severity: .warning,
            message: "The greeting names \(names.joined(separator: " and ")); "
              + "set smtpd_banner = $myhostname ESMTP.",
            evidence: banner.evidence))
      }
    }
    if let postscreen = report.postscreen {
      out.append(postscreenFinding(postscreen))
    }
    switch report.tlsMode {
    case .implicit:
      out.append(
        ProbeFinding(
          id: "implicit-tls", severity: .info,
          message: "The port speaks TLS before the greeting (implicit TLS)"
            + (report.smtpTransport == .implicitTLS
              ? "; the SMTP checks ran inside TLS." : "; the SMTP checks could not run inside TLS.")
            + (report.tls == nil ? " The TLS analysis did not run." : ""),
          evidence: Array(report.transcript.prefix(3))))
    case .none where report.implicitTLSExpected:
      out.append(
        ProbeFinding(
          id: "implicit-tls-expected", severity: .warning,
          message: "A plaintext greeting arrived on a port expected to speak implicit TLS.",
          evidence: report.transcript))
    case .none where report.capabilities != nil:
      let finding = TLSVerdicts.noSTARTTLS(role: report.role.tlsRole)
      out.append(
        ProbeFinding(
          id: finding.id, severity: ProbeSeverity(finding.severity), message: finding.message,
          evidence: report.transcript.filter { $0.command?.hasPrefix("EHLO") ?? false },
          reference: finding.reference))
    default:
      break
    }
    if let tls = report.tls {
      let broken = brokenTLS(report, tls)
      if let broken { out.append(broken) }
      for finding in tls.findings {
        out.append(
          ProbeFinding(
            id: finding.id, severity: ProbeSeverity(finding.severity), message: finding.message,
            evidence: [], reference: finding.reference))
      }
      // A server that cannot start TLS at all: the notes only repeat that finding.
      if broken == nil, let incomplete = analysisIncomplete(tls) {
        out.append(incomplete)
      }
      if let resumed = analysisResumed(tls) { out.append(resumed) }
    }
    if report.authBeforeStartTLS == true {
      let mechanisms = report.capabilities?.authMechanisms.joined(separator: " ") ?? ""
      out.append(
        ProbeFinding(
          id: "auth-before-starttls", severity: submission ? .error : .warning,
          message: "AUTH (\(mechanisms)) is offered before STARTTLS: credentials can be sent "
            + "in plaintext; set smtpd_tls_auth_only = yes.",
          evidence: report.transcript.filter { $0.command?.hasPrefix("EHLO") ?? false }))
    }
    if report.submission?.mailRefusedBeforeStartTLS == false {
      out.append(
        ProbeFinding(
          id: "mail-before-starttls", severity: .error,
          message: "The submission service accepts MAIL before STARTTLS; "
            + "set smtpd_tls_security_level = encrypt for it.",
          evidence: report.submission?.evidence ?? []))
    }
    oracle(report.vrfy, name: "VRFY", id: "vrfy", fix: "set disable_vrfy_command = yes", into: &out)
    oracle(report.expn, name: "EXPN", id: "expn", fix: "disable EXPN", into: &out)
    if let rcpt = report.rcptEnumeration, rcpt.verdict == .leaksUsers {
      out.append(
        ProbeFinding(
          id: "rcpt-enumeration", severity: .info,
          message: "RCPT answers differ for a real and a random user: addresses can be "
            + "enumerated (expected when unknown recipients are rejected, as they should be).",
          evidence: rcpt.evidence))
    }
    if let helo = report.heloRequired, helo.required == false {
      out.append(
        ProbeFinding(
          id: "helo-not-required", severity: .warning,
          message: "MAIL is accepted before HELO/EHLO; set smtpd_helo_required = yes.",
          evidence: helo.evidence))
    }
    if let relay = report.openRelay {
      relayFindings(relay, into: &out)
    }
    return out.enumerated().sorted {
      $0.element.severity != $1.element.severity
        ? $0.element.severity > $1.element.severity : $0.offset < $1.offset
    }.map(\.element)
  }

  /// `tls-analysis-incomplete`: a warning naming the versions not scanned (or scanned in
  /// part) when the scan stopped early (a `421` rate limit, the budget, the time limit);
  /// info when only other notes remain.
  static func analysisIncomplete(_ tls: TLSScanResult) -> ProbeFinding? {
    guard !tls.notes.isEmpty else { return nil }
    let stopped = TLSProtocolVersion.scanOrder.filter { version in
      tls.notes.contains { $0.hasPrefix("\(version.name): scan stopped") }
    }
    let missing = TLSProtocolVersion.scanOrder.filter { tls.protocols[$0.name] == nil }
    let partly = stopped.filter { tls.protocols[$0.name] != nil }
    guard !missing.isEmpty || !partly.isEmpty else {
      return ProbeFinding(
        id: "tls-analysis-incomplete", severity: .info,
        message: "The TLS analysis may be incomplete: "
          + tls.notes.prefix(3).joined(separator: "; ") + ".",
        evidence: [])
    }
    var parts: [String] = []
    if !missing.isEmpty {
      parts.append("not scanned: " + missing.map(\.name).joined(separator: ", "))
    }
    if !partly.isEmpty {
      parts.append(
        "scanned in part (some suites not tried): "
          + partly.map(\.name).joined(separator: ", "))
    }
    let why =
      stopped.isEmpty
      ? tls.notes.prefix(2) : tls.notes.filter { $0.contains("scan stopped") }.prefix(1)
    return ProbeFinding(
      id: "tls-analysis-incomplete", severity: .warning,
      message: "The TLS analysis stopped early (\(why.joined(separator: "; "))); "
        + parts.joined(separator: "; ")
        + ". What was not scanned is unknown, not absent: rerun after the server's rate "
        + "window, from a host exempt from its connection limits, or with a larger budget.",
      evidence: [])
  }

  /// `tls-analysis-resumed` (info): the scan met a connection rate limit, waited it out
  /// and resumed, so its results came after waiting (complete unless
  /// `tls-analysis-incomplete` says otherwise).
  static func analysisResumed(_ tls: TLSScanResult) -> ProbeFinding? {
    guard tls.resumes > 0 else { return nil }
    let times = tls.resumes == 1 ? "once" : "\(tls.resumes) times"
    let stopped = tls.notes.contains { $0.contains("scan stopped") }
    return ProbeFinding(
      id: "tls-analysis-resumed", severity: .info,
      message: "The TLS analysis met a connection rate limit and waited \(times) "
        + "(\(tls.resumeWait.secondsText) s in all) before it resumed: its results came after "
        + "waiting\(stopped ? ", and it still stopped early" : ""). To scan without waiting, "
        + "probe from a host in smtpd_client_event_limit_exceptions.",
      evidence: [],
      reference: "Postfix smtpd_client_connection_rate_limit, anvil_rate_time_unit")
  }

  /// `postscreen-passed` (info) or `postscreen-not-passed` (warning: the checks it
  /// deferred have no verdict).
  static func postscreenFinding(_ postscreen: PostscreenResult) -> ProbeFinding {
    let met =
      "A postscreen-like front end answered the first session and deferred VRFY with "
      + "450 4.3.2 (Postfix postscreen after its deep-protocol tests)"
    guard postscreen.passed == true else {
      return ProbeFinding(
        id: "postscreen-not-passed", severity: .warning,
        message: "\(met); \(postscreen.reason ?? "it was not passed"). The checks it "
          + "deferred have no verdict: they were not done, which is not a clean result.",
        evidence: postscreen.evidence, reference: "Postfix POSTSCREEN_README")
    }
    return ProbeFinding(
      id: "postscreen-passed", severity: .info,
      message: "\(met). The probe passed its tests (it waited for the whole greeting, never "
        + "pipelined, sent no bare newline), reconnected, and ran the checks on the smtpd "
        + "behind it.",
      evidence: postscreen.evidence, reference: "Postfix POSTSCREEN_README")
  }

  /// `starttls-broken` (STARTTLS advertised, TLS impossible) or `implicit-tls-broken`.
  static func brokenTLS(_ report: ProbeReport, _ tls: TLSScanResult) -> ProbeFinding? {
    let startTLS: Bool
    switch report.tlsMode {
    case .starttls: startTLS = true
    case .implicit: startTLS = false
    case .none: return nil
    }
    guard
      let finding = TLSVerdicts.brokenTLS(tls, startTLS: startTLS, role: report.role.tlsRole)
    else { return nil }
    // The EHLO that advertised STARTTLS.
    let evidence =
      startTLS
      ? Array(
        report.transcript.filter {
          ($0.command?.hasPrefix("EHLO") ?? false) && ($0.reply?.mentions("STARTTLS") ?? false)
        }.prefix(1)) : []
    return ProbeFinding(
      id: finding.id, severity: ProbeSeverity(finding.severity), message: finding.message,
      evidence: evidence, reference: finding.reference)
  }

  static func oracle(
    _ result: OracleResult?, name: String, id: String, fix: String, into out: inout [ProbeFinding]
  ) {
    guard let result, let verdict = result.verdict else { return }
    switch verdict {
    case .leaksUsers:
      out.append(
        ProbeFinding(
          id: "\(id)-leaks-users", severity: .warning,
          message: "\(name) answers differently for real users and a random non-user: "
            + "it tells which accounts exist; \(fix).",
          evidence: result.evidence))
    case .noOracle:
      out.append(
        ProbeFinding(
          id: "\(id)-enabled", severity: .info,
          message: "\(name) is enabled but gives the same answer for every user.",
          evidence: result.evidence))
    case .disabled:
      break
    }
  }

  static func relayFindings(_ relay: RelayResult, into out: inout [ProbeFinding]) {
    let vantageText: String
    switch relay.vantage.kind {
    case .direct: vantageText = "from \(relay.vantage.address ?? "this host")"
    case .source: vantageText = "from source \(relay.vantage.address ?? "?")"
    case .xclient: vantageText = "as client \(relay.vantage.address ?? "?") (XCLIENT)"
    }
    let accepted = relay.attempts.filter { $0.outcome == .accepted }
    switch relay.verdict {
    case .open:
      out.append(
        ProbeFinding(
          id: "open-relay", severity: .error,
          message: "Open relay \(vantageText): \(accepted.count) of \(relay.attempts.count) "
            + "address forms were accepted for a foreign domain (\(relay.accepted.joined(separator: ", "))).",
          evidence: accepted.flatMap(\.evidence)))
    case .forgedSender:
      let ids = relay.accepted.joined(separator: ", ")
      out.append(
        ProbeFinding(
          id: "open-relay-forged-sender", severity: .error,
          message: "Open relay for forged local senders \(vantageText): \(accepted.count) of "
            + "\(relay.attempts.count) address forms were accepted for a foreign domain, each "
            + "with a sender in the server's own domain or address (\(ids)), while a foreign "
            + "sender was refused; the client's address does not matter, anyone can relay by "
            + "forging a local sender. Do not permit on the sender (check_sender_access OK, "
            + "permit_sender_*) before reject_unauth_destination; authenticate instead "
            + "(permit_sasl_authenticated).",
          evidence: accepted.prefix(1).flatMap(\.evidence)
            + relay.attempts.filter { RelayCheck.foreignSenderForms.contains($0.id) }
            .flatMap(\.evidence),
          reference: "RFC 5321, 3.9 and 7.1; Postfix SMTPD_ACCESS_README "
            + "(check_sender_access, smtpd_relay_restrictions)"))
    case .trustedVantage:
      out.append(
        ProbeFinding(
          id: "relay-trusted-vantage", severity: .info,
          message: "Relaying was accepted \(vantageText), an address the server likely trusts "
            + "(mynetworks): not evidence of an open relay; rerun from outside, or with "
            + "XCLIENT naming an outside address.",
          evidence: accepted.prefix(1).flatMap(\.evidence)))
    case .inconclusive:
      out.append(
        ProbeFinding(
          id: "relay-inconclusive", severity: .info,
          message: "The relay test is inconclusive: \(relay.reason ?? "relaying was not tested").",
          evidence: relay.attempts.filter { $0.outcome != .notTested }.prefix(2)
            .flatMap(\.evidence)))
    case .closed:
      if relay.defers {
        out.append(
          ProbeFinding(
            id: "relay-deferred", severity: .info,
            message: "Relaying is refused with a temporary 4xx reply (defer_unauth_destination): "
              + "closed, but clients retry; reject_unauth_destination refuses for good.",
            evidence: relay.attempts.prefix(1).flatMap(\.evidence)))
      }
    }
    if let note = relay.vantage.note {
      out.append(
        ProbeFinding(
          id: "xclient-unavailable", severity: .info,
          message: "The outside vantage could not be simulated: \(note); results are from "
            + "\(relay.vantage.address ?? "this host").",
          evidence: []))
    }
  }
}

extension ProbeSeverity {
  /// The severity of a TLS finding.
  init(_ severity: TLSFinding.Severity) {
    switch severity {
    case .info: self = .info
    case .warning: self = .warning
    case .error: self = .error
    }
  }
}

extension ProbeRole {
  /// The role the TLS findings are judged for.
  public var tlsRole: TLSRole {
    switch self {
    case .mx: .mx
    case .relay: .relay
    case .submission: .submission
    }
  }
}
