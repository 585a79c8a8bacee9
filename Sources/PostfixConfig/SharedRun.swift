/// A run of elements that is either an array of its own or a part of an
/// array shared with other runs.
///
/// A file of many entries keeps their small per-entry lists (argument
/// spans, line layouts, merged overrides) as runs of a few shared arrays,
/// not as one allocation each: an allocation costs its header and the
/// allocator's rounding, which for a list of a few elements is as much as
/// the elements. Reading a run costs an addition per element; changing one
/// first copies it out of the shared array (``makeOwn()``), so no other run
/// sees the change.
struct SharedRun<Element> {
  /// The array the run is a part of (or all of).
  private(set) var store: [Element]
  /// Where the run starts in ``store``.
  private(set) var base: Int32
  /// How many elements the run has.
  private(set) var length: Int32

  /// An empty run.
  init() {
    store = []
    base = 0
    length = 0
  }

  /// A run that is all of `array`.
  init(_ array: [Element]) {
    store = array
    base = 0
    length = Int32(array.count)
  }

  /// A run of `count` elements from `base` of a store given later
  /// (``attach(_:)``); reading it before then traps.
  init(pendingAt base: Int, count: Int) {
    store = []
    self.base = Int32(base)
    length = Int32(count)
  }

  /// Sets the shared store of a run made by ``init(pendingAt:count:)``; a
  /// run with elements of its own keeps them.
  mutating func attach(_ shared: [Element]) {
    guard store.isEmpty else { return }
    precondition(Int(base) + Int(length) <= shared.count, "run outside its store")
    store = shared
  }

  /// Whether the run is all of its store (changing it then copies nothing
  /// that is not its own).
  var isWhole: Bool { base == 0 && Int(length) == store.count }

  /// Makes the run all of an array of its own.
  @inline(__always)
  mutating func makeOwn() {
    // Runs being built are whole: only the check is on their path.
    if !isWhole { copyOut() }
  }

  /// Copies the run out of the store it shares.
  @inline(never)
  private mutating func copyOut() {
    store = Array(elements)
    base = 0
  }

  /// The run's part of its store.
  private var elements: ArraySlice<Element> { store[Int(base)..<(Int(base) + Int(length))] }

  /// The elements as an array (the store itself when the run is all of it).
  var array: [Element] { isWhole ? store : Array(elements) }

  /// Appends `element` (copying the run out of a shared store first).
  @inline(__always)
  mutating func append(_ element: Element) {
    makeOwn()
    store.append(element)
    length += 1
  }

  /// Removes the elements from `index` on.
  mutating func removeSuffix(from index: Int) {
    makeOwn()
    store.removeSubrange(index...)
    length = Int32(store.count)
  }

  /// Room for `count` elements in a store of its own.
  mutating func reserveCapacity(_ count: Int) {
    makeOwn()
    store.reserveCapacity(count)
  }

  /// The first `count` elements, in the same store (nothing is copied).
  func prefix(_ count: Int) -> SharedRun {
    var result = self
    result.length = Int32(Swift.min(Swift.max(count, 0), Int(length)))
    return result
  }

  /// Moves the elements to the end of `shared` and leaves the run pending
  /// there: ``attach(_:)`` must give it `shared` once it is complete.
  mutating func move(to shared: inout [Element]) {
    let start = shared.count
    shared.append(contentsOf: elements)
    self = SharedRun(pendingAt: start, count: Int(length))
  }
}

extension SharedRun: RandomAccessCollection {
  var startIndex: Int { 0 }
  var endIndex: Int { Int(length) }

  subscript(index: Int) -> Element {
    get {
      precondition(UInt(bitPattern: index) < UInt(length), "index out of range")
      return store[Int(base) + index]
    }
    set {
      precondition(UInt(bitPattern: index) < UInt(length), "index out of range")
      makeOwn()
      store[index] = newValue
    }
  }
}

extension SharedRun: Sendable where Element: Sendable {}

extension SharedRun: Equatable where Element: Equatable {
  static func == (lhs: SharedRun, rhs: SharedRun) -> Bool { lhs.elementsEqual(rhs) }
}
