import Testing

@testable import PostfixConfig

/// The eight-bytes-at-a-time token and blank searches, and the `-o`
/// overrides merged once when an entry is parsed, must give what a plain
/// byte-by-byte reading gives.
@Suite struct MasterCFFastPathTests {
  /// Bytes that matter to the splitter, and some that must not.
  static let alphabet: [UInt8] = [
    0x61, 0x62, 0x7B, 0x7D, 0x20, 0x09, 0x0D, 0x0A, 0x0B, 0x0C, 0x00, 0x01, 0x21, 0x80, 0xFF,
    0x3D, 0x2D, 0x6F, 0x7A, 0x7C,
  ]

  static func randomBytes(_ generator: inout SeededGenerator, plainRuns: Bool) -> [UInt8] {
    var bytes: [UInt8] = []
    let count = generator.below(48)
    while bytes.count < count {
      if plainRuns && generator.chance(30) {
        // A run of ordinary bytes, long enough to fill whole blocks.
        bytes += Array(repeating: UInt8(ascii: "x"), count: generator.below(20))
      } else {
        bytes.append(generator.pick(alphabet))
      }
    }
    return bytes
  }

  /// `argv_splitq(text, " \t\r\n", "{}")`, one byte at a time.
  static func referenceRanges(_ text: ArraySlice<UInt8>) -> [Range<Int>] {
    var result: [Range<Int>] = []
    var index = text.startIndex
    while index < text.endIndex {
      while index < text.endIndex && MasterCF.isBlank(text[index]) { index += 1 }
      if index >= text.endIndex { break }
      let start = index
      var level = 0
      while index < text.endIndex {
        let byte = text[index]
        if byte == UInt8(ascii: "{") {
          level += 1
        } else if level > 0 && byte == UInt8(ascii: "}") {
          level -= 1
        } else if level == 0 && MasterCF.isBlank(byte) {
          break
        }
        index += 1
      }
      result.append(start..<index)
    }
    return result
  }

  @Test func tokensAreWhatAByteByByteSplitFinds() {
    var generator = SeededGenerator(seed: 17)
    for round in 0..<4000 {
      let bytes = Self.randomBytes(&generator, plainRuns: round % 2 == 0)
      // Slices that do not start at 0, so every alignment of the blocks is met.
      let skip = min(generator.below(9), bytes.count)
      let text = bytes[skip...]
      #expect(MasterCF.argumentRanges(text) == Self.referenceRanges(text), "\(bytes)")
    }
  }

  @Test func blanksAreFoundWhereverTheyAre() {
    var generator = SeededGenerator(seed: 29)
    for round in 0..<4000 {
      let bytes = Self.randomBytes(&generator, plainRuns: round % 2 == 0)
      #expect(MasterCF.containsBlank(bytes) == bytes.contains(where: MasterCF.isBlank), "\(bytes)")
    }
    // One blank at each position of a long run, and none.
    for position in 0..<40 {
      for blank: UInt8 in [0x20, 0x09, 0x0D, 0x0A] {
        var bytes = Array(repeating: UInt8(ascii: "x"), count: 40)
        bytes[position] = blank
        #expect(MasterCF.containsBlank(bytes))
        bytes[position] = 0x0B
        #expect(!MasterCF.containsBlank(bytes))
      }
    }
  }

  /// An entry with `-o` overrides drawn from more names than are searched
  /// from the start, some braced so that they are rewritten.
  static func entryText(_ generator: inout SeededGenerator, index: Int) -> String {
    var text = "svc\(index % 7) unix - - n - - smtp"
    for _ in 0..<generator.below(60) {
      let name = "name\(generator.below(30))"
      let value = "v\(generator.below(1000))"
      switch generator.below(4) {
      case 0: text += "\n  -o { \(name) = \(value) }"
      case 1: text += " -o\(name)=\(value)"
      case 2: text += " -v"
      default: text += "\n  -o \(name)=\(value)"
      }
    }
    return text + "\n"
  }

  @Test func overridesAreMergedByNameWhenParsed() throws {
    var generator = SeededGenerator(seed: 41)
    var text = ""
    for index in 0..<200 { text += Self.entryText(&generator, index: index) }
    let document = MasterCF(bytes: Array(text.utf8))
    #expect(document.entries.count == 200)
    for entry in document.entries {
      // What setting them in order into a dictionary leaves, in order of first setting.
      var order: [[UInt8]] = []
      var last: [[UInt8]: (value: [UInt8], line: Int)] = [:]
      for override in entry.overrides {
        if last[override.name] == nil { order.append(override.name) }
        last[override.name] = (override.value, override.line)
      }
      let merged = entry.mergedOverrides()
      #expect(merged.map { Array($0.name) } == order)
      for item in merged {
        let expected = try #require(last[Array(item.name)])
        #expect(Array(item.value) == expected.value)
        #expect(item.line == expected.line)
      }
    }
  }

  @Test func servicesOfOneNameShareTheirMergedParameters() {
    var generator = SeededGenerator(seed: 53)
    var text = "svc0 unix - - n - - smtp\n"
    for index in 0..<120 { text += Self.entryText(&generator, index: index) }
    let document = MasterCF(bytes: Array(text.utf8))
    let table = document.parameterTable()
    let expected = Self.referenceTable(document)
    var shared = 0
    for (index, entry) in document.entries.enumerated() {
      #expect((table[index] != nil) == (expected[index] != nil))
      guard let row = table[index], let parameters = expected[index] else { continue }
      #expect(row.map(\.name) == parameters.map(\.name))
      #expect(row.map(\.value) == parameters.map(\.value))
      let key = MasterCF.key(entry)
      if document.entries.filter({ MasterCF.key($0) == key }).count > 1 { shared += 1 }
    }
    // The file has services of one name with and without `-o` of their own.
    #expect(shared > 100)
  }

  /// postconf's rule for the `-o` parameters each entry shows, made plainly:
  /// one dictionary per service/type, filled in file order; an entry shows
  /// the whole file's dictionary once it exists after the entry's own `-o`
  /// (entries before the first `-o` show none).
  static func referenceTable(_ document: MasterCF) -> [[(name: [UInt8], value: [UInt8])]?] {
    var dictionaries: [[UInt8]: [(name: [UInt8], value: [UInt8])]] = [:]
    for entry in document.entries {
      for override in entry.overrides {
        var parameters = dictionaries[MasterCF.key(entry)] ?? []
        if let position = parameters.firstIndex(where: { $0.name == override.name }) {
          parameters[position].value = override.value
        } else {
          parameters.append((override.name, override.value))
        }
        dictionaries[MasterCF.key(entry)] = parameters
      }
    }
    var started: Set<[UInt8]> = []
    return document.entries.map { entry in
      guard entry.isValid else { return nil }
      let key = MasterCF.key(entry)
      if !entry.overrides.isEmpty { started.insert(key) }
      return started.contains(key) ? dictionaries[key] : nil
    }
  }
  /// An entry is printed the same in room made beforehand as appended to an
  /// array, and the same whether or not its arguments are known to hold no
  /// blank.
  @Test func entriesPrintAlikeInRoomAndInAnArray() {
    let arguments = [
      "-o a=b", "-o { a = b c }", "-o {x=y}", "-v", "-vo c=d", "-oe=f", "--", "cmd", "{a b}x",
      "{ p q }", "arg", "-o\n  g=h", "-o { long_name = \(String(repeating: "v", count: 70)) }",
      String(repeating: "w", count: 90),
    ]
    let document = Self.pipeEntries(400, from: arguments, atMost: 12, seed: 83)
    var blankFree = 0
    for entry in document.entries where entry.isValid {
      if entry.argv.isBlankFree { blankFree += 1 }
      var plain = entry.argv
      plain.isBlankFree = false
      for fold in [false, true] {
        var room: [UInt8] = [0x41]
        #expect(MasterCF.appendEntry(entry.argv, to: &room, fold: fold, expandOption: nil))
        var array: [UInt8] = [0x41]
        #expect(MasterCF.writeEntry(plain, to: &array, fold: fold, expandOption: nil))
        #expect(room == array, "\(entry.arguments)")
      }
    }
    #expect(blankFree > 20)
  }

  /// `count` pipe services, each with up to `atMost - 1` of `arguments`.
  static func pipeEntries(_ count: Int, from arguments: [String], atMost: Int, seed: UInt64)
    -> MasterCF
  {
    var generator = SeededGenerator(seed: seed)
    var text = ""
    for index in 0..<count {
      text += "s\(index) unix - - n - - pipe"
      for _ in 0..<generator.below(atMost) { text += " " + generator.pick(arguments) }
      text += "\n"
    }
    return MasterCF(bytes: Array(text.utf8))
  }

  /// An entry left as the tokens were (no braces, no bundled options) has
  /// the arguments normalising them gives.
  @Test func entriesLeftUnnormalisedAreNormal() {
    let arguments = ["-o a=b", "-v", "-", "--", "x", "-o", "-vo c=d", "-oe=f", "-o g", "y=z"]
    let document = Self.pipeEntries(600, from: arguments, atMost: 8, seed: 89)
    var unchanged = 0
    for entry in document.entries where entry.isValid {
      var argv = MasterCF.ArgumentList(arrays: MasterCF.splitArguments(entry.text))
      if !MasterCF.hasBundledOptions(argv) { unchanged += 1 }
      var warnings: [[UInt8]] = []
      MasterCF.normalize(&argv, warnings: &warnings)
      #expect(entry.arguments == argv.arrays, "\(entry.arguments)")
      #expect(warnings.isEmpty)
    }
    #expect(unchanged > 100)
  }
}
