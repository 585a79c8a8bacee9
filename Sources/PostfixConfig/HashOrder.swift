/// The iteration order of a Postfix hash table (`util/htable.c`) when Postfix
/// runs with `NORANDOMIZE=1` in its environment.
///
/// Postfix walks hash tables to append new names in `postconf -e` and to print
/// several warning lists (unused, undefined and read-only parameters). Without
/// `NORANDOMIZE` the hash is seeded per process and the order is random; with
/// it the order is reproducible and is what this type computes:
///
/// - hash: 64-bit FNV-1a variant (`hash_fnv.c`), basis `0xcbf29ce484222325`,
///   prime `0x100000001b3`, and each byte is XORed as `byte + 1`;
/// - bucket: `hash % size`; the table starts with `max(13, initialSize) | 1`
///   buckets and, when `used >= size` before an insertion, grows to
///   `(2 * size) | 1`, re-linking the old buckets in ascending order, each chain
///   from head to tail, every entry inserted at the head of its new chain;
/// - new entries go to the head of their chain; deletion unlinks in place;
/// - iteration: buckets in ascending order, each chain from head to tail
///   (newest first).
///
/// Postfix passes the table size when it creates a table: `postconf -e` uses the
/// number of command-line arguments.
struct HashOrder: Sendable, Equatable {
  private var buckets: [[[UInt8]]]
  private var used = 0

  /// Creates an empty table the way `htable_create(initialSize)` does.
  /// - Parameter initialSize: The size Postfix passes to `htable_create()`.
  init(initialSize: Int) {
    buckets = Array(repeating: [], count: max(13, initialSize) | 1)
  }

  /// The number of keys in the table.
  var count: Int { used }

  /// The keys in the order Postfix's `htable_list()` returns them.
  var keys: [[UInt8]] { buckets.flatMap { $0 } }

  /// Whether `key` is in the table.
  /// - Parameter key: The key bytes.
  /// - Returns: `true` if present.
  func contains(_ key: [UInt8]) -> Bool {
    buckets[bucket(of: key, size: buckets.count)].contains(key)
  }

  /// Inserts `key` like `htable_enter()`.
  ///
  /// A key that is already present is first
  /// removed (as postconf does with `htable_delete()` before re-entering a name),
  /// so it moves to the head of its chain.
  /// - Parameter key: The key bytes.
  mutating func insert(_ key: [UInt8]) {
    remove(key)
    if used >= buckets.count { grow() }
    let target = bucket(of: key, size: buckets.count)
    buckets[target].insert(key, at: 0)
    used += 1
  }

  /// Removes `key` like `htable_delete()`; absent keys are ignored.
  /// - Parameter key: The key bytes.
  mutating func remove(_ key: [UInt8]) {
    let target = bucket(of: key, size: buckets.count)
    if let position = buckets[target].firstIndex(of: key) {
      buckets[target].remove(at: position)
      used -= 1
    }
  }

  /// Postfix's hash of `key` without a random seed.
  /// - Parameter key: The key bytes (a C string: Postfix never sees a NUL in a key).
  /// - Returns: The 64-bit hash value.
  static func hash<S: Sequence>(_ key: S) -> UInt64 where S.Element == UInt8 {
    var value: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in key {
      value ^= UInt64(byte) &+ 1
      value = value &* 0x100_0000_01b3
    }
    return value
  }

  /// The order in which Postfix lists distinct `keys` inserted in the given order.
  /// - Parameters:
  ///   - keys: The keys in insertion order; a repeated key is re-inserted.
  ///   - initialSize: The size passed to `htable_create()`.
  /// - Returns: Indices into `keys`, in listing order (for a repeated key, the
  ///   index of its last insertion).
  static func order(of keys: [[UInt8]], initialSize: Int) -> [Int] {
    var lastIndex: [ByteKey: Int] = [:]
    lastIndex.reserveCapacity(keys.count)
    for (position, key) in keys.enumerated() { lastIndex[ByteKey(key)] = position }
    if lastIndex.count == keys.count {
      return distinctOrder(hashes: keys.map { hash($0) }, initialSize: initialSize)
    }
    var table = HashOrder(initialSize: initialSize)
    for key in keys { table.insert(key) }
    return table.keys.compactMap { lastIndex[ByteKey($0)] }
  }

  /// The same simulation for keys known to be distinct, on their hashes only.
  ///
  /// Linear in the number of keys. Chains are singly linked lists in flat
  /// arrays (`head` per bucket, `next` per key), as in `htable.c`.
  static func distinctOrder(hashes: [UInt64], initialSize: Int) -> [Int] {
    distinctOrder(
      count: hashes.count, initialSize: initialSize, hash: { hashes[$0] }, element: { $0 })
  }

  /// ``distinctOrder(hashes:initialSize:)`` for `count` keys whose hashes
  /// `hash` gives by position, each position in the result made an element
  /// by `element`: no array of hashes or of positions is built on the way.
  static func distinctOrder<Element>(
    count: Int, initialSize: Int, hash: (Int) -> UInt64, element: (Int) -> Element
  ) -> [Element] {
    let places = places(count: count, initialSize: initialSize, hash: hash)
    return [Element](unsafeUninitializedCapacity: count) { buffer, initialized in
      if let base = buffer.baseAddress {
        for index in 0..<count { (base + Int(places[index])).initialize(to: element(index)) }
      }
      initialized = buffer.baseAddress == nil ? 0 : count
    }
  }

  /// Puts `keys`, distinct, in the order the simulation lists them, in
  /// their own memory: the list made for a large table is not a second copy.
  /// - Parameters:
  ///   - keys: The keys in order of insertion; on return, in listing order.
  ///   - initialSize: The size Postfix passes to `htable_create()`.
  ///   - hash: A key's hash (``hash(_:)`` of its bytes).
  static func reorder(_ keys: inout [Int32], initialSize: Int, hash: (Int32) -> UInt64) {
    var places = keys.withUnsafeBufferPointer { keys in
      self.places(count: keys.count, initialSize: initialSize) { hash(keys[$0]) }
    }
    // Each cycle of the permutation is followed once; a done position's
    // place becomes -1.
    for start in keys.indices where places[start] >= 0 {
      var carried = keys[start]
      var target = Int(places[start])
      places[start] = -1
      while target != start {
        swap(&carried, &keys[target])
        let following = Int(places[target])
        places[target] = -1
        target = following
      }
      keys[start] = carried
    }
  }

  /// Where each of `count` distinct keys, by position, comes in the table's
  /// listing (positions whose hashes `hash` gives).
  ///
  /// Linear in the number of keys. Chains are singly linked lists in flat
  /// arrays (`head` per bucket, `next` per key), as in `htable.c`; each
  /// entry's place is then written over its link, and the buckets are freed
  /// before the caller makes anything of the places.
  private static func places(count: Int, initialSize: Int, hash: (Int) -> UInt64) -> [Int32] {
    var size = max(13, initialSize) | 1
    // One table of the last size, of which the first `size` buckets are in
    // use: the tables the growth goes through are never made.
    var last = size
    while last < count { last = (2 * last) | 1 }
    var head = [Int32](repeating: -1, count: last)
    var next = [Int32](repeating: -1, count: count)
    for index in 0..<count {
      if index >= size {
        // Re-link the old buckets in ascending order, each chain from head to
        // tail, every entry going to the head of its new chain: the entries
        // are first strung in that order into one list, as the new buckets
        // overlap the old ones.
        var (first, tail): (Int32, Int32) = (-1, -1)
        for bucket in 0..<size {
          var entry = head[bucket]
          while entry >= 0 {
            if tail >= 0 { next[Int(tail)] = entry } else { first = entry }
            tail = entry
            entry = next[Int(entry)]
          }
        }
        if tail >= 0 { next[Int(tail)] = -1 }
        let grown = (2 * size) | 1
        for bucket in 0..<grown { head[bucket] = -1 }
        var entry = first
        while entry >= 0 {
          let following = next[Int(entry)]
          let target = Int(hash(Int(entry)) % UInt64(grown))
          next[Int(entry)] = head[target]
          head[target] = entry
          entry = following
        }
        size = grown
      }
      let target = Int(hash(index) % UInt64(size))
      next[index] = head[target]
      head[target] = Int32(index)
    }
    // Each entry's place in the walk (buckets in ascending order, each
    // chain from head to tail) is written over its link.
    var place: Int32 = 0
    for bucket in 0..<size {
      var entry = head[bucket]
      while entry >= 0 {
        let following = next[Int(entry)]
        next[Int(entry)] = place
        place += 1
        entry = following
      }
    }
    return next
  }

  private func bucket(of key: [UInt8], size: Int) -> Int {
    Int(HashOrder.hash(key) % UInt64(size))
  }

  private mutating func grow() {
    let old = buckets
    buckets = Array(repeating: [], count: (2 * old.count) | 1)
    for chain in old {
      for key in chain {
        buckets[bucket(of: key, size: buckets.count)].insert(key, at: 0)
      }
    }
  }
}
