import Testing

@testable import PostfixHardening

/// `Audit.sort`: main.cf, master.cf, then other files by name, each by line
/// (findings without a line last), and otherwise in the rules' order, with
/// the packed keys and with the triples larger audits use.
struct AuditSortTests {
  static func reference(_ findings: [Finding]) -> [Finding] {
    let others = Set(findings.compactMap(\.file)).subtracting(["main.cf", "master.cf"]).sorted()
    func rank(_ file: String?) -> Int {
      switch file {
      case "main.cf": return 0
      case "master.cf": return 1
      case let name?: return 2 + (others.firstIndex(of: name) ?? others.count)
      case nil: return 2 + others.count
      }
    }
    return findings.enumerated().sorted {
      (rank($0.element.file), $0.element.line ?? Int.max, $0.offset)
        < (rank($1.element.file), $1.element.line ?? Int.max, $1.offset)
    }.map(\.element)
  }

  @Test(arguments: [false, true])
  func sortsAsTheReference(hugeLine: Bool) {
    var generator = SeededGenerator(seed: hugeLine ? 7 : 11)
    let files: [String?] = [nil, "main.cf", "master.cf", "/etc/postfix/mysql-a.cf", "/b.cf"]
    var findings: [Finding] = []
    for index in 0..<2_000 {
      let line: Int? =
        Int.random(in: 0..<5, using: &generator) == 0
        ? nil : Int.random(in: 1...40, using: &generator)
      findings.append(
        Finding(
          id: "r\(index)", severity: .warning, message: "m\(index)",
          file: files[Int.random(in: 0..<files.count, using: &generator)], line: line, fix: "f"))
    }
    if hugeLine { findings[17].line = 1 << 40 }
    let expected = Self.reference(findings)
    Audit.sort(&findings)
    #expect(findings.map(\.id) == expected.map(\.id))
  }
}
