import PostfixConfig

/// VRFY must be disabled on every smtpd service.
///
/// Rationale: Postfix answers `VRFY user` with 252 for existing and 550 for
/// unknown users, an address-harvesting oracle (nmap's smtp-enum-users does
/// not even see it).
///
/// Inspects: `disable_vrfy_command` as each smtpd service sees it.
///
/// Fix: `disable_vrfy_command = yes` (transform `disable-vrfy`).
///
/// Reference: postconf(5) `disable_vrfy_command`; RFC 5321 section 3.5.3.
struct DisableVRFYRule: AuditRule {
  let id = RuleID.disableVRFY
  let summary = "VRFY is enabled."
  let inspects = ["disable_vrfy_command"]

  func check(_ context: AuditContext) -> [Finding] {
    context.perService { service in
      let setting = context.setting("disable_vrfy_command", for: service)
      guard !setting.isYes else { return nil }
      return context.finding(
        id, service.role == .sendOnly ? .info : .warning,
        "VRFY is enabled: clients can test which addresses exist", setting: setting,
        fix: "Set disable_vrfy_command = yes (transform disable-vrfy).")
    }
  }
}
