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
  /// The file names may be kept in place of a copy (see
  /// ``intern(_:fileOffset:)``): main.cf, which outlives the table's use.
  private var file: FileBytes?
  /// Where each name is: in ``arena``, or with ``inFile`` set, in ``file``.
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
  /// copying while they fill (memory not yet used is not touched).
  ///
  /// The slots are written when made, so they are made now only for `sure`
  /// names, a count that will be reached; past it they grow as names come.
  /// Growing them by doubling from the start would leave every smaller
  /// table behind as freed memory.
  mutating func reserve(_ count: Int, bytes: Int, slotsFor sure: Int = 0) {
    arena.reserveCapacity(bytes)
    starts.reserveCapacity(count)
    ends.reserveCapacity(count)
    hashes.reserveCapacity(count)
    var wanted = slots.count
    while wanted < sure * 2 && wanted < 1 << 24 { wanted *= 2 }
    if wanted > slots.count { resize(to: wanted) }
  }

  /// Finds a name.
  /// - Parameter name: The name bytes.
  /// - Returns: Its id, or nil.
  func find(_ name: UnsafeBufferPointer<UInt8>) -> ID? {
    find(name, hash: HashOrder.hash(name))
  }

  /// Finds a name whose hash (`HashOrder.hash(name)`) is known.
  func find(_ name: UnsafeBufferPointer<UInt8>, hash: UInt64) -> ID? {
    NameTable.id(inSlot: slots[probe(name, hash: hash)])
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
    intern(name, fileOffset: nil)
  }

  /// Names read from `file` may stay there: a table of many main.cf names
  /// then holds no second copy of them.
  mutating func keepNames(in file: FileBytes) { self.file = file }

  /// Finds or adds a name that is `file[fileOffset...]` (see
  /// ``keepNames(in:)``); a new one is kept as that range, not copied.
  /// - Parameters:
  ///   - name: The name bytes.
  ///   - fileOffset: Where `name` starts in the file, or nil to copy it.
  /// - Returns: Its id.
  mutating func intern(_ name: UnsafeBufferPointer<UInt8>, fileOffset: Int?) -> ID {
    intern(name, hash: HashOrder.hash(name), fileOffset: fileOffset)
  }

  /// ``intern(_:fileOffset:)`` for a name whose hash (`HashOrder.hash(name)`)
  /// is known.
  mutating func intern(_ name: UnsafeBufferPointer<UInt8>, hash: UInt64, fileOffset: Int?) -> ID {
    var slot = probe(name, hash: hash)
    if let id = NameTable.id(inSlot: slots[slot]) { return id }
    if (starts.count + 1) * 2 > slots.count {
      grow()
      slot = probe(name, hash: hash)
    }
    let id = ID(starts.count)
    if let fileOffset, let file, fileOffset >= 0,
      fileOffset + name.count <= min(file.count, Int(Self.inFile - 1)),
      file.withUnsafeBufferPointer({
        UnsafeBufferPointer(rebasing: $0[fileOffset..<(fileOffset + name.count)])
          .hasSameBytes(as: name)
      })
    {
      starts.append(UInt32(fileOffset) | Self.inFile)
      ends.append(UInt32(fileOffset + name.count))
    } else {
      starts.append(UInt32(arena.count))
      arena.append(contentsOf: name)
      ends.append(UInt32(arena.count))
    }
    hashes.append(hash)
    slots[slot] = NameTable.slotValue(id: id, hash: hash)
    return id
  }

  /// Starts fetching the slot a name of this hash is looked for first, so
  /// that its lookup, a few names later, need not wait for memory.
  func prefetch(hash: UInt64) {
    Prefetch.read(slots, at: NameTable.spread(hash) & (slots.count - 1))
  }

  /// Starts fetching where the name `id` is kept, before it is read.
  func prefetch(_ id: ID) {
    Prefetch.read(starts, at: Int(id))
    Prefetch.read(ends, at: Int(id))
  }

  /// Starts fetching the bytes of the name `id` (its start is read now: it
  /// should have been fetched, by ``prefetch(_:)``, a little earlier).
  func prefetchBytes(_ id: ID) {
    let index = Int(id)
    guard index >= 0, index < starts.count else { return }
    let start = starts[index]
    let offset = Int(start & ~Self.inFile)
    withStorage { arenaBytes, fileBytes in
      Prefetch.read(start & Self.inFile != 0 ? fileBytes : arenaBytes, at: offset)
    }
  }

  /// The flag in ``starts`` of a name kept in ``file``.
  private static let inFile: UInt32 = 1 << 31

  /// Calls `body` with the arena and the file's bytes (empty without one).
  func withStorage<R>(
    _ body: (UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<UInt8>) -> R
  ) -> R {
    arena.withUnsafeBufferPointer { arenaBytes in
      guard let file else { return body(arenaBytes, UnsafeBufferPointer(start: nil, count: 0)) }
      return file.withUnsafeBufferPointer { body(arenaBytes, $0) }
    }
  }

  /// Name `index`'s bytes in the storage `withStorage` gives.
  func stored(
    _ index: Int, _ arenaBytes: UnsafeBufferPointer<UInt8>,
    _ fileBytes: UnsafeBufferPointer<UInt8>
  ) -> UnsafeBufferPointer<UInt8> {
    let start = starts[index]
    let end = Int(ends[index])
    if start & Self.inFile != 0 {
      return UnsafeBufferPointer(rebasing: fileBytes[Int(start & ~Self.inFile)..<end])
    }
    return UnsafeBufferPointer(rebasing: arenaBytes[Int(start)..<end])
  }

  mutating func intern(_ name: [UInt8]) -> ID { name.withUnsafeBufferPointer { intern($0) } }

  mutating func intern(_ name: String) -> ID {
    var name = name
    return name.withUTF8 { intern($0) }
  }

  /// Calls `body` with the bytes of the name `id`.
  func withName<R>(_ id: ID, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
    withStorage { body(stored(Int(id), $0, $1)) }
  }

  /// Whether the name `id` is `name`; names of another length are told
  /// apart without reading their bytes.
  func name(_ id: ID, equals name: UnsafeBufferPointer<UInt8>) -> Bool {
    guard length(id) == name.count else { return false }
    return withName(id) { $0.hasSameBytes(as: name) }
  }

  /// The length of the name `id`.
  func length(_ id: ID) -> Int {
    Int(ends[Int(id)]) - Int(starts[Int(id)] & ~Self.inFile)
  }

  /// The name's bytes.
  func bytes(_ id: ID) -> [UInt8] {
    withName(id) { Array($0) }
  }

  /// The name decoded as UTF-8.
  func string(_ id: ID) -> String {
    withName(id) { String(decoding: $0, as: UTF8.self) }
  }

  static func bytewiseLess(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>)
    -> Bool
  {
    let common = min(a.count, b.count)
    var index = 0
    while index < common {
      let x = a[index]
      let y = b[index]
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
    return withStorage { arenaBytes, fileBytes in
      // At most half the slots are taken, so an empty slot ends the loop.
      while true {
        let entry = slots[slot]
        if entry == 0 { return slot }
        if entry & 0xFFFF_FFFF_0000_0000 == tag {
          let index = Int(entry & 0xFFFF_FFFF) - 1
          if stored(index, arenaBytes, fileBytes).hasSameBytes(as: name) { return slot }
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

  private mutating func grow() { resize(to: slots.count * 2) }

  // Rebuilds the slots at `size` (a power of two holding twice the names).
  private mutating func resize(to size: Int) {
    slots = Array(repeating: 0, count: size)
    let mask = slots.count - 1
    for index in 0..<starts.count {
      var slot = NameTable.spread(hashes[index]) & mask
      while slots[slot] != 0 { slot = (slot + 1) & mask }
      slots[slot] = NameTable.slotValue(id: ID(index), hash: hashes[index])
    }
  }
}
