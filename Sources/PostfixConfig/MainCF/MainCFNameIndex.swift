import Glibc

/// An open-addressing hash index from parameter name to entries, built in one
/// pass without allocating per entry.
struct MainCFNameIndex: Sendable {
  /// The first and the last entry (positions in `entryLines`) with one name.
  struct Slot: Sendable {
    // Positions fit in 32 bits (the scanner stops at 4 GiB); 12 bytes a slot.
    private var firstPosition: Int32
    private var lastPosition: Int32
    /// The high half of the name's hash (the low half chose the slot),
    /// compared before the bytes to avoid fetching other names.
    private var tag: UInt32

    init(first: Int, last: Int, hash: UInt64) {
      firstPosition = Int32(truncatingIfNeeded: first)
      lastPosition = Int32(truncatingIfNeeded: last)
      tag = Slot.tag(of: hash)
    }

    static func tag(of hash: UInt64) -> UInt32 { UInt32(truncatingIfNeeded: hash >> 32) }

    /// Whether the slot's name may have this hash.
    func mayHave(_ hash: UInt64) -> Bool { tag == Slot.tag(of: hash) }

    var first: Int { Int(firstPosition) }
    var last: Int {
      get { Int(lastPosition) }
      set { lastPosition = Int32(truncatingIfNeeded: newValue) }
    }
  }

  private var slots: [Slot]
  private var mask: Int
  /// The number of distinct names.
  private(set) var count: Int

  private static let empty = Slot(first: -1, last: -1, hash: 0)

  static func build(
    bytes: [UInt8], joined: [UInt8], lines: [MainCFLogicalLine], entryLines: [UInt32]
  ) -> (index: MainCFNameIndex, previous: [Int32], slotOfEntry: [Int32]) {
    var capacity = 16
    while capacity < entryLines.count * 2 { capacity <<= 1 }
    var index = MainCFNameIndex(
      slots: Array(repeating: empty, count: capacity), mask: capacity - 1, count: 0)
    var previous = [Int32](repeating: -1, count: entryLines.count)
    var slotOfEntry = [Int32](repeating: 0, count: entryLines.count)
    bytes.withUnsafeBufferPointer { bytesBuffer in
      joined.withUnsafeBufferPointer { joinedBuffer in
        for position in entryLines.indices {
          let line = lines[Int(entryLines[position])]
          let storage = line.inJoined ? joinedBuffer : bytesBuffer
          let name = UnsafeBufferPointer(rebasing: storage[line.nameStart..<line.nameEnd])
          let nameHash = hash(name)
          var probe = Int(truncatingIfNeeded: nameHash) & index.mask
          // Terminates: the table is at most half full, so an empty slot exists.
          while true {
            let slot = index.slots[probe]
            if slot.first < 0 {
              index.slots[probe] = Slot(first: position, last: position, hash: nameHash)
              index.count += 1
              break
            }
            if slot.mayHave(nameHash) {
              let other = lines[Int(entryLines[slot.first])]
              if equal(name, other.inJoined ? joinedBuffer : bytesBuffer, other) {
                previous[position] = Int32(truncatingIfNeeded: slot.last)
                index.slots[probe].last = position
                break
              }
            }
            probe = (probe + 1) & index.mask
          }
          slotOfEntry[position] = Int32(truncatingIfNeeded: probe)
        }
      }
    }
    return (index, previous, slotOfEntry)
  }

  func find(
    _ key: UnsafeBufferPointer<UInt8>, bytes: UnsafeBufferPointer<UInt8>,
    joined: UnsafeBufferPointer<UInt8>, lines: [MainCFLogicalLine], entryLines: [UInt32]
  ) -> Slot? {
    let keyHash = MainCFNameIndex.hash(key)
    var probe = Int(truncatingIfNeeded: keyHash) & mask
    // Terminates: the table always holds an empty slot.
    while true {
      let slot = slots[probe]
      if slot.first < 0 { return nil }
      if slot.mayHave(keyHash) {
        let other = lines[Int(entryLines[slot.first])]
        if MainCFNameIndex.equal(key, other.inJoined ? joined : bytes, other) { return slot }
      }
      probe = (probe + 1) & mask
    }
  }

  /// The slot at `position` (from `slotOfEntry`).
  func slot(at position: Int) -> Slot {
    slots[position]
  }

  private static func equal(
    _ key: UnsafeBufferPointer<UInt8>, _ storage: UnsafeBufferPointer<UInt8>,
    _ line: MainCFLogicalLine
  ) -> Bool {
    UnsafeBufferPointer(rebasing: storage[line.nameStart..<line.nameEnd]).hasSameBytes(as: key)
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
