import Testing

@testable import PostfixHardening

/// ``Audit/merge(_:)`` against a plain reference on seeded random findings.
@Suite struct AuditMergeTests {
  /// The reference: the first finding of each place, in order, with the highest
  /// severity any finding of that place has (the first of those on a tie).
  static func reference(_ findings: [Finding]) -> [Finding] {
    var kept: [Finding] = []
    for finding in findings {
      let place = key(finding)
      if let index = kept.firstIndex(where: { key($0) == place }) {
        if finding.severity > kept[index].severity { kept[index] = finding }
      } else {
        kept.append(finding)
      }
    }
    return kept
  }

  /// What makes two findings one: the rule and the place, and the message when the
  /// finding names no parameter or is postconf's own warning.
  static func key(_ finding: Finding) -> [String] {
    let byMessage = finding.parameter == nil || finding.id == RuleID.configWarning
    return [
      finding.id, finding.file ?? "\u{0}", finding.line.map(String.init) ?? "\u{0}",
      finding.service ?? "\u{0}", finding.parameter ?? "\u{0}", byMessage ? finding.message : "",
    ]
  }

  /// Rounds of seeded random findings, few per round and then thousands,
  /// many of them at one place.
  static func rounds(seed: UInt64, _ body: (_ round: Int, _ findings: [Finding]) -> Void) {
    var random = SeededGenerator(seed: seed)
    func pick<T>(_ values: [T]) -> T { values[Int.random(in: 0..<values.count, using: &random)] }
    for round in 0..<170 {
      let count =
        round < 150
        ? Int.random(in: 0..<60, using: &random) : 2_000 + Int.random(in: 0..<3_000, using: &random)
      let findings = (0..<count).map { index in
        Finding(
          id: pick([RuleID.configWarning, "vrfy-enabled", "tls-log-level"]),
          severity: pick(Severity.allCases), message: pick(["a", "b", "c=1", "", "\(index % 40)"]),
          file: pick([nil, "main.cf", "master.cf"]), line: pick([nil, 1, 2, 30, index % 50]),
          service: pick([nil, "smtp/inet", "submission/inet"]),
          parameter: pick([nil, "smtpd_banner", "disable_vrfy_command"]), fix: "f")
      }
      body(round, findings)
    }
  }

  @Test func mergeKeepsOneFindingPerPlaceWithTheHighestSeverity() {
    Self.rounds(seed: 90) { round, findings in
      var merged = findings
      Audit.merge(&merged)
      #expect(merged == Self.reference(findings), "round \(round)")
    }
  }

  /// Folded as they come (``FindingMerger``), findings are what merging the
  /// whole list gives, whatever the rule's findings and their order.
  @Test func findingsFoldedAsTheyComeAreTheMergedList() {
    Self.rounds(seed: 91) { round, findings in
      var merger = FindingMerger()
      for finding in findings { merger.add(finding) }
      #expect(merger.findings == Self.reference(findings), "round \(round)")
    }
  }

  @Test func manyFindingsThatDifferOnlyByMessageAreAllKept() {
    // postconf's own warnings: one per unused name, all on different lines.
    let findings = (0..<50_000).map { index in
      Finding(
        id: RuleID.configWarning, severity: .warning,
        message: "unused parameter: zz_\(index)=v", file: "main.cf", line: index + 3,
        parameter: "zz_\(index)", fix: "Remove 'zz_\(index)'.")
    }
    var merged = findings + findings.prefix(1_000)
    Audit.merge(&merged)
    #expect(merged == findings)
  }
}
