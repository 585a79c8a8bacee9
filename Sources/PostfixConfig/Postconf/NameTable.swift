#if canImport(Glibc)
import Glibc
#endif

/// Parameter names interned to small integers.
///
/// postconf's tables are keyed by name; the emulation looks names up several
/// times per main.cf entry, so each distinct name is stored once (in one byte
/// arena, no allocation per name) and everything else is an array indexed by
/// the name's id. The hash is Postfix's own (`HashOrder.hash(_:)`), kept per
/// name for the hash-order simulation. Open addressing with linear probing at
/// most half full: every probe sequence ends at an empty slot.
struct NameTable: Sendable {
  typealias ID = Int32

  private var arena: [UInt8] = []
  private var starts: [UInt32] = []
  private var ends: [UInt32] = []
  private(set) var hashes: [UInt64] = []
  /// Per slot: 0 when empty, else the hash's upper half and `id + 1`, so a
  /// probe rejects other names without reading ``hashes``.
  private var slots: [UInt64] = Array(repeating: 0, count: 1024)

  /// The number of names.
  var count: Int { starts.count }

  /// The ids of every name, in the order they were interned.
  var ids: Range<ID> { 0..<ID(starts.count) }

  /// Makes room for `count` names of `bytes` bytes in all, so that the arrays never grow by
  /// copying while they fill (memory not yet used is not touched; the slots,
  /// which are, still grow as names come).
  mutating func reserve(_ count: Int, bytes: Int) {
    arena.reserveCapacity(bytes)
    starts.reserveCapacity(count)
    ends.reserveCapacity(count)
    hashes.reserveCapacity(count)
  }

  /// Finds a name.
  /// - Parameter name: The name bytes.
  /// - Returns: Its id, or nil.
  func find(_ name: UnsafeBufferPointer<UInt8>) -> ID? {
    let hash = HashOrder.hash(name)
    let slot = probe(name, hash: hash)
    return NameTable.id(inSlot: slots[slot])
  }

  func find(_ name: [UInt8]) -> ID? { name.withUnsafeBufferPointer { find($0) } }

  func find(_ name: String) -> ID? {
    var name = name
    return name.withUTF8 { find($0) }
  }

  /// Finds or adds a name.
  /// - Parameter name: The name bytes.
  /// - Returns: Its id.
  mutating func intern(_ name: UnsafeBufferPointer<UInt8>) -> ID {
    let hash = HashOrder.hash(name)
    var slot = probe(name, hash: hash)
    if let id = NameTable.id(inSlot: slots[slot]) { return id }
    if (starts.count + 1) * 2 > slots.count {
      grow()
      slot = probe(name, hash: hash)
    }
    let id = ID(starts.count)
    starts.append(UInt32(arena.count))
    arena.append(contentsOf: name)
    ends.append(UInt32(arena.count))
    hashes.append(hash)
    slots[slot] = NameTable.slotValue(id: id, hash: hash)
    return id
  }

  mutating func intern(_ name: [UInt8]) -> ID { name.withUnsafeBufferPointer { intern($0) } }

  mutating func intern(_ name: String) -> ID {
    var name = name
    return name.withUTF8 { intern($0) }
  }

  /// Calls `body` with the bytes of the name `id`.
  func withName<R>(_ id: ID, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
    let start = Int(starts[Int(id)])
    let end = Int(ends[Int(id)])
    return arena.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[start..<end])) }
  }

  /// The name's bytes.
  func bytes(_ id: ID) -> [UInt8] {
    Array(arena[Int(starts[Int(id)])..<Int(ends[Int(id)])])
  }

  /// The name decoded as UTF-8.
  func string(_ id: ID) -> String {
    withName(id) { String(decoding: $0, as: UTF8.self) }
  }

  /// The ids sorted by name, bytewise as postconf lists them.
  func sorted(_ ids: [ID]) -> [ID] {
    // Two big-endian words of each name decide most comparisons without
    // touching the arena.
    struct Key {
      var high: UInt64
      var low: UInt64
      var id: ID
    }
    var keys: [Key] = []
    keys.reserveCapacity(ids.count)
    arena.withUnsafeBufferPointer { buffer in
      for id in ids {
        let start = Int(starts[Int(id)])
        let end = Int(ends[Int(id)])
        keys.append(
          Key(
            high: NameTable.word(buffer, start, end), low: NameTable.word(buffer, start + 8, end),
            id: id))
      }
      keys.sort { left, right in
        if left.high != right.high { return left.high < right.high }
        if left.low != right.low { return left.low < right.low }
        return NameTable.bytewiseLess(
          buffer, Int(starts[Int(left.id)])..<Int(ends[Int(left.id)]),
          Int(starts[Int(right.id)])..<Int(ends[Int(right.id)]))
      }
    }
    return keys.map(\.id)
  }

  // Eight bytes from `start` (zero-padded past `end`), big-endian: integer
  // order equals byte order, and a shorter name sorts first.
  private static func word(_ buffer: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int)
    -> UInt64
  {
    var value: UInt64 = 0
    var index = start
    for _ in 0..<8 {
      value <<= 8
      if index < end { value |= UInt64(buffer[index]) }
      index += 1
    }
    return value
  }

  private static func bytewiseLess(
    _ buffer: UnsafeBufferPointer<UInt8>, _ a: Range<Int>, _ b: Range<Int>
  ) -> Bool {
    let common = min(a.count, b.count)
    var index = 0
    while index < common {
      let x = buffer[a.lowerBound + index]
      let y = buffer[b.lowerBound + index]
      if x != y { return x < y }
      index += 1
    }
    return a.count < b.count
  }

  // The slot holding `name`, or the empty slot where it would go.
  private func probe(_ name: UnsafeBufferPointer<UInt8>, hash: UInt64) -> Int {
    let mask = slots.count - 1
    var slot = NameTable.spread(hash) & mask
    let tag = hash & 0xFFFF_FFFF_0000_0000
    return arena.withUnsafeBufferPointer { buffer in
      // At most half the slots are taken, so an empty slot ends the loop.
      while true {
        let entry = slots[slot]
        if entry == 0 { return slot }
        if entry & 0xFFFF_FFFF_0000_0000 == tag {
          let index = Int(entry & 0xFFFF_FFFF) - 1
          let stored = UnsafeBufferPointer(
            rebasing: buffer[Int(starts[index])..<Int(ends[index])])
          if stored.hasSameBytes(as: name) { return slot }
        }
        slot = (slot + 1) & mask
      }
    }
  }

  private static func slotValue(id: ID, hash: UInt64) -> UInt64 {
    (hash & 0xFFFF_FFFF_0000_0000) | UInt64(UInt32(id) + 1)
  }

  private static func id(inSlot entry: UInt64) -> ID? {
    entry == 0 ? nil : ID(truncatingIfNeeded: Int64(entry & 0xFFFF_FFFF) - 1)
  }

  private static func spread(_ hash: UInt64) -> Int {
    Int(truncatingIfNeeded: ((hash ^ (hash >> 32)) &* 0x9E37_79B9_7F4A_7C15) >> 17)
  }

  private mutating func grow() {
    slots = Array(repeating: 0, count: slots.count * 2)
    let mask = slots.count - 1
    for index in 0..<starts.count {
      var slot = NameTable.spread(hashes[index]) & mask
      while slots[slot] != 0 { slot = (slot + 1) & mask }
      slots[slot] = NameTable.slotValue(id: ID(index), hash: hashes[index])
    }
  }
}
