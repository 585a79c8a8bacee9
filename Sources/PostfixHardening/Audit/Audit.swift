import PostfixConfig

/// The audit entry point: runs every rule over the effective configuration.
///
/// ```swift
/// let report = Audit.run(configuration: config, options: AuditOptions())
/// print(TextReport.render(report))
/// ```
public enum Audit {
  /// Every rule, in report order; each describes itself in its file under `Rules/`.
  static let all: [any AuditRule] = [
    ConfigWarningRule(), ParameterTooNewRule(), DisableVRFYRule(), LoopbackOnlyRule(),
    DuplicateListenerRule(), MynetworksNarrowRule(), OpenRelayRule(), SASLRelayRule(),
    SmtpdRefusesToRunRule(), RelayDomainsRule(),
    HeloRequiredRule(), TLSLogLevelRule(), BannerDisclosureRule(), ServerTLSRule(),
    SubmissionTLSRule(), TLSAuthOnlyRule(), TLSProtocolsRule(), TLSCipherGradeRule(),
    FFDHEAutoGroupsRule(), DHParametersRule(), SMTPSmugglingRule(), FilePermissionsRule(),
    ListeningSocketsRule(), IneffectiveSuppressionRule(),
  ]

  /// Every rule the audit runs, in report order: its id, summary, the
  /// parameters it reads and whether it is opt-in.
  public static let rules: [AuditRuleDescription] = all.map(\.described)

  /// The ids of every rule.
  public static var ruleIDs: [String] { rules.map(\.id) }

  /// The rule with id `id`.
  /// - Parameter id: A rule id, such as `disable-vrfy`.
  /// - Returns: Its description, or nil when no rule has that id.
  public static func rule(_ id: String) -> AuditRuleDescription? {
    rules.first { $0.id == id }
  }

  /// Audits a configuration with every rule.
  /// - Parameters:
  ///   - configuration: The effective configuration.
  ///   - roles: The smtpd services with roles; nil infers them
  ///     (``RoleInference``) with the options' overrides.
  ///   - options: Target version, role overrides, minimum severity, host facts.
  /// - Returns: The report.
  public static func run(
    configuration: PostfixConfiguration, roles: [SMTPService]? = nil, options: AuditOptions
  ) -> AuditReport {
    run(configuration: configuration, roles: roles, options: options, rules: all)
  }

  /// Audits a configuration with some rules.
  /// - Parameters:
  ///   - configuration: The effective configuration.
  ///   - roles: The smtpd services with roles; nil infers them.
  ///   - options: The audit options.
  ///   - rules: The rules to run.
  /// - Returns: The report.
  static func run(
    configuration: PostfixConfiguration, roles: [SMTPService]? = nil, options: AuditOptions,
    rules: [any AuditRule]
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
    let suppressions = Suppressions(configuration: configuration)
    let context = AuditContext(
      configuration: configuration, services: services, isSendOnly: sendOnly, options: options,
      suppressions: suppressions)
    var found: [Finding] = []
    // Postfix refuses a configuration with a fatal error: nothing else about
    // it is known, so only that is reported.
    let applicable =
      configuration.fatal == nil ? rules : rules.filter { $0.id == RuleID.configWarning }
    for rule in applicable {
      // Each rule's findings are merged as they come: a rule that judges a
      // main.cf value once per service finds it once per service, and a
      // file of many services would otherwise hold every rule's copies at
      // once. The first rule's list is taken as it is, not copied:
      // config-warning alone may return a finding per line of a large file.
      var part = rule.check(context)
      merge(&part)
      if found.isEmpty { found = part } else { found += part }
    }
    // Findings of two rules seldom merge (their ids differ): what is left
    // is merged again as one list, as it always was.
    merge(&found)
    var suppressed = 0
    found.removeAll { finding in
      if suppressions.suppresses(finding) {
        suppressed += 1
        return true
      }
      return finding.severity < options.minimumSeverity
    }
    sort(&found)
    return AuditReport(
      configDirectory: configuration.configDirectory, postfixVersion: context.targetVersion,
      services: services, isSendOnly: sendOnly, findings: found,
      suppressedCount: suppressed, minimumSeverity: options.minimumSeverity,
      incompleteReason: incomplete)
  }

  /// Folds findings that point at the same place for the same rule (a main.cf
  /// value judged once per service) into one, keeping the highest severity.
  ///
  /// Findings that are not judged per service (no parameter, or postconf's
  /// own warnings, several of which may name one line) stay apart when their
  /// messages differ.
  static func merge(_ findings: inout [Finding]) {
    // Kept findings are moved to the front in place (100,000 findings are never
    // held twice) and found again through an open-addressing table of their
    // positions, probed by the place's hash: four bytes a slot, no copy of a place.
    var size = 16
    while size < findings.count * 2 { size *= 2 }
    let mask = size - 1
    var table = [Int32](repeating: 0, count: size)
    var kept = 0
    for index in findings.indices {
      let finding = findings[index]
      let place = FindingPlace(finding)
      var slot = place.hashValue & mask
      var existing: Int?
      // Each step moves to the next slot; the table is at most half full.
      while table[slot] != 0 {
        let candidate = Int(table[slot]) - 1
        if FindingPlace(findings[candidate]) == place {
          existing = candidate
          break
        }
        slot = (slot + 1) & mask
      }
      if let existing {
        if finding.severity > findings[existing].severity { findings[existing] = finding }
      } else {
        if kept != index { findings[kept] = finding }
        table[slot] = Int32(truncatingIfNeeded: kept + 1)
        kept += 1
      }
    }
    findings.removeLast(findings.count - kept)
  }

  /// Sorts `findings` by file, then line: main.cf first, then master.cf,
  /// other files by name, and findings without a file last; on one line the
  /// rules' order is kept.
  ///
  /// The order is found on small integer keys, not on the findings, then
  /// applied by swapping along the permutation's cycles: 100,000 findings
  /// are never copied.
  static func sort(_ findings: inout [Finding]) {
    // The other files' names, gathered without a list of every finding's file
    // (a set made from one would be sized for all of them).
    var names = Set<String>()
    findings.withUnsafeBufferPointer { findings in
      for index in findings.indices {
        if let file = findings[index].file, file != "main.cf", file != "master.cf" {
          names.insert(file)
        }
      }
    }
    let others = names.sorted()
    var rank: [String: Int] = ["main.cf": 0, "master.cf": 1]
    for (offset, name) in others.enumerated() { rank[name] = 2 + offset }
    let last = 2 + others.count
    // File rank, line and position packed in one word (8, 32 and 24 bits) sort
    // without a comparator and take 8 bytes a finding; larger audits use triples.
    if last < 0xFF, findings.count < 1 << 24,
      !findings.contains(where: { ($0.line ?? 0) >= 0xFFFF_FFFF || ($0.line ?? 0) < 0 })
    {
      var keys = [UInt64](repeating: 0, count: findings.count)
      for index in findings.indices {
        let file = UInt64(findings[index].file.flatMap { rank[$0] } ?? last)
        let line = UInt64(findings[index].line ?? 0xFFFF_FFFF)
        keys[index] = file << 56 | line << 24 | UInt64(index)
      }
      keys.sort()
      // Position `target` receives the finding at the low 24 bits of keys[target];
      // the top bit marks a position placed.
      let placed: UInt64 = 1 << 63
      for start in keys.indices where keys[start] & placed == 0 {
        var target = start
        // Each step places one finding; a cycle ends where it began.
        while true {
          let source = Int(keys[target] & 0xFF_FFFF)
          keys[target] |= placed
          if source == start { break }
          findings.swapAt(target, source)
          target = source
        }
      }
      return
    }
    var keys = findings.indices.map { index in
      (findings[index].file.flatMap { rank[$0] } ?? last, findings[index].line ?? Int.max, index)
    }
    keys.sort { $0 < $1 }
    // Position `target` receives the finding at keys[target].2.
    var placed = [Bool](repeating: false, count: findings.count)
    for start in findings.indices where !placed[start] {
      var target = start
      // Each step places one finding; a cycle ends where it began.
      while true {
        placed[target] = true
        let source = keys[target].2
        if source == start { break }
        findings.swapAt(target, source)
        target = source
      }
    }
  }
}
