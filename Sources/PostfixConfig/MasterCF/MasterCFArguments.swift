// The normalised arguments of an entry, stored without one array each.

extension MasterCF {
  /// The normalised arguments of one entry.
  ///
  /// Each argument is a range of ``source`` (for an entry of a document,
  /// the document's bytes themselves, shared and not copied) or of
  /// ``extra``, which holds the bytes of the few arguments that are not a
  /// run of the source: those normalisation rewrote (`-vo…` split apart, a
  /// braced `{ name = value }` re-joined) and braced ones that span lines. A
  /// file of many entries costs one array of ranges per entry, not one
  /// array per argument, nor a copy of the entries' text.
  struct ArgumentList: Sendable, Equatable {
    /// One argument, and the offset in the entry's text of the source text
    /// it came from.
    struct Span: Sendable, Equatable {
      /// The start in ``ArgumentList/source``, or its complement (negative)
      /// for a start in ``ArgumentList/extra``.
      var start: Int32
      /// The end, complemented like ``start``.
      var end: Int32
      var offset: Int32

      /// A range of the source.
      init(source range: Range<Int>, offset: Int) {
        self.start = Int32(range.lowerBound)
        self.end = Int32(range.upperBound)
        self.offset = Int32(offset)
      }

      /// A range of the extra bytes.
      init(extra range: Range<Int>, offset: Int) {
        self.start = ~Int32(range.lowerBound)
        self.end = ~Int32(range.upperBound)
        self.offset = Int32(offset)
      }

      var isExtra: Bool { start < 0 }

      /// The range in the buffer the span is in.
      var range: Range<Int> { isExtra ? Int(~start)..<Int(~end) : Int(start)..<Int(end) }

      var count: Int { Int(isExtra ? ~end - ~start : end - start) }

      /// Bytes `lower..<upper` of the span (counted from its start), in the same buffer.
      func part(_ lower: Int, _ upper: Int, offset: Int) -> Span {
        let base = range.lowerBound
        let part = (base + lower)..<(base + upper)
        return isExtra ? Span(extra: part, offset: offset) : Span(source: part, offset: offset)
      }
    }

    /// Pointers to both buffers, for loops that read many arguments.
    struct Buffers {
      let source: UnsafeBufferPointer<UInt8>
      let extra: UnsafeBufferPointer<UInt8>

      subscript(span: Span) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(rebasing: span.isExtra ? extra[span.range] : source[span.range])
      }
    }

    /// The bytes most arguments are ranges of.
    private(set) var source: [UInt8]
    /// Bytes of arguments that are not ranges of ``source``.
    private(set) var extra: [UInt8] = []
    /// The arguments, in order: a run of the spans of every entry of a
    /// document, or of their own once changed.
    private(set) var spans = SharedRun<Span>()
    /// Whether no argument can hold a blank: set by the parser for an
    /// entry whose text has no brace (tokens end at blanks, and only braces
    /// group them), cleared by every change.
    var isBlankFree = false

    static func == (lhs: ArgumentList, rhs: ArgumentList) -> Bool {
      lhs.source == rhs.source && lhs.extra == rhs.extra && lhs.spans == rhs.spans
    }

    /// An empty list over `source`.
    init(source: [UInt8]) {
      self.source = source
    }

    /// A list of `spans` over `source` and `extra`.
    init(source: [UInt8], extra: [UInt8], spans: [Span]) {
      self.source = source
      self.extra = extra
      self.spans = SharedRun(spans)
    }

    /// A list holding copies of `arguments` (offsets 0).
    init(arrays arguments: [[UInt8]]) {
      var source: [UInt8] = []
      source.reserveCapacity(arguments.reduce(0) { $0 + $1.count })
      var spans: [Span] = []
      spans.reserveCapacity(arguments.count)
      for argument in arguments {
        let start = source.count
        source.append(contentsOf: argument)
        spans.append(Span(source: start..<source.count, offset: 0))
      }
      self.source = source
      self.spans = SharedRun(spans)
    }

    /// The same buffers with the first `count` arguments.
    func prefix(_ count: Int) -> ArgumentList {
      var result = self
      result.spans = spans.prefix(count)
      return result
    }

    var count: Int { spans.count }

    var isEmpty: Bool { spans.isEmpty }

    /// The bytes of argument `index`.
    subscript(index: Int) -> ArraySlice<UInt8> { bytes(spans[index]) }

    /// The offset in the entry's text of argument `index`'s source text.
    func offset(_ index: Int) -> Int { Int(spans[index].offset) }

    /// Every argument as its own array.
    var arrays: [[UInt8]] { spans.map { Array(bytes($0)) } }

    /// The bytes of `span`.
    func bytes(_ span: Span) -> ArraySlice<UInt8> {
      span.isExtra ? extra[span.range] : source[span.range]
    }

    /// Calls `body` with pointers to both buffers.
    func withBuffers<R>(_ body: (Buffers) throws -> R) rethrows -> R {
      try source.withUnsafeBufferPointer { source in
        try extra.withUnsafeBufferPointer { extra in
          try body(Buffers(source: source, extra: extra))
        }
      }
    }

    mutating func reserveCapacity(_ count: Int) { spans.reserveCapacity(count) }

    /// Moves the spans to the end of `shared`, where they stay once
    /// ``attachSpans(_:)`` gives it back (see ``SharedRun/move(to:)``).
    mutating func moveSpans(to shared: inout [Span]) { spans.move(to: &shared) }

    /// Gives the spans moved by ``moveSpans(to:)`` their complete store.
    mutating func attachSpans(_ shared: [Span]) { spans.attach(shared) }

    /// Appends an argument already in the buffers.
    mutating func append(_ span: Span) {
      isBlankFree = false
      spans.append(span)
    }

    /// Appends `bytes` to ``extra`` and returns their span (not yet an argument).
    mutating func store<C: Collection>(_ bytes: C, offset: Int) -> Span
    where C.Element == UInt8 {
      isBlankFree = false
      let start = extra.count
      extra.append(contentsOf: bytes)
      return Span(extra: start..<extra.count, offset: offset)
    }

    /// Appends an argument with new bytes.
    mutating func append<C: Collection>(bytes: C, offset: Int) where C.Element == UInt8 {
      spans.append(store(bytes, offset: offset))
    }

    /// Replaces the bytes of argument `index`, keeping its offset.
    mutating func replace(_ index: Int, with bytes: [UInt8]) {
      spans[index] = store(bytes, offset: offset(index))
    }

    /// Removes the arguments from `index` on.
    mutating func removeArguments(from index: Int) {
      isBlankFree = false
      spans.removeSuffix(from: index)
    }

    /// Appends the blank-separated tokens of `text` (braces group), each
    /// with its offset in `text`.
    mutating func appendTokens(of text: [UInt8]) {
      isBlankFree = false
      let base = extra.count
      extra.append(contentsOf: text)
      for range in MasterCF.argumentRanges(text[...]) {
        spans.append(
          Span(
            extra: (range.lowerBound + base)..<(range.upperBound + base), offset: range.lowerBound))
      }
    }
  }

  /// The `-o` overrides of `argv` with each name once, in order of first
  /// appearance, with the value and offset of its last one (as a
  /// dictionary filled in order would hold them), as spans of its buffers.
  /// - Parameter argv: A normalised argument vector.
  /// - Returns: The merged overrides.
  static func mergeOverrides(of argv: ArgumentList) -> [Entry.OverrideSpans] {
    var merger = NameMerger<Entry.OverrideSpans>()
    argv.withBuffers { buffers in
      Entry.forEachOverrideSpans(of: argv, in: buffers) { override in
        let name = buffers[override.name]
        guard
          let position = merger.insert(
            override, isNamed: { buffers[$0.name].hasSameBytes(as: name) },
            name: { Array(buffers[$0.name]) })
        else { return }
        merger.items[position].value = override.value
        merger.items[position].offset = override.offset
      }
    }
    return merger.items
  }

  /// Items kept by name, in order of first appearance.
  ///
  /// This is the `-o` merging that a dictionary filled in order does. A few
  /// names are found by a search from the start; past that, by an index of
  /// their bytes.
  struct NameMerger<Item> {
    static var linearLimit: Int { 16 }
    /// The items; a caller may change one, but not its name.
    var items: [Item] = []
    private var positions: [ByteKey: Int] = [:]

    /// Appends `item`, unless an item of its name is held: then returns
    /// that one's position, for the caller to update.
    /// - Parameters:
    ///   - item: The new item.
    ///   - isNamed: Whether a held item has `item`'s name.
    ///   - name: An item's name bytes (for the index).
    /// - Returns: The position of the held item of that name, or nil.
    mutating func insert(
      _ item: Item, isNamed: (Item) -> Bool, name: (Item) -> [UInt8]
    ) -> Int? {
      let position =
        items.count <= Self.linearLimit
        ? items.firstIndex(where: isNamed) : positions[ByteKey(name(item))]
      if let position { return position }
      items.append(item)
      if items.count == Self.linearLimit + 1 {
        for (index, held) in items.enumerated() { positions[ByteKey(name(held))] = index }
      } else if items.count > Self.linearLimit + 1 {
        positions[ByteKey(name(item))] = items.count - 1
      }
      return nil
    }
  }

  /// Whether two byte slices are equal, compared with one `memcmp`.
  static func sameBytes(_ lhs: ArraySlice<UInt8>, _ rhs: ArraySlice<UInt8>) -> Bool {
    guard lhs.count == rhs.count else { return false }
    return lhs.withUnsafeBufferPointer { left in
      rhs.withUnsafeBufferPointer { right in left.hasSameBytes(as: right) }
    }
  }
}
