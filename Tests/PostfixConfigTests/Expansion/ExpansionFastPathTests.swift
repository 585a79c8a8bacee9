import Testing

@testable import PostfixConfig

/// The shortcut for plain and simple values gives exactly the engine's
/// answers, and is really taken for the values it is meant for.
@Suite struct ExpansionFastPathTests {
  /// Records every lookup, in order.
  final class Table {
    var values: [String: [UInt8]]
    var calls: [String] = []

    init(_ values: [String: [UInt8]]) { self.values = values }

    func expander(limits: ExpansionLimits = .default) -> ParameterExpander {
      ParameterExpander(
        lookup: { name in
          self.calls.append(name)
          return self.values[name]
        }, limits: limits)
    }
  }

  static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

  static let benchmarkValue = bytes(
    "check_client_access hash:/etc/postfix/access_1,    permit_mynetworks, "
      + "reject_unauth_destination, $mydomain")

  // MARK: - The search for `$` and NUL

  @Test func theNextDollarOrNulIsFoundWhereverItIsInABlock() {
    var random = SeededGenerator(seed: 11)
    for _ in 0..<2_000 {
      // Mostly word bytes, so that hits fall at every lane of a 16-byte block,
      // in the last few bytes, or nowhere.
      let count = random.below(70)
      let bytes = (0..<count).map { _ -> UInt8 in
        switch random.below(40) {
        case 0: return UInt8(ascii: "$")
        case 1: return 0
        default: return UInt8(ascii: "a") + UInt8(random.below(26))
        }
      }
      let start = count == 0 ? 0 : random.below(count + 1)
      let expected =
        bytes[start...].firstIndex { $0 == UInt8(ascii: "$") || $0 == 0 } ?? count
      let found = bytes.withUnsafeBufferPointer { MacroFastPath.nextSpecial(in: $0, from: start) }
      #expect(found == expected, "\(bytes) from \(start)")
    }
  }

  @Test func referencesAreThoseTheEngineReports() {
    var random = SeededGenerator(seed: 23)
    let pieces = ["$a", "${bb}", "$(c_1)", "$$", "$", "${", "}", " x ", "$a$a", "${bb}z", "\u{0}"]
    var counts: Set<Int> = []
    for _ in 0..<3_000 {
      // From none to several references, so that both ways of reporting them are used.
      let text = (0..<random.below(8)).map { _ in random.pick(pieces) }.joined()
      let value = Self.bytes(text)
      var reported: [String] = []
      let path = value.withUnsafeBufferPointer { buffer in
        MacroFastPath.references(in: buffer, limits: .default) { range in
          reported.append(String(decoding: buffer[range], as: UTF8.self))
        }
      }
      // Reported as found, in one pass: the same path, and the same names
      // whenever the value is simple.
      var asFound: [String] = []
      let onePass = value.withUnsafeBufferPointer { buffer in
        MacroFastPath.references(in: buffer, limits: .default, asFound: true) { range in
          asFound.append(String(decoding: buffer[range], as: UTF8.self))
        }
      }
      #expect(onePass == path, "\(text.debugDescription)")
      guard path != nil else {
        #expect(reported.isEmpty)
        continue
      }
      let engine = ParameterExpander.tracedScan(
        value, isDefined: { _ in true }, limits: .default, engineOnly: true)
      let scanned = engine.result.events.compactMap { event -> String? in
        if case .reference(let name, _) = event { return name }
        return nil
      }
      #expect(reported == scanned, "\(text.debugDescription)")
      #expect(asFound == reported, "\(text.debugDescription)")
      counts.insert(reported.count)
    }
    #expect(counts.isSuperset(of: [0, 1, 2, 3, 4]))
  }

  // MARK: - The shortcut is taken

  @Test func plainValueIsAnsweredAtOnce() {
    let table = Table([:])
    let value = Self.bytes("permit_mynetworks, reject_unauth_destination")
    let expanded = table.expander().tracedExpand(value)
    #expect(expanded.expansion == .success(value))
    #expect(expanded.path == .plain)
    #expect(table.calls.isEmpty)
    let scanned = ParameterExpander.tracedScan(value, isDefined: { _ in true }, limits: .default)
    #expect(scanned.result == ScanResult(events: [], hadError: false))
    #expect(scanned.path == .plain)
  }

  @Test func plainValueIsCutAtNul() {
    let value = Self.bytes("abc") + [0] + Self.bytes("$def ${")
    let expanded = Table([:]).expander().tracedExpand(value)
    #expect(expanded.expansion == .success(Self.bytes("abc")))
    #expect(expanded.path == .plain)
    let scanned = ParameterExpander.tracedScan(value, isDefined: { _ in true }, limits: .default)
    #expect(scanned.result.events.isEmpty)
    #expect(scanned.path == .plain)
  }

  @Test func emptyValueIsPlain() {
    let expanded = Table([:]).expander().tracedExpand([])
    #expect(expanded.expansion == .success([]))
    #expect(expanded.path == .plain)
  }

  @Test func benchmarkValueIsSimple() {
    let table = Table(["mydomain": Self.bytes("example.com")])
    let expanded = table.expander().tracedExpand(Self.benchmarkValue)
    #expect(
      expanded.expansion
        == .success(
          Self.bytes(
            "check_client_access hash:/etc/postfix/access_1,    permit_mynetworks, "
              + "reject_unauth_destination, example.com")))
    #expect(expanded.path == .simple)
    #expect(table.calls == ["mydomain"])
    let scanned = ParameterExpander.tracedScan(
      Self.benchmarkValue, isDefined: { $0 == "mydomain" }, limits: .default)
    #expect(
      scanned.result == ScanResult(events: [.reference("mydomain", defined: true)], hadError: false)
    )
    #expect(scanned.path == .simple)
  }

  @Test func allSimpleFormsAndChainsAreSimple() {
    let table = Table([
      "a": Self.bytes("[${b}]"), "b": Self.bytes("$(c)$$c"), "c": Self.bytes("x"),
      "empty": [], "nul": [0, 0x24],
    ])
    let value = Self.bytes("$a,${a}:$(c) $$ $undefined$empty$nul.")
    let expanded = table.expander().tracedExpand(value)
    #expect(expanded.expansion == .success(Self.bytes("[x$c],[x$c]:x $ .")))
    #expect(expanded.path == .simple)
    #expect(table.calls == ["a", "b", "c", "a", "b", "c", "c", "undefined", "empty", "nul"])
    let scanned = ParameterExpander.tracedScan(
      value, isDefined: { $0 != "undefined" }, limits: .default)
    #expect(
      scanned.result.events == [
        .reference("a", defined: true), .reference("a", defined: true),
        .reference("c", defined: true), .reference("undefined", defined: false),
        .reference("empty", defined: true), .reference("nul", defined: true),
      ])
    #expect(scanned.path == .simple)
  }

  @Test func engineRunReportsTheShortcut() {
    let lookup: (String) -> [UInt8]? = { $0 == "a" ? [0x61] : nil }
    let plain = MacroEngine.run(
      Self.bytes("x y"), scanning: false, limits: .default, lookup: lookup)
    #expect(plain.path == .plain)
    let simple = MacroEngine.run(
      Self.bytes("$a $b"), scanning: true, limits: .default, lookup: lookup)
    #expect(simple.path == .simple)
    #expect(simple.events == [.reference("a"), .reference("b")])
    let forced = MacroEngine.run(
      Self.bytes("$a $b"), scanning: false, limits: .default, lookup: lookup, engineOnly: true)
    #expect(forced.path == .engine)
  }

  @Test(arguments: [
    "${a?x}", "${a:x}", "${ a }", "${{a}=={b}}", "$", "a$", "$,", "${}", "${a", "$(a}",
  ])
  func unusualSyntaxGoesToTheEngine(_ text: String) {
    let table = Table(["a": Self.bytes("1")])
    let value = Self.bytes(text)
    let fast = table.expander().tracedExpand(value)
    #expect(fast.path == .engine)
    #expect(fast.expansion == table.expander().tracedExpand(value, engineOnly: true).expansion)
    let scanned = ParameterExpander.tracedScan(value, isDefined: { _ in true }, limits: .default)
    #expect(scanned.path == .engine)
  }

  @Test func deepChainsAndLoopsGoToTheEngine() {
    var values: [String: [UInt8]] = ["loop": Self.bytes("<$loop>")]
    for index in 0..<30 { values["n\(index)"] = Self.bytes("$n\(index + 1).") }
    let table = Table(values)
    let shallow = table.expander().tracedExpand(Self.bytes("$n12"))
    #expect(shallow.path == .simple)
    #expect(shallow.expansion == .success(Array(repeating: UInt8(ascii: "."), count: 18)))
    let deep = table.expander().tracedExpand(Self.bytes("$n0"))
    #expect(deep.path == .engine)
    #expect(deep.expansion == .success(Array(repeating: UInt8(ascii: "."), count: 30)))
    let loop = table.expander().tracedExpand(Self.bytes("$loop"))
    #expect(loop.path == .engine)
    #expect(loop.expansion.value == nil)
    #expect(
      loop.expansion
        == table.expander().tracedExpand(Self.bytes("$loop"), engineOnly: true).expansion)
  }

  @Test func lookupsBeforeGivingUpAreNotRepeated() {
    let table = Table(["a": Self.bytes("$b ${c?x}"), "b": Self.bytes("B"), "c": Self.bytes("C")])
    let value = Self.bytes("$a")
    let fast = table.expander().tracedExpand(value)
    let fastCalls = table.calls
    table.calls = []
    let full = table.expander().tracedExpand(value, engineOnly: true)
    #expect(fast.path == .engine)
    #expect(fast.expansion == .success(Self.bytes("B x")))
    #expect(fast.expansion == full.expansion)
    #expect(fastCalls == ["a", "b", "c"])
    #expect(fastCalls == table.calls)
  }

  @Test func limitsLeaveTheValueToTheEngine() {
    let table = Table(["a": Self.bytes("0123456789"), "b": Self.bytes("$a$a$a$a")])
    let value = Self.bytes("$b$b")
    let cases = [
      ExpansionLimits(maximumDepth: 1000, maximumResultBytes: 79, maximumSteps: 1000),
      ExpansionLimits(maximumDepth: 1000, maximumResultBytes: 80, maximumSteps: 1000),
      ExpansionLimits(maximumDepth: 1000, maximumResultBytes: 1000, maximumSteps: 50),
      ExpansionLimits(maximumDepth: 2, maximumResultBytes: 1000, maximumSteps: 1000),
      ExpansionLimits(maximumDepth: 0, maximumResultBytes: 1000, maximumSteps: 1000),
    ]
    for limits in cases {
      let fast = table.expander(limits: limits).tracedExpand(value)
      let full = table.expander(limits: limits).tracedExpand(value, engineOnly: true)
      #expect(fast.expansion == full.expansion, "\(limits)")
    }
    #expect(table.expander(limits: cases[0]).tracedExpand(value).path == .engine)
    #expect(table.expander(limits: cases[1]).tracedExpand(value).path == .simple)
    #expect(table.expander(limits: cases[2]).tracedExpand(value).path == .engine)
    #expect(table.expander(limits: cases[3]).tracedExpand(value).path == .engine)
    let plain = Self.bytes("0123456789")
    for limits in cases {
      let fast = table.expander(limits: limits).tracedExpand(plain)
      let full = table.expander(limits: limits).tracedExpand(plain, engineOnly: true)
      #expect(fast.expansion == full.expansion, "\(limits)")
    }
    let tight = ExpansionLimits(maximumDepth: 1000, maximumResultBytes: 1000, maximumSteps: 10)
    #expect(
      table.expander(limits: tight).tracedExpand(plain).expansion
        == .failure(warnings: ["macro expansion exceeds 10 steps"], fatal: "macro processing error")
    )
  }

  /// Chains of references take the shortcut as deep as each form allows.
  ///
  /// A chain (`c5 = $c4 y`, …, `c0 = x`): the in-place form
  /// follows it to ``MacroFastPath/inPlaceMaximumDepth`` levels, well past
  /// the engine's budget on the caller's stack (32 levels), with the engine's
  /// answer; deeper ones, and those that reach Postfix's nesting limit of
  /// 100, it leaves to the engine. The replayed form stops at
  /// ``MacroFastPath/maximumDepth``, so that the engine's first attempt
  /// replays every lookup it made.
  @Test func chainsOfReferencesUpToTheShortcutsDepth() {
    var values: [String: [UInt8]] = ["c0": Self.bytes("x")]
    for index in 1...130 { values["c\(index)"] = Self.bytes("$c\(index - 1) y") }
    let table = Table(values)
    #expect(MacroFastPath.maximumDepth < LargeStack.inlineDepth)
    #expect(MacroFastPath.inPlaceMaximumDepth > 2 * LargeStack.inlineDepth)
    #expect(MacroFastPath.inPlaceMaximumDepth < ExpansionLimits.nestingLimit)
    for depth in [1, 17, 18, 19, 20, 21, 32, 33, 50, 87, 88, 89, 90, 98, 99, 100, 101, 130] {
      let value = Self.bytes("$c\(depth)")
      let full = table.expander().tracedExpand(value, engineOnly: true)
      // `$c<depth>` parses depth + 2 levels: the value, each cN, and c0.
      let levels = depth + 2
      let replayed = table.expander().tracedExpand(value)
      #expect(replayed.expansion == full.expansion, "depth \(depth)")
      #expect(replayed.path == (levels <= MacroFastPath.maximumDepth ? .simple : .engine))
      var output: [UInt8] = []
      let inPlace = value.withUnsafeBufferPointer { buffer in
        MacroFastPath.expand(buffer, limits: .default, into: &output) { name in
          .some(values[String(decoding: name, as: UTF8.self)])
        }
      }
      if levels <= MacroFastPath.inPlaceMaximumDepth {
        #expect(inPlace == .expanded, "depth \(depth)")
        #expect(full.expansion == .success(output))
        #expect(output == Self.bytes("x" + String(repeating: " y", count: depth)))
      } else {
        #expect(inPlace == .gaveUp, "depth \(depth)")
      }
    }
    // Beyond Postfix's limit the engine reports the nesting.
    let tooDeep = table.expander().tracedExpand(Self.bytes("$c130"), engineOnly: true)
    #expect(tooDeep.expansion.value == nil)
  }

  @Test func exponentialValuesStayBounded() {
    var values: [String: [UInt8]] = [:]
    for index in 1...18 { values["e\(index)"] = Self.bytes("$e\(index + 1)$e\(index + 1)") }
    values["e19"] = Self.bytes("xxxxxxxx")
    let table = Table(values)
    let limits = ExpansionLimits(
      maximumDepth: 1000, maximumResultBytes: 1 << 16, maximumSteps: 1 << 30)
    let fast = table.expander(limits: limits).tracedExpand(Self.bytes("$e1"))
    #expect(fast.path == .engine)
    #expect(
      fast.expansion
        == .failure(
          warnings: ["macro expansion result exceeds 65536 bytes"], fatal: "macro processing error")
    )
  }

  @Test func nameBytesAreExactlyLettersDigitsAndUnderscore() {
    for byte in UInt8.min...UInt8.max {
      let expected =
        (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
        || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
        || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || byte == UInt8(ascii: "_")
      #expect(MacroText.isNameByte(byte) == expected, "byte \(byte)")
    }
  }

  @Test func longValuesFindEveryDollarAndNul() {
    // The search reads sixteen bytes at a time: put the specials at every
    // offset of a block, and near the end.
    let table = Table(["v": Self.bytes("V")])
    for length in [15, 16, 17, 31, 32, 33, 47, 64, 100] {
      for position in 0..<length {
        // "." ends the name.
        var value = Array(repeating: UInt8(ascii: "."), count: length)
        value[position] = UInt8(ascii: "$")
        value.insert(UInt8(ascii: "v"), at: position + 1)
        let fast = table.expander().tracedExpand(value)
        #expect(fast.path == .simple)
        var expected = value
        expected.replaceSubrange(position...(position + 1), with: Self.bytes("V"))
        #expect(fast.expansion == .success(expected), "length \(length) at \(position)")
        var cut = Array(repeating: UInt8(ascii: "y"), count: length)
        cut[position] = 0
        let plain = table.expander().tracedExpand(cut)
        #expect(plain.path == .plain)
        #expect(
          plain.expansion == .success(Array(cut[..<position])), "length \(length) at \(position)")
      }
    }
  }

  // MARK: - Property: shortcut == engine

  static let names = ["a", "b", "c", "d", "ab", "a_1", "x9", "u", "n0", "n1", "n2", "n3"]
  static let alphabet = Array("${}()?:, \0ab_19x\t=!<>".utf8)

  static func randomValue(_ random: inout SeededGenerator, allowNames: Bool = true) -> [UInt8] {
    var value: [UInt8] = []
    let pieces = random.below(8)
    for _ in 0..<pieces {
      let name = random.pick(names)
      switch random.below(allowNames ? 16 : 3) {
      case 0: value += bytes(random.pick(["hash:/etc/x", ", ", " ", "text", "é"]))
      case 1: value.append(random.pick(alphabet))
      case 2: value += bytes("$$")
      case 3, 4, 5: value += bytes("$" + name)
      case 6, 7: value += bytes("${" + name + "}")
      case 8: value += bytes("$(" + name + ")")
      case 9:
        value += bytes(
          "${" + name + random.pick(["?", ":"]) + random.pick(["x", "{y}", "$a"]) + "}")
      case 10: value += bytes("${{$" + name + "}" + random.pick(["==", "!=", "<level"]) + "{1}}")
      case 11: value += bytes(random.pick(["${ ", "${", "$(", "}", ")", "$"]) + name)
      case 12: value.append(0)
      default:
        for _ in 0..<random.below(4) { value.append(random.pick(alphabet)) }
      }
    }
    return value
  }

  static func randomTable(_ random: inout SeededGenerator) -> [String: [UInt8]] {
    var values: [String: [UInt8]] = [:]
    for name in names where random.chance(75) {
      values[name] = random.chance(70) ? randomSimpleValue(&random) : randomValue(&random)
    }
    if random.chance(30) {
      // A chain n0 -> n1 -> ..., long or ending in a loop.
      let length = random.below(40) + 1
      for index in 0..<length {
        values["n\(index)"] = bytes("<$n\(index + 1)>")
      }
      values["n\(length)"] = random.chance(50) ? bytes("$n0") : bytes("end")
    }
    return values
  }

  static func randomSimpleValue(_ random: inout SeededGenerator) -> [UInt8] {
    var value: [UInt8] = []
    for _ in 0..<random.below(5) {
      let name = random.pick(names)
      switch random.below(6) {
      case 0: value += bytes("$" + name)
      case 1: value += bytes("${" + name + "}")
      case 2: value += bytes("$(" + name + ")")
      case 3: value += bytes("$$")
      default: value += bytes(random.pick(["lit", " ", ",", "x.y"]))
      }
    }
    return value
  }

  static func randomLimits(_ random: inout SeededGenerator) -> ExpansionLimits {
    guard random.chance(25) else { return .default }
    return ExpansionLimits(
      maximumDepth: random.below(40), maximumResultBytes: random.below(200),
      maximumSteps: random.below(300))
  }

  @Test func shortcutAgreesWithTheEngine() {
    var random = SeededGenerator(seed: 0x5EED_2026)
    var taken: [MacroPath: Int] = [:]
    for round in 0..<6000 {
      let values = Self.randomTable(&random)
      let limits = Self.randomLimits(&random)
      let value = random.chance(40) ? Self.randomSimpleValue(&random) : Self.randomValue(&random)
      let table = Table(values)
      let fast = table.expander(limits: limits).tracedExpand(value)
      let fastCalls = table.calls
      table.calls = []
      let full = table.expander(limits: limits).tracedExpand(value, engineOnly: true)
      let text = String(decoding: value, as: UTF8.self)
      #expect(fast.expansion == full.expansion, "round \(round): \(text) \(values)")
      // Lookups made before giving up are replayed to the engine, not repeated.
      #expect(fastCalls == table.calls, "round \(round): \(text)")
      taken[fast.path, default: 0] += 1

      let isDefined: (String) -> Bool = { values[$0] != nil }
      let scanFast = ParameterExpander.tracedScan(value, isDefined: isDefined, limits: limits)
      let scanFull = ParameterExpander.tracedScan(
        value, isDefined: isDefined, limits: limits, engineOnly: true)
      #expect(scanFast.result == scanFull.result, "round \(round): \(text)")

      let runFast = MacroEngine.run(value, scanning: true, limits: limits, lookup: { _ in nil })
      let runFull = MacroEngine.run(
        value, scanning: true, limits: limits, lookup: { _ in nil }, engineOnly: true)
      #expect(runFast.events == runFull.events, "round \(round): \(text)")
      #expect(Self.summary(runFast) == Self.summary(runFull), "round \(round): \(text)")

      let lookup: (String) -> [UInt8]? = { values[$0] }
      let expandFast = MacroEngine.run(value, scanning: false, limits: limits, lookup: lookup)
      let expandFull = MacroEngine.run(
        value, scanning: false, limits: limits, lookup: lookup, engineOnly: true)
      #expect(expandFast.events == expandFull.events, "round \(round): \(text)")
      #expect(Self.summary(expandFast) == Self.summary(expandFull), "round \(round): \(text)")
      #expect(expandFast.path == fast.path, "round \(round): \(text)")
    }
    // The generator reaches all three ways often.
    #expect(taken[.plain, default: 0] > 300)
    #expect(taken[.simple, default: 0] > 1000)
    #expect(taken[.engine, default: 0] > 1000)
  }

  /// The in-place form the listing printer uses gives the engine's results.
  ///
  /// Names are looked up by their bytes and the result lands in a buffer
  /// reused from value to value. Whenever it does not give up, its result is
  /// the engine's; a lookup that refuses to answer makes it give up.
  @Test func inPlaceShortcutAgreesWithTheEngine() {
    var random = SeededGenerator(seed: 0x1A_2026)
    var buffer: [UInt8] = []
    var outcomes: [String: Int] = [:]
    for round in 0..<6000 {
      let values = Self.randomTable(&random)
      let limits = Self.randomLimits(&random)
      let value = random.chance(40) ? Self.randomSimpleValue(&random) : Self.randomValue(&random)
      // Some rounds refuse one name, as a failing host default would.
      let refused = random.chance(20) ? random.pick(Self.names) : nil
      let text = String(decoding: value, as: UTF8.self)
      let engine = Table(values).expander(limits: limits).tracedExpand(value, engineOnly: true)
      var asked: [String] = []
      let outcome = value.withUnsafeBufferPointer { raw in
        MacroFastPath.expand(raw, limits: limits, into: &buffer) { name -> [UInt8]?? in
          let key = String(decoding: name, as: UTF8.self)
          asked.append(key)
          return key == refused ? nil : .some(values[key])
        }
      }
      switch outcome {
      case .plain(let end):
        outcomes["plain", default: 0] += 1
        #expect(asked.isEmpty, "round \(round): \(text)")
        #expect(engine.expansion == .success(Array(value[..<end])), "round \(round): \(text)")
      case .expanded:
        outcomes["expanded", default: 0] += 1
        #expect(refused.map { !asked.contains($0) } ?? true, "round \(round): \(text)")
        #expect(engine.expansion == .success(buffer), "round \(round): \(text)")
      case .gaveUp:
        outcomes["gaveUp", default: 0] += 1
        // Only what the String form also leaves to the engine, or a refusal.
        let table = Table(values)
        let shortcut = table.expander(limits: limits).tracedExpand(value)
        let refusedAsked = refused.map { asked.contains($0) } ?? false
        #expect(shortcut.path == .engine || refusedAsked, "round \(round): \(text)")
      }
    }
    #expect(outcomes["plain", default: 0] > 300)
    #expect(outcomes["expanded", default: 0] > 1000)
    #expect(outcomes["gaveUp", default: 0] > 1000)
  }

  /// With `conditionals`, the start-up scan's shortcut also takes
  /// `${name?text}` and `${name:text}` with a plain text: whenever it answers,
  /// the engine's scan reports exactly those names, no warning and no error.
  @Test func scanShortcutWithConditionalsAgreesWithTheEngine() {
    var random = SeededGenerator(seed: 0xC0_2026)
    var taken = (conditional: 0, declined: 0)
    let forms = [
      "${a:y}", "${n1?x}", "${ab:}", "${u?}", "${a: b}", "${x9:(y)}", "${a?{y}}", "${a: {y}}",
      "${a:$b}", "${ a:y}", "${a :y}", "${:y}", "${a:y", "${a:}}", "${{$a}==x}", "${a?b:c}",
      "${a:\0}", "$(a:y)",
    ]
    for round in 0..<8000 {
      let limits = Self.randomLimits(&random)
      var value = random.chance(50) ? Self.randomSimpleValue(&random) : Self.randomValue(&random)
      for _ in 0..<random.below(3) {
        let form = Self.bytes(random.pick(forms))
        value.insert(contentsOf: form, at: random.below(value.count + 1))
      }
      var names: [String] = []
      let path = value.withUnsafeBufferPointer { buffer in
        MacroFastPath.references(in: buffer, limits: limits, conditionals: true) {
          names.append(String(decoding: UnsafeBufferPointer(rebasing: buffer[$0]), as: UTF8.self))
        }
      }
      let engine = ParameterExpander.tracedScan(
        value, isDefined: { _ in true }, limits: limits, engineOnly: true)
      let text = String(decoding: value, as: UTF8.self)
      guard path != nil else {
        taken.declined += 1
        continue
      }
      if value.contains(UInt8(ascii: "?")) || value.contains(UInt8(ascii: ":")) {
        taken.conditional += 1
      }
      #expect(!engine.result.hadError, "round \(round): \(text)")
      let reported = engine.result.events.map { event -> String in
        switch event {
        case .reference(let name, _): return name
        case .warning(let warning): return "warning: \(warning)"
        }
      }
      #expect(reported == names, "round \(round): \(text)")
    }
    #expect(taken.conditional > 1000 && taken.declined > 1000)
  }

  static func summary(_ run: MacroEngine.Run) -> String {
    switch run.outcome {
    case .success(let outcome): return "ok \(outcome.result) \(outcome.error)"
    case .failure(let fatal): return "fatal \(fatal.warning ?? "-") \(fatal.message)"
    }
  }
}
