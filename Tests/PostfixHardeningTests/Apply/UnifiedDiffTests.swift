import Foundation
import Testing

@testable import PostfixHardening

@Suite struct UnifiedDiffTests {
  func text(_ old: String, _ new: String) -> String {
    String(
      decoding: UnifiedDiff.diff(old: Array(old.utf8), new: Array(new.utf8), path: "main.cf"),
      as: UTF8.self)
  }

  @Test func equalContentGivesNothing() {
    #expect(text("a\nb\n", "a\nb\n") == "")
  }

  @Test func oneChangedLineWithContext() {
    let old = (1...10).map { "line\($0)\n" }.joined()
    let new = old.replacingOccurrences(of: "line5\n", with: "five\n")
    #expect(
      text(old, new) == """
        --- main.cf
        +++ main.cf
        @@ -2,7 +2,7 @@
         line2
         line3
         line4
        -line5
        +five
         line6
         line7
         line8

        """)
  }

  @Test func appendedLinesAndMissingFinalNewline() {
    #expect(
      text("a\nb", "a\nb\nc\n") == """
        --- main.cf
        +++ main.cf
        @@ -1,2 +1,3 @@
         a
        -b
        \\ No newline at end of file
        +b
        +c

        """)
  }

  @Test func distantChangesMakeTwoHunks() {
    let old = (1...30).map { "l\($0)\n" }.joined()
    let new = old.replacingOccurrences(of: "l2\n", with: "x\n")
      .replacingOccurrences(of: "l28\n", with: "y\n")
    let diff = text(old, new)
    #expect(diff.components(separatedBy: "\n@@ ").count == 3)
    #expect(diff.contains("@@ -1,5 +1,5 @@\n l1\n-l2\n+x\n"))
    #expect(diff.contains("@@ -25,6 +25,6 @@\n"))
  }

  @Test func distantChangesInALargeFileStayTwoSmallHunks() {
    // 20,000 lines with a change at each end: the middle is not compared
    // cell by cell, nor shown as one replacement of the whole file.
    let old = (1...20_000).map { "p\($0) = v\($0)\n" }.joined()
    let new =
      old.replacingOccurrences(of: "p1 = v1\n", with: "p1 = changed\n")
      + "appended = yes\n"
    let diff = text(old, new)
    #expect(diff.components(separatedBy: "\n@@ ").count == 3)
    #expect(diff.contains("@@ -1,4 +1,4 @@\n-p1 = v1\n+p1 = changed\n p2 = v2\n"))
    #expect(diff.contains("@@ -19998,3 +19998,4 @@\n p19998 = v19998\n"))
    #expect(diff.utf8.count < 400)
  }

  @Test func scatteredEditsOfAnApplyPlanRoundTrip() {
    // Edits like a profile's: lines commented out, rewritten, appended.
    var generator = SeededGenerator(seed: 11)
    for _ in 0..<20 {
      let count = Int.random(in: 50...3_000, using: &generator)
      let oldLines = (0..<count).map { "n\($0 % 97) = \($0)" }
      var newLines = oldLines
      for _ in 0..<Int.random(in: 1...12, using: &generator) {
        let line = Int.random(in: 0..<newLines.count, using: &generator)
        switch Int.random(in: 0...2, using: &generator) {
        case 0: newLines[line] = "#" + newLines[line]
        case 1: newLines[line] = "rewritten = \(line)"
        default: newLines.insert("inserted = \(line)", at: line)
        }
      }
      newLines.append("appended = yes")
      let old = oldLines.map { $0 + "\n" }.joined()
      let new = newLines.map { $0 + "\n" }.joined()
      let diff = text(old, new)
      #expect(apply(diff, to: old) == new)
      // Only changed lines and their context are shown.
      let shown = diff.split(separator: "\n").count
      #expect(shown <= 2 + 13 * 9)
    }
  }

  @Test func tooManyChangesBecomeOneReplacement() {
    let count = UnifiedDiff.maximumDistance + 10
    let old = (0..<count).map { "a\($0)\n" }.joined()
    let new = (0..<count).map { "b\($0)\n" }.joined()
    let diff = text(old, new)
    #expect(diff.hasPrefix("--- main.cf\n+++ main.cf\n@@ -1,\(count) +1,\(count) @@\n-a0\n"))
    #expect(apply(diff, to: old) == new)
  }

  @Test func agreesWithDiffU() throws {
    let diffPath = "/usr/bin/diff"
    guard FileManager.default.isExecutableFile(atPath: diffPath) else { return }
    var generator = SystemRandomNumberGenerator()
    for _ in 0..<30 {
      let old = (0..<Int.random(in: 0...25, using: &generator)).map { _ in
        "w\(Int.random(in: 0...4, using: &generator))\n"
      }.joined()
      var lines = old.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(
        String.init)
      for _ in 0..<3 where !lines.isEmpty {
        lines[Int.random(in: 0..<lines.count, using: &generator)] = "n\(Int.random(in: 0...9))"
      }
      lines.append("tail")
      let new = lines.map { $0 + "\n" }.joined()
      let directory = FileManager.default.temporaryDirectory.path
      let a = directory + "/udiff-a-\(UUID().uuidString)"
      let b = directory + "/udiff-b-\(UUID().uuidString)"
      defer {
        try? FileManager.default.removeItem(atPath: a)
        try? FileManager.default.removeItem(atPath: b)
      }
      try Data(old.utf8).write(to: URL(fileURLWithPath: a))
      try Data(new.utf8).write(to: URL(fileURLWithPath: b))
      let output = try SystemCommand.run(
        diffPath, ["-u", "--label", "main.cf", "--label", "main.cf", a, b])
      // Hunk texts may differ where several LCS exist; applying ours must give `new`.
      #expect(output.status == 1)
      let ours = text(old, new)
      #expect(apply(ours, to: old) == new, "\(old) -> \(new)\n\(ours)")
    }
  }

  /// Applies a unified diff produced by ``UnifiedDiff`` (for the property test).
  func apply(_ diff: String, to old: String) -> String {
    var source = old.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    if source.last == "" { source.removeLast() }
    var result: [String] = []
    var position = 0
    for line in diff.split(separator: "\n").map(String.init) {
      if line.hasPrefix("---") || line.hasPrefix("+++") { continue }
      if line.hasPrefix("@@") {
        let start = Int(line.dropFirst(4).prefix { $0.isNumber }) ?? 1
        while position < max(start - 1, 0) {
          result.append(source[position])
          position += 1
        }
        continue
      }
      switch line.first {
      case " ":
        result.append(String(line.dropFirst()))
        position += 1
      case "-": position += 1
      case "+": result.append(String(line.dropFirst()))
      default: break
      }
    }
    while position < source.count {
      result.append(source[position])
      position += 1
    }
    return result.map { $0 + "\n" }.joined()
  }
}
