extension NameTable {
  /// The ids sorted by name, bytewise as postconf lists them.
  ///
  /// Each name gets an 8-byte key: four of its bytes, big-endian (integer
  /// order is byte order, and a shorter name, padded with zeros, sorts
  /// first), and its id. The keys are sorted in place, with no merge
  /// buffer. Names whose four bytes are equal are then keyed again on their
  /// next four and that run alone sorted again, and so on (a run already in
  /// order, such as names that share those bytes too, costs one pass): a
  /// comparison never reads a name, and the key stays small however long
  /// the names' common prefixes are. A run of names that all end within
  /// their equal bytes (they differ only by NUL bytes) is sorted by
  /// comparing the names themselves.
  /// - Parameter ids: Ids of this table, each at most once.
  /// - Returns: The same ids, sorted by name.
  func sorted(_ ids: consuming [ID]) -> [ID] {
    var result = ids
    guard result.count > 1 else { return result }
    var keys: [NameSortKey] = []
    keys.reserveCapacity(result.count)
    withStorage { arena, file in
      for id in result {
        keys.append(NameSortKey(stored(Int(id), arena, file), from: 0, id: id))
      }
      keys.withUnsafeMutableBufferPointer { keys in
        NameSortKey.sort(keys, 0..<keys.count)
        // Ranges whose runs of equal keys are still to be told apart: the
        // offset their keys were taken at, and where the search for runs
        // goes on. A run is keyed again and gone into at once, its range
        // kept to go on with after it: one level a key width deep, and each
        // run is keyed further on than the range it lies in, no further than
        // its longest name, so the loop ends.
        var pending: [(range: Range<Int>, offset: Int, from: Int)] = [(0..<keys.count, 0, 0)]
        ranges: while let (range, offset, from) = pending.popLast() {
          var start = from
          while start < range.upperBound {
            var end = start + 1
            while end < range.upperBound && NameSortKey.sameBytes(keys[end], keys[start]) {
              end += 1
            }
            if end - start > 1 {
              let next = offset + NameSortKey.width
              var longer = false
              for index in start..<end {
                let name = stored(Int(keys[index].id), arena, file)
                keys[index] = NameSortKey(name, from: next, id: keys[index].id)
                longer = longer || name.count > next
              }
              if longer {
                NameSortKey.sort(keys, start..<end)
                pending.append((range, offset, end))
                pending.append((start..<end, next, start))
                continue ranges
              }
              NameSortKey.heapsort(keys, start..<end) { left, right in
                NameTable.bytewiseLess(
                  stored(Int(left.id), arena, file), stored(Int(right.id), arena, file))
              }
            }
            start = end
          }
        }
      }
    }
    for index in keys.indices { result[index] = keys[index].id }
    return result
  }
}

/// A name's sort key, eight bytes.
///
/// ``width`` of the name's bytes from some offset, big-endian, in the upper
/// half, and its id in the lower half: a long listing's sort needs no more
/// than that, in place.
struct NameSortKey {
  /// How many bytes of the name a key holds.
  static let width = 4

  var bits: UInt64

  var id: NameTable.ID { NameTable.ID(bitPattern: UInt32(truncatingIfNeeded: bits)) }

  init(bits: UInt64) { self.bits = bits }

  /// The key of `name`'s bytes from `offset` (zeros past its end).
  init(_ name: UnsafeBufferPointer<UInt8>, from offset: Int, id: NameTable.ID) {
    var digits: UInt32 = 0
    if offset + NameSortKey.width <= name.count, let base = name.baseAddress {
      digits = UInt32(bigEndian: UnsafeRawPointer(base + offset).loadUnaligned(as: UInt32.self))
    } else {
      for index in offset..<(offset + NameSortKey.width) {
        digits = digits << 8 | (index < name.count ? UInt32(name[index]) : 0)
      }
    }
    bits = UInt64(digits) << 32 | UInt64(UInt32(bitPattern: id))
  }

  static func sameBytes(_ left: NameSortKey, _ right: NameSortKey) -> Bool {
    left.bits >> 32 == right.bits >> 32
  }

  /// Sorts `keys[range]` in place by their bytes, then ids.
  ///
  /// The ids only keep the order of keys of equal bytes fixed until they
  /// are told apart. Unstable: quicksort with a median of three, insertion sort for
  /// short ranges, heapsort past a depth of twice the range's bit width (so
  /// at most `n log n` comparisons). A range already in order is left after
  /// one pass; one with few keys out of order has those sorted apart and
  /// merged in.
  /// - Parameters:
  ///   - keys: The keys.
  ///   - range: The part to sort.
  ///   - depth: How deep quicksort may go before heapsort takes over (tests
  ///     lower it); nil for twice the range's bit width.
  static func sort(
    _ keys: UnsafeMutableBufferPointer<NameSortKey>, _ range: Range<Int>, depth: Int? = nil
  ) {
    guard let first = range.first else { return }
    // Keys below the greatest before them are strays; a range with none is
    // in order already.
    var top = keys[first].bits
    var strays = 0
    for index in range.dropFirst() {
      if keys[index].bits < top { strays += 1 } else { top = keys[index].bits }
    }
    if strays == 0 { return }
    let limit = depth ?? 2 * (Int.bitWidth - range.count.leadingZeroBitCount)
    guard strays <= range.count / 16 else {
      quicksort(keys, range, depth: limit)
      return
    }
    // Nearly in order (names a tool wrote in order, with a few others): the
    // keys in order move up to the front, the strays are sorted apart and
    // merged in from the back, in about `n` steps and `8 * strays` bytes.
    var strayKeys: [NameSortKey] = []
    strayKeys.reserveCapacity(strays)
    var write = first
    top = keys[first].bits
    for index in range {
      let key = keys[index]
      if key.bits < top {
        strayKeys.append(key)
      } else {
        top = key.bits
        keys[write] = key
        write += 1
      }
    }
    strayKeys.withUnsafeMutableBufferPointer { quicksort($0, 0..<$0.count, depth: limit) }
    var (kept, stray, out) = (write - 1, strayKeys.count - 1, range.upperBound - 1)
    while stray >= 0 {
      if kept >= first && keys[kept].bits > strayKeys[stray].bits {
        keys[out] = keys[kept]
        kept -= 1
      } else {
        keys[out] = strayKeys[stray]
        stray -= 1
      }
      out -= 1
    }
  }

  // Whole keys compared as integers, with no closure: the comparisons are
  // most of a long listing's sort.
  private static func less(_ left: NameSortKey, _ right: NameSortKey) -> Bool {
    left.bits < right.bits
  }

  private static func quicksort(
    _ keys: UnsafeMutableBufferPointer<NameSortKey>, _ range: Range<Int>, depth: Int
  ) {
    var (lower, upper, depth) = (range.lowerBound, range.upperBound, depth)
    // Each pass sorts the smaller part by recursion and keeps the larger.
    while upper - lower > 16 {
      if depth == 0 {
        heapsort(keys, lower..<upper, by: less)
        return
      }
      depth -= 1
      let last = upper - 1
      let middle = lower + (last - lower) / 2
      if less(keys[middle], keys[lower]) { keys.swapAt(middle, lower) }
      if less(keys[last], keys[middle]) {
        keys.swapAt(last, middle)
        if less(keys[middle], keys[lower]) { keys.swapAt(middle, lower) }
      }
      // Hoare's partition around the median: it returns `cut` with
      // `lower <= cut < last`, so both parts are shorter than the range.
      let pivot = keys[middle]
      var left = lower - 1
      var right = upper
      var cut = lower
      while true {
        repeat { left += 1 } while less(keys[left], pivot)
        repeat { right -= 1 } while less(pivot, keys[right])
        if left >= right {
          cut = right
          break
        }
        keys.swapAt(left, right)
      }
      if cut + 1 - lower < upper - (cut + 1) {
        quicksort(keys, lower..<(cut + 1), depth: depth)
        lower = cut + 1
      } else {
        quicksort(keys, (cut + 1)..<upper, depth: depth)
        upper = cut + 1
      }
    }
    // Insertion sort of what is left.
    var next = lower + 1
    while next < upper {
      let key = keys[next]
      var slot = next
      while slot > lower && less(key, keys[slot - 1]) {
        keys[slot] = keys[slot - 1]
        slot -= 1
      }
      keys[slot] = key
      next += 1
    }
  }

  /// Sorts `keys[range]` in place by `less`, in at most `n log n`
  /// comparisons and no memory.
  static func heapsort(
    _ keys: UnsafeMutableBufferPointer<NameSortKey>, _ range: Range<Int>,
    by less: (NameSortKey, NameSortKey) -> Bool
  ) {
    let base = range.lowerBound
    func siftDown(_ start: Int, _ count: Int) {
      var root = start
      while 2 * root + 1 < count {
        var child = 2 * root + 1
        if child + 1 < count && less(keys[base + child], keys[base + child + 1]) { child += 1 }
        guard less(keys[base + root], keys[base + child]) else { return }
        keys.swapAt(base + root, base + child)
        root = child
      }
    }
    let count = range.count
    var start = count / 2
    while start > 0 {
      start -= 1
      siftDown(start, count)
    }
    var end = count
    while end > 1 {
      end -= 1
      keys.swapAt(base, base + end)
      siftDown(0, end)
    }
  }
}
