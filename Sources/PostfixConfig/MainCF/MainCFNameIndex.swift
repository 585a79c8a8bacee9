import Glibc

/// An open-addressing hash index from parameter name to entries, built in one
/// pass without allocating per entry.
struct MainCFNameIndex: Sendable {
  /// The first and the last entry (positions in `entryLines`) with one name.
  struct Slot: Sendable {
    var first: Int
    var last: Int
  }

  private var slots: [Slot]
  private var mask: Int
  /// The number of distinct names.
  private(set) var count: Int

  private static let empty = Slot(first: -1, last: -1)

  static func build(
    bytes: [UInt8], joined: [UInt8], lines: [MainCFLogicalLine], entryLines: [Int]
  ) -> (index: MainCFNameIndex, previous: [Int]) {
    var capacity = 16
    while capacity < entryLines.count * 2 { capacity <<= 1 }
    var index = MainCFNameIndex(
      slots: Array(repeating: empty, count: capacity), mask: capacity - 1, count: 0)
    var previous = Array(repeating: -1, count: entryLines.count)
    bytes.withUnsafeBufferPointer { bytesBuffer in
      joined.withUnsafeBufferPointer { joinedBuffer in
        for position in entryLines.indices {
          let line = lines[entryLines[position]]
          let storage = line.inJoined ? joinedBuffer : bytesBuffer
          let name = UnsafeBufferPointer(rebasing: storage[line.nameStart..<line.nameEnd])
          var probe = Int(truncatingIfNeeded: hash(name)) & index.mask
          // Terminates: the table is at most half full, so an empty slot exists.
          while true {
            let slot = index.slots[probe]
            if slot.first < 0 {
              index.slots[probe] = Slot(first: position, last: position)
              index.count += 1
              break
            }
            let other = lines[entryLines[slot.first]]
            let otherStorage = other.inJoined ? joinedBuffer : bytesBuffer
            if equal(name, otherStorage, other) {
              previous[position] = slot.last
              index.slots[probe].last = position
              break
            }
            probe = (probe + 1) & index.mask
          }
        }
      }
    }
    return (index, previous)
  }

  func find(
    _ key: UnsafeBufferPointer<UInt8>, bytes: UnsafeBufferPointer<UInt8>,
    joined: UnsafeBufferPointer<UInt8>, lines: [MainCFLogicalLine], entryLines: [Int]
  ) -> Slot? {
    var probe = Int(truncatingIfNeeded: MainCFNameIndex.hash(key)) & mask
    // Terminates: the table always holds an empty slot.
    while true {
      let slot = slots[probe]
      if slot.first < 0 { return nil }
      let other = lines[entryLines[slot.first]]
      if MainCFNameIndex.equal(key, other.inJoined ? joined : bytes, other) { return slot }
      probe = (probe + 1) & mask
    }
  }

  private static func equal(
    _ key: UnsafeBufferPointer<UInt8>, _ storage: UnsafeBufferPointer<UInt8>,
    _ line: MainCFLogicalLine
  ) -> Bool {
    let length = line.nameEnd - line.nameStart
    guard length == key.count else { return false }
    guard length > 0, let keyBase = key.baseAddress, let base = storage.baseAddress else {
      return length == 0
    }
    return memcmp(keyBase, base + line.nameStart, length) == 0
  }

  private static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
    var value: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in bytes {
      value ^= UInt64(byte)
      value = value &* 0x100_0000_01b3
    }
    return value ^ (value >> 29)
  }
}
