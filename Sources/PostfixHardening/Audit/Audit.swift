import PostfixConfig

/// The audit entry point: runs every rule over the effective configuration.
///
/// ```swift
/// let report = Audit.run(configuration: config, options: AuditOptions())
/// print(TextReport.render(report))
/// ```
public enum Audit {
  /// Every rule, in report order.
  public static let rules: [any AuditRule] = [
    ConfigWarningRule(), ParameterTooNewRule(), DisableVRFYRule(), LoopbackOnlyRule(),
    DuplicateListenerRule(), MynetworksNarrowRule(), OpenRelayRule(), SASLRelayRule(),
    SmtpdRefusesToRunRule(), RelayDomainsRule(),
    HeloRequiredRule(), TLSLogLevelRule(), BannerDisclosureRule(), ServerTLSRule(),
    SubmissionTLSRule(), TLSAuthOnlyRule(), TLSProtocolsRule(), TLSCipherGradeRule(),
    FFDHEAutoGroupsRule(), DHParametersRule(), SMTPSmugglingRule(), FilePermissionsRule(),
    ListeningSocketsRule(),
  ]

  /// The ids of every rule.
  public static var ruleIDs: [String] { rules.map(\.id) }

  /// Audits a configuration.
  /// - Parameters:
  ///   - configuration: The effective configuration.
  ///   - roles: The smtpd services with roles; nil infers them
  ///     (``RoleInference``) with the options' overrides.
  ///   - options: Target version, role overrides, minimum severity, host facts.
  ///   - rules: The rules to run (default: all).
  /// - Returns: The report.
  public static func run(
    configuration: PostfixConfiguration, roles: [SMTPService]? = nil, options: AuditOptions,
    rules: [any AuditRule] = Audit.rules
  ) -> AuditReport {
    let inferred = RoleInference.services(in: configuration, options: options)
    let services = roles ?? inferred.services
    var incomplete: String?
    if case .unreadable(let reason) = options.masterCF {
      incomplete = "master.cf could not be read (\(reason)): no smtpd service was audited"
    }
    // Without master.cf's services nothing shows the host to be send-only:
    // main.cf is judged as for a host that receives mail.
    let sendOnly =
      incomplete == nil
      && (roles.map { given in given.allSatisfy { $0.role == .sendOnly } }
        ?? inferred.isSendOnly)
    let context = AuditContext(
      configuration: configuration, services: services, isSendOnly: sendOnly, options: options)
    var all: [Finding] = []
    // Postfix refuses a configuration with a fatal error: nothing else about
    // it is known, so only that is reported.
    let applicable =
      configuration.fatal == nil ? rules : rules.filter { $0.id == RuleID.configWarning }
    for rule in applicable { all += rule.check(context) }
    let merged = merge(all)
    let suppressions = Suppressions(configuration: configuration)
    var kept: [Finding] = []
    var suppressed = 0
    for finding in merged {
      if suppressions.suppresses(finding) {
        suppressed += 1
      } else if finding.severity >= options.minimumSeverity {
        kept.append(finding)
      }
    }
    return AuditReport(
      configDirectory: configuration.configDirectory, postfixVersion: context.targetVersion,
      services: services, isSendOnly: sendOnly, findings: sorted(kept),
      suppressedCount: suppressed, minimumSeverity: options.minimumSeverity,
      incompleteReason: incomplete)
  }

  /// Folds findings that point at the same place for the same rule (a main.cf
  /// value judged once per service) into one, keeping the highest severity.
  ///
  /// Findings that are not judged per service (no parameter, or postconf's
  /// own warnings, several of which may name one line) stay apart when their
  /// messages differ.
  static func merge(_ findings: [Finding]) -> [Finding] {
    var order: [String] = []
    var byKey: [String: Finding] = [:]
    for finding in findings {
      let byMessage = finding.parameter == nil || finding.id == RuleID.configWarning
      let key = [
        finding.id, finding.file ?? "", finding.line.map(String.init) ?? "-",
        finding.service ?? "", finding.parameter ?? "", byMessage ? finding.message : "",
      ].joined(separator: "\u{1}")
      if let existing = byKey[key] {
        if finding.severity > existing.severity { byKey[key] = finding }
      } else {
        order.append(key)
        byKey[key] = finding
      }
    }
    return order.compactMap { byKey[$0] }
  }

  static func sorted(_ findings: [Finding]) -> [Finding] {
    func fileRank(_ file: String?) -> Int {
      switch file {
      case "main.cf": return 0
      case "master.cf": return 1
      case nil: return 3
      default: return 2
      }
    }
    return findings.enumerated().sorted { lhs, rhs in
      let a = lhs.element
      let b = rhs.element
      if fileRank(a.file) != fileRank(b.file) { return fileRank(a.file) < fileRank(b.file) }
      if a.file != b.file { return (a.file ?? "") < (b.file ?? "") }
      let la = a.line ?? Int.max
      let lb = b.line ?? Int.max
      if la != lb { return la < lb }
      return lhs.offset < rhs.offset
    }.map(\.element)
  }
}
