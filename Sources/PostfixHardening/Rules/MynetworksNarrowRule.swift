import PostfixConfig

/// `mynetworks` trusts only the networks it must.
///
/// Rationale: clients in `mynetworks` may relay (`permit_mynetworks`); a wide
/// or public network there is an open relay in waiting.
///
/// Inspects: `mynetworks` as each smtpd service sees it (main.cf's when none
/// listens), judged by `MynetworksPolicy`, the same judgement the `mynetworks`
/// transform acts on: `0.0.0.0/0`, `::/0`, public ranges wider than /24
/// (IPv6: /48) and malformed CIDR are errors; a public network on an mx is a
/// warning; private networks and public ones on a send-only host are
/// information; tables and files are not judged (their contents are unknown).
///
/// Fix: drop the dangerous networks, keep loopback, the client networks and
/// tables (transform `mynetworks`).
///
/// Reference: postconf(5) `mynetworks`, `mynetworks_style`.
struct MynetworksNarrowRule: AuditRule {
  let id = RuleID.mynetworksNarrow
  let summary = "mynetworks trusts more networks than it must."
  let inspects = ["mynetworks"]

  let fix = "Narrow mynetworks to loopback and the networks that must relay (transform mynetworks)."

  func check(_ context: AuditContext) -> [Finding] {
    let scopes: [SMTPService?] = context.services.isEmpty ? [nil] : context.services
    // Folded as found: a main.cf value is judged once per service.
    var findings = FindingMerger()
    // Services mostly share mynetworks: its words are judged once a role.
    var judged: [VerdictKey: [MynetworksPolicy.Verdict]] = [:]
    for service in scopes {
      let role = service?.role ?? .sendOnly
      let setting = context.setting("mynetworks", for: service)
      var grouped: [(Severity, [String])] = []
      func add(_ severity: Severity, _ text: String) {
        if let index = grouped.firstIndex(where: { $0.0 == severity }) {
          grouped[index].1.append(text)
        } else {
          grouped.append((severity, [text]))
        }
      }
      let key = VerdictKey(words: setting.words, role: role, isDefault: !setting.isExplicit)
      let verdicts: [MynetworksPolicy.Verdict]
      if let known = judged[key] {
        verdicts = known
      } else {
        verdicts = key.words.map {
          MynetworksPolicy.verdict($0, role: role, isDefault: key.isDefault)
        }
        judged[key] = verdicts
      }
      for verdict in verdicts {
        switch verdict {
        case .invalid(let reason):
          findings.add(
            context.finding(id, .error, "mynetworks: \(reason)", setting: setting, fix: fix))
        case .remove(let reason, let severity): add(severity, reason)
        case .keep(let note, let severity):
          if let note, let severity { add(severity, note) }
        }
      }
      for (severity, texts) in grouped.sorted(by: { $0.0 > $1.0 }) {
        findings.add(
          context.finding(
            id, severity,
            (service == nil
              ? "mynetworks on a host where no smtpd service listens (judged as send-only): "
              : "mynetworks on a \(role.rawValue) service: ") + texts.joined(separator: "; "),
            setting: setting, fix: fix))
      }
    }
    return findings.findings
  }

  private struct VerdictKey: Hashable {
    var words: [String]
    var role: Role
    var isDefault: Bool
  }
}
