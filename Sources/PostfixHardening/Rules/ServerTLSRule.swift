import PostfixConfig

/// Server TLS is on where the role needs it, with a certificate that exists.
///
/// Rationale: without STARTTLS mail travels in clear text. Opportunistic TLS
/// (`may`) is right for an mx and a relay (RFC 7435); submission needs it
/// on. A certificate or key that is missing or unreadable makes every
/// handshake fail.
///
/// Inspects: `smtpd_tls_security_level` (or the legacy `smtpd_use_tls`),
/// `smtpd_tls_cert_file`, `smtpd_tls_key_file`, `smtpd_tls_chain_files`, per
/// smtpd service listening beyond loopback; the files' existence and
/// readability (as non-root an unreadable file "cannot be verified").
///
/// Fix: `smtpd_tls_security_level = may` with a certificate and key
/// (transform `server-tls`).
///
/// Reference: Postfix TLS_README "Server-side TLS"; postconf(5)
/// `smtpd_tls_security_level`, `smtpd_tls_chain_files`.
struct ServerTLSRule: AuditRule {
  let id = RuleID.serverTLS
  let summary = "Server TLS is off or its certificate is missing."
  let inspects = [
    "smtpd_tls_security_level", "smtpd_use_tls", "smtpd_enforce_tls", "smtpd_tls_wrappermode",
    "smtpd_tls_cert_file", "smtpd_tls_key_file", "smtpd_tls_eccert_file", "smtpd_tls_eckey_file",
    "smtpd_tls_chain_files",
  ]

  let fix =
    "Set smtpd_tls_security_level = may with smtpd_tls_chain_files (or smtpd_tls_cert_file and smtpd_tls_key_file) (transform server-tls)."

  func check(_ context: AuditContext) -> [Finding] {
    // Folded as found: a main.cf value is judged once per service.
    var findings = FindingMerger()
    for service in context.publicServices {
      let level = context.setting("smtpd_tls_security_level", for: service)
      guard TLSFacts.serverTLSEnabled(context, service) else {
        findings.add(
          context.finding(
            id, service.role == .submission ? .error : .warning,
            "the SMTP server does not offer STARTTLS: mail and passwords travel in clear text",
            setting: level, fix: fix))
        continue
      }
      let chain = context.setting("smtpd_tls_chain_files", for: service)
      let cert = context.setting("smtpd_tls_cert_file", for: service)
      let ecCert = context.setting("smtpd_tls_eccert_file", for: service)
      var files: [PostfixConfiguration.Setting] = []
      if !chain.words.isEmpty {
        files = [chain]
      } else if !cert.text.trimmingBlanks().isEmpty {
        files = [cert, context.setting("smtpd_tls_key_file", for: service)]
      } else if !ecCert.text.trimmingBlanks().isEmpty {
        files = [ecCert, context.setting("smtpd_tls_eckey_file", for: service)]
      } else {
        findings.add(
          context.finding(
            id, .error, "TLS is on but no server certificate is configured", setting: cert,
            fix: fix))
        continue
      }
      guard let host = context.options.host else { continue }
      for setting in files {
        for path in setting.words {
          guard let fact = host.files[path] else { continue }
          if !fact.exists {
            findings.add(
              context.finding(
                id, .error, "\(setting.name) names \(path), which does not exist",
                setting: setting, fix: fix))
          } else if !fact.readable {
            findings.add(
              host.isRoot
                ? context.finding(
                  id, .error, "\(setting.name) names \(path), which is unreadable",
                  setting: setting, fix: fix)
                : context.finding(
                  id, .info,
                  "cannot verify \(path) (\(setting.name)): not readable without root",
                  setting: setting, fix: "Run pfharden check as root to verify it."))
          }
        }
      }
    }
    return findings.findings
  }
}
