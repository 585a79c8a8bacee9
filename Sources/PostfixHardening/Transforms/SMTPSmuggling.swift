import PostfixConfig

extension Transform {
  /// Refuses bare newlines in SMTP (`smtpd_forbid_bare_newline = yes`), the SMTP
  /// smuggling defence backported to 3.5.23, 3.6.13, 3.7.9 and 3.8.4; the planner
  /// skips it on releases that lack the parameter.
  public static let forbidBareNewline = Transform(
    id: "forbid-bare-newline", summary: "refuse bare newlines (SMTP smuggling)",
    settings: [Setting("smtpd_forbid_bare_newline", "yes")],
    minimumVersion: PostfixVersion("3.5.23"), ruleIDs: [RuleID.smtpSmuggling])
}
