/// A probe report as text, as `pfharden probe` prints it: a line per check (its
/// value, and `[starttls]` or `[implicit-tls]` when it ran inside TLS), the TLS
/// analysis, then the findings compiler-style (`HOST:PORT: SEVERITY: [ID] message`)
/// and a count by severity.
///
/// ```swift
/// let report = Prober(options: ProbeOptions()).run(host: "127.0.0.1", port: 25)
/// print(ProbeTextReport.render(report), terminator: "")
/// ```
///
/// Every text taken from the server is escaped (``Escape``): a hostile reply cannot
/// move the cursor or change the terminal.
public enum ProbeTextReport {
  /// Renders a report.
  /// - Parameters:
  ///   - report: The report.
  ///   - verbose: Whether to add each check's evidence (the dialogue behind it), each
  ///     relay form's reply and each finding's reference.
  /// - Returns: The text, ending in a newline.
  public static func render(_ report: ProbeReport, verbose: Bool = false) -> String {
    var out: [String] = []
    let target = report.address ?? "\(Escape.text(Array(report.host.utf8))):\(report.port)"
    out.append(
      "probe \(target) (role \(report.role.rawValue)): \(report.connections) "
        + "connection\(report.connections == 1 ? "" : "s")")
    // A check whose dialogue ran inside TLS says so: `[starttls]`, `[implicit-tls]`.
    func inside(_ check: String) -> String {
      guard let transport = report.checks.first(where: { $0.check == check })?.transport,
        transport.isTLS
      else { return "" }
      return " [\(transport.rawValue)]"
    }
    func row(_ name: String, _ value: String, _ evidence: [Exchange] = []) {
      out.append(name.padding(to: 22) + value)
      if verbose {
        for line in evidence.transcriptLines { out.append("    " + line) }
      }
    }
    if let banner = report.banner {
      let names = [banner.software, banner.operatingSystem].compactMap { $0 }
      row(
        "banner",
        banner.reply.summary
          + (names.isEmpty ? "" : " (names \(names.joined(separator: ", ")))") + inside("banner"),
        banner.evidence)
    }
    if let capabilities = report.capabilities {
      let hello = report.transcript.filter { exchange in
        exchange.connection == report.transcript.first?.connection
          && ["EHLO", "HELO", "XCLIENT"].contains { exchange.command?.hasPrefix($0) ?? false }
      }
      row(
        capabilities.extended ? "capabilities" : "capabilities (HELO)",
        (capabilities.keywords.isEmpty ? "none" : capabilities.keywords.joined(separator: " "))
          + inside("ehlo"),
        hello)
    }
    if let transport = report.smtpTransport, transport.isTLS {
      var value = transport == .startTLS ? "inside TLS after STARTTLS" : "inside implicit TLS"
      if let session = report.smtpTLSSession { value += " (\(session))" }
      if let reason = report.smtpTransportReason { value += ": \(reason)" }
      row("smtp checks", value)
    }
    if let capabilities = report.tlsCapabilities {
      row(
        "capabilities in tls",
        capabilities.keywords.isEmpty ? "none" : capabilities.keywords.joined(separator: " "))
    }
    let analysed =
      report.tls.map {
        "; analysed over \($0.connections) connection\($0.connections == 1 ? "" : "s")"
      }
      ?? " (not analysed)"
    switch report.tlsMode {
    case .starttls:
      let works: String
      switch report.startTLSStatus {
      case .refused?: works = " but refused (\(report.tls?.startTLSRefusal ?? "?"))"
      case .handshakeFailed?: works = " but every handshake failed"
      default: works = ""
      }
      row("tls", "STARTTLS offered" + works + analysed)
    case .implicit: row("tls", "implicit TLS before the greeting" + analysed)
    case .none: if report.capabilities != nil { row("tls", "not offered") }
    }
    if let tls = report.tls {
      tlsRows(tls, row: { row($0, $1) }, line: { out.append($0) })
    }
    if let auth = report.authBeforeStartTLS {
      let mechanisms = report.capabilities?.authMechanisms.joined(separator: " ") ?? ""
      row("auth before starttls", auth ? "yes (\(mechanisms))" : "no")
    }
    if let auth = report.authInsideTLS {
      let mechanisms =
        (report.tlsCapabilities ?? report.capabilities)?.authMechanisms.joined(separator: " ") ?? ""
      row("auth inside tls", auth ? "yes (\(mechanisms))" : "no")
    }
    if let submission = report.submission {
      let value = submission.mailRefusedBeforeStartTLS.map { $0 ? "refused" : "ACCEPTED" }
      row("mail before starttls", value ?? "unknown", submission.evidence)
    }
    oracleRow("vrfy", report.vrfy, inside("vrfy"), row)
    oracleRow("expn", report.expn, inside("expn"), row)
    oracleRow("rcpt enumeration", report.rcptEnumeration, inside("rcpt-enumeration"), row)
    if let helo = report.heloRequired {
      let value = helo.required.map { $0 ? "yes" : "no" } ?? "unknown (\(helo.reason ?? "?"))"
      row("helo required", value + inside("helo-required"), helo.evidence)
    }
    if let relay = report.openRelay {
      let vantage = relay.vantage
      var value = relay.verdict.rawValue
      let tested = relay.attempts.filter { $0.outcome != .notTested }.count
      value += " (\(relay.accepted.count) of \(tested) forms accepted"
      value += "; vantage \(vantage.kind.rawValue) \(vantage.address ?? "?")"
      value += vantage.likelyTrusted ? ", likely trusted)" : ")"
      if relay.verdict == .inconclusive, let reason = relay.reason { value += ": \(reason)" }
      row("open relay", value + inside("open-relay"))
      if verbose {
        for attempt in relay.attempts {
          let reply = attempt.reply?.summary ?? "-"
          out.append("    \(attempt.number). \(attempt.id): \(attempt.outcome.rawValue): \(reply)")
        }
      }
    }
    for check in report.checks where check.state != .ran {
      row("check " + check.check, check.summary.dropFirst(check.check.count + 2).description)
    }
    out.append("")
    for finding in report.findings {
      out.append("\(target): \(finding.severity.rawValue): [\(finding.id)] \(finding.message)")
      if verbose {
        if let reference = finding.reference { out.append("    see: \(reference)") }
        for line in finding.evidence.transcriptLines { out.append("    " + line) }
      }
    }
    let counts = ProbeSeverity.allCases.reversed().map { severity in
      "\(report.findings.filter { $0.severity == severity }.count) \(severity.rawValue)"
    }
    out.append(
      "\(report.findings.count) finding\(report.findings.count == 1 ? "" : "s") "
        + "(\(counts.joined(separator: ", ")))")
    return out.joined(separator: "\n") + "\n"
  }

  private static func tlsRows(
    _ tls: TLSScanResult, row: (String, String) -> Void, line: (String) -> Void
  ) {
    let names = ["SSLv3", "TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3"]
    let accepted = names.filter { tls.protocols[$0] == true }
    let refused = names.filter { tls.protocols[$0] == false }
    let untested = names.filter { tls.protocols[$0] == nil }
    var value = accepted.isEmpty ? "none accepted" : accepted.joined(separator: " ")
    if !refused.isEmpty { value += " (refused: \(refused.joined(separator: " ")))" }
    if !untested.isEmpty { value += " (not tested: \(untested.joined(separator: " ")))" }
    row("tls protocols", value)
    if tls.resumes > 0 {
      let times = tls.resumes == 1 ? "once" : "\(tls.resumes) times"
      row(
        "tls rate limit",
        "waited \(times) (\(secondsText(tls.resumeWait)) s in all), then resumed")
    }
    if let preference = tls.serverPreference {
      row("tls cipher order", preference ? "server's" : "client's")
    }
    let dh = [
      tls.minDHBits.map { "DHE \($0) bits" }, tls.minAnonDHBits.map { "anonymous DH \($0) bits" },
    ].compactMap { $0 }
    if !dh.isEmpty { row("tls smallest dh", dh.joined(separator: ", ")) }
    let groups = tls.tls13Groups.isEmpty ? tls.ecdheCurves : tls.tls13Groups
    if !groups.isEmpty { row("tls groups", groups.joined(separator: " ")) }
    if let certificate = tls.certificate {
      var text = "\(certificate.keyType) \(certificate.keyBits.map(String.init) ?? "?") bits"
      text += ", \(certificate.leaf.signatureAlgorithm), not after \(certificate.notAfter)"
      if certificate.selfSigned { text += ", self-signed" }
      let sans = certificate.subjectAltNames.map { Escape.text(Array($0.utf8)) }
      if !sans.isEmpty { text += ", names \(sans.joined(separator: " "))" }
      if certificate.seenWith == "TLSv1.3" { text += ", read inside TLSv1.3" }
      row("tls certificate", text)
    } else {
      row("tls certificate", "not seen")
    }
    row("tls suites", "\(tls.ciphers.count) accepted")
    for cipher in tls.ciphers {
      var text = "    \(cipher.protocol.padding(to: 8))\(cipher.id) \(cipher.name)"
      text += " \(cipher.kex)"
      if let bits = cipher.kexBits { text += " \(bits)" }
      if let group = cipher.group { text += " \(group)" }
      line(text)
    }
    if tls.outcome == .allFailed {
      for version in names {
        if let reason = tls.handshakeFailures[version] { line("    failed: \(version): \(reason)") }
      }
    }
    for note in tls.notes { line("    note: \(note)") }
  }

  /// A duration in seconds, with milliseconds when it has any (`122`, `4.5`).
  /// - Parameter duration: The duration.
  /// - Returns: The text.
  static func secondsText(_ duration: Duration) -> String {
    let (seconds, attoseconds) = duration.components
    let milliseconds = attoseconds / 1_000_000_000_000_000
    guard milliseconds > 0 else { return "\(seconds)" }
    var digits = String(milliseconds)
    digits = String(repeating: "0", count: max(0, 3 - digits.count)) + digits
    // At most three digits to drop.
    while digits.hasSuffix("0") { digits.removeLast() }
    return "\(seconds).\(digits)"
  }

  private static func oracleRow(
    _ name: String, _ result: OracleResult?, _ suffix: String,
    _ row: (String, String, [Exchange]) -> Void
  ) {
    guard let result else { return }
    row(
      name, (result.verdict?.rawValue ?? "unknown (\(result.reason ?? "?"))") + suffix,
      result.evidence)
  }
}

extension String {
  fileprivate func padding(to width: Int) -> String {
    count >= width ? self + " " : self + String(repeating: " ", count: width - count)
  }
}
