/// A lossless `main.cf` document.
///
/// The document keeps the file's bytes exactly as given: ``serialized()`` returns
/// them unchanged for every input (CR, LF and CRLF line ends, NUL bytes, invalid
/// UTF-8, a missing final newline, text Postfix rejects). On top of the bytes it
/// records Postfix's reading of them, measured on Postfix 3.7.11:
///
/// - physical lines end at `\n`; `\r` is ordinary whitespace;
/// - a line that is empty, all whitespace, or whose first non-whitespace byte is
///   `#` is skipped and does not end the entry it sits in;
/// - a line that starts with whitespace continues the current entry (its bytes,
///   leading whitespace included, are appended verbatim);
/// - the joined text is cut at its first NUL byte and split at the first `=`
///   into a name and a value trimmed of whitespace; there are no trailing
///   comments;
/// - duplicate names: the last definition wins.
///
/// Parsing never fails; problems Postfix would report are available from
/// ``diagnostics(path:)``. Parsing and lookups run in linear time.
public struct MainCF: Sendable, Equatable {
  /// The largest `main.cf` the library reads (64 MiB).
  public static let maximumSize: Int = 64 << 20

  let bytes: [UInt8]
  /// Logical-line texts that span several physical lines, joined as Postfix joins them.
  let joined: [UInt8]
  /// Logical lines in file order (entries, orphan text, malformed lines).
  let logicalLines: [MainCFLogicalLine]
  /// For each entry (a logical line of kind `.entry`), its index in `logicalLines`.
  /// (32 bits: a line number of a file of at most 64 MiB.)
  let entryLines: [UInt32]
  /// For each entry, the index of the previous entry with the same name, or -1.
  let previousDefinition: [Int32]
  /// Name lookup over entries.
  let index: MainCFNameIndex
  /// For each entry, its slot in `index`.
  let slotOfEntry: [Int32]

  /// Parses `bytes`; never fails.
  /// - Parameter bytes: The file content, any bytes.
  public init(bytes: [UInt8]) {
    self.bytes = bytes
    var scanner = MainCFScanner()
    var collector = MainCFLineCollector()
    bytes.withUnsafeBufferPointer { buffer in
      // At most one logical line per physical line: reserving that avoids
      // the copies of growth by doubling (pages never written stay unmapped).
      let lines = MainCFLexing.count(MainCFLexing.newline, in: buffer) + 1
      collector.lines.reserveCapacity(lines)
      collector.entryLines.reserveCapacity(lines)
      scanner.scan(buffer, into: &collector)
    }
    joined = scanner.joined
    logicalLines = collector.lines
    entryLines = collector.entryLines
    let built = MainCFNameIndex.build(
      bytes: bytes, joined: scanner.joined, lines: collector.lines,
      entryLines: collector.entryLines)
    index = built.index
    previousDefinition = built.previous
    slotOfEntry = built.slotOfEntry
  }

  /// The document's bytes, identical to the bytes it was created from.
  /// - Returns: The file content.
  public func serialized() -> [UInt8] { bytes }

  /// The number of physical lines (a final piece without `\n` counts as a line).
  public var lineCount: Int {
    let newlines = bytes.withUnsafeBufferPointer {
      MainCFLexing.count(MainCFLexing.newline, in: $0)
    }
    let unterminated = bytes.last.map { $0 != MainCFLexing.newline } ?? false
    return newlines + (unterminated ? 1 : 0)
  }

  /// The well-formed entries in file order, duplicates included.
  ///
  /// Text Postfix rejects (a line without `=`, indented text before any entry) is
  /// not an entry; see ``diagnostics(path:)``. Postfix refuses to read past a
  /// fatal error, but the document still lists the entries after it, and
  /// ``value(of:)`` and ``parameters`` consider them too: check the diagnostics
  /// for a fatal one before trusting the table.
  public var entries: [MainCFEntry] {
    entryLines.map { makeEntry(logicalLines[Int($0)]) }
  }

  /// The value Postfix stores for `name` (the last definition), or `nil` if the
  /// file does not define it.
  /// - Parameter name: The parameter name, compared byte for byte.
  /// - Returns: The raw value: continuation lines joined verbatim, cut at NUL, trimmed.
  public func value(of name: String) -> [UInt8]? {
    value(ofName: Array(name.utf8))
  }

  /// The value Postfix stores for the name given as bytes, or `nil`.
  /// - Parameter name: The parameter name bytes.
  /// - Returns: The raw value of the last definition.
  public func value(ofName name: [UInt8]) -> [UInt8]? {
    guard let slot = lookup(name) else { return nil }
    return valueBytes(logicalLines[Int(entryLines[slot.last])])
  }

  /// Every entry that defines `name`, in file order (the last one is the
  /// effective definition); empty when the file does not define it.
  ///
  /// Runs in time proportional to the number of definitions, not the file.
  /// - Parameter name: The parameter name, compared byte for byte.
  /// - Returns: The entries.
  public func definitions(of name: String) -> [MainCFEntry] {
    guard let slot = lookup(Array(name.utf8)) else { return [] }
    var positions: [Int] = []
    var position = slot.last
    // Each step moves to an earlier entry, so the walk ends.
    while position >= 0 {
      positions.append(position)
      position = Int(previousDefinition[position])
    }
    return positions.reversed().map { makeEntry(logicalLines[Int(entryLines[$0])]) }
  }

  /// The effective parameter table, one row per name.
  ///
  /// Each row holds the last definition's value and first line; rows are in
  /// the order in which names first appear.
  /// Names are decoded as UTF-8; ``effectiveEntries`` keeps their bytes.
  public var parameters: [(name: String, value: [UInt8], line: Int)] {
    effectiveEntries.map { ($0.name, $0.value, $0.line) }
  }

  /// The entry that defines each name (its last definition), in the order in
  /// which names first appear in the file.
  public var effectiveEntries: [MainCFEntry] {
    var result: [MainCFEntry] = []
    result.reserveCapacity(index.count)
    forEachEffectiveEntry { result.append($0) }
    return result
  }

  /// Visits ``effectiveEntries`` one at a time, in the same order, without
  /// holding them all (200,000 entries of a large file take tens of megabytes).
  /// - Parameter body: Receives each entry.
  package func forEachEffectiveEntry(_ body: (MainCFEntry) throws -> Void) rethrows {
    for (position, previous) in previousDefinition.enumerated() where previous < 0 {
      let slot = index.slot(at: Int(slotOfEntry[position]))
      try body(makeEntry(logicalLines[Int(entryLines[slot.last])]))
    }
  }

  public static func == (lhs: MainCF, rhs: MainCF) -> Bool { lhs.bytes == rhs.bytes }

  // MARK: - Internal access

  func lookup(_ name: [UInt8]) -> MainCFNameIndex.Slot? {
    name.withUnsafeBufferPointer { key in
      bytes.withUnsafeBufferPointer { bytesBuffer in
        joined.withUnsafeBufferPointer { joinedBuffer in
          index.find(
            key, bytes: bytesBuffer, joined: joinedBuffer, lines: logicalLines,
            entryLines: entryLines)
        }
      }
    }
  }

  /// The first line of the entry that defines `name` (its last definition),
  /// found through the name index; nil when the file does not define it.
  package func effectiveLine(ofName name: [UInt8]) -> Int? {
    guard let slot = lookup(name) else { return nil }
    return logicalLines[Int(entryLines[slot.last])].firstLine
  }

  func storage(_ line: MainCFLogicalLine) -> [UInt8] { line.inJoined ? joined : bytes }

  func nameBytes(_ line: MainCFLogicalLine) -> [UInt8] {
    Array(storage(line)[line.nameStart..<line.nameEnd])
  }

  func valueBytes(_ line: MainCFLogicalLine) -> [UInt8] {
    Array(storage(line)[line.valueStart..<line.valueEnd])
  }

  /// The logical line's text with C-string semantics (cut at the first NUL).
  func cText(_ line: MainCFLogicalLine) -> ArraySlice<UInt8> {
    storage(line)[line.textStart..<line.textCEnd]
  }

  func makeEntry(_ line: MainCFLogicalLine) -> MainCFEntry {
    MainCFEntry(
      nameBytes: nameBytes(line), value: valueBytes(line), line: line.firstLine,
      lines: line.firstLine...line.lastLine, byteRange: line.byteStart..<line.byteEnd)
  }
}
