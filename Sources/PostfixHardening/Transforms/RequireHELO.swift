extension Transform {
  /// Requires HELO/EHLO before MAIL (`smtpd_helo_required = yes`).
  public static let requireHELO = Transform(
    id: "require-helo", summary: "require HELO/EHLO before MAIL FROM",
    settings: [Setting("smtpd_helo_required", "yes")], ruleIDs: [RuleID.heloRequired])
}
