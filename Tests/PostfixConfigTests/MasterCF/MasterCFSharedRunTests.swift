import Testing

@testable import PostfixConfig

/// A master.cf of many entries keeps each entry's small lists (argument
/// spans, line layout, merged overrides) as runs of a few shared arrays,
/// its rarely used fields apart, and its services and scopes as positions:
/// checked for what they read back and for their compact form.
@Suite struct MasterCFSharedRunTests {
  /// A document of `count` entries of every kind: comment lines inside,
  /// braces across lines, bundled options, bad entries.
  static func documentText(_ generator: inout SeededGenerator, count: Int) -> String {
    var text = ""
    for index in 0..<count {
      switch generator.below(10) {
      case 0: text += "bad\(index) entry\n"
      case 1: text += "s\(index) unix - - n - - smtp\n# inside\n  -o { a = b c }\n"
      default: text += MasterCFFastPathTests.entryText(&generator, index: index)
      }
    }
    return text
  }

  /// Each entry reads back what a document of that entry alone holds, and
  /// its lists are runs of arrays shared with many other entries.
  @Test(arguments: [300, 8_000])
  func entriesKeepTheirListsInSharedArrays(count: Int) {
    var generator = SeededGenerator(seed: UInt64(count))
    let text = Self.documentText(&generator, count: count)
    let document = MasterCF(bytes: Array(text.utf8))
    #expect(document.entries.count == count)
    // The long one is parsed in two halves at once.
    #expect((text.utf8.count >= MasterCF.halvesThreshold) == (count > 300))
    var stores = Set<UnsafeRawPointer>()
    var (mismatches, spans, short, compact) = (0, 0, 0, 0)
    for entry in document.entries {
      if !entry.isCompact && entry.argv.count <= MasterCF.sharedRunLimit {
        spans += entry.argv.count
        short += 1
      }
      let alone = MasterCF(bytes: entry.text + [0x0A]).entries[0]
      if entry.arguments != alone.arguments || entry.isValid != alone.isValid
        || entry.overrides.map(\.name) != alone.overrides.map(\.name)
        || entry.overrides.map(\.value) != alone.overrides.map(\.value)
        || entry.mergedOverrides().map(\.value) != alone.mergedOverrides().map(\.value)
      {
        mismatches += 1
      }
      // Compact entries keep no lists (``MasterCFCompactEntryTests``);
      // other short entries share their arrays; long ones keep their own.
      if entry.isCompact {
        compact += 1
        continue
      }
      let shared =
        !entry.argv.spans.isWhole && !entry.layout.isWhole
        && !entry.mergedSpans.isWhole
      if shared != (entry.argv.count <= MasterCF.sharedRunLimit) { mismatches += 1 }
      if !entry.argv.spans.isWhole {
        entry.argv.spans.store.withUnsafeBufferPointer {
          if let base = $0.baseAddress { stores.insert(UnsafeRawPointer(base)) }
        }
      }
    }
    #expect(mismatches == 0)
    // Arrays half full at least (each half's last may be less), not an
    // array an entry.
    #expect(stores.count <= spans / (MasterCF.spansPerArray / 2) + 2)
    #expect(stores.count * 20 < short)
    #expect(short * 3 > count)
    #expect(compact > 0)
  }

  /// Changing a run copies it out of the shared array: the other runs, and
  /// copies made before the change, keep what they had.
  @Test func changingARunLeavesTheOthers() {
    var generator = SeededGenerator(seed: 5)
    var shared: [Int] = []
    var runs: [SharedRun<Int>] = []
    var reference: [[Int]] = []
    for _ in 0..<50 {
      let elements = (0..<generator.below(6)).map { _ in generator.below(1000) }
      var run = SharedRun(elements)
      run.move(to: &shared)
      runs.append(run)
      reference.append(elements)
    }
    for index in runs.indices { runs[index].attach(shared) }
    #expect(runs.map(\.array) == reference)
    for round in 0..<400 {
      let index = generator.below(runs.count)
      let before = runs[index]
      switch generator.below(4) {
      case 0:
        runs[index].append(round)
        reference[index].append(round)
      case 1 where !reference[index].isEmpty:
        let position = generator.below(reference[index].count)
        runs[index][position] = -round
        reference[index][position] = -round
      case 2:
        let cut = generator.below(reference[index].count + 1)
        runs[index].removeSuffix(from: cut)
        reference[index].removeSubrange(cut...)
      default:
        let kept = generator.below(reference[index].count + 2)
        runs[index] = runs[index].prefix(kept)
        reference[index] = Array(reference[index].prefix(kept))
      }
      #expect(before.array.count == before.count)
      #expect(runs.map(\.array) == reference, "round \(round)")
    }
  }

  /// An entry's rare fields read back, and setting them back to nothing
  /// leaves the entry as small as the others; the entry stays within its
  /// size.
  @Test func rareFieldsReadBackAndEntriesStaySmall() {
    let text = "smtp inet n - y - - smtpd\n# c\n  -o a=b\nbad line\n"
    var document = MasterCF(bytes: Array(text.utf8)).entries
    #expect(document[0].commentLines == [2])
    #expect(document[0].isValid)
    #expect(!document[1].isValid)
    #expect(document[1].problemText != nil)
    #expect(document[0].storedText == nil)
    document[0].text = Array("relay unix - - n - - smtp".utf8)
    #expect(document[0].text == Array("relay unix - - n - - smtp".utf8))
    #expect(document[0].commentLines == [2])
    document[0].commentLines = []
    document[0].firstLine = 9
    #expect(document[0].commentLines == [])
    #expect(document[0].firstLine == 9)
    #expect(document[0].lastLine == 3)
    #expect(MemoryLayout<MasterCF.Entry>.stride <= 32)
  }

  /// Scopes found by service and type through the table of positions are
  /// those a dictionary finds, for thousands of scopes; each reads its name,
  /// type, line, process name and `-o` settings from the document, and the
  /// settings are what setting every entry's in order leaves (entries of one
  /// service and type share them; more than a few are kept apart).
  @Test func scopesAreFoundByServiceAndType() {
    var generator = SeededGenerator(seed: 29)
    var text = ""
    var keys: [String] = []
    var reference: [String: (position: Int, line: Int, settings: [(String, String)])] = [:]
    for line in 1...5_000 {
      let service = "s\(generator.below(3_000))"
      let type = ["unix", "fifo", "pass"][generator.below(3)]
      let key = service + "/" + type
      if reference[key] == nil {
        reference[key] = (reference.count, line, [])
        keys.append(key)
      }
      text += "\(service) \(type) n - n - - /usr/lib/postfix/smtpd"
      // Up to eleven settings of ten names: some entries set a name twice,
      // some more than a scope reads from its entry.
      for number in 0..<generator.below(12) {
        let (name, value) = ("p\(generator.below(10))", "v\(line)_\(number)")
        text += " -o \(name)=\(value)"
        if let found = reference[key]?.settings.firstIndex(where: { $0.0 == name }) {
          reference[key]?.settings[found].1 = value
        } else {
          reference[key]?.settings.append((name, value))
        }
      }
      text += "\n"
    }
    let document = MasterCF(bytes: Array(text.utf8))
    var model = ParameterModel(
      inputs: PostconfInternalsTests.inputs(mainCF: []), mode: [.nonDefault])
    model.reserveScopes(100)
    for index in document.entries.indices {
      let entry = document.entries[index]
      let key =
        String(decoding: entry.service ?? [], as: UTF8.self) + "/"
        + String(decoding: entry.type ?? [], as: UTF8.self)
      #expect(model.registerScope(entry: index, in: document) == reference[key]?.position)
    }
    #expect(model.scopeCount == reference.count)
    for (key, expected) in reference {
      let parts = key.split(separator: "/").map(String.init)
      #expect(model.scopePosition(service: parts[0], type: parts[1]) == expected.position)
      #expect(model.scope(at: expected.position, is: parts[0], parts[1]))
      let scope = model.scope(at: expected.position)
      #expect(scope.service == parts[0] && scope.type == parts[1] && scope.line == expected.line)
      #expect(scope.processName == Array("smtpd".utf8))
      let settings = model.scopeSettings(at: expected.position).entries.map {
        (String(decoding: $0.key, as: UTF8.self), String(decoding: $0.value, as: UTF8.self))
      }
      #expect(settings.elementsEqual(expected.settings) { $0 == $1 }, "\(key)")
      for (name, value) in expected.settings {
        #expect(scope.settings[Array(name.utf8)] == Array(value.utf8))
      }
      #expect(!scope.settings.contains(Array("p10".utf8)))
    }
    #expect(model.scopePosition(service: "s1", type: "inet") == nil)
    let other = keys[1].split(separator: "/").map(String.init)
    #expect(!model.scope(at: 0, is: other[0], other[1]))
    #expect(!model.scope(at: reference.count, is: "s0", "unix"))

    // Dropping a setting changes that scope alone; a valid name is its own.
    let (first, second) = (keys[0], keys[1])
    guard let dropped = reference[first]?.settings.first?.0 else { return }
    model.removeScopeSetting(Array(dropped.utf8), at: 0)
    model.insertValidName("p1", at: 0)
    #expect(!model.scopeSettings(at: 0).contains(Array(dropped.utf8)))
    #expect(model.scopeSettings(at: 0).entries.count == (reference[first]?.settings.count ?? 0) - 1)
    #expect(model.scopeSettings(at: 1).entries.count == reference[second]?.settings.count)
    #expect(model.scopeHasValidName("p1", at: 0) && !model.scopeHasValidName("p1", at: 1))
    #expect(model.scope(at: 0).validNames == ["p1"])
  }

  /// A read master.cf's services are the positions of its valid entries,
  /// and each reads back the entry's name, type, command and line.
  @Test func servicesAreTheValidEntries() {
    var generator = SeededGenerator(seed: 31)
    let text = Self.documentText(&generator, count: 500)
    let document = MasterCF(bytes: Array(text.utf8))
    let master = PostconfAdapters.readMaster(document, path: "master.cf")
    let valid = document.entries.indices.filter { document.entries[$0].isValid }
    #expect(master.services.map(Int.init) == valid)
    for position in master.services {
      let service = master.service(at: position)
      let entry = document.entries[Int(position)]
      #expect(service.name == String(decoding: entry.service ?? [], as: UTF8.self))
      #expect(service.type == String(decoding: entry.type ?? [], as: UTF8.self))
      #expect(service.command == String(decoding: entry.command ?? [], as: UTF8.self))
      #expect(service.line == entry.firstLine)
    }
  }
}
