// Entry parsing as postconf 3.7 does it (`pcf_parse_master_entry`): split at
// blanks with `{}` grouping, validate the fields, normalise the daemon options.

extension MasterCF {
  static let validTypes: [[UInt8]] = ["inet", "unix", "fifo", "pass", "unix-dgram"].map {
    Array($0.utf8)
  }

  static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

  /// Calls `body` with the index range in `text` of each token
  /// `argv_splitq(text, " \t\r\n", "{}")` finds.
  ///
  /// Tokens end at blanks; `{...}` groups blanks.
  static func forEachArgumentRange(_ text: ArraySlice<UInt8>, _ body: (Range<Int>) -> Void) {
    let base = text.startIndex
    text.withUnsafeBufferPointer { text in
      var index = 0
      let count = text.count
      while index < count {
        while index < count && isBlank(text[index]) { index += 1 }
        if index >= count { break }
        let start = index
        var level = 0
        while index < count {
          // Outside braces, eight bytes at a time up to the next byte that
          // may end the token or open a brace.
          if level == 0, index + 8 <= count, let pointer = text.baseAddress {
            let flagged = mayEndToken(pointer + index)
            if flagged == 0 {
              index += 8
              continue
            }
            index += flagged.trailingZeroBitCount / 8
          }
          let byte = text[index]
          if byte == UInt8(ascii: "{") {
            level += 1
          } else if level > 0 && byte == UInt8(ascii: "}") {
            level -= 1
          } else if level == 0 && isBlank(byte) {
            break
          }
          index += 1
        }
        body((base + start)..<(base + index))
      }
    }
  }

  /// The bytes below `!` (blanks among them) and the `{` bytes in the
  /// eight bytes at `pointer`, flagged as ``ByteBlock`` flags them (the
  /// lowest flag exact).
  @inline(__always)
  static func mayEndToken(_ pointer: UnsafePointer<UInt8>) -> UInt64 {
    let block = ByteBlock.load(pointer)
    return ByteBlock.belowBang(block) | ByteBlock.equal(block, UInt8(ascii: "{"))
  }

  /// Whether `bytes` has a blank (space, TAB, CR or LF), looked for eight
  /// bytes at a time.
  static func containsBlank(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    guard let base = bytes.baseAddress else { return false }
    let count = bytes.count
    var index = 0
    while index + 8 <= count {
      // Only when a byte below `!` is flagged can one of the eight be a blank.
      if ByteBlock.belowBang(ByteBlock.load(base + index)) != 0 {
        for offset in 0..<8 where isBlank(base[index + offset]) { return true }
      }
      index += 8
    }
    while index < count {
      if isBlank(base[index]) { return true }
      index += 1
    }
    return false
  }

  /// The index ranges in `text` of its `argv_splitq` tokens.
  static func argumentRanges(_ text: ArraySlice<UInt8>) -> [Range<Int>] {
    var result: [Range<Int>] = []
    forEachArgumentRange(text) { result.append($0) }
    return result
  }

  /// The `argv_splitq` tokens of `text`, each as its own array.
  static func splitArguments(_ text: [UInt8]) -> [[UInt8]] {
    argumentRanges(text[...]).map { Array(text[$0]) }
  }

  /// `extpar(..., EXTPAR_FLAG_STRIP)` for a text starting with `{`: the index
  /// range of the inner text with blanks trimmed, plus postconf's warning
  /// text when malformed.
  static func unwrapBraces(_ arg: ArraySlice<UInt8>) -> (inner: Range<Int>, warning: [UInt8]?) {
    var level = 1
    var closing: Int?
    var index = arg.startIndex + 1
    while index < arg.endIndex {
      if arg[index] == UInt8(ascii: "}") {
        level -= 1
        if level == 0 {
          closing = index
          break
        }
      } else if arg[index] == UInt8(ascii: "{") {
        level += 1
      }
      index += 1
    }
    var low = min(arg.startIndex + 1, arg.endIndex)
    var high: Int
    var warning: [UInt8]?
    if let closing {
      high = closing
      if closing + 1 != arg.endIndex {
        warning = bytes("master.cf: syntax error after '}' in \"") + arg + bytes("\"")
      }
    } else {
      high = arg.endIndex
      warning = bytes("master.cf: missing '}' in \"") + arg + bytes("\"")
    }
    while high > low, isSpace(arg[high - 1]) { high -= 1 }
    while low < high, isSpace(arg[low]) { low += 1 }
    return (low..<high, warning)
  }

  // `split_nameval`: the name ends at whitespace or `=`; blanks around `=`
  // and around the value are removed. Returns the index ranges of the name
  // and the value in `text`, or postconf's error on failure.
  static func nameValueRanges(_ text: ArraySlice<UInt8>) -> Result<
    (name: Range<Int>, value: Range<Int>), NameValueError
  > {
    let base = text.startIndex
    return text.withUnsafeBufferPointer { nameValueRanges($0, 0..<$0.count) }.map {
      (
        (base + $0.name.lowerBound)..<(base + $0.name.upperBound),
        (base + $0.value.lowerBound)..<(base + $0.value.upperBound)
      )
    }
  }

  /// `split_nameval` on `text[range]`, returning index ranges in `text`.
  static func nameValueRanges(_ text: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Result<
    (name: Range<Int>, value: Range<Int>), NameValueError
  > {
    var index = range.lowerBound
    let count = range.upperBound
    while index < count && isSpace(text[index]) { index += 1 }
    if index == count || text[index] == UInt8(ascii: "=") || text[index] == 0 {
      return .failure(.missingName)
    }
    let nameStart = index
    // Eight bytes at a time up to one that may end the name (a blank or
    // control byte, or `=`), then byte by byte from there.
    if let base = text.baseAddress {
      while index + 8 <= count {
        let block = ByteBlock.load(base + index)
        let flagged = ByteBlock.belowBang(block) | ByteBlock.equal(block, UInt8(ascii: "="))
        if flagged != 0 {
          index += flagged.trailingZeroBitCount / 8
          break
        }
        index += 8
      }
    }
    while index < count && !isSpace(text[index]) && text[index] != UInt8(ascii: "=") {
      index += 1
    }
    let nameEnd = index
    while index < count && isSpace(text[index]) { index += 1 }
    if index == count || text[index] != UInt8(ascii: "=") { return .failure(.missingEquals) }
    index += 1
    while index < count && isSpace(text[index]) { index += 1 }
    var end = count
    while end > index && isSpace(text[end - 1]) { end -= 1 }
    return .success((nameStart..<nameEnd, index..<end))
  }

  // `split_nameval` on an array, returning copies of the name and value.
  static func splitNameValueChecked(_ text: [UInt8]) -> Result<
    (name: [UInt8], value: [UInt8]), NameValueError
  > {
    nameValueRanges(text[...]).map { (Array(text[$0.name]), Array(text[$0.value])) }
  }

  enum NameValueError: Error {
    case missingName
    case missingEquals

    var text: String {
      switch self {
      case .missingName: return "missing attribute name"
      case .missingEquals: return "missing '=' after attribute name"
      }
    }
  }

  static func splitNameValue(_ text: [UInt8]) -> (name: [UInt8], value: [UInt8])? {
    if case .success(let pair) = splitNameValueChecked(text) { return pair }
    return nil
  }

  /// Whether an option argument (starting with `-`) takes a value, as postconf
  /// decides it: its second byte is `o`, or it has none (C `strchr` finds the NUL).
  static func optionTakesValue(_ arg: ArraySlice<UInt8>) -> Bool {
    arg.count < 2 || arg[arg.startIndex + 1] == UInt8(ascii: "o")
  }

  static func isOption(_ arg: ArraySlice<UInt8>) -> Bool {
    arg.first == UInt8(ascii: "-") && !arg.elementsEqual(endOfOptions)
  }

  static func containsBlank(_ arg: ArraySlice<UInt8>) -> Bool {
    arg.withUnsafeBufferPointer { containsBlank($0) }
  }

  static func containsBlank(_ arg: [UInt8]) -> Bool {
    arg.withUnsafeBufferPointer { containsBlank($0) }
  }

  // `pcf_normalize_daemon_args`, without its attached `-o` bug: options
  // bundled before an `o` are split off, `-oNAME=VALUE` becomes `-o`
  // `NAME=VALUE` (split once), braced option values and braced non-option
  // arguments are unwrapped, and braced `-o` values are re-normalised to
  // `NAME=VALUE`. Linear in the number of arguments; an argument whose bytes
  // stay as written keeps pointing into the source.
  static func normalize(_ argv: inout ArgumentList, warnings: inout [[UInt8]]) {
    let input = argv.spans
    var out = argv.prefix(8)
    argv = ArgumentList(source: [])
    out.reserveCapacity(input.count + 8)
    var index = 8
    var pending: ArgumentList.Span?
    func next() -> ArgumentList.Span? {
      if let span = pending {
        pending = nil
        return span
      }
      guard index < input.count else { return nil }
      index += 1
      return input[index - 1]
    }
    func unwrapped(_ span: ArgumentList.Span, nameValue: Bool) -> ArgumentList.Span {
      let arg = out.bytes(span)
      guard arg.first == UInt8(ascii: "{") else { return span }
      let (inner, warning) = unwrapBraces(arg)
      if let warning { warnings.append(warning) }
      let base = arg.startIndex
      let offset = Int(span.offset)
      let result = span.part(inner.lowerBound - base, inner.upperBound - base, offset: offset)
      guard nameValue else { return result }
      let text = out.bytes(result)
      switch nameValueRanges(text) {
      case .success(let (name, value)):
        // `name=value` with nothing around the `=` is the text as written.
        if name.lowerBound == text.startIndex && name.upperBound + 1 == value.lowerBound
          && value.upperBound == text.endIndex
        {
          return result
        }
        let joined = Array(text[name]) + [UInt8(ascii: "=")] + text[value]
        return out.store(joined, offset: offset)
      case .failure(let error):
        warnings.append(bytes("master.cf: \(error.text): \"") + text + bytes("\""))
        return result
      }
    }
    while let span = next() {
      let count = span.count
      let offset = Int(span.offset)
      let arg = out.bytes(span)
      guard isOption(arg) else {
        out.append(unwrapped(span, nameValue: false))
        break
      }
      let base = arg.startIndex
      if count > 2, arg[base + 1] != 0x6F, let split = arg[(base + 2)...].firstIndex(of: 0x6F) {
        // "-vo..." -> "-v" "-o...": the bundle before the first `o` stays one option.
        let length = split - base
        out.append(span.part(0, length, offset: offset))
        let rest = [UInt8(ascii: "-")] + arg[split...]
        pending = out.store(rest, offset: offset + length - 1)
        continue
      }
      guard optionTakesValue(arg) else {
        out.append(span)
        continue
      }
      if count > 2 {
        out.append(span.part(0, 2, offset: offset))
        out.append(unwrapped(span.part(2, count, offset: offset + 2), nameValue: true))
      } else {
        out.append(span)
        if let value = next() { out.append(unwrapped(value, nameValue: count > 1)) }
      }
    }
    while index < input.count {
      out.append(unwrapped(input[index], nameValue: false))
      index += 1
    }
    argv = out
  }

  /// Whether a command option is longer than two bytes, like `-vo` or `-oNAME=VALUE`.
  ///
  /// Options run up to the first other argument (an option's value is not
  /// one). Without such an option, and without braces,
  /// ``normalize(_:warnings:)`` changes nothing.
  static func hasBundledOptions(_ argv: ArgumentList) -> Bool {
    argv.withBuffers { buffers in
      let spans = argv.spans
      return hasBundledOptions(count: spans.count) { buffers[spans[$0]] }
    }
  }

  /// Whether a command option of the `count` arguments that `argument`
  /// gives is longer than two bytes (see ``hasBundledOptions(_:)``).
  static func hasBundledOptions(
    count: Int, _ argument: (Int) -> UnsafeBufferPointer<UInt8>
  ) -> Bool {
    var index = 8
    // Each iteration passes over one option and the value it takes.
    while index < count {
      let arg = argument(index)
      guard arg.first == UInt8(ascii: "-"), !(arg.count == 2 && arg[1] == UInt8(ascii: "-"))
      else { return false }
      if arg.count > 2 { return true }
      index += arg.count < 2 || arg[1] == UInt8(ascii: "o") ? 2 : 1
    }
    return false
  }

  /// `pcf_check_master_entry`: the postconf message for the first invalid field, or nil.
  static func checkFields(_ argv: ArgumentList, rawText: [UInt8]) -> [UInt8]? {
    guard let field = invalidField({ argv[$0] }) else { return nil }
    var raw = rawText
    for index in raw.indices where raw[index] == 0x0A { raw[index] = 0x20 }
    return bytes("invalid \(fieldNames[field]) field \"") + argv[field] + bytes("\" in \"") + raw
      + bytes("\"")
  }

  /// The first of fields 2 to 7 (1-based) that `pcf_check_master_entry`
  /// rejects, as `field` gives them (0-based), or nil.
  static func invalidField<C: BidirectionalCollection>(_ field: (Int) -> C) -> Int?
  where C.Element == UInt8 {
    func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
    let type = field(1)
    if !validTypes.contains(where: { $0.elementsEqual(type) }) { return 1 }
    for index in 2...4 {
      let value = field(index)
      let ok =
        value.count == 1
        && (value.first == UInt8(ascii: "y") || value.first == UInt8(ascii: "n")
          || value.first == UInt8(ascii: "-"))
      if !ok { return index }
    }
    let wakeup = field(5)
    var length = wakeup.count
    if wakeup.last == UInt8(ascii: "?") { length -= 1 }
    let digits = wakeup.prefix(while: isDigit).count
    if !(wakeup.first == UInt8(ascii: "-") && length == 1) && digits != length { return 5 }
    let limit = field(6)
    if !limit.elementsEqual([UInt8(ascii: "-")]) && !limit.allSatisfy(isDigit) { return 6 }
    return nil
  }

  /// Whether an entry whose text is `text` can be compact.
  ///
  /// Its content lines must follow each other too (``Entry/isCompact``);
  /// here: no brace and no NUL, 8 to ``MasterCF/sharedRunLimit`` tokens,
  /// valid fields and no bundled option. Read where the bytes lie: nothing
  /// is allocated.
  static func isCompactText(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
    guard text.firstIndex(of: UInt8(ascii: "{"), from: 0, to: text.count) == nil,
      text.firstIndex(of: 0, from: 0, to: text.count) == nil
    else { return false }
    return withUnsafeTemporaryAllocation(of: Range<Int>.self, capacity: sharedRunLimit + 1) {
      ranges in
      var (count, tokens) = (0, PlainTokens(text, from: 0, to: text.count))
      while let token = tokens.next() {
        guard count < ranges.count else { return false }
        ranges[count] = token
        count += 1
      }
      guard count >= 8, count <= sharedRunLimit else { return false }
      let argument = { UnsafeBufferPointer(rebasing: text[ranges[$0]]) }
      return invalidField(argument) == nil && !hasBundledOptions(count: count, argument)
    }
  }

  /// The tokens of master.cf bytes without braces, one at a time: without
  /// braces a token ends at a blank, and a newline is one (continuation
  /// lines start with a blank).
  ///
  /// What a compact entry's readers share (``isCompactText(_:)`` and the
  /// compact paths of ``Entry``). Nothing is allocated.
  struct PlainTokens {
    let bytes: UnsafeBufferPointer<UInt8>
    private(set) var index: Int
    let end: Int
    /// How many newlines the tokens so far came after: a compact entry's
    /// text has none, so an offset in it is less by this many.
    private(set) var newlines = 0

    init(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) {
      (self.bytes, self.index, self.end) = (bytes, start, end)
    }

    /// The next token's range of ``bytes``, or nil after the last.
    /// - Returns: The range.
    @inline(__always)
    mutating func next() -> Range<Int>? {
      while index < end && MasterCF.isBlank(bytes[index]) {
        newlines &+= bytes[index] == 0x0A ? 1 : 0
        index += 1
      }
      guard index < end else { return nil }
      let first = index
      while index < end && !MasterCF.isBlank(bytes[index]) { index += 1 }
      return first..<index
    }

    /// The next token's bytes, or nil after the last.
    /// - Returns: The bytes, where they lie.
    @inline(__always)
    mutating func nextBytes() -> UnsafeBufferPointer<UInt8>? {
      next().map { UnsafeBufferPointer(rebasing: bytes[$0]) }
    }
  }

  /// Walks the options that follow an entry's eight fields as
  /// `pcf_parse_master_entry` does, and calls `body` with the argument of
  /// each `-o`: options end at an argument that is not one, or at `--`, and
  /// `-o` takes the argument after it.
  ///
  /// The one walk of the parsed arguments (``Entry/forEachOverrideSpans(of:in:_:)``)
  /// and of a compact entry's bytes (``Entry/forEachCompactOverride(_:)``).
  /// - Parameters:
  ///   - next: Gives the arguments after the fields in turn, nil after the last.
  ///   - bytes: An argument's bytes.
  ///   - body: Receives the argument of each `-o`.
  @inline(__always)
  static func forEachOptionValue<Argument>(
    _ next: () -> Argument?, bytes: (Argument) -> UnsafeBufferPointer<UInt8>,
    body: (Argument) throws -> Void
  ) rethrows {
    while let option = next() {
      let arg = bytes(option)
      guard arg.first == UInt8(ascii: "-") else { return }
      let second = arg.count == 2 ? arg[1] : 0
      if second == UInt8(ascii: "-") { return }
      guard second == UInt8(ascii: "o") else { continue }
      guard let value = next() else { return }
      try body(value)
    }
  }

  /// Parses one entry's text like `pcf_parse_master_entry`.
  ///
  /// Without `source`, the arguments are ranges of `text`. With it, `text`
  /// is made of runs of `source`: run `i` starts at `starts[i]` there and at
  /// `offsets[i]` in `text`; an argument within one run is a range of
  /// `source`, one across runs (braces) gets its own bytes.
  static func parseArguments(
    _ text: [UInt8], rawText: [UInt8], source: [UInt8]? = nil, starts: ArraySlice<Int32> = [],
    offsets: ArraySlice<Int32> = []
  ) -> ParsedArguments {
    // 0-based, whatever part of an entry's layout the slices are.
    let (starts, offsets) = (ZeroBased(starts), ZeroBased(offsets))
    // Gathered in plain arrays, then made the list. Room for the fields and
    // two arguments a line (`-o` and its `name=value`), so the list seldom
    // grows.
    var spans: [ArgumentList.Span] = []
    var extra: [UInt8] = []
    spans.reserveCapacity(8 + 2 * max(offsets.count, 1))
    if source == nil {
      forEachArgumentRange(text[...]) {
        spans.append(ArgumentList.Span(source: $0, offset: $0.lowerBound))
      }
    } else {
      var run = 0
      forEachArgumentRange(text[...]) { range in
        while run + 1 < offsets.count && Int(offsets[run + 1]) <= range.lowerBound { run += 1 }
        let runEnd = run + 1 < offsets.count ? Int(offsets[run + 1]) : text.count
        if run < starts.count && range.upperBound <= runEnd {
          let start = Int(starts[run]) + range.lowerBound - Int(offsets[run])
          spans.append(
            ArgumentList.Span(source: start..<(start + range.count), offset: range.lowerBound))
        } else {
          let first = extra.count
          extra.append(contentsOf: text[range])
          spans.append(ArgumentList.Span(extra: first..<extra.count, offset: range.lowerBound))
        }
      }
    }
    var argv = ArgumentList(source: source ?? text, extra: extra, spans: spans)
    if argv.count < 8 {
      return ParsedArguments(argv: ArgumentList(source: []), problem: .badFieldCount, warnings: [])
    }
    if let message = checkFields(argv, rawText: rawText) {
      return ParsedArguments(
        argv: ArgumentList(source: []), problem: .invalidField(message), warnings: [])
    }
    var warnings: [[UInt8]] = []
    let hasBraces = text.withUnsafeBufferPointer {
      $0.firstIndex(of: UInt8(ascii: "{"), from: 0, to: $0.count) != nil
    }
    if hasBraces || hasBundledOptions(argv) { normalize(&argv, warnings: &warnings) }
    argv.isBlankFree = !hasBraces
    return ParsedArguments(argv: argv, problem: nil, warnings: warnings)
  }

  struct ParsedArguments {
    var argv: ArgumentList
    var problem: Entry.ProblemText?
    var warnings: [[UInt8]]
  }

  /// Parses the entry whose text is `rawText`, made of the content lines
  /// that start at `segmentStarts` in `source` and at `segmentOffsets` in
  /// the text.
  static func parseEntry(
    text rawText: [UInt8], source: [UInt8], firstLine: Int, lastLine: Int, commentLines: [Int],
    layout: [Int32], compact: Bool = true
  ) -> Entry {
    // Lines that follow each other, read again as they are: the entry keeps
    // no parsed form (see ``Entry/isCompact``), and none is made. A long
    // entry keeps it, so that reading one again costs at most a few dozen
    // arguments.
    let lines = layout.count / 3
    if compact, commentLines.isEmpty, lastLine - firstLine + 1 == lines,
      rawText.withUnsafeBufferPointer(isCompactText)
    {
      return Entry(
        compactAt: Int(layout[lines]), firstLine: firstLine, lastLine: lastLine,
        textLength: rawText.count, source: source)
    }
    // Cut at a NUL byte; without one the text is used as it is, not copied.
    let hasNUL = rawText.withUnsafeBufferPointer {
      $0.firstIndex(of: 0, from: 0, to: $0.count) != nil
    }
    let text = hasNUL ? cString(rawText) : rawText
    let parsed = parseArguments(
      text, rawText: text, source: source, starts: layout[lines..<(2 * lines)],
      offsets: layout[(2 * lines)...])
    return Entry(
      firstLine: firstLine, lastLine: lastLine, commentLines: commentLines, source: source,
      layout: SharedRun(layout), textLength: text.count, problemText: parsed.problem,
      warningTexts: parsed.warnings, argv: parsed.argv,
      mergedSpans: SharedRun(mergeOverrides(of: parsed.argv)))
  }

  /// A slice read from index 0 on.
  struct ZeroBased {
    let slice: ArraySlice<Int32>
    init(_ slice: ArraySlice<Int32>) { self.slice = slice }
    var count: Int { slice.count }
    subscript(index: Int) -> Int32 { slice[slice.startIndex + index] }
  }
}

// MARK: - Diagnostics

extension MasterCF {
  static func warning(_ text: [UInt8], line: Int?, path: String) -> Diagnostic {
    Diagnostic(.warning, file: path, line: line, message: Printable.sanitize(text))
  }

  static func fatal(_ text: [UInt8], line: Int?, path: String) -> Diagnostic {
    Diagnostic(.fatal, file: path, line: line, message: Printable.sanitize(text))
  }

  static func fatal(_ text: String, path: String) -> Diagnostic {
    fatal(bytes(text), line: nil, path: path)
  }

  static func orphanWarning(_ orphan: Orphan, path: String) -> Diagnostic {
    let visible = cString(orphan.text)
    let shown = Array(visible.prefix(30)) + (orphan.text.count > 30 ? bytes("...") : [])
    return warning(
      bytes("\(path): logical line must not start with whitespace: \"") + shown + bytes("\""),
      line: orphan.firstLine, path: path)
  }

  /// The fatal diagnostic postconf prints for an invalid entry, or nil.
  /// - Parameters:
  ///   - entry: The entry.
  ///   - path: The master.cf path as postconf names it (`DIR/master.cf`).
  /// - Returns: The diagnostic.
  public static func problem(of entry: Entry, path: String) -> Diagnostic? {
    switch entry.problemText {
    case .none: return nil
    case .badFieldCount:
      return fatal(
        bytes("file \(path): line \(entry.firstLine): bad field count"), line: entry.firstLine,
        path: path)
    case .invalidField(let message): return fatal(message, line: entry.firstLine, path: path)
    }
  }

  /// Every diagnostic of the document in file order: orphan-text warnings,
  /// brace warnings and the fatal problem of each invalid entry.
  /// - Parameter path: The master.cf path used in messages (`DIR/master.cf`).
  /// - Returns: The diagnostics.
  public func diagnostics(path: String = "master.cf") -> [Diagnostic] {
    if exceedsSizeLimit {
      return [
        MasterCF.fatal(
          "\(path): file is larger than \(MasterCF.maximumSize) bytes", path: path)
      ]
    }
    var result: [Diagnostic] = []
    var orphanIndex = 0
    // By index: an entry is not copied (a dozen references retained and
    // released) to read two of its fields.
    for index in entries.indices {
      let firstLine = entries[index].firstLine
      while orphanIndex < orphans.count && orphans[orphanIndex].firstLine < firstLine {
        result.append(MasterCF.orphanWarning(orphans[orphanIndex], path: path))
        orphanIndex += 1
      }
      if entries[index].problemText != nil,
        let problem = MasterCF.problem(of: entries[index], path: path)
      {
        result.append(problem)
      }
      for text in entries[index].warningTexts {
        result.append(MasterCF.warning(text, line: firstLine, path: path))
      }
    }
    while orphanIndex < orphans.count {
      result.append(MasterCF.orphanWarning(orphans[orphanIndex], path: path))
      orphanIndex += 1
    }
    return result
  }

  /// The diagnostics postconf prints while reading master.cf for `-M`, `-F`
  /// and `-P`: everything up to and including the first fatal one.
  /// - Parameter path: The master.cf path used in messages.
  /// - Returns: The diagnostics and whether reading failed.
  public func readingDiagnostics(path: String = "master.cf") -> (
    diagnostics: [Diagnostic], isFatal: Bool
  ) {
    var result: [Diagnostic] = []
    for diagnostic in diagnostics(path: path) {
      result.append(diagnostic)
      if diagnostic.severity == .fatal { return (result, true) }
    }
    return (result, false)
  }
}
