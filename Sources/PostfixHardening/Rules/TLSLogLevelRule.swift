import PostfixConfig

/// TLS handshakes are logged by the server and the client.
///
/// Rationale: at log level 0 (the default) Postfix logs nothing about TLS,
/// so nobody can tell whether mail travelled encrypted or why a handshake
/// failed. Level 1 logs a summary line per session.
///
/// Inspects: `smtpd_tls_loglevel` per smtpd service, `smtp_tls_loglevel`.
///
/// Fix: set both to 1 (transform `tls-loglevel`).
///
/// Reference: postconf(5) `smtpd_tls_loglevel`, `smtp_tls_loglevel`; TLS_README.
struct TLSLogLevelRule: AuditRule {
  let id = RuleID.tlsLogLevel
  let summary = "TLS sessions are not logged."
  let inspects = ["smtpd_tls_loglevel", "smtp_tls_loglevel"]

  func check(_ context: AuditContext) -> [Finding] {
    var findings: [Finding] = context.perService { service in
      let setting = context.setting("smtpd_tls_loglevel", for: service)
      guard (setting.integer ?? 0) < 1 else { return nil }
      return context.finding(
        id, service.role == .sendOnly ? .info : .warning,
        "the SMTP server does not log TLS sessions (smtpd_tls_loglevel = \(setting.text))",
        setting: setting, fix: "Set smtpd_tls_loglevel = 1 (transform tls-loglevel).")
    }
    let client = context.setting("smtp_tls_loglevel")
    if (client.integer ?? 0) < 1 {
      findings.append(
        context.finding(
          id, .warning,
          "the SMTP client does not log TLS sessions (smtp_tls_loglevel = \(client.text))",
          setting: client, fix: "Set smtp_tls_loglevel = 1 (transform tls-loglevel)."))
    }
    return findings
  }
}
