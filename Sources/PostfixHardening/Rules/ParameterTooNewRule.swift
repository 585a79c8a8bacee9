import PostfixConfig

/// Parameters set in main.cf or master.cf that the target Postfix release
/// does not have yet.
///
/// Rationale: an older Postfix ignores them with an "unused parameter"
/// warning, so the protection they promise is not in force (Mozilla's
/// generator writes `tls_ffdhe_auto_groups` for every release, for example).
///
/// Inspects: every explicit main.cf entry and master.cf `-o` against the
/// catalogue's `introducedIn` releases, for `--postfix-version` (or the
/// installed release).
///
/// Fix: remove the entry, or upgrade Postfix (no transform).
///
/// Reference: postconf(5), "This feature is available in Postfix X.Y and later".
struct ParameterTooNewRule: AuditRule {
  let id = RuleID.parameterTooNew
  let summary = "A parameter the target Postfix release does not have."
  let inspects = [AuditRuleDescription.everyParameter]

  func check(_ context: AuditContext) -> [Finding] {
    guard let version = context.options.targetVersion else { return [] }
    let catalog = context.configuration.catalog
    var findings: [Finding] = []
    func judge(_ name: String, file: String, line: Int, service: String?) {
      guard let parameter = catalog.parameter(name), !parameter.introducedIn.isEmpty,
        !parameter.isAvailable(in: version)
      else { return }
      let since = parameter.introducedIn.map(\.description).joined(separator: ", ")
      findings.append(
        Finding(
          id: id, severity: .warning,
          message:
            "'\(name)' does not exist in Postfix \(version) (introduced in \(since)); it is ignored",
          file: file, line: line, service: service, parameter: name,
          fix: "Remove '\(name)' or upgrade Postfix to a release that has it."))
    }
    context.configuration.mainCF.forEachEffectiveEntry { entry in
      judge(entry.name, file: "main.cf", line: entry.line, service: nil)
    }
    for entry in context.configuration.masterCF?.entries ?? [] {
      guard let service = entry.service, let type = entry.type else { continue }
      let key =
        "\(String(decoding: service, as: UTF8.self))/\(String(decoding: type, as: UTF8.self))"
      for override in entry.overrides {
        judge(
          String(decoding: override.name, as: UTF8.self), file: "master.cf", line: override.line,
          service: key)
      }
    }
    return findings
  }
}
