import PostfixConfig

/// Every `# pfharden: ignore` comment names a rule, and in main.cf one that
/// reads the parameter below it.
///
/// Rationale: a suppression that names no rule (a typo, a renamed habit) or
/// a rule that never looks at the entry below it silences nothing; the
/// finding it was meant for still appears, or the comment misleads the next
/// reader into thinking a check was waived.
///
/// Inspects: the comments directly above main.cf entries and master.cf
/// services, against ``Audit/rules`` (each rule's id and
/// ``AuditRuleDescription/inspects``; a restriction class named in
/// `smtpd_restriction_classes` counts as read by the rules that follow
/// classes).
///
/// Fix: correct the rule id, or move the comment above the entry the
/// finding points at (no transform).
///
/// Reference: docs/audit-rules.md "Suppression".
struct IneffectiveSuppressionRule: AuditRule {
  let id = RuleID.ineffectiveSuppression
  let summary = "A pfharden: ignore comment that silences nothing."
  let inspects: [String] = [AuditRuleDescription.everyParameter]

  func check(_ context: AuditContext) -> [Finding] {
    let directives = context.suppressions.directives
    guard !directives.isEmpty else { return [] }
    let rules = Dictionary(Audit.rules.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    let classes = Set(context.configuration.setting("smtpd_restriction_classes").words)
    return directives.compactMap { directive in
      let shown = Printable.sanitize(directive.id.utf8)
      guard let rule = rules[directive.id] else {
        return finding(
          directive, "'# pfharden: ignore \(shown)' names no rule: it silences nothing",
          fix: "Correct the rule id or remove it.")
      }
      guard let parameter = directive.parameter, !rule.reads(parameter),
        !(classes.contains(parameter) && rule.reads("smtpd_restriction_classes"))
      else { return nil }
      return finding(
        directive,
        "'# pfharden: ignore \(shown)' is above \(Printable.sanitize(parameter.utf8)), which "
          + "\(shown) does not read: it silences nothing",
        fix: "Move the comment above the entry the finding names, or remove it.")
    }
  }

  private func finding(_ directive: Suppressions.Directive, _ message: String, fix: String)
    -> Finding
  {
    Finding(
      id: id, severity: .warning, message: message, file: directive.file, line: directive.line,
      service: directive.service, parameter: directive.parameter, fix: fix)
  }
}
