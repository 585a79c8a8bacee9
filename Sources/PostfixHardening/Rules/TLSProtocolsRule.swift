import PostfixConfig

/// TLS protocol versions: never SSLv2/SSLv3; no TLSv1/TLSv1.1 where TLS is
/// mandatory for submission.
///
/// Rationale: SSL is broken. For opportunistic TLS on port 25 old versions
/// are better than clear text (TLS_README), but submission clients are
/// modern and their mandatory TLS should be TLSv1.2 or later.
///
/// Inspects: `smtpd_tls_protocols`, `smtpd_tls_mandatory_protocols` per smtpd
/// service, `smtp_tls_protocols`, `smtp_tls_mandatory_protocols`.
///
/// Fix: `smtpd_tls_mandatory_protocols = >=TLSv1.2` on submission; remove
/// SSL versions (transform `server-tls`).
///
/// Reference: postconf(5) `smtpd_tls_protocols`; RFC 8996; TLS_README.
struct TLSProtocolsRule: AuditRule {
  let id = RuleID.tlsProtocols
  let summary = "Weak TLS protocol versions are allowed."
  let inspects = [
    "smtpd_tls_protocols", "smtpd_tls_mandatory_protocols", "smtp_tls_protocols",
    "smtp_tls_mandatory_protocols",
  ]

  func check(_ context: AuditContext) -> [Finding] {
    // Folded as found: a main.cf value is judged once per service.
    var findings = FindingMerger()
    func judgeSSL(_ setting: PostfixConfiguration.Setting) {
      let allowed = TLSFacts.allowedProtocols(setting.words)
      let ssl = allowed.filter { $0.hasPrefix("ssl") }
      guard !ssl.isEmpty else { return }
      findings.add(
        context.finding(
          id, .error, "\(setting.name) allows \(ssl.map(display).joined(separator: ", "))",
          setting: setting,
          fix: "Set \(setting.name) = >=TLSv1 (or >=TLSv1.2 where TLS is mandatory)."))
    }
    for service in context.publicServices {
      judgeSSL(context.setting("smtpd_tls_protocols", for: service))
      let mandatory = context.setting("smtpd_tls_mandatory_protocols", for: service)
      judgeSSL(mandatory)
      guard service.role == .submission || service.role == .relay else { continue }
      let old = TLSFacts.allowedProtocols(mandatory.words).filter {
        $0 == "tlsv1" || $0 == "tlsv1.1"
      }
      guard !old.isEmpty else { continue }
      findings.add(
        context.finding(
          id, service.role == .submission ? .warning : .info,
          "mandatory TLS on \(service.key) allows \(old.map(display).joined(separator: ", "))",
          setting: mandatory,
          fix: "Set smtpd_tls_mandatory_protocols = >=TLSv1.2 (transform server-tls)."))
    }
    judgeSSL(context.setting("smtp_tls_protocols"))
    judgeSSL(context.setting("smtp_tls_mandatory_protocols"))
    return findings.findings
  }

  func display(_ name: String) -> String {
    name.replacingOccurrences("ssl", with: "SSL").replacingOccurrences("tls", with: "TLS")
  }
}

extension String {
  func replacingOccurrences(_ target: String, with replacement: String) -> String {
    guard let range = firstRange(of: target) else { return self }
    return String(self[..<range.lowerBound]) + replacement + String(self[range.upperBound...])
  }
}
