// Output of `postconf -M`, `-F` and `-P` (`pcf_print_master_entry`,
// `pcf_print_master_field`, `pcf_print_master_param`).

/// Where formatted master.cf text goes: an array, or room made beforehand.
protocol ByteSink {
  mutating func put(_ byte: UInt8)
  mutating func put(_ bytes: UnsafeBufferPointer<UInt8>)
}

extension Array: ByteSink where Element == UInt8 {
  mutating func put(_ byte: UInt8) { append(byte) }
  mutating func put(_ bytes: UnsafeBufferPointer<UInt8>) { append(contentsOf: bytes) }
}

/// Writes into memory with room for `capacity` bytes; writing more is a
/// programming error, stopped before it reaches past the room.
struct RoomSink: ByteSink {
  let base: UnsafeMutablePointer<UInt8>
  let capacity: Int
  private(set) var count = 0

  init(base: UnsafeMutablePointer<UInt8>, capacity: Int) {
    self.base = base
    self.capacity = capacity
  }

  mutating func put(_ byte: UInt8) {
    precondition(count < capacity, "formatted text longer than its room")
    base[count] = byte
    count += 1
  }

  mutating func put(_ bytes: UnsafeBufferPointer<UInt8>) {
    precondition(bytes.count <= capacity - count, "formatted text longer than its room")
    if let source = bytes.baseAddress { (base + count).update(from: source, count: bytes.count) }
    count += bytes.count
  }
}

extension MasterCF {
  /// What a display command produced.
  ///
  /// The stdout bytes and the diagnostics postconf prints to stderr (in
  /// order). When a diagnostic is fatal the
  /// output is empty, as postconf exits before flushing it.
  public struct Report: Sendable, Equatable {
    /// The bytes postconf writes to stdout.
    public var output: [UInt8]
    /// Warnings and at most one (final) fatal diagnostic.
    public var diagnostics: [Diagnostic]
    /// Whether postconf would exit with status 1.
    public var isFatal: Bool { diagnostics.contains { $0.severity == .fatal } }
  }

  /// Expands `$name` in a `-o` value as seen by one service.
  ///
  /// Used by `-Mx`, `-Fx` and `-Px`; returns nil when expansion fails. The entry gives the service
  /// scope: its name, its command and its other `-o` values.
  public typealias Expander = @Sendable (_ value: [UInt8], _ entry: Entry) -> [UInt8]?

  static let lineLimit = 80
  static let indent = 4
  static let columnGoals = [0, 11, 17, 25, 33, 41, 49, 57]

  /// Formats the command arguments (from index 8) the way postconf does,
  /// except that the first non-option argument is braced when it has blanks
  /// outside braces (postconf prints it bare, which splits it on re-reading).
  static func appendArguments<Sink: ByteSink>(
    _ argv: ArgumentList, to out: inout Sink, lineLength: inout Int, fold: Bool,
    optionExtra: Int, expandOption: (([UInt8]) -> [UInt8]?)?
  ) -> Bool {
    let spans = argv.spans
    let count = spans.count
    return argv.withBuffers { buffers in
      var inOptions = true
      var index = 8
      while index < count {
        let arg = buffers[spans[index]]
        var argLength = arg.count
        var value: UnsafeBufferPointer<UInt8>?
        var expanded: [UInt8]?
        var needBraces = false
        if inOptions {
          let second = arg.count > 1 ? arg[1] : 0
          if arg.first != UInt8(ascii: "-") || (arg.count == 2 && second == UInt8(ascii: "-")) {
            inOptions = false
            // postconf never braces this argument; brace it only when it would
            // otherwise re-parse as several arguments.
            needBraces =
              !argv.isBlankFree && containsBlank(arg) && argumentRanges(argv[index]).count != 1
          } else if arg.count < 2 || second == UInt8(ascii: "o"), index + 1 < count {
            lineLength = lineLimit
            let optionValue = buffers[spans[index + 1]]
            var valueCount = optionValue.count
            if arg.count == 2 && second == UInt8(ascii: "o"), let expandOption {
              guard let text = expandOption(Array(optionValue)) else { return false }
              expanded = text
              valueCount = text.count
              needBraces = containsBlank(text)
            } else {
              needBraces = !argv.isBlankFree && containsBlank(optionValue)
            }
            argLength += valueCount + optionExtra
            if needBraces { argLength += 2 }
            value = optionValue
          }
        } else {
          needBraces = !argv.isBlankFree && containsBlank(arg)
        }
        if lineLength > indent {
          if !fold || lineLength + 1 + argLength < lineLimit {
            out.put(0x20)
            lineLength += 1
          } else {
            out.put(0x0A)
            for _ in 0..<indent { out.put(0x20) }
            lineLength = indent
          }
        }
        let braceArgument = !inOptions && needBraces
        if braceArgument { out.put(UInt8(ascii: "{")) }
        out.put(arg)
        if braceArgument { out.put(UInt8(ascii: "}")) }
        lineLength += arg.count + (braceArgument ? 2 : 0)
        if let value {
          out.put(0x20)
          if needBraces { out.put(UInt8(ascii: "{")) }
          if let expanded {
            expanded.withUnsafeBufferPointer { out.put($0) }
          } else {
            out.put(value)
          }
          if needBraces { out.put(UInt8(ascii: "}")) }
          index += 1
          lineLength = lineLimit
        }
        index += 1
      }
      return true
    }
  }

  /// One entry in `postconf -M` format (`-Mf` when `fold`), ending with `\n`.
  static func formatEntry(
    _ argv: ArgumentList, fold: Bool, expandOption: (([UInt8]) -> [UInt8]?)? = nil
  ) -> [UInt8]? {
    var out: [UInt8] = []
    return appendEntry(argv, to: &out, fold: fold, expandOption: expandOption) ? out : nil
  }

  /// Appends one entry in `postconf -M` format (`-Mf` when `fold`), ending
  /// with `\n`, to `out`; false when expanding an option failed.
  ///
  /// Without expansion the entry's length has a bound (each argument, a
  /// separator or fold, and braces; the column padding), so room for it is
  /// made once and the bytes are written there.
  static func appendEntry(
    _ argv: ArgumentList, to out: inout [UInt8], fold: Bool,
    expandOption: (([UInt8]) -> [UInt8]?)?
  ) -> Bool {
    guard expandOption == nil, argv.count >= 8 else {
      return writeEntry(argv, to: &out, fold: fold, expandOption: expandOption)
    }
    var bound = columnGoals[7] + 9
    for span in argv.spans { bound += span.count + 8 }
    let origin = out.count
    out.append(contentsOf: repeatElement(0, count: bound))
    var written = 0
    out.withUnsafeMutableBufferPointer { buffer in
      guard let base = buffer.baseAddress else { return }
      var room = RoomSink(base: base + origin, capacity: bound)
      _ = writeEntry(argv, to: &room, fold: fold, expandOption: nil)
      written = room.count
    }
    out.removeLast(bound - written)
    return true
  }

  /// ``appendEntry(_:to:fold:expandOption:)`` to any sink.
  static func writeEntry<Sink: ByteSink>(
    _ argv: ArgumentList, to out: inout Sink, fold: Bool,
    expandOption: (([UInt8]) -> [UInt8]?)?
  ) -> Bool {
    var lineLength = 0
    let written = argv.withBuffers { buffers in
      for field in 0..<8 {
        if lineLength > 0 {
          repeat {
            out.put(0x20)
            lineLength += 1
          } while lineLength < columnGoals[field]
        }
        let bytes = buffers[argv.spans[field]]
        out.put(bytes)
        lineLength += bytes.count
      }
      return appendArguments(
        argv, to: &out, lineLength: &lineLength, fold: fold, optionExtra: 3,
        expandOption: expandOption)
    }
    guard written else { return false }
    out.put(0x0A)
    return true
  }

  /// Formats an entry's arguments in the folded `postconf -Mf` layout that
  /// edits write back.
  /// - Parameter arguments: The normalised argument vector (at least 8 items).
  /// - Returns: The formatted entry, ending with a newline.
  public static func formatEntry(_ arguments: [[UInt8]]) -> [UInt8] {
    guard arguments.count >= 8 else { return [] }
    return formatEntry(ArgumentList(arrays: arguments), fold: true) ?? []
  }

  /// Section 3.2's `pcf_print_line`: words at space/TAB/CR/LF re-joined with
  /// single spaces; with `fold`, lines stay within 80 columns.
  static func printLine(_ text: [UInt8], fold: Bool) -> [UInt8] {
    var out: [UInt8] = []
    var lineLength = 0
    var index = 0
    while index < text.count {
      while index < text.count && isBlank(text[index]) { index += 1 }
      if index >= text.count { break }
      let start = index
      while index < text.count && !isBlank(text[index]) { index += 1 }
      let wordLength = index - start
      if lineLength > 0 {
        if !fold || lineLength + wordLength < lineLimit {
          out.append(0x20)
          lineLength += 1
        } else {
          out.append(contentsOf: bytes("\n    "))
          lineLength = indent
        }
      }
      out.append(contentsOf: text[start..<index])
      lineLength += wordLength
    }
    out.append(0x0A)
    return out
  }

  /// `pcf_parse_service_pattern`: components at `/` (empty ones skipped),
  /// between `min` and `max` of them, padded with `*`.
  static func parsePattern(_ pattern: [UInt8], min: Int, max: Int) -> [[UInt8]]? {
    if pattern.first == UInt8(ascii: "/") { return nil }
    var parts = pattern.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: true)
      .map { Array($0) }
    if parts.count < min || parts.count > max { return nil }
    while parts.count < max { parts.append([UInt8(ascii: "*")]) }
    return parts
  }

  static func isWildcard(_ component: [UInt8]) -> Bool { component == [UInt8(ascii: "*")] }

  static func matches(
    _ pattern: [[UInt8]], service: ArraySlice<UInt8>, type: ArraySlice<UInt8>
  ) -> Bool {
    (isWildcard(pattern[0]) || pattern[0].elementsEqual(service))
      && (isWildcard(pattern[1]) || pattern[1].elementsEqual(type))
  }

  /// `pcf_parse_field_pattern`: the field index, -1 for `*`, nil when unknown.
  static func fieldIndex(_ name: [UInt8]) -> Int? {
    if isWildcard(name) { return -1 }
    return fieldNames.firstIndex { bytes($0) == name }
  }

  /// Per entry (by index), the `-o` parameters postconf shows for it.
  ///
  /// postconf keeps one dictionary per `service/type`, filled from all
  /// entries with that name/type, and attaches it to an entry only when it
  /// already exists after reading that entry's own `-o` options: duplicate
  /// entries share the merged parameters, except earlier duplicates without
  /// any `-o` of their own that precede the first one with some.
  func parameterTable() -> [[(name: [UInt8], value: [UInt8])]?] {
    let groups = parameterGroups()
    var copies: [[(name: [UInt8], value: [UInt8])]?] = Array(repeating: nil, count: groups.count)
    var table: [[(name: [UInt8], value: [UInt8])]?] = Array(repeating: nil, count: entries.count)
    for (index, group) in groups.attached {
      if copies[group] == nil {
        copies[group] = groups.parameters(of: group, in: entries).map {
          (Array($0.name), Array($0.value))
        }
      }
      table[index] = copies[group]
    }
    return table
  }

  /// ``parameterTable()`` before anything is copied: the groups, and the
  /// group each entry that has one shows, in entry order.
  func parameterGroups() -> ParameterGroups {
    // One group per service/type, found by its key (`service/type`). A group
    // that one entry has given parameters to is that entry's merged
    // overrides, read from it; only a second entry with parameters for the
    // same service/type makes it merge slices by name (first position, last
    // value).
    var groups = ParameterGroups(entryCount: entries.count)
    var keys = GroupKeys(capacity: entries.count)
    // Through a pointer: entries are lent, not copied.
    entries.withUnsafeBufferPointer { list in
      for index in list.indices where list[index].isValid {
        let (hash, found) = keys.find(list[index], in: list, firsts: groups.firstEntries)
        if let group = found {
          let (argv, merged) = list[index].argumentsAndOverrides
          if !merged.isEmpty { groups.add(merged, of: argv, to: group, entries: entries) }
          groups.groupOfEntry[index] = Int32(group)
        } else if list[index].hasOverrides {
          let group = groups.firstEntries.count
          groups.firstEntries.append(Int32(index))
          keys.insert(group: group, hash: hash, firsts: groups.firstEntries, in: list)
          groups.groupOfEntry[index] = Int32(group)
        }
      }
    }
    return groups
  }

  /// The groups of ``parameterGroups()`` by their key, `service/type`.
  ///
  /// The keys are read from the entries themselves (each group's first,
  /// ``ParameterGroups/firstEntries``): a table of positions
  /// (``PositionTable``), not a copy of every entry's key in a dictionary
  /// (a file of many services has as many groups).
  struct GroupKeys {
    private var table = PositionTable()
    /// The key of the entry being looked up, and of one it is compared with.
    private var key: [UInt8] = []
    private var other: [UInt8] = []

    init(capacity: Int) {
      // Empty: no position is hashed again.
      table.reserve(capacity) { _ in 0 }
    }

    /// The group of `entry`'s service/type, when there is one, and the
    /// hash of that key (for ``insert(group:hash:firsts:in:)``).
    /// - Parameters:
    ///   - entry: A valid entry.
    ///   - entries: The document's entries.
    ///   - firsts: Each group's first entry.
    /// - Returns: The key's hash, and the group or nil.
    mutating func find(
      _ entry: Entry, in entries: UnsafeBufferPointer<Entry>, firsts: [Int32]
    ) -> (hash: Int, group: Int?) {
      var (key, other) = ([UInt8](), [UInt8]())
      swap(&key, &self.key)
      swap(&other, &self.other)
      defer {
        swap(&key, &self.key)
        swap(&other, &self.other)
      }
      Self.write(entry, into: &key)
      let hash = key.withUnsafeBufferPointer { Int(truncatingIfNeeded: HashOrder.hash($0)) }
      let group = table.find(hash: hash) { group in
        Self.write(entries[Int(firsts[group])], into: &other)
        return other == key
      }
      return (hash, group)
    }

    /// Records `group`, whose key's hash is `hash` (from
    /// ``find(_:in:firsts:)``); `firsts` holds its first entry.
    mutating func insert(
      group: Int, hash: Int, firsts: [Int32], in entries: UnsafeBufferPointer<Entry>
    ) {
      table.insert(group, hash: hash) { held in
        var key: [UInt8] = []
        Self.write(entries[Int(firsts[held])], into: &key)
        return key.withUnsafeBufferPointer { Int(truncatingIfNeeded: HashOrder.hash($0)) }
      }
    }

    /// `service/type` of a valid entry (``MasterCF/key(_:)``), into a buffer reused.
    private static func write(_ entry: Entry, into buffer: inout [UInt8]) {
      buffer.removeAll(keepingCapacity: true)
      entry.withServiceAndType { service, type in
        buffer.append(contentsOf: service)
        buffer.append(UInt8(ascii: "/"))
        buffer.append(contentsOf: type)
      }
    }
  }

  /// The `-o` parameters of each service/type in ``parameterTable()``, and
  /// the group each entry shows.
  ///
  /// A group that one entry has given parameters to is that entry's merged
  /// overrides, read from it: a file of many services has as many groups,
  /// so such a group is only the entry's position. Only a group that
  /// several entries gave parameters to keeps its parameters, merged.
  struct ParameterGroups {
    /// Per group, the first entry that gave it parameters.
    var firstEntries: [Int32] = []
    /// The parameters of the groups that several entries gave some to.
    private var merged: [Int32: SliceMerger] = [:]
    /// Per entry, the group it shows, or -1.
    var groupOfEntry: [Int32]

    init(entryCount: Int) {
      groupOfEntry = [Int32](repeating: -1, count: entryCount)
      // Room for a group per entry, so the list does not grow by copying
      // (room not used is not touched).
      firstEntries.reserveCapacity(entryCount)
    }

    /// How many groups there are.
    var count: Int { firstEntries.count }

    /// The entries that show a group, each with its group, in entry order.
    var attached: [(index: Int, group: Int)] {
      groupOfEntry.indices.compactMap { index in
        groupOfEntry[index] < 0 ? nil : (index, Int(groupOfEntry[index]))
      }
    }

    /// Calls `body` with each entry that shows a group and its group, in
    /// entry order (``attached`` without the list).
    func forEachAttached(_ body: (_ index: Int, _ group: Int) -> Void) {
      for (index, group) in groupOfEntry.enumerated() where group >= 0 { body(index, Int(group)) }
    }

    /// Adds a further entry's merged overrides (`merged`, spans of `argv`)
    /// to `group`, in the document of `entries`.
    mutating func add(
      _ overrides: SharedRun<Entry.OverrideSpans>, of argv: ArgumentList, to group: Int,
      entries: [Entry]
    ) {
      let key = Int32(group)
      var merger = merged.removeValue(forKey: key) ?? SliceMerger()
      if merger.parameters.isEmpty {
        for (name, value) in parameters(of: group, in: entries) { merger.set(name, value) }
      }
      for item in overrides { merger.set(argv.bytes(item.name), argv.bytes(item.value)) }
      merged[key] = merger
    }

    /// The parameters of `group`, as slices of the entries' arguments (a
    /// compact entry's read from its bytes once).
    func parameters(of group: Int, in entries: [Entry]) -> [SliceMerger.Parameter] {
      if let merger = merged[Int32(group)] { return merger.parameters }
      let (argv, overrides) = entries[Int(firstEntries[group])].argumentsAndOverrides
      return overrides.map { (argv.bytes($0.name), argv.bytes($0.value)) }
    }

    /// Parameter `index` of `group`, as slices of the entries' arguments.
    func parameter(_ index: Int, of group: Int, in entries: [Entry]) -> (
      name: ArraySlice<UInt8>, value: ArraySlice<UInt8>
    ) {
      if let merger = merged[Int32(group)] { return merger.parameters[index] }
      let (argv, overrides) = entries[Int(firstEntries[group])].argumentsAndOverrides
      return (argv.bytes(overrides[index].name), argv.bytes(overrides[index].value))
    }
  }

  /// Parameters set in order: each name once, at its first position, with
  /// its last value.
  struct SliceMerger {
    typealias Parameter = (name: ArraySlice<UInt8>, value: ArraySlice<UInt8>)
    private var merger = NameMerger<Parameter>()

    var parameters: [Parameter] { merger.items }

    mutating func set(_ name: ArraySlice<UInt8>, _ value: ArraySlice<UInt8>) {
      guard
        let position = merger.insert(
          (name, value), isNamed: { MasterCF.sameBytes($0.name, name) },
          name: { Array($0.name) })
      else { return }
      merger.items[position].value = value
    }
  }

  static func key(_ entry: Entry) -> [UInt8] {
    entry.withServiceAndType { service, type in
      var key: [UInt8] = []
      key.reserveCapacity(service.count + 1 + type.count)
      key.append(contentsOf: service)
      key.append(UInt8(ascii: "/"))
      key.append(contentsOf: type)
      return key
    } ?? []
  }

  private func beginReport(path: String) -> Report? {
    let (diagnostics, isFatal) = readingDiagnostics(path: path)
    return isFatal ? Report(output: [], diagnostics: diagnostics) : nil
  }

  private func reading(path: String) -> [Diagnostic] {
    readingDiagnostics(path: path).diagnostics
  }

  private static func unmatched(_ raw: [UInt8], path: String) -> Diagnostic {
    warning(bytes("unmatched request: \"") + raw + bytes("\""), line: nil, path: path)
  }

  private static func expansionFailed(_ diagnostics: [Diagnostic], path: String) -> Report {
    Report(output: [], diagnostics: diagnostics + [fatal("macro processing error", path: path)])
  }

  /// `postconf -M [-f] [-x] [service[/type]...]`.
  /// - Parameters:
  ///   - patterns: Service patterns (`name` or `name/type`, `*` as a whole component).
  ///   - fold: `-f`: fold long lines, each `-o` on its own line.
  ///   - path: The master.cf path used in messages (`DIR/master.cf`).
  ///   - expand: `-x`: expands `-o` values (the whole `name=value` text).
  /// - Returns: The output and diagnostics.
  public func printEntries(
    patterns: [[UInt8]] = [], fold: Bool = false, path: String = "master.cf",
    expand: Expander? = nil
  ) -> Report {
    if let failed = beginReport(path: path) { return failed }
    var diagnostics = reading(path: path)
    var parsed: [[[UInt8]]] = []
    for pattern in patterns {
      guard let components = MasterCF.parsePattern(pattern, min: 1, max: 2) else {
        diagnostics.append(MasterCF.fatal("-M option requires service_name[/type]", path: path))
        return Report(output: [], diagnostics: diagnostics)
      }
      parsed.append(components)
    }
    var counts = [Int](repeating: 0, count: parsed.count)
    var out: [UInt8] = []
    // The listing is about as long as the file: reserved, it is not copied to grow.
    out.reserveCapacity(bytes.count + 4096)
    for entry in entries {
      let argv = entry.argv
      let expandOption: (([UInt8]) -> [UInt8]?)? = expand.map { expand in { expand($0, entry) } }
      var times = 0
      if parsed.isEmpty {
        times = 1
      } else {
        for (index, pattern) in parsed.enumerated()
        where MasterCF.matches(pattern, service: argv[0], type: argv[1]) {
          counts[index] += 1
          times += 1
        }
      }
      for _ in 0..<times {
        guard MasterCF.appendEntry(argv, to: &out, fold: fold, expandOption: expandOption) else {
          return MasterCF.expansionFailed(diagnostics, path: path)
        }
      }
    }
    for (index, count) in counts.enumerated() where count == 0 {
      diagnostics.append(MasterCF.unmatched(patterns[index], path: path))
    }
    return Report(output: out, diagnostics: diagnostics)
  }

  /// `postconf -M [-f]` without patterns or `-x`, handed over in pieces.
  ///
  /// Nothing can fail or warn once the listing starts (reading errors are
  /// reported before), so it need not be held whole: `body` receives the
  /// bytes of ``printEntries(patterns:fold:path:expand:)``'s output in
  /// pieces of about `pieceSize` bytes, in order.
  /// - Parameters:
  ///   - fold: `-f`.
  ///   - pieceSize: The size from which a piece is handed over.
  ///   - body: Receives each piece.
  func printEntries(fold: Bool, pieceSize: Int, _ body: ([UInt8]) -> Void) {
    // Blocks of entries of about `pieceSize` bytes of text each, formatted
    // on two threads and handed over in order.
    var cuts = [0]
    var length = 0
    for index in entries.indices {
      length += entries[index].textLength + 1
      if length >= pieceSize {
        cuts.append(index + 1)
        length = 0
      }
    }
    if cuts.last != entries.count { cuts.append(entries.count) }
    let (starts, entries) = (cuts, self.entries)
    _ = TwoThreads.inOrder(
      blocks: starts.count - 1, makeState: {},
      format: { index, _, out in
        // An invalid entry (reported before, and fatal) has nothing to print.
        for entry in starts[index]..<starts[index + 1] where entries[entry].isValid {
          _ = MasterCF.appendEntry(entries[entry].argv, to: &out, fold: fold, expandOption: nil)
        }
        return true
      },
      output: body)
  }

  static func formatField(
    _ argv: ArgumentList, field: Int, fold: Bool, hideName: Bool, hideValue: Bool,
    expandOption: (([UInt8]) -> [UInt8]?)?
  ) -> [UInt8]? {
    let name = Array(argv[0]) + bytes("/") + argv[1] + bytes("/") + bytes(fieldNames[field])
    if hideValue { return name + [0x0A] }
    var out: [UInt8] = []
    var lineLength = 0
    if !hideName {
      out.append(contentsOf: name + bytes(" = "))
      lineLength = out.count
      if lineLength + argv[field].count > lineLimit {
        out.append(contentsOf: bytes("\n    "))
        lineLength = indent
      }
    }
    out.append(contentsOf: argv[field])
    lineLength += argv[field].count
    if field == 7 {
      guard
        appendArguments(
          argv, to: &out, lineLength: &lineLength, fold: fold, optionExtra: 1,
          expandOption: expandOption)
      else { return nil }
    }
    out.append(0x0A)
    return out
  }

  /// `postconf -F [-f] [-h|-H] [-x] [service[/type[/field]]...]`.
  /// - Parameters:
  ///   - patterns: Patterns `service[/type[/field]]`, `*` as a whole component.
  ///   - fold: `-f`.
  ///   - hideName: `-h`: values only.
  ///   - hideValue: `-H`: names only.
  ///   - path: The master.cf path used in messages.
  ///   - expand: `-x`: expands `-o` values in the command field.
  /// - Returns: The output and diagnostics.
  public func printFields(
    patterns: [[UInt8]] = [], fold: Bool = false, hideName: Bool = false,
    hideValue: Bool = false, path: String = "master.cf", expand: Expander? = nil
  ) -> Report {
    if let failed = beginReport(path: path) { return failed }
    var diagnostics = reading(path: path)
    var parsed: [(pattern: [[UInt8]], field: Int)] = []
    for pattern in patterns {
      guard let components = MasterCF.parsePattern(pattern, min: 1, max: 3) else {
        diagnostics.append(
          MasterCF.fatal("-F option requires service_name[/type[/field]]", path: path))
        return Report(output: [], diagnostics: diagnostics)
      }
      guard let field = MasterCF.fieldIndex(components[2]) else {
        diagnostics.append(
          MasterCF.fatal(
            MasterCF.bytes("invalid service attribute name: \"") + components[2]
              + MasterCF.bytes("\""), line: nil, path: path))
        return Report(output: [], diagnostics: diagnostics)
      }
      parsed.append((components, field))
    }
    var counts = [Int](repeating: 0, count: parsed.count)
    var out: [UInt8] = []
    for entry in entries {
      let argv = entry.argv
      let expandOption: (([UInt8]) -> [UInt8]?)? = expand.map { expand in { expand($0, entry) } }
      var fields: [Int] = []
      if parsed.isEmpty {
        fields = Array(0..<8)
      } else {
        for (index, request) in parsed.enumerated()
        where MasterCF.matches(request.pattern, service: argv[0], type: argv[1]) {
          counts[index] += 1
          fields.append(contentsOf: request.field < 0 ? Array(0..<8) : [request.field])
        }
      }
      for field in fields {
        guard
          let text = MasterCF.formatField(
            argv, field: field, fold: fold, hideName: hideName, hideValue: hideValue,
            expandOption: expandOption)
        else { return MasterCF.expansionFailed(diagnostics, path: path) }
        out.append(contentsOf: text)
      }
    }
    for (index, count) in counts.enumerated() where count == 0 {
      diagnostics.append(MasterCF.unmatched(patterns[index], path: path))
    }
    return Report(output: out, diagnostics: diagnostics)
  }

  /// `postconf -P [-f] [-h|-H] [-x] [service[/type[/parameter]]...]`.
  /// - Parameters:
  ///   - patterns: Patterns `service[/type[/parameter]]`, `*` as a whole component.
  ///   - fold: `-f`: fold like main.cf values (80 columns).
  ///   - hideName: `-h`: values only.
  ///   - hideValue: `-H`: names only.
  ///   - path: The master.cf path used in messages.
  ///   - expand: `-x`: expands each value.
  /// - Returns: The output and diagnostics.
  public func printParameters(
    patterns: [[UInt8]] = [], fold: Bool = false, hideName: Bool = false,
    hideValue: Bool = false, path: String = "master.cf", expand: Expander? = nil
  ) -> Report {
    if let failed = beginReport(path: path) { return failed }
    var diagnostics = reading(path: path)
    var parsed: [[[UInt8]]] = []
    for pattern in patterns {
      guard let components = MasterCF.parsePattern(pattern, min: 1, max: 3) else {
        diagnostics.append(
          MasterCF.fatal("-P option requires service_name[/type[/parameter]]", path: path))
        return Report(output: [], diagnostics: diagnostics)
      }
      parsed.append(components)
    }
    let table = parameterTable()
    var counts = [Int](repeating: 0, count: parsed.count)
    var out: [UInt8] = []
    func emit(_ entry: Entry, _ name: [UInt8], _ value: [UInt8]) -> Bool {
      var value = value
      if let expand {
        guard let expanded = expand(value, entry) else { return false }
        value = expanded
      }
      let prefix = MasterCF.key(entry) + MasterCF.bytes("/") + name
      let text: [UInt8]
      if hideName {
        text = value
      } else if hideValue {
        text = prefix
      } else {
        text = prefix + MasterCF.bytes(" = ") + value
      }
      out.append(contentsOf: MasterCF.printLine(text, fold: fold))
      return true
    }
    for (entryIndex, entry) in entries.enumerated() {
      guard let params = table[entryIndex] else { continue }
      let sorted = params.sorted { $0.name.lexicographicallyPrecedes($1.name) }
      if parsed.isEmpty {
        for param in sorted where !emit(entry, param.name, param.value) {
          return MasterCF.expansionFailed(diagnostics, path: path)
        }
        continue
      }
      let argv = entry.argv
      for (index, pattern) in parsed.enumerated()
      where MasterCF.matches(pattern, service: argv[0], type: argv[1]) {
        if MasterCF.isWildcard(pattern[2]) {
          for param in sorted where !emit(entry, param.name, param.value) {
            return MasterCF.expansionFailed(diagnostics, path: path)
          }
          counts[index] += 1
        } else if let param = params.first(where: { $0.name == pattern[2] }) {
          guard emit(entry, param.name, param.value) else {
            return MasterCF.expansionFailed(diagnostics, path: path)
          }
          counts[index] += 1
        }
      }
    }
    for (index, count) in counts.enumerated() where count == 0 {
      diagnostics.append(MasterCF.unmatched(patterns[index], path: path))
    }
    return Report(output: out, diagnostics: diagnostics)
  }
}
