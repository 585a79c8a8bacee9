import Testing

@testable import PostfixConfig

/// The compact forms a master.cf of many services is held in (unused
/// parameters as places, service settings without a hash table each, the
/// scopes of a name without an array each, an entry's lines in one array),
/// checked against plain reference forms on seeded random input.
@Suite struct MasterCFMemoryTests {
  /// The unused parameters found as places are those of the table of copies,
  /// each entry's in the order postconf walks its dictionary, whichever
  /// names are used.
  @Test func unusedPlacesAreTheTablesParameters() {
    var generator = SeededGenerator(seed: 61)
    var text = "svc0 unix - - n - - smtp\n  # a comment inside\n  -o early=1\n"
    for index in 0..<150 { text += MasterCFFastPathTests.entryText(&generator, index: index) }
    text += "bad entry\n"
    let document = MasterCF(bytes: Array(text.utf8))
    let table = document.parameterTable()
    for round in 0..<4 {
      // Names used in this round: none, some, most.
      let used = Set((0..<30).filter { ($0 * 7 + round) % 4 < round }.map { "name\($0)" })
      var expected: [(entry: Int, name: [UInt8], value: [UInt8])] = []
      for (index, row) in table.enumerated() where document.entries[index].isValid {
        let walked = PostconfAdapters.hashOrder((row ?? []).map { (key: $0.name, value: $0.value) })
        for parameter in walked where !used.contains(String(decoding: parameter.key, as: UTF8.self))
        {
          expected.append((index, parameter.key, parameter.value))
        }
      }
      let unused = document.unusedParameters { _, name in
        used.contains(String(decoding: name, as: UTF8.self))
      }
      let found = unused.found.map { place in
        let (name, value) = unused.parameter(place, in: document.entries)
        return (entry: Int(place.entry), name: Array(name), value: Array(value))
      }
      #expect(found.map(\.entry) == expected.map(\.entry))
      #expect(found.map(\.name) == expected.map(\.name))
      #expect(found.map(\.value) == expected.map(\.value))
      let warnings = document.unusedParameterWarnings(path: "m.cf") { _, name in
        used.contains(String(decoding: name, as: UTF8.self))
      }
      #expect(
        warnings.map(\.message)
          == expected.map {
            "m.cf: unused parameter: "
              + String(decoding: $0.name + [0x3D] + $0.value, as: UTF8.self)
          })
      #expect(warnings.map(\.line) == expected.map { document.entries[$0.entry].firstLine })
    }
  }

  /// Thousands of services, of names of one length, each several times:
  /// every entry shows its own service/type's parameters, whichever other
  /// keys share its slots in the table the groups are found by.
  @Test func manyServicesKeepTheirOwnGroups() {
    var generator = SeededGenerator(seed: 73)
    var text = ""
    for round in 0..<3 {
      for index in 0..<1_500 {
        let type = ["unix", "inet", "pass"][(index + round) % 3]
        text += "s\(1000 + index) \(type) - - n - - smtp"
        if generator.chance(70) { text += "\n  -o n\(generator.below(4))=v\(index)_\(round)" }
        text += "\n"
      }
    }
    let document = MasterCF(bytes: Array(text.utf8))
    let table = document.parameterTable()
    let expected = MasterCFFastPathTests.referenceTable(document)
    var mismatches = 0
    for index in document.entries.indices {
      if (table[index] != nil) != (expected[index] != nil) { mismatches += 1 }
      guard let row = table[index], let parameters = expected[index] else { continue }
      if row.map(\.name) != parameters.map(\.name) || row.map(\.value) != parameters.map(\.value) {
        mismatches += 1
      }
    }
    #expect(mismatches == 0)
    #expect(expected.compactMap { $0 }.count > 2_000)
  }

  /// The settings of a service read as an ordered dictionary does, through
  /// sets, replacements and removals (of values whose length changes),
  /// below and above the size at which they get a hash table; they are one
  /// buffer of their bytes.
  @Test func serviceSettingsActAsAnOrderedDictionary() {
    var generator = SeededGenerator(seed: 67)
    for size in [3, 8, 9, 20, 60] {
      var settings = OrderedBytesDictionary()
      var reference: [(key: [UInt8], value: [UInt8])] = []
      for step in 0..<400 {
        let key = Array("k\(generator.below(size))".utf8)
        let position = reference.firstIndex { $0.key == key }
        if generator.chance(15) {
          settings[key] = nil
          if let position { reference.remove(at: position) }
        } else {
          let value = Array("v\(step)".utf8) + Array(repeating: 0x2B, count: generator.below(40))
          settings[key] = value
          if let position {
            reference[position].value = value
          } else {
            reference.append((key, value))
          }
        }
        let probe = Array("k\(generator.below(size + 2))".utf8)
        #expect(settings[probe] == reference.first { $0.key == probe }?.value)
        #expect(settings.keys == reference.map(\.key))
        #expect(settings.entries.map(\.value) == reference.map(\.value))
        #expect(settings.isEmpty == reference.isEmpty)
        #expect(settings.count == reference.count)
        #expect(settings.contains(probe) == reference.contains { $0.key == probe })
        #expect(
          settings.byteCount == reference.reduce(0) { $0 + 8 + $1.key.count + $1.value.count })
      }
    }
  }

  /// The scopes that set a name are listed as a list of every scope would
  /// list them: in order, a scope again only after another.
  @Test func theScopesOfANameAreKeptInOrder() {
    var model = ParameterModel(
      inputs: PostconfInternalsTests.inputs(mainCF: []), mode: [.nonDefault])
    var generator = SeededGenerator(seed: 71)
    var reference: [NameTable.ID: [Int]] = [:]
    let ids = (0..<40).map { model.intern(Array("zz_\($0)".utf8)) }
    for _ in 0..<3_000 {
      let id = ids[generator.below(ids.count)]
      let scope = generator.below(generator.chance(50) ? 3 : 50)
      model.noteServiceSetting(id, scope: scope)
      if reference[id]?.last != scope { reference[id, default: []].append(scope) }
    }
    for id in ids { #expect(model.scopesSetting(id) == reference[id] ?? []) }
    #expect(model.scopesSetting(model.intern(Array("unset".utf8))) == [])
  }

  /// An entry's content lines, kept in one array, give the line numbers,
  /// the text and the line of each offset that lines kept apart give.
  @Test func anEntrysLinesReadBackFromOneArray() {
    let text = """
      smtp inet n - y - - smtpd
      submission inet n - y - - smtpd
        -o syslog_name=postfix/submission
      # inside
        -o smtpd_tls_security_level=encrypt

        -o { smtpd_sasl_auth_enable = yes }
      relay unix - - n - - smtp

      """
    let document = MasterCF(bytes: Array(text.utf8))
    let submission = document.entries[1]
    #expect(submission.lineNumbers == [2, 3, 5, 7])
    #expect(submission.commentLines == [4, 6])
    #expect(submission.segmentCount == 4)
    let joined = Array(submission.text)
    #expect(
      String(decoding: joined, as: UTF8.self)
        == "submission inet n - y - - smtpd  -o syslog_name=postfix/submission"
        + "  -o smtpd_tls_security_level=encrypt  -o { smtpd_sasl_auth_enable = yes }")
    // Each offset of the text is on the line it was read from.
    let lines = Array(text.utf8).split(separator: 0x0A, omittingEmptySubsequences: false)
    for offset in joined.indices {
      let line = submission.line(atOffset: offset)
      #expect(lines[line - 1].contains(joined[offset]))
    }
    #expect(submission.line(atOffset: 0) == 2)
    #expect(submission.line(atOffset: joined.count - 1) == 7)
    #expect(submission.overrides.map(\.line) == [3, 5, 7])
    #expect(document.entries[2].lineNumbers == [8])
  }
}
