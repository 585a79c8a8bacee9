import PostfixConfig

/// Clients must say HELO/EHLO before MAIL FROM.
///
/// Rationale: with Postfix's default `smtpd_helo_required = no` a client can
/// send `MAIL FROM` without greeting, which many spam bots do; HELO-based
/// restrictions only work when HELO is required. No other tool checks this.
///
/// Inspects: `smtpd_helo_required` per smtpd service.
///
/// Fix: `smtpd_helo_required = yes` (transform `require-helo`).
///
/// Reference: postconf(5) `smtpd_helo_required`; RFC 5321 section 4.1.4.
struct HeloRequiredRule: AuditRule {
  let id = RuleID.heloRequired
  let summary = "HELO/EHLO is not required."
  let inspects = ["smtpd_helo_required"]

  func check(_ context: AuditContext) -> [Finding] {
    context.perService { service in
      let setting = context.setting("smtpd_helo_required", for: service)
      guard !setting.isYes else { return nil }
      let severity: Severity = service.role == .mx || service.role == .relay ? .warning : .info
      return context.finding(
        id, severity, "clients may send MAIL FROM without HELO/EHLO", setting: setting,
        fix: "Set smtpd_helo_required = yes (transform require-helo).")
    }
  }
}
