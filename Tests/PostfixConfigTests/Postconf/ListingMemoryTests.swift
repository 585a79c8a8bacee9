import Testing

@testable import PostfixConfig

/// The pieces that keep a long listing's memory small (sort keys of eight
/// bytes sorted in place, the hash order made in the memory of the setting
/// order, start-up scans of four bytes a name), checked against plain
/// reference implementations on seeded random input.
@Suite struct ListingMemoryTests {
  /// Names that share long prefixes, end within one another, hold NUL and
  /// high bytes, and are empty.
  static func names(_ count: Int, random: inout SeededGenerator) -> [[UInt8]] {
    let prefixes: [[UInt8]] = [
      [], Array("zz_chain_000".utf8), Array("smtpd_".utf8), Array("a".utf8), [0x00], [0xFF, 0x80],
      Array("zz_chain_0000001_longer_than_twelve_".utf8),
    ]
    let alphabet: [UInt8] = [0x00, 0x01, 0x30, 0x31, 0x5F, 0x61, 0x62, 0x7F, 0x80, 0xFF]
    var seen = Set<[UInt8]>()
    var result: [[UInt8]] = []
    while result.count < count {
      var name = random.pick(prefixes)
      for _ in 0..<random.below(random.chance(20) ? 30 : 6) { name.append(random.pick(alphabet)) }
      if seen.insert(name).inserted { result.append(name) }
    }
    return result
  }

  /// `NameTable.sorted` lists names in postconf's bytewise order (a name
  /// before the names it begins), whatever the order of the ids given.
  @Test(arguments: [0, 1, 2, 3, 17, 700, 20_000])
  func namesSortBytewise(count: Int) {
    var random = SeededGenerator(seed: UInt64(count) + 11)
    let names = Self.names(count, random: &random)
    var table = NameTable()
    let ids = names.map { table.intern($0) }
    var shuffled = ids
    for index in shuffled.indices.reversed() where index > 0 {
      shuffled.swapAt(index, random.below(index + 1))
    }
    let expected = ids.sorted { table.bytes($0).lexicographicallyPrecedes(table.bytes($1)) }
    #expect(table.sorted(shuffled) == expected)
    #expect(table.sorted(expected) == expected)
    #expect(table.sorted(expected.reversed()) == expected)
  }

  /// The in-place sort orders keys of every arrangement, by quicksort, by
  /// heapsort (depth 0) and by a mix of the two.
  @Test(arguments: [nil, 0, 1, 3] as [Int?])
  func keysSortInPlaceInEveryArrangement(depth: Int?) {
    var random = SeededGenerator(seed: 7)
    for count in [0, 1, 2, 15, 16, 17, 100, 5_000] {
      let arrangements: [[UInt64]] = [
        (0..<count).map { _ in random.next() },
        (0..<count).map { UInt64($0) },
        (0..<count).map { UInt64(count - $0) },
        Array(repeating: 42, count: count),
        (0..<count).map { UInt64(min($0, count - $0)) },
        (0..<count).map { _ in UInt64(random.below(3)) },
        // In order but for a few keys, put anywhere: at the front, at the
        // back, among the others.
        (0..<count).map { index in
          random.chance(3) || index == 0 ? UInt64(random.below(count + 2)) : UInt64(index)
        },
        (0..<count).map { UInt64($0 == count - 1 ? 0 : $0 + 5) },
      ]
      for bits in arrangements {
        var keys = bits.map { NameSortKey(bits: $0) }
        keys.withUnsafeMutableBufferPointer { keys in
          NameSortKey.sort(keys, 0..<keys.count, depth: depth)
        }
        #expect(keys.map(\.bits) == bits.sorted(), "\(count) keys")
      }
    }
  }

  /// A part of the keys is sorted and the rest left in place.
  @Test func onlyTheRangeIsSorted() {
    var keys = [9, 8, 7, 6, 5, 4, 3, 2, 1, 0].map { NameSortKey(bits: $0) }
    keys.withUnsafeMutableBufferPointer { keys in
      NameSortKey.sort(keys, 2..<7)
    }
    #expect(keys.map(\.bits) == [9, 8, 3, 4, 5, 6, 7, 2, 1, 0])
  }

  /// Reordering in place lists keys as the simulation that makes a new list
  /// does, across every growth of the table.
  @Test(arguments: [0, 1, 12, 13, 14, 27, 28, 500, 3_000, 60_000])
  func reorderingInPlaceEqualsTheListing(count: Int) {
    var random = SeededGenerator(seed: UInt64(count) + 3)
    // Distinct keys, in no order, each with a hash of its own.
    var keys = (0..<Int32(count)).map { $0 * 3 + 1 }
    for index in keys.indices.reversed() where index > 0 {
      keys.swapAt(index, random.below(index + 1))
    }
    var hashes = [UInt64](repeating: 0, count: count * 3 + 2)
    for key in keys { hashes[Int(key)] = random.next() }
    for initialSize in [13, 100] {
      let expected = HashOrder.distinctOrder(
        count: count, initialSize: initialSize, hash: { hashes[Int(keys[$0])] },
        element: { keys[$0] })
      var reordered = keys
      HashOrder.reorder(&reordered, initialSize: initialSize) { hashes[Int($0)] }
      #expect(reordered == expected)
    }
  }

  /// The start-up pass takes main.cf's hash order from the setting order:
  /// the same names in the same order, without the removed ones, kept for
  /// the warnings that follow the listing.
  @Test func theTakenOrderIsTheHashOrder() {
    var model = ParameterModel(
      inputs: PostconfInternalsTests.inputs(mainCF: []), mode: [.nonDefault])
    var random = SeededGenerator(seed: 9)
    var ids: [NameTable.ID] = []
    for index in 0..<3_000 {
      let id = model.intern(Array("zz_\(random.below(1_000_000))_\(index)".utf8))
      model.set(id, owning: Array("v".utf8))
      ids.append(id)
    }
    for id in ids where random.chance(10) { model.removeSetting(id) }
    // The simulation on the hashes of the names still set, in order of setting.
    let present = ids.filter { model.hasSetting($0) }
    let expected = HashOrder.distinctOrder(
      hashes: present.map { model.names.hashes[Int($0)] },
      initialSize: PostconfAdapters.dictionarySize
    ).map { present[$0] }
    #expect(present.count < ids.count)
    #expect(model.settingsInHashOrder() == expected)
    // Asking leaves the model as it was.
    #expect(model.settingOrder == ids)
    #expect(model.takeSettingsInHashOrder() == expected)
    #expect(model.mainOrder == expected)
    #expect(model.settingOrder.isEmpty)
  }

  /// Scans of many references keep their count outside the four bytes of
  /// the summary; every count reads back whole.
  @Test(arguments: [0, 1, 62, 63, 64, 200, 5_000])
  func scansOfEveryLengthReadBack(count: Int) {
    var model = ParameterModel(
      inputs: PostconfInternalsTests.inputs(mainCF: []), mode: [.nonDefault])
    // A value scanned before, so that this one does not start at 0.
    let before = model.intern(Array("before".utf8))
    Array("$a $b".utf8).withUnsafeBufferPointer { model.recordScan(before, of: $0) }
    let id = model.intern(Array("zz_value".utf8))
    let text = (0..<count).map { "$n\($0 % 300)" }.joined(separator: " ") + " x"
    Array(text.utf8).withUnsafeBufferPointer { model.recordScan(id, of: $0) }
    let expected = (0..<count).map { model.intern(Array("n\($0 % 300)".utf8)) }
    #expect(model.scannedReferences(id).map(Array.init) == expected)
    // Only a value without `$` is plain (nothing to print the model for).
    let plain = model.isPlainSetting(id)
    #expect(plain == (count == 0))
    let first = ["a", "b"].map { model.intern(Array($0.utf8)) }
    #expect(model.scannedReferences(before).map(Array.init) == first)
    // A new setting forgets the scan.
    model.set(id, owning: Array("x".utf8))
    #expect(model.scannedReferences(id) == nil)
    Array("x".utf8).withUnsafeBufferPointer { model.recordScan(id, of: $0) }
    let plainAgain = model.isPlainSetting(id)
    #expect(plainAgain)
    #expect(model.scannedReferences(id).map(Array.init) == [])
  }
}

/// Nodes of four bytes: kind, flags and default read back as registered,
/// also for defaults whose index the node cannot hold.
@Suite struct ParameterNodeTests {
  @Test(arguments: [Int(ParameterModel.Node.largeSlot), 3, 1])
  func nodesKeepWhatWasRegistered(directLimit: Int) {
    var model = ParameterModel(
      inputs: PostconfInternalsTests.inputs(mainCF: []), mode: [.nonDefault])
    model.directDefaultLimit = directLimit
    let kinds: [ParameterModel.Kind] = [.builtin, .service, .user, .builtin, .service, .builtin]
    var ids: [NameTable.ID] = []
    for (index, kind) in kinds.enumerated() {
      let id = model.intern(Array("zz_param_\(index)".utf8))
      model.register(id, kind: kind, flags: UInt8(index * 9 % 64), default: Array("d\(index)".utf8))
      ids.append(id)
    }
    // Setting a flag later leaves the rest of the node as it was.
    model.nodes[Int(ids[2])].flags |= ParameterModel.Node.serviceSetting
    for (index, id) in ids.enumerated() {
      let node = model.nodes[Int(id)]
      var flags = UInt8(index * 9 % 64)
      if index == 2 { flags |= ParameterModel.Node.serviceSetting }
      #expect(node.kind == kinds[index])
      #expect(node.flags == flags)
      #expect(model.defaultText(of: id) == Array("d\(index)".utf8))
    }
    let plain = model.intern(Array("zz_plain".utf8))
    #expect(model.nodes[Int(plain)].kind == .none)
    #expect(model.defaultText(of: plain) == [])
    #expect(model.largeDefaultIndices.count == max(0, kinds.count + 1 - directLimit))
  }
}
