import Foundation
import PostfixConfig
import Testing

@testable import PostfixHardening

/// The rule set is documented: ids stable and unique, one file per rule with
/// its summary, rationale, inspection, fix and reference, and a docs row.
@Suite struct RuleCatalogTests {
  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()

  @Test func idsAreUniqueKebabCaseAndSummarised() {
    let ids = Audit.ruleIDs
    #expect(Set(ids).count == ids.count)
    for id in ids {
      #expect(id.allSatisfy { $0.isLowercase || $0.isNumber || $0 == "-" }, "\(id)")
    }
    for rule in Audit.rules {
      #expect(!rule.summary.isEmpty && rule.summary.hasSuffix("."), "\(rule.id)")
      #expect(!rule.inspects.isEmpty, "\(rule.id) reads nothing")
      #expect(Audit.rule(rule.id) == rule)
    }
    #expect(Audit.rule("no-such-rule") == nil)
  }

  @Test func everyParameterARuleReadsIsOneOfPostfixs() {
    // Postfix 3.8's, newer than the embedded catalogue: the rule exists to flag it there.
    let newer: Set = ["tls_ffdhe_auto_groups"]
    for rule in Audit.rules {
      for name in rule.inspects where name != AuditRuleDescription.everyParameter {
        #expect(
          ParameterCatalog.embedded.parameter(name) != nil || newer.contains(name),
          "\(rule.id): \(name)")
      }
    }
  }

  @Test func onlyTheLiveSocketRuleIsOptIn() {
    #expect(Audit.rules.filter(\.optIn).map(\.id) == [RuleID.listeningSockets])
  }

  /// What a rule says it reads covers every parameter its findings name, so a
  /// suppression the audit calls ineffective never hides a finding.
  @Test func findingsNameOnlyParametersTheirRuleReads() throws {
    let files = FileManager.default
    let top = try files.contentsOfDirectory(atPath: AuditFixtures.directory.path)
    let corpus = try files.contentsOfDirectory(atPath: AuditFixtures.path("corpus"))
    let names = (top + corpus.map { "corpus/" + $0 }).filter { name in
      files.fileExists(atPath: AuditFixtures.path(name) + "/main.cf")
    }
    #expect(names.count >= 40)
    var checked = 0
    for name in names.sorted() {
      let report = AuditFixtures.audit(try AuditFixtures.configuration(name))
      for finding in report.findings {
        guard let parameter = finding.parameter else { continue }
        let rule = try #require(Audit.rule(finding.id), "\(finding.id)")
        #expect(rule.reads(parameter), "\(name): \(finding.id) reports \(parameter)")
        checked += 1
      }
    }
    #expect(checked > 200)
  }

  @Test func everyRuleHasADocsRow() throws {
    let docs = try String(
      contentsOf: Self.root.appendingPathComponent("docs/audit-rules.md"), encoding: .utf8)
    for id in Audit.ruleIDs {
      #expect(docs.contains("| `\(id)` |"), "docs/audit-rules.md lacks \(id)")
    }
  }

  @Test func everyRuleFileDocumentsItself() throws {
    let folder = Self.root.appendingPathComponent("Sources/PostfixHardening/Rules")
    let files = try FileManager.default.contentsOfDirectory(atPath: folder.path)
      .filter { $0.hasSuffix("Rule.swift") }
    #expect(files.count == Audit.rules.count)
    for file in files {
      let text = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
      #expect(text.components(separatedBy: ": AuditRule {").count == 2, "\(file): one rule")
      let declarations = text.split(separator: "\n").filter {
        $0.drop { $0 == " " }.hasPrefix("public ")
      }
      #expect(declarations.isEmpty, "\(file): rules are reached through Audit.rules")
      for member in ["let id = RuleID.", "let summary = ", "let inspects"] {
        #expect(text.contains(member), "\(file) lacks \(member)")
      }
      for marker in ["Rationale:", "Inspects", "Fix:", "Reference:"] {
        #expect(text.contains("/// " + marker), "\(file) lacks \(marker)")
      }
    }
  }
}
