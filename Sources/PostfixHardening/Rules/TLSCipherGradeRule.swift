import PostfixConfig

/// Cipher grades are chosen with the `*_ciphers` parameters, never by
/// editing `tls_*_cipherlist`.
///
/// Rationale: `export`, `low` and `null` grades are broken. Postfix's docs say
/// not to change the `tls_*_cipherlist` definitions (Mozilla's generator
/// does), which silently changes every grade that uses them; exclusions
/// belong in `*_exclude_ciphers`.
///
/// Inspects: `smtpd_tls_ciphers`, `smtpd_tls_mandatory_ciphers` per smtpd
/// service, `smtp_tls_ciphers`, `smtp_tls_mandatory_ciphers`, and explicit
/// `tls_high_cipherlist`, `tls_medium_cipherlist`, `tls_low_cipherlist`,
/// `tls_export_cipherlist`, `tls_null_cipherlist`.
///
/// Fix: use the `medium` or `high` grade and `*_exclude_ciphers`; remove
/// edited cipher lists (transform `server-tls`).
///
/// Reference: postconf(5) `tls_medium_cipherlist`; TLS_README "Server-side
/// cipher controls".
struct TLSCipherGradeRule: AuditRule {
  let id = RuleID.tlsCiphers
  let summary = "Weak cipher grades or edited cipher lists."
  let inspects = [
    "smtpd_tls_ciphers", "smtpd_tls_mandatory_ciphers", "smtp_tls_ciphers",
    "smtp_tls_mandatory_ciphers", "tls_high_cipherlist", "tls_medium_cipherlist",
    "tls_low_cipherlist", "tls_export_cipherlist", "tls_null_cipherlist",
  ]

  func check(_ context: AuditContext) -> [Finding] {
    // Folded as found: a main.cf value is judged once per service.
    var findings = FindingMerger()
    func judge(_ setting: PostfixConfiguration.Setting) {
      let grade = setting.text.lowercased().trimmingBlanks()
      guard ["export", "low", "null"].contains(grade) else { return }
      findings.add(
        context.finding(
          id, .error, "\(setting.name) = \(grade) allows broken ciphers", setting: setting,
          fix: "Set \(setting.name) = medium (or high)."))
    }
    for service in context.publicServices {
      judge(context.setting("smtpd_tls_ciphers", for: service))
      judge(context.setting("smtpd_tls_mandatory_ciphers", for: service))
    }
    judge(context.setting("smtp_tls_ciphers"))
    judge(context.setting("smtp_tls_mandatory_ciphers"))
    for grade in ["high", "medium", "low", "export", "null"] {
      let setting = context.setting("tls_\(grade)_cipherlist")
      guard setting.isExplicit else { continue }
      findings.add(
        context.finding(
          id, .warning,
          "tls_\(grade)_cipherlist is edited; Postfix's docs advise against changing it",
          setting: setting,
          fix: "Remove tls_\(grade)_cipherlist; choose a grade and use *_exclude_ciphers."))
    }
    return findings.findings
  }
}
