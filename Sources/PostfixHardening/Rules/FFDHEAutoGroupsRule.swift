import PostfixConfig

/// `tls_ffdhe_auto_groups` is not set for a Postfix older than 3.8.
///
/// Rationale: the parameter appeared in Postfix 3.8; on 3.7 and older it is
/// an "unused parameter" (and trips Lynis MAIL-8817). Mozilla's generator
/// writes it for every release.
///
/// Inspects: an explicit `tls_ffdhe_auto_groups` against the target release.
///
/// Fix: remove the entry (no transform).
///
/// Reference: postconf(5) `tls_ffdhe_auto_groups` ("Postfix 3.8 and later").
struct FFDHEAutoGroupsRule: AuditRule {
  let id = RuleID.tlsFFDHEGroups
  let summary = "tls_ffdhe_auto_groups set for Postfix before 3.8."
  let inspects = ["tls_ffdhe_auto_groups"]

  static let introduced = PostfixVersion("3.8")

  func check(_ context: AuditContext) -> [Finding] {
    let setting = context.setting("tls_ffdhe_auto_groups")
    guard setting.isExplicit, let version = context.targetVersion,
      let introduced = Self.introduced, version < introduced
    else { return [] }
    return [
      context.finding(
        id, .warning,
        "tls_ffdhe_auto_groups needs Postfix 3.8 or later; Postfix \(version) ignores it",
        setting: setting, fix: "Remove tls_ffdhe_auto_groups.")
    ]
  }
}
