/// What makes two findings one when ``Audit/merge(_:)`` folds them: the
/// rule, the place and, for findings not about a parameter (or postconf's
/// own warnings), the message.
struct FindingPlace: Hashable {
  var id: String
  var file: String?
  var line: Int?
  var service: String?
  var parameter: String?
  var message: String

  init(_ finding: Finding) {
    let byMessage = finding.parameter == nil || finding.id == RuleID.configWarning
    id = finding.id
    file = finding.file
    line = finding.line
    service = finding.service
    parameter = finding.parameter
    message = byMessage ? finding.message : ""
  }
}

/// Findings folded as they are found, as ``Audit/merge(_:)`` folds a list:
/// each place once, at its first position, with the highest severity found
/// there (the first finding of that severity).
///
/// A rule that judges a main.cf value once per service finds the same
/// finding for every service: folded as they come, a file of many services
/// holds one of them, not one a service until the audit merges them.
struct FindingMerger {
  /// The findings kept, in order.
  private(set) var findings: [Finding] = []
  /// Per slot, a kept finding's position plus one; 0 for an empty slot.
  private var table = [Int32](repeating: 0, count: 16)

  /// Adds `finding`, or folds it into the kept finding of its place.
  mutating func add(_ finding: Finding) {
    let place = FindingPlace(finding)
    let mask = table.count - 1
    var slot = place.hashValue & mask
    // Each step moves to the next slot; the table is at most half full.
    while table[slot] != 0 {
      let candidate = Int(table[slot]) - 1
      if FindingPlace(findings[candidate]) == place {
        if finding.severity > findings[candidate].severity { findings[candidate] = finding }
        return
      }
      slot = (slot + 1) & mask
    }
    findings.append(finding)
    table[slot] = Int32(truncatingIfNeeded: findings.count)
    if findings.count * 2 > table.count { grow() }
  }

  /// Adds each of `findings`.
  mutating func add(contentsOf findings: [Finding]) {
    for finding in findings { add(finding) }
  }

  private mutating func grow() {
    table = [Int32](repeating: 0, count: table.count * 2)
    let mask = table.count - 1
    for (index, finding) in findings.enumerated() {
      var slot = FindingPlace(finding).hashValue & mask
      // Each step moves to the next slot; the table is at most half full.
      while table[slot] != 0 { slot = (slot + 1) & mask }
      table[slot] = Int32(truncatingIfNeeded: index + 1)
    }
  }
}

extension AuditContext {
  /// The findings `body` finds for each smtpd service, folded as they come
  /// (``FindingMerger``): what `services.compactMap(body)` finds, merged.
  /// - Parameter body: The finding for one service, if any.
  /// - Returns: The findings.
  func perService(_ body: (SMTPService) -> Finding?) -> [Finding] {
    var merger = FindingMerger()
    for service in services {
      if let finding = body(service) { merger.add(finding) }
    }
    return merger.findings
  }
}
