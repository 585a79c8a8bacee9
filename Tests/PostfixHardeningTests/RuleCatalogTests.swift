import Foundation
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
      #expect(RuleSummaries.text[id] != nil, "no summary for \(id)")
    }
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
      #expect(text.components(separatedBy: "public struct ").count == 2, "\(file): one rule")
      for marker in ["Rationale:", "Inspects", "Fix:", "Reference:"] {
        #expect(text.contains("/// " + marker), "\(file) lacks \(marker)")
      }
    }
  }
}
