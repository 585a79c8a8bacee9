import PostfixConfig

/// SASL authentication is offered only over TLS.
///
/// Rationale: with `smtpd_sasl_auth_enable = yes` and TLS optional, clients
/// may send passwords in clear text.
///
/// Inspects: `smtpd_sasl_auth_enable`, `smtpd_tls_auth_only` and whether TLS
/// is mandatory, per smtpd service.
///
/// Fix: `smtpd_tls_auth_only = yes` (transform `server-tls`).
///
/// Reference: postconf(5) `smtpd_tls_auth_only`; SASL_README.
struct TLSAuthOnlyRule: AuditRule {
  let id = RuleID.tlsAuthOnly
  let summary = "AUTH is offered before TLS."
  let inspects = [
    "smtpd_sasl_auth_enable", "smtpd_tls_auth_only", "smtpd_tls_security_level",
    "smtpd_tls_wrappermode", "smtpd_enforce_tls",
  ]

  func check(_ context: AuditContext) -> [Finding] {
    context.publicServices.compactMap { service in
      guard context.setting("smtpd_sasl_auth_enable", for: service).isYes,
        !TLSFacts.serverTLSMandatory(context, service)
      else { return nil }
      let setting = context.setting("smtpd_tls_auth_only", for: service)
      guard !setting.isYes else { return nil }
      return context.finding(
        id, service.role == .submission ? .error : .warning,
        "AUTH is offered before STARTTLS: passwords may travel in clear text", setting: setting,
        fix: "Set smtpd_tls_auth_only = yes (transform server-tls).")
    }
  }
}
