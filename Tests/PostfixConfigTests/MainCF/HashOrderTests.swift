import Testing

@testable import PostfixConfig

@Suite struct HashOrderTests {
  private func keys(_ names: [String]) -> [[UInt8]] { names.map { Array($0.utf8) } }

  @Test func hashIsTheUnseededFnvVariant() {
    let basis: UInt64 = 0xcbf2_9ce4_8422_2325
    let prime: UInt64 = 0x100_0000_01b3
    #expect(HashOrder.hash([UInt8]()) == basis)
    // One byte: (basis ^ (0x61 + 1)) * prime mod 2^64.
    #expect(HashOrder.hash(Array("a".utf8)) == (basis ^ 0x62) &* prime)
  }

  @Test func matchesTheAppendOrderVector() {
    // edit_e_append_several_new_order: `NORANDOMIZE=1 postconf -e zz1=1 ... zz5=5`.
    let names = keys(["zz1", "zz2", "zz3", "zz4", "zz5"])
    #expect(HashOrder.order(of: names, initialSize: 5) == [1, 3, 4, 0, 2])
    var table = HashOrder(initialSize: 5)
    for name in names { table.insert(name) }
    #expect(table.keys == keys(["zz2", "zz4", "zz5", "zz1", "zz3"]))
    #expect(table.count == 5)
  }

  @Test func reinsertionMovesAKeyToTheHeadOfItsChain() {
    var table = HashOrder(initialSize: 1)
    let names = (0..<40).map { Array("k\($0)".utf8) }
    for name in names { table.insert(name) }
    let before = table.keys
    table.insert(names[7])
    #expect(table.count == 40)
    #expect(Set(table.keys) == Set(before))
    table.remove(names[7])
    table.remove(Array("absent".utf8))
    #expect(table.count == 39)
    #expect(!table.contains(names[7]))
    #expect(table.contains(names[8]))
  }

  @Test func growthKeepsEveryKeyOnce() {
    var table = HashOrder(initialSize: 13)
    let names = (0..<500).map { Array("name_\($0)".utf8) }
    for name in names { table.insert(name) }
    let listed = table.keys
    #expect(listed.count == 500)
    #expect(Set(listed) == Set(names))
    // Buckets ascending: the listing is sorted by bucket for the final size.
    var size = 13
    while size < 500 { size = (2 * size) | 1 }
    let buckets = listed.map { HashOrder.hash($0) % UInt64(size) }
    #expect(buckets == buckets.sorted())
  }

  @Test func orderOfRepeatedKeysUsesTheLastInsertion() {
    let names = keys(["a", "b", "a"])
    let order = HashOrder.order(of: names, initialSize: 3)
    #expect(order.count == 2)
    #expect(order.contains(2) && order.contains(1))
    #expect(!order.contains(0))
  }

  @Test(arguments: [0, 1, 12, 13, 14, 27, 28, 100, 1_000, 5_000])
  func distinctOrderEqualsTheTableSimulation(count: Int) {
    // The fast path on hashes alone must list keys exactly as inserting them
    // one by one into the simulated htable does, across every growth.
    let names = (0..<count).map { Array("p\($0 &* 7919 % 10_007)_x".utf8) }
    var table = HashOrder(initialSize: 13)
    for name in names { table.insert(name) }
    let fast = HashOrder.distinctOrder(hashes: names.map { HashOrder.hash($0) }, initialSize: 13)
    #expect(fast.map { names[$0] } == table.keys)
  }
}
