import PostfixConfig

/// Submission services require TLS before authentication and mail.
///
/// Rationale: on port 587 clients send passwords; opportunistic TLS lets an
/// attacker strip STARTTLS. Port 465 speaks TLS from the first byte only with
/// `smtpd_tls_wrappermode = yes`. A `-o smtpd_tls_security_level=none` on
/// submission is the classic mistake.
///
/// Inspects: `smtpd_tls_security_level` (587) and `smtpd_tls_wrappermode`
/// (465) of each submission service.
///
/// Fix: `-o smtpd_tls_security_level=encrypt` on submission,
/// `-o smtpd_tls_wrappermode=yes` on submissions (transform `server-tls`).
///
/// Reference: RFC 8314; postconf(5) `smtpd_tls_security_level`,
/// `smtpd_tls_wrappermode`; Debian's commented master.cf entries.
struct SubmissionTLSRule: AuditRule {
  let id = RuleID.submissionTLS
  let summary = "A submission service does not require TLS."
  let inspects = ["smtpd_tls_security_level", "smtpd_tls_wrappermode", "smtpd_enforce_tls"]

  func check(_ context: AuditContext) -> [Finding] {
    context.services.filter { $0.role == .submission }.compactMap { service in
      if service.port == 465 {
        let wrapper = context.setting("smtpd_tls_wrappermode", for: service)
        guard !wrapper.isYes else { return nil }
        return located(
          context, service, wrapper,
          "port 465 expects implicit TLS, but smtpd_tls_wrappermode is off",
          fix: "Add -o smtpd_tls_wrappermode=yes to the service (transform server-tls).")
      }
      guard !TLSFacts.serverTLSMandatory(context, service) else { return nil }
      let level = context.setting("smtpd_tls_security_level", for: service)
      return located(
        context, service, level,
        "the service accepts mail without TLS (smtpd_tls_security_level = \(level.text.isEmpty ? "(empty)" : level.text))",
        fix: "Add -o smtpd_tls_security_level=encrypt to the service (transform server-tls).")
    }
  }

  /// On the `-o` line when the value comes from one, else on the service entry
  /// (the fix belongs there, not in main.cf).
  func located(
    _ context: AuditContext, _ service: SMTPService, _ setting: PostfixConfiguration.Setting,
    _ message: String, fix: String
  ) -> Finding {
    if case .masterCF = setting.source {
      return context.finding(id, .error, message, setting: setting, fix: fix)
    }
    var finding = context.finding(id, .error, message, service: service, fix: fix)
    finding.parameter = setting.name
    return finding
  }
}
