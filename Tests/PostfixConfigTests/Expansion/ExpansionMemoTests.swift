import Testing

@testable import PostfixConfig

/// Expansions kept from one value to the next (``ExpansionMemo``) change
/// nothing the engine reports, and spare the work of expanding a chain again.
@Suite struct ExpansionMemoTests {
  static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

  /// A table of chains whose every value the shortcut leaves to the engine:
  /// `c0 = x`, `cN = $c(N-1) ${x:y}`.
  static func conditionalChain(_ length: Int) -> [String: [UInt8]] {
    var values = ["c0": bytes("x"), "x": bytes("set")]
    for index in 1..<length { values["c\(index)"] = bytes("$c\(index - 1) ${x:y}") }
    return values
  }

  static func summary(_ run: MacroEngine.Run) -> String {
    "\(run.events) " + ExpansionFastPathTests.summary(run)
  }

  /// Expanding every value of a chain in order asks for a bounded number of
  /// lookups per value with a memo, where the engine alone asks for the whole
  /// chain below each value; the results are the same.
  @Test func aChainIsNotExpandedAgainForEachValue() {
    let values = Self.conditionalChain(90)
    let memo = ExpansionMemo()
    var lookups = (with: 0, without: 0)
    for index in 1..<90 {
      let value = values["c\(index)"] ?? []
      let with = MacroEngine.run(
        value, scanning: false, limits: .default,
        lookup: {
          lookups.with += 1
          return values[$0]
        }, engineOnly: true, memo: memo)
      let without = MacroEngine.run(
        value, scanning: false, limits: .default,
        lookup: {
          lookups.without += 1
          return values[$0]
        }, engineOnly: true)
      #expect(Self.summary(with) == Self.summary(without), "c\(index)")
    }
    // Each value: its own reference and the one below it (then remembered),
    // and `x` twice.
    #expect(lookups.with <= 4 * 89)
    #expect(lookups.without > 89 * 89)
    #expect(memo.count > 80)
  }

  /// An expansion kept where the nesting counter was low is not used where
  /// it would pass Postfix's limit of 100: the value is expanded again and
  /// fails with the same warnings as without a memo.
  @Test func aKeptExpansionIsNotUsedBeyondTheNestingLimit() {
    var values = Self.conditionalChain(60)
    // `d0` reaches `c59` after 50 more callbacks.
    for index in 0..<50 { values["d\(index)"] = Self.bytes("$d\(index + 1)") }
    values["d50"] = Self.bytes("$c59")
    let memo = ExpansionMemo()
    let lookup: (String) -> [UInt8]? = { values[$0] }
    let low = MacroEngine.run(
      Self.bytes("$c59"), scanning: false, limits: .default, lookup: lookup, engineOnly: true,
      memo: memo)
    #expect(memo.entry("c59") != nil)
    #expect(low.warnings.isEmpty)
    let deep = MacroEngine.run(
      Self.bytes("$d0"), scanning: false, limits: .default, lookup: lookup, engineOnly: true,
      memo: memo)
    let fresh = MacroEngine.run(
      Self.bytes("$d0"), scanning: false, limits: .default, lookup: lookup, engineOnly: true)
    #expect(!fresh.warnings.isEmpty)
    #expect(Self.summary(deep) == Self.summary(fresh))
  }

  /// Kept expansions count their work and bytes against the limits of the
  /// expansion that uses them, and fail exactly where a fresh expansion does.
  @Test func keptExpansionsCountAgainstTheLimits() {
    let values = Self.conditionalChain(40)
    let lookup: (String) -> [UInt8]? = { values[$0] }
    for steps in stride(from: 0, to: 400, by: 7) {
      for resultBytes in [0, 3, 20, 60, 1000] {
        let limits = ExpansionLimits(
          maximumDepth: 1000, maximumResultBytes: resultBytes, maximumSteps: steps)
        let memo = ExpansionMemo()
        _ = MacroEngine.run(
          Self.bytes("$c30"), scanning: false, limits: .default, lookup: lookup,
          engineOnly: true, memo: memo)
        let with = MacroEngine.run(
          Self.bytes("$c31 $c31"), scanning: false, limits: limits, lookup: lookup,
          engineOnly: true, memo: memo)
        let without = MacroEngine.run(
          Self.bytes("$c31 $c31"), scanning: false, limits: limits, lookup: lookup,
          engineOnly: true)
        #expect(Self.summary(with) == Self.summary(without), "\(steps) \(resultBytes)")
      }
    }
  }

  /// Random tables and values, several expanded in a row with one memo and
  /// random limits: each run reports exactly what it reports without a memo.
  @Test func aMemoChangesNoOutcome() {
    var random = SeededGenerator(seed: 0x3E30_2026)
    var hits = 0
    for round in 0..<1500 {
      var values = ExpansionFastPathTests.randomTable(&random)
      if random.chance(50) {
        // A long chain with conditionals, some ending in a loop.
        let length = random.below(130) + 1
        for index in 0..<length {
          values["m\(index)"] =
            random.chance(50) ? Self.bytes("$m\(index + 1)") : Self.bytes("${a:<}$m\(index + 1)")
        }
        values["m\(length)"] = random.chance(20) ? Self.bytes("$m0") : Self.bytes("end")
      }
      let table = values
      var asked = 0
      let lookup: (String) -> [UInt8]? = {
        asked += 1
        return table[$0]
      }
      let memo = ExpansionMemo(maximumEntries: random.pick([4, 64, 4096]), maximumBytes: 4096)
      for step in 0..<6 {
        let limits = ExpansionFastPathTests.randomLimits(&random)
        let value: [UInt8]
        switch random.below(3) {
        case 0: value = Self.bytes("$m\(random.below(40)) $n\(random.below(20))")
        case 1: value = ExpansionFastPathTests.randomSimpleValue(&random)
        default: value = ExpansionFastPathTests.randomValue(&random)
        }
        asked = 0
        let with = MacroEngine.run(
          value, scanning: false, limits: limits, lookup: lookup, engineOnly: true, memo: memo)
        let askedWith = asked
        asked = 0
        let without = MacroEngine.run(
          value, scanning: false, limits: limits, lookup: lookup, engineOnly: true)
        if askedWith < asked { hits += 1 }
        let text = String(decoding: value, as: UTF8.self)
        #expect(Self.summary(with) == Self.summary(without), "round \(round).\(step): \(text)")
        // Through the shortcut first, as a caller expands.
        let viaShortcut = MacroEngine.run(
          value, scanning: false, limits: limits, lookup: lookup, memo: memo)
        #expect(Self.summary(viaShortcut) == Self.summary(without), "round \(round).\(step)")
      }
    }
    // The memo was really used on the way: fewer lookups than without.
    #expect(hits > 500)
  }

  /// The memo is bounded: it starts over when full, and keeps no long result.
  @Test func theMemoIsBounded() {
    let memo = ExpansionMemo(maximumEntries: 3, maximumBytes: 160)
    let entry = ExpansionMemo.Entry(result: Self.bytes("0123456789"), steps: 1, levels: 0, depth: 0)
    for name in ["a", "b", "c"] { memo.store(name, entry) }
    #expect(memo.count == 3)
    memo.store("d", entry)
    #expect(memo.count == 1 && memo.entry("d") != nil && memo.entry("a") == nil)
    // A sixteenth of 160 bytes is 10: an 11-byte result is not kept.
    memo.store(
      "e", ExpansionMemo.Entry(result: Self.bytes("0123456789x"), steps: 1, levels: 0, depth: 0))
    #expect(memo.entry("e") == nil)
    memo.removeAll()
    #expect(memo.count == 0)
  }

  /// A lookup that fails (a host default that cannot be computed) empties the
  /// memo: a value kept while it failed would otherwise hide the failure
  /// from the next value that needs it.
  @Test func aFailedLookupEmptiesTheMemo() throws {
    let values = ["a": Self.bytes("$h ${x:y}"), "x": Self.bytes("1")]
    let memo = ExpansionMemo()
    func expand() throws -> [UInt8] {
      try ParameterModel.expand(
        Self.bytes("$a"), mode: [.expand], scope: nil, memo: memo, engineOnly: true
      ) { name, _, failure in
        if name == "h" {
          failure = PostconfFatal(message: "cannot compute h")
          return nil
        }
        return values[name]
      }
    }
    for _ in 0..<2 {
      #expect(throws: PostconfFatal.self) { try expand() }
      #expect(memo.count == 0)
    }
  }
}
