import PostfixConfig

/// smtpd rejects bare newlines (SMTP smuggling, CVE-2023-51764).
///
/// Rationale: a sender can smuggle a second message past SPF/DMARC checks
/// through `<LF>.<LF>` endings. `smtpd_forbid_bare_newline` (3.5.23, 3.6.13,
/// 3.7.9, 3.8.4 and later; default `no` before 3.9) closes it; on older
/// releases `smtpd_data_restrictions = reject_unauth_pipelining` is the
/// short-term mitigation.
///
/// Inspects: `smtpd_forbid_bare_newline` (or `smtpd_data_restrictions` when
/// the target release lacks it) per smtpd service.
///
/// Fix: `smtpd_forbid_bare_newline = yes` (transform `smuggling`).
///
/// Reference: postconf(5) `smtpd_forbid_bare_newline`;
/// https://www.postfix.org/smtp-smuggling.html.
struct SMTPSmugglingRule: AuditRule {
  let id = RuleID.smtpSmuggling
  let summary = "SMTP smuggling is not prevented."
  let inspects = ["smtpd_forbid_bare_newline", "smtpd_data_restrictions"]

  func check(_ context: AuditContext) -> [Finding] {
    let name = "smtpd_forbid_bare_newline"
    let available =
      context.targetVersion.map { context.configuration.catalog.isAvailable(name, in: $0) }
      ?? (context.configuration.catalog.parameter(name) != nil)
    return context.perService { service in
      let severity: Severity = service.role == .mx || service.role == .relay ? .warning : .info
      if available {
        let setting = context.setting(name, for: service)
        let value = setting.text.lowercased().trimmingBlanks()
        guard value != "yes", value != "normalize", value != "reject", value != "true" else {
          return nil
        }
        return context.finding(
          id, severity, "smtpd accepts bare newlines: SMTP smuggling is possible",
          setting: setting, fix: "Set smtpd_forbid_bare_newline = yes (transform smuggling).")
      }
      let data = context.setting("smtpd_data_restrictions", for: service)
      guard !data.words.contains("reject_unauth_pipelining") else { return nil }
      return context.finding(
        id, severity,
        "this Postfix release has no smtpd_forbid_bare_newline and smtpd_data_restrictions lacks reject_unauth_pipelining",
        setting: data,
        fix:
          "Upgrade Postfix (3.7.9 or later), meanwhile set smtpd_data_restrictions = reject_unauth_pipelining."
      )
    }
  }
}
