import Foundation
import Testing

@testable import PostfixConfig

/// Library-level replay of the `lex_*` vectors: the values postconf shows and the
/// reading-phase diagnostics it prints.
@Suite struct MainCFLexVectorTests {
  static let path = "$CONFDIR/main.cf"

  /// Vectors whose stderr is not (only) produced by reading main.cf.
  static let stderrExceptions: Set<String> = [
    // Warnings repeat a timing-dependent number of times (hot file).
    "lex_hot_file_reread",
    // The override comes from the `config_directory` that `-c` injects first.
    "lex_config_directory_conflict",
  ]

  static let names = MainCFFixtures.vectorNames(prefix: "lex_")

  @Test func allLexVectorsArePresent() {
    #expect(Self.names.count == 29)
  }

  /// Output normalisation of `postconf -n`: runs of space, TAB, CR, LF become one space.
  static func normalised(_ value: [UInt8]) -> [UInt8] {
    var out: [UInt8] = []
    var pendingSpace = false
    for byte in value {
      if byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A {
        pendingSpace = !out.isEmpty
      } else {
        if pendingSpace { out.append(0x20) }
        pendingSpace = false
        out.append(byte)
      }
    }
    return out
  }

  /// Undoes `cat -A` on one line: `^X` control bytes, `M-` high bytes, final `$`.
  static func decodeCatA(_ line: [UInt8]) -> [UInt8] {
    var input = line
    if input.last == UInt8(ascii: "$") { input.removeLast() }
    var out: [UInt8] = []
    var index = 0
    while index < input.count {
      var high: UInt8 = 0
      if input[index...].starts(with: Array("M-".utf8)) {
        high = 0x80
        index += 2
        if index >= input.count { break }
      }
      if input[index] == UInt8(ascii: "^"), index + 1 < input.count {
        out.append((input[index + 1] ^ 0x40) | high)
        index += 2
      } else {
        out.append(input[index] | high)
        index += 1
      }
    }
    return out
  }

  @Test(arguments: names)
  func lexVector(_ name: String) throws {
    guard MainCFFixtures.vectorExists(name, "main.cf") else {
      // lex_missing_main_cf: covered by ConfigFileTests.
      #expect(name == "lex_missing_main_cf")
      return
    }
    let document = parseRoundTripping(try MainCFFixtures.vectorBytes(name, "main.cf"))
    let command = MainCFFixtures.text(try MainCFFixtures.vectorBytes(name, "command.txt"))
    let stdout = try MainCFFixtures.vectorBytes(name, "expected-output.txt")
    let stderr = MainCFFixtures.lines(try MainCFFixtures.vectorBytes(name, "expected-stderr.txt"))
    let diagnostics = document.diagnostics(path: Self.path)
    let fatal = diagnostics.contains { $0.severity == .fatal }

    // Values shown by `postconf -n` (known parameters) match ours after normalisation.
    let catA = command.hasSuffix(" -n | cat -A") || command.hasSuffix(" -n 2>&1 | cat -A")
    if command.hasSuffix(" -n") || catA {
      var checked = 0
      for shownLine in MainCFFixtures.lines(stdout) {
        let line = catA ? Self.decodeCatA(shownLine) : shownLine
        guard let separator = line.firstRange(of: Array(" =".utf8)) else { continue }
        let name = Array(line[..<separator.lowerBound])
        var shown = Array(line[separator.upperBound...])
        if shown.first == 0x20 { shown.removeFirst() }
        if name == Array("config_directory".utf8) && document.value(of: "config_directory") == nil {
          continue
        }
        if name.starts(with: Array("postconf:".utf8)) { continue }
        let ours = try #require(document.value(ofName: name), "\(MainCFFixtures.text(name))")
        #expect(Self.normalised(ours) == shown, "\(MainCFFixtures.text(name))")
        checked += 1
      }
      #expect(checked > 0 || fatal || name == "lex_empty_file" || name == "lex_odd_names")
    }

    // `unused parameter: NAME=RAW` shows the raw value, sanitised.
    var unusedExpected: Set<String> = []
    var readingExpected: [String] = []
    for raw in stderr {
      let line = MainCFFixtures.text(raw)
      let message = line.replacingOccurrences(of: "postconf: warning: ", with: "")
        .replacingOccurrences(of: "postconf: fatal: ", with: "")
      if let range = message.range(of: ": unused parameter: ") {
        unusedExpected.insert(String(message[range.upperBound...]))
      } else if message.contains("overriding earlier entry")
        || message.contains("logical line must not start with whitespace")
        || message.contains("missing '=' after attribute name")
        || message.contains("missing attribute name")
      {
        readingExpected.append(message)
      }
    }
    for unused in unusedExpected {
      let parts = unused.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
      let ours = document.effectiveEntries.first { Printable.sanitize($0.nameBytes) == parts[0] }
      let shown = ours.map { Printable.sanitize($0.value) }
      #expect(shown == String(parts[1]), "\(unused)")
    }
    if !Self.stderrExceptions.contains(name) {
      #expect(diagnostics.map(\.message) == readingExpected)
      #expect(diagnostics.allSatisfy { $0.file == Self.path && $0.line != nil })
    }
  }

  @Test func lookupsOfSingleNames() throws {
    let duplicates = parseRoundTripping(
      try MainCFFixtures.vectorBytes("lex_duplicates_lookup", "main.cf"))
    #expect(duplicates.value(of: "relayhost") == Array("b.example".utf8))

    let long = parseRoundTripping(try MainCFFixtures.vectorBytes("lex_long_line", "main.cf"))
    #expect(long.value(of: "smtpd_banner") == Array(repeating: UInt8(ascii: "x"), count: 200_000))

    let many = parseRoundTripping(
      try MainCFFixtures.vectorBytes("lex_long_logical_line_many_continuations", "main.cf"))
    let mynetworks = try #require(many.value(of: "mynetworks"))
    // `postconf -h mynetworks | wc -c` = 70252: the normalised value plus "\n".
    #expect(Self.normalised(mynetworks).count + 1 == 70252)
    #expect(many.entries.count == 1)
    #expect(many.entries.first?.lines == 1...5001)

    let latin = parseRoundTripping(try MainCFFixtures.vectorBytes("lex_non_utf8", "main.cf"))
    #expect(
      latin.value(of: "smtpd_banner") == [
        0x63, 0x61, 0x66, 0xE9, 0x20, 0xFF, 0xFE, 0x20, 0x6F, 0x6B,
      ])
    #expect(latin.value(ofName: [0xE9, 0x74, 0xE9]) == [0x31])
  }
}
