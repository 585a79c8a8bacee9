import Testing

@testable import PostfixConfig

/// Most master.cf entries keep no parsed form.
///
/// They read their arguments, overrides and lines again from their bytes
/// when asked. Checked against
/// the same document parsed with every entry's parsed form kept, over
/// entries of every kind.
@Suite struct MasterCFCompactEntryTests {
  /// One entry of a random kind: one line or several, CRLF, blank and
  /// comment lines inside, braces, bundled options, `--`, a NUL, bad
  /// fields, options that are not `-o`.
  static func entryText(_ generator: inout SeededGenerator, index: Int) -> String {
    let service = generator.pick(["smtp", "s\(index % 50)", "127.0.0.1:10025", "[::1]:25"])
    let type = generator.pick(["inet", "unix", "unix", "pass", "unix-dgram", "bogus"])
    var text = "\(service)\t\(type) \(generator.pick(["-", "n", "y"]))  - n - -  smtpd"
    let eol = generator.chance(10) ? "\r\n" : "\n"
    for _ in 0..<generator.below(8) {
      let name = "name\(generator.below(6))"
      let value = generator.pick(["v\(generator.below(100))", "$name1", "", "a,b"])
      switch generator.below(12) {
      case 0: text += "\(eol)  -o { \(name) = \(value) }"
      case 1: text += " -o\(name)=\(value)"
      case 2: text += " -vo \(name)=\(value)"
      case 3: text += "\(eol)# inside\(eol)  -o \(name)=\(value)"
      case 4: text += "\(eol)\(eol)\t-o \(name)=\(value)"
      case 5: text += " -v"
      case 6: text += " -- \(name)"
      case 7: text += "\(eol)  -o \(name)"
      case 8: text += " -o \(name)=\(value)"
      default: text += "\(eol)  -o \(name)=\(value)"
      }
    }
    if generator.chance(3) { text += " x\u{0}y" }
    if generator.chance(3) { text = "bad \(index)" }
    return text + eol
  }

  /// Every entry reads back what the same entry keeping its parsed form
  /// reads: text, lines, arguments, overrides with their lines, merged
  /// overrides, the line of every offset, and the document's listings and
  /// diagnostics.
  @Test(arguments: [5, 6, 7])
  func compactEntriesReadBackTheirParsedForm(seed: UInt64) {
    var generator = SeededGenerator(seed: seed)
    var text = "# head\n"
    for index in 0..<400 { text += Self.entryText(&generator, index: index) }
    if generator.chance(50) { text += "last unix - - n - - smtpd -o a=b" }
    let bytes = Array(text.utf8)
    let compact = MasterCF(bytes: bytes)
    let parsed = MasterCF(bytes: bytes, compact: false)
    #expect(compact.entries.count == parsed.entries.count)
    #expect(parsed.entries.allSatisfy { !$0.isCompact })
    let compactCount = compact.entries.count { $0.isCompact }
    // Entries of one line or several, and entries that cannot be compact.
    #expect(compactCount > compact.entries.count / 8)
    #expect(compactCount < compact.entries.count)
    #expect(compact.entries.contains { $0.isCompact && $0.lastLine > $0.firstLine })
    var mismatches: [Int] = []
    for (index, (entry, reference)) in zip(compact.entries, parsed.entries).enumerated()
    where !Self.readsTheSame(entry, reference) {
      mismatches.append(reference.firstLine)
      if mismatches.count > 5 { break }
      _ = index
    }
    #expect(mismatches.isEmpty)
    // A service's settings read from a compact entry's bytes are those of
    // its merged overrides.
    // Names set, unset, a name's tail (found before an `=` but not a name)
    // and nothing.
    let names =
      (0..<6).map { Array("name\($0)".utf8) } + [Array("absent".utf8), Array("ame1".utf8), []]
    var settingMismatches = 0
    for (entry, reference) in zip(compact.entries, parsed.entries) where entry.isCompact {
      let settings = ScopeSettings(compact: entry)
      let (argv, merged) = reference.argumentsAndOverrides
      let expected = ScopeSettings(argv: argv, merged: merged)
      let same =
        names.allSatisfy {
          settings[$0] == expected[$0] && settings.contains($0) == expected.contains($0)
        }
        && settings.isEmpty == expected.isEmpty
        && settings.entries.map(\.key) == expected.entries.map(\.key)
        && settings.entries.map(\.value) == expected.entries.map(\.value)
        && settings.dictionary.entries.map(\.value) == expected.dictionary.entries.map(\.value)
      if !same { settingMismatches += 1 }
    }
    #expect(settingMismatches == 0)
    #expect(compact.printEntries().output == parsed.printEntries().output)
    #expect(compact.printEntries(fold: true).output == parsed.printEntries(fold: true).output)
    #expect(compact.printFields().output == parsed.printFields().output)
    #expect(compact.printParameters().output == parsed.printParameters().output)
    #expect(compact.diagnostics() == parsed.diagnostics())
    #expect(compact.serviceCommands == parsed.serviceCommands)
    #expect(compact.overrideCountsByService() == parsed.overrideCountsByService())
    #expect(
      compact.overrides(service: Array("smtp".utf8), type: Array("inet".utf8))
        == parsed.overrides(service: Array("smtp".utf8), type: Array("inet".utf8)))
  }

  /// Whether `entry` reads back all that `reference` does.
  static func readsTheSame(_ entry: MasterCF.Entry, _ reference: MasterCF.Entry) -> Bool {
    guard
      entry.text == reference.text, entry.lineNumbers == reference.lineNumbers,
      entry.commentLines == reference.commentLines, entry.firstLine == reference.firstLine,
      entry.lastLine == reference.lastLine, entry.isValid == reference.isValid,
      entry.arguments == reference.arguments, entry.tokens == reference.tokens,
      entry.service == reference.service, entry.type == reference.type,
      entry.command == reference.command, entry.overrides == reference.overrides,
      entry.segmentCount == reference.segmentCount,
      entry.layout.array == reference.layout.array,
      entry.argv.isBlankFree == reference.argv.isBlankFree,
      entry.argv.spans.array.map(\.offset) == reference.argv.spans.array.map(\.offset),
      MasterCF.key(entry) == MasterCF.key(reference),
      entry.hasOverrides == reference.hasOverrides,
      entry.allOverrideNames(satisfy: { $0.last != UInt8(ascii: "3") })
        == reference.allOverrideNames(satisfy: { $0.last != UInt8(ascii: "3") })
    else { return false }
    let (merged, expected) = (entry.mergedOverrides(), reference.mergedOverrides())
    guard
      merged.map({ Array($0.name) }) == expected.map({ Array($0.name) }),
      merged.map({ Array($0.value) }) == expected.map({ Array($0.value) }),
      merged.map(\.line) == expected.map(\.line)
    else { return false }
    let fields = entry.withServiceAndType { (Array($0), Array($1)) }
    let expectedFields = reference.withServiceAndType { (Array($0), Array($1)) }
    guard fields?.0 == expectedFields?.0, fields?.1 == expectedFields?.1 else { return false }
    return (0...entry.textLength).allSatisfy {
      entry.line(atOffset: $0) == reference.line(atOffset: $0)
    }
  }

  /// A file of services of one line or several keeps no parsed form for
  /// them: an entry is four numbers and two references.
  @Test func plainServicesAreCompact() {
    var text = ""
    for index in 0..<3_000 {
      text += "s\(index) unix - - n - - smtpd -o name\(index)=v"
      text += index % 3 == 0 ? "\n  -o smtpd_helo_required=yes\n    -o a=$b\n" : "\n"
    }
    let document = MasterCF(bytes: Array(text.utf8))
    #expect(document.entries.count == 3_000)
    #expect(document.entries.allSatisfy { $0.isCompact })
    #expect(MemoryLayout<MasterCF.Entry>.stride <= 32)
    // Each reads its overrides, with their lines, from the bytes.
    #expect(document.entries[3].overrides.map(\.line) == [6, 7, 8])
    #expect(document.entries[3].mergedOverrides().map(\.line) == [6, 7, 8])
    #expect(document.entries[4].overrides.map { Array($0.name) } == [Array("name4".utf8)])
    #expect(document.entries[1_000].runCounts == (0, 0, 0))
  }

  /// The lines read back, from four bytes each, what splitting the bytes
  /// gives: numbers, ranges, newlines and kinds, with and without a final
  /// newline, CRLF, blank and empty lines, and no line at all.
  @Test(arguments: [
    "", "\n", "\n\n", "a", "a\n", "a unix - - n - - smtpd\r\n  -o x=1\n\n# c\n \n\tb",
    "  orphan\nsmtp inet n - y - - smtpd\n  -o a=b\n#\n",
  ])
  func linesReadBackTheirSplit(text: String) {
    let bytes = Array(text.utf8)
    let lines = MasterCF(bytes: bytes).lines
    let split = MasterCF.splitLines(bytes)
    #expect(lines.count == split.count)
    #expect(Array(lines) == split)
    #expect(lines.map(\.number) == Array(1...max(split.count, 1)).prefix(split.count).map { $0 })
  }

  /// Lines of a long file, made in two halves at once, read back the split.
  @Test func linesOfALongFileReadBackTheirSplit() {
    var generator = SeededGenerator(seed: 9)
    var text = ""
    while text.utf8.count < MasterCF.halvesThreshold + 1000 {
      text += Self.entryText(&generator, index: generator.below(1000))
    }
    let bytes = Array(text.utf8)
    let document = MasterCF(bytes: bytes)
    #expect(Array(document.lines) == MasterCF.splitLines(bytes))
  }

  /// A change to a compact entry first gives it its parsed form; what it
  /// reads back is then the change, and the other entries are as before.
  @Test func changingACompactEntryKeepsWhatItRead() {
    let text = "a unix - - n - - smtpd -o x=1\n  -o y=2\nb unix - - n - - smtpd\n"
    var entries = MasterCF(bytes: Array(text.utf8)).entries
    #expect(entries.allSatisfy { $0.isCompact })
    entries[0].firstLine = 5
    #expect(!entries[0].isCompact)
    #expect(entries[0].firstLine == 5)
    #expect(entries[0].lineNumbers == [1, 2])
    #expect(entries[0].overrides.map(\.line) == [1, 2])
    #expect(entries[0].text == Array("a unix - - n - - smtpd -o x=1  -o y=2".utf8))
    entries[1].text = Array("c unix - - n - - smtp".utf8)
    #expect(entries[1].text == Array("c unix - - n - - smtp".utf8))
    entries[1].commentLines = [7]
    #expect(entries[1].commentLines == [7])
    #expect(entries[1].lineNumbers == [3])
  }
}
