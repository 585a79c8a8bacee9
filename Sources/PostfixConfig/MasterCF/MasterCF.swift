/// A lossless master.cf document.
///
/// The document keeps the exact bytes it was created from; ``serialized()``
/// returns them unchanged for every input (CR, LF, CRLF, NUL, invalid UTF-8,
/// a missing final newline, garbage). On top of the bytes it exposes the
/// structure Postfix 3.7 sees: physical lines, logical entries (first line
/// plus continuation lines, with comment lines inside them), the eight
/// fields, the normalised command arguments and the `-o name=value`
/// overrides.
///
/// Parsing never fails. Invalid entries stay in the document (their
/// ``Entry/isValid`` is `false`) and ``diagnostics(path:)`` reports them
/// with the text `postconf` prints. Inputs larger than
/// ``maximumSize`` are kept verbatim but not parsed
/// (``exceedsSizeLimit`` is `true`).
///
/// Deviations from `postconf` 3.7.11 (both are bugs there):
/// - an attached `-oNAME=VALUE` is split once, into `-o` `NAME=VALUE`;
///   postconf also splits at every later letter `o` (vectors
///   `m_attached_o_bug`, `m_attached_o_bug_edit`);
/// - the first non-option command argument is re-braced on output when it
///   contains blanks outside braces; postconf prints it without braces,
///   which changes the argument list when the entry is written back (vectors
///   `m_first_arg_brace_bug`, `m_first_arg_brace_bug_edit`, and the `{a b}x`
///   and `{a b` lines of `m_brace_edge`);
/// - `-Fe service/type/command=` with an empty value is a fatal error here;
///   postconf crashes (SIGSEGV).
public struct MasterCF: Sendable, Equatable {
  /// `--`, which ends a command's options.
  static let endOfOptions = Array("--".utf8)
  /// `-o`, which precedes a `name=value` override.
  static let overrideOption = Array("-o".utf8)

  /// The largest input that is parsed (64 MiB).
  public static let maximumSize = 64 * 1024 * 1024

  /// The exact bytes of the document.
  public let bytes: [UInt8]
  /// The physical lines, in file order.
  public let lines: Lines
  /// The logical entries, in file order (orphan text excluded).
  public let entries: [Entry]
  /// Indented text before the first entry, which Postfix ignores with a warning.
  public let orphans: [Orphan]
  /// Whether the input was larger than ``maximumSize`` and left unparsed.
  public let exceedsSizeLimit: Bool

  /// Parses `bytes`; never fails.
  /// - Parameter bytes: The file contents.
  public init(bytes: [UInt8]) { self.init(bytes: bytes, compact: true) }

  /// Parses `bytes`, keeping the parsed form of every entry when `compact`
  /// is false (for comparing compact entries with it).
  init(bytes: [UInt8], compact: Bool) {
    self.bytes = bytes
    guard bytes.count <= MasterCF.maximumSize else {
      self.lines = Lines()
      self.entries = []
      self.orphans = []
      self.exceedsSizeLimit = true
      return
    }
    self.exceedsSizeLimit = false
    if let split = MasterCF.halfway(bytes) {
      let parsed = MasterCF.parseInHalves(bytes, at: split, compact: compact)
      self.lines = Lines(parsed.lines, in: bytes)
      self.entries = parsed.entries
      self.orphans = parsed.orphans
      return
    }
    let lines = MasterCF.splitLines(bytes)
    self.lines = Lines(lines, in: bytes)
    var entries: [Entry] = []
    var orphans: [Orphan] = []
    MasterCF.group(
      lines: lines, bytes: bytes, compact: compact, entries: &entries, orphans: &orphans)
    self.entries = entries
    self.orphans = orphans
  }

  /// The argument spans in each array that entries share: 48 KiB of them.
  static let spansPerArray = 4096

  /// The most arguments an entry has whose lists are kept in the arrays
  /// entries share; a longer entry keeps arrays of its own.
  static let sharedRunLimit = 32

  /// Files at least this long are parsed in two halves at once.
  static let halvesThreshold = 1 << 20

  /// Where a long file can be cut in two halves that parse apart.
  ///
  /// The cut is at the start of the first line at or after the middle that
  /// starts an entry: an entry ends where the next one starts, so no entry
  /// spans the cut, and the second half has no text before its first entry.
  /// Nil for a short file, or when no such line follows the middle.
  static func halfway(_ bytes: [UInt8]) -> Int? {
    guard bytes.count >= halvesThreshold else { return nil }
    return bytes.withUnsafeBufferPointer { buffer in
      guard var newline = buffer[(buffer.count / 2)...].firstIndex(of: 0x0A) else { return nil }
      // Each iteration looks at the line after one newline and moves to the next.
      while newline + 1 < buffer.count {
        let start = newline + 1
        let end = buffer[start...].firstIndex(of: 0x0A) ?? buffer.count
        if classify(buffer[start..<end]) == .start { return start }
        newline = end
      }
      return nil
    }
  }

  /// The lines, entries and orphans of `bytes`, the part after `split`
  /// (from ``halfway(_:)``) read on another thread: the same as one pass.
  static func parseInHalves(_ bytes: [UInt8], at split: Int, compact: Bool = true) -> (
    lines: [Line], entries: [Entry], orphans: [Orphan]
  ) {
    let firstLines = bytes.withUnsafeBufferPointer {
      MainCFLexing.count(0x0A, in: UnsafeBufferPointer(rebasing: $0[..<split]))
    }
    // Room for every line at once, the first half's count scaled to the
    // whole file and a little more, so the list is not copied to grow
    // (room reserved and not used is never touched).
    let room = firstLines + firstLines * (bytes.count - split) / max(split, 1) + firstLines / 8 + 64
    let (mine, other) = TwoThreads.alongside(
      other: {
        let lines = splitLines(bytes, from: split, firstNumber: firstLines + 1)
        // One entry a start line: room for them all, so the list does not
        // grow by copying.
        var entries: [Entry] = []
        entries.reserveCapacity(startLines(lines))
        var orphans: [Orphan] = []
        group(lines: lines, bytes: bytes, compact: compact, entries: &entries, orphans: &orphans)
        return (lines, entries)
      },
      mine: {
        let lines = splitLines(bytes, upTo: split, reserving: room)
        // Room for the other half's entries too, its count guessed like the
        // lines', so they are appended without copying these.
        let starts = startLines(lines)
        var entries: [Entry] = []
        entries.reserveCapacity(
          starts + starts * (bytes.count - split) / max(split, 1) + starts / 8 + 16)
        var orphans: [Orphan] = []
        group(lines: lines, bytes: bytes, compact: compact, entries: &entries, orphans: &orphans)
        return (lines, entries, orphans)
      })
    var (lines, entries, orphans) = mine
    lines += other.0
    entries += other.1
    return (lines, entries, orphans)
  }

  /// How many of `lines` start an entry.
  static func startLines(_ lines: [Line]) -> Int {
    lines.reduce(0) { $0 + ($1.kind == .start ? 1 : 0) }
  }

  /// Returns the document's bytes, identical to the input.
  /// - Returns: The bytes.
  public func serialized() -> [UInt8] { bytes }

  public static func == (lhs: MasterCF, rhs: MasterCF) -> Bool { lhs.bytes == rhs.bytes }

  /// One physical line.
  public struct Line: Sendable, Equatable {
    /// What a physical line is to Postfix's logical-line reader.
    public enum Kind: Sendable, Equatable {
      /// Empty, whitespace only, or a comment (first non-blank byte `#`).
      case blankOrComment
      /// Starts a logical line (first byte is not whitespace).
      case start
      /// Starts with whitespace and has content: continues the logical line.
      case continuation
    }

    // Sixteen bytes a line, not thirty-two: a 10 MB file has over a hundred
    // thousand lines, and fresh memory is much of the cost of reading it
    // (files are at most ``MasterCF/maximumSize``, well within 32 bits).
    private var storedNumber: UInt32
    private var start: UInt32
    private var end: UInt32
    private var flags: UInt8

    /// The 1-based line number.
    public var number: Int {
      get { Int(storedNumber) }
      set { storedNumber = UInt32(truncatingIfNeeded: newValue) }
    }
    /// The byte range of the line's content in ``MasterCF/bytes``, without the `\n`.
    public var content: Range<Int> {
      get { Int(start)..<Int(end) }
      set {
        start = UInt32(truncatingIfNeeded: newValue.lowerBound)
        end = UInt32(truncatingIfNeeded: newValue.upperBound)
      }
    }
    /// Whether the line ends with `\n` (only the last line may not).
    public var hasNewline: Bool {
      get { flags & 4 != 0 }
      set { flags = flags & 3 | (newValue ? 4 : 0) }
    }
    /// The line's kind.
    public var kind: Kind {
      get {
        switch flags & 3 {
        case 0: return .blankOrComment
        case 1: return .start
        default: return .continuation
        }
      }
      set {
        let code: UInt8
        switch newValue {
        case .blankOrComment: code = 0
        case .start: code = 1
        case .continuation: code = 2
        }
        flags = flags & 4 | code
      }
    }

    init(number: Int, content: Range<Int>, hasNewline: Bool, kind: Kind) {
      (storedNumber, start, end, flags) = (0, 0, 0, 0)
      self.number = number
      self.content = content
      self.hasNewline = hasNewline
      self.kind = kind
    }
  }

  /// The physical lines of a document, four bytes each.
  ///
  /// A line is numbered by its place and ends where the next one starts
  /// (less its newline), so each keeps only where it starts and its kind;
  /// a ``Line`` is made when read. A file of many services has as many
  /// lines as bytes over a few dozen.
  public struct Lines: RandomAccessCollection, Sendable, Equatable {
    /// Per line, where it starts in the bytes (low 30 bits; files are at
    /// most ``MasterCF/maximumSize``) and its kind (high 2 bits).
    private var starts: [UInt32] = []
    /// The length of the document's bytes.
    private var byteCount = 0
    /// Whether the last line ends with a newline.
    private var lastHasNewline = false

    private static let startMask: UInt32 = (1 << 30) - 1

    /// No lines.
    init() {}

    /// The lines `split`, which ``MasterCF/splitLines(_:from:upTo:firstNumber:reserving:)``
    /// made of all of `bytes`.
    init(_ split: [Line], in bytes: [UInt8]) {
      starts.reserveCapacity(split.count)
      for line in split {
        let kind: UInt32
        switch line.kind {
        case .blankOrComment: kind = 0
        case .start: kind = 1
        case .continuation: kind = 2
        }
        starts.append(UInt32(truncatingIfNeeded: line.content.lowerBound) | kind << 30)
      }
      byteCount = bytes.count
      lastHasNewline = split.last?.hasNewline ?? false
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { starts.count }

    /// Line `index` (numbered `index + 1`).
    public subscript(index: Int) -> Line {
      let word = starts[index]
      let start = Int(word & Self.startMask)
      let isLast = index + 1 == starts.count
      let end =
        isLast
        ? byteCount - (lastHasNewline ? 1 : 0) : Int(starts[index + 1] & Self.startMask) - 1
      let kind: Line.Kind
      switch word >> 30 {
      case 0: kind = .blankOrComment
      case 1: kind = .start
      default: kind = .continuation
      }
      return Line(
        number: index + 1, content: start..<end, hasNewline: !isLast || lastHasNewline, kind: kind)
    }
  }

  /// Indented text before the first entry (`logical line must not start with whitespace`).
  public struct Orphan: Sendable, Equatable {
    /// The 1-based number of its first line.
    public var firstLine: Int
    /// The numbers of its content lines.
    public var lineNumbers: [Int]
    /// The joined text, as Postfix sees it.
    public var text: [UInt8]
  }

  /// One `-o name=value` override of a service.
  public struct Override: Sendable, Equatable {
    /// The parameter name.
    public var name: [UInt8]
    /// The value (leading and trailing blanks removed, braces unwrapped).
    public var value: [UInt8]
    /// The 1-based physical line the `name=value` text is on.
    public var line: Int

    /// Creates an override.
    /// - Parameters:
    ///   - name: The parameter name.
    ///   - value: The value.
    ///   - line: The 1-based line.
    public init(name: [UInt8], value: [UInt8], line: Int) {
      self.name = name
      self.value = value
      self.line = line
    }
  }

  /// One logical entry: a start line plus its continuation lines.
  public struct Entry: Sendable, Equatable {
    /// The 1-based number of the first physical line (kept in 32 bits, as
    /// ``lastLine`` is: a larger number is stored as `Int32.max`).
    public var firstLine: Int {
      get { Int(storedFirstLine) }
      set {
        makeParsed()
        storedFirstLine = Int32(clamping: newValue)
      }
    }
    /// The 1-based number of the last content line.
    public var lastLine: Int {
      get { Int(storedLastLine) }
      set {
        makeParsed()
        storedLastLine = Int32(clamping: newValue)
      }
    }
    /// The numbers of the content lines (first line and continuations).
    public var lineNumbers: [Int] {
      if isCompact { return Array(firstLine...lastLine) }
      return (0..<segmentCount).map { Int(layout[$0]) }
    }
    /// Comment and blank lines between the first and the last content line.
    public var commentLines: [Int] {
      get { parts.first?.commentLines ?? [] }
      set { editParts { $0.commentLines = newValue } }
    }
    // Sixteen bytes of numbers and two references: a file of many entries
    // holds an entry per service, and each byte of it counts. Most entries
    // are compact: their parsed form is read again from their bytes when
    // asked, and only the others keep it (``parts``).
    private var storedFirstLine: Int32
    private var storedLastLine: Int32
    private var storedTextLength: Int32
    /// Where a compact entry's first line starts in ``source``; -1 for an
    /// entry that keeps its parsed form in ``parts``.
    private var compactStart: Int32
    /// The document's bytes, which the content lines are ranges of.
    var source: [UInt8]
    /// The parsed form of an entry that is not compact, in an array of one
    /// (empty for a compact entry).
    private var parts: [Parts]

    /// Whether the entry keeps no parsed form but reads it from its bytes.
    ///
    /// An entry is compact when its parse changed nothing a second parse of
    /// its bytes would not find again in one pass: its content lines follow
    /// each other (no comment line inside), its text has no brace, no NUL
    /// and no bundled option, its fields are valid, and it has at most
    /// ``MasterCF/sharedRunLimit`` arguments (reading it again is then
    /// bounded). Any change to an entry first gives it its parsed form.
    var isCompact: Bool { compactStart >= 0 }

    /// What an entry that is not compact keeps.
    struct Parts: Sendable {
      var commentLines: [Int] = []
      var storedText: [UInt8]?
      var problemText: ProblemText?
      var warningTexts: [[UInt8]] = []
      /// Per content line, in three runs (a run of an array shared by the
      /// document's entries): its number, where it starts in ``source``,
      /// and where it starts in ``text``.
      var layout: SharedRun<Int32>
      /// The normalised argument vector (empty when the field count is bad).
      var argv: ArgumentList
      /// The `-o` overrides merged by name (``mergedOverrides()``), as spans
      /// of ``argv``'s buffers.
      var mergedSpans: SharedRun<OverrideSpans>
    }

    /// Changes the parsed form, making it first for a compact entry.
    private mutating func editParts(_ body: (inout Parts) -> Void) {
      makeParsed()
      body(&parts[0])
    }

    /// Gives a compact entry its parsed form, read from its bytes.
    private mutating func makeParsed() {
      guard isCompact else { return }
      let argv = compactArguments()
      parts = [
        Parts(
          layout: SharedRun(compactLayout()), argv: argv,
          mergedSpans: SharedRun(MasterCF.mergeOverrides(of: argv)))
      ]
      compactStart = -1
    }

    init(
      firstLine: Int, lastLine: Int, commentLines: [Int], source: [UInt8],
      layout: SharedRun<Int32>, textLength: Int, problemText: ProblemText?,
      warningTexts: [[UInt8]], argv: ArgumentList, mergedSpans: SharedRun<OverrideSpans>
    ) {
      storedFirstLine = Int32(clamping: firstLine)
      storedLastLine = Int32(clamping: lastLine)
      storedTextLength = Int32(clamping: textLength)
      compactStart = -1
      self.source = source
      parts = [
        Parts(
          commentLines: commentLines, problemText: problemText, warningTexts: warningTexts,
          layout: layout, argv: argv, mergedSpans: mergedSpans)
      ]
    }

    /// A compact entry (see ``isCompact``): its content lines
    /// `firstLine...lastLine` start at `start` in `source`, and their text
    /// is `textLength` bytes.
    init(compactAt start: Int, firstLine: Int, lastLine: Int, textLength: Int, source: [UInt8]) {
      storedFirstLine = Int32(clamping: firstLine)
      storedLastLine = Int32(clamping: lastLine)
      storedTextLength = Int32(clamping: textLength)
      compactStart = Int32(clamping: start)
      self.source = source
      parts = []
    }

    /// The length of ``text``.
    var textLength: Int { Int(storedTextLength) }
    /// The text set through ``text``, which then replaces the joined lines.
    var storedText: [UInt8]? { parts.first?.storedText }
    /// The fatal problem postconf reports for this entry, as `(message, needsPath)`.
    var problemText: ProblemText? { parts.first?.problemText }
    /// Warnings found while normalising the arguments (brace errors).
    var warningTexts: [[UInt8]] { parts.first?.warningTexts ?? [] }

    /// The normalised argument vector (empty when the field count is bad).
    ///
    /// A compact entry's is read from its bytes at each use: callers that
    /// need it several times keep it.
    var argv: ArgumentList { parts.first?.argv ?? compactArguments() }

    /// The `-o` overrides merged by name (``mergedOverrides()``), as spans
    /// of ``argv``'s buffers (found at each use for a compact entry).
    var mergedSpans: SharedRun<OverrideSpans> {
      if let parts = parts.first { return parts.mergedSpans }
      return SharedRun(MasterCF.mergeOverrides(of: compactArguments()))
    }

    /// The arguments and the merged overrides at once: a compact entry
    /// reads its bytes once for both.
    var argumentsAndOverrides: (argv: ArgumentList, merged: SharedRun<OverrideSpans>) {
      if let parts = parts.first { return (parts.argv, parts.mergedSpans) }
      let argv = compactArguments()
      return (argv, SharedRun(MasterCF.mergeOverrides(of: argv)))
    }

    /// Per content line: its number, where it starts in ``source``, and
    /// where it starts in ``text`` (three runs).
    var layout: SharedRun<Int32> { parts.first?.layout ?? SharedRun(compactLayout()) }

    /// Where a compact entry's text ends in ``source``: its lines follow
    /// each other, one newline apart.
    private var compactEnd: Int {
      Int(compactStart) + textLength + Int(storedLastLine) - Int(storedFirstLine)
    }

    /// A compact entry's arguments: the `argv_splitq` tokens of its lines,
    /// ranges of ``source``, each with its offset in ``text``.
    private func compactArguments() -> ArgumentList {
      let (start, end) = (Int(compactStart), compactEnd)
      var spans: [ArgumentList.Span] = []
      spans.reserveCapacity(16)
      // No brace in a compact entry: its tokens end at blanks. A newline
      // between lines is a blank to them (continuation lines start with
      // one), and is not in the text: each offset is less by the newlines
      // before it.
      source.withUnsafeBufferPointer { bytes in
        var tokens = MasterCF.PlainTokens(bytes, from: start, to: end)
        while let token = tokens.next() {
          spans.append(
            ArgumentList.Span(
              source: token, offset: token.lowerBound - start - tokens.newlines))
        }
      }
      var argv = ArgumentList(source: source, extra: [], spans: spans)
      argv.isBlankFree = true
      return argv
    }

    /// A compact entry's layout, as a parsed entry keeps it.
    private func compactLayout() -> [Int32] {
      let count = lastLine - firstLine + 1
      var layout = [Int32](repeating: 0, count: 3 * count)
      var (start, offset) = (Int(compactStart), 0)
      source.withUnsafeBufferPointer { bytes in
        for index in 0..<count {
          layout[index] = Int32(clamping: firstLine + index)
          layout[count + index] = Int32(start)
          layout[2 * count + index] = Int32(offset)
          let end = bytes.firstIndex(of: 0x0A, from: start, to: bytes.count) ?? bytes.count
          offset += end - start
          start = end + 1
        }
      }
      return layout
    }

    /// The number of content lines.
    var segmentCount: Int { isCompact ? lastLine - firstLine + 1 : layout.count / 3 }

    /// How many elements the entry's runs have (none for a compact entry).
    var runCounts: (spans: Int, layouts: Int, merged: Int) {
      guard let parts = parts.first else { return (0, 0, 0) }
      return (parts.argv.spans.count, parts.layout.count, parts.mergedSpans.count)
    }

    /// Moves the entry's argument spans, layout and merged overrides to the
    /// ends of arrays shared with other entries (see ``SharedRun/move(to:)``).
    mutating func moveRuns(
      spans: inout [ArgumentList.Span], layouts: inout [Int32], merged: inout [OverrideSpans]
    ) {
      guard !parts.isEmpty else { return }
      parts[0].argv.moveSpans(to: &spans)
      parts[0].layout.move(to: &layouts)
      parts[0].mergedSpans.move(to: &merged)
    }

    /// Gives the runs moved by ``moveRuns(spans:layouts:merged:)`` their
    /// complete arrays.
    mutating func attachRuns(
      spans: [ArgumentList.Span], layouts: [Int32], merged: [OverrideSpans]
    ) {
      guard !parts.isEmpty else { return }
      parts[0].argv.attachSpans(spans)
      parts[0].layout.attach(layouts)
      parts[0].mergedSpans.attach(merged)
    }

    enum ProblemText: Sendable, Equatable {
      case badFieldCount
      case invalidField([UInt8])
    }

    /// The logical text as Postfix parses it: content lines joined, cut at a NUL byte.
    ///
    /// Joined from the document's bytes on each use; entries do not keep a
    /// copy of their text.
    public var text: [UInt8] {
      get {
        if let storedText { return storedText }
        if isCompact {
          let range = Int(compactStart)..<compactEnd
          if storedFirstLine == storedLastLine { return Array(source[range]) }
          var result: [UInt8] = []
          result.reserveCapacity(textLength)
          for byte in source[range] where byte != 0x0A { result.append(byte) }
          return result
        }
        let layout = self.layout
        var result: [UInt8] = []
        result.reserveCapacity(textLength)
        let count = segmentCount
        for index in 0..<count {
          let (start, offset) = (Int(layout[count + index]), Int(layout[2 * count + index]))
          if offset >= textLength { break }
          let next = index + 1 < count ? Int(layout[2 * count + index + 1]) : textLength
          let length = min(next, textLength) - offset
          result.append(contentsOf: source[start..<(start + length)])
        }
        return result
      }
      set { editParts { $0.storedText = newValue } }
    }

    public static func == (lhs: Entry, rhs: Entry) -> Bool {
      lhs.firstLine == rhs.firstLine && lhs.text == rhs.text && lhs.lineNumbers == rhs.lineNumbers
        && lhs.commentLines == rhs.commentLines
    }

    /// Whether the entry has 8 fields with valid values.
    public var isValid: Bool { parts.first?.problemText == nil }

    /// The normalised arguments: 7 fields, the command and its arguments (empty if invalid).
    public var arguments: [[UInt8]] { argv.arrays }

    /// The raw blank-separated tokens of ``text`` (braces group), before normalisation.
    public var tokens: [[UInt8]] { MasterCF.splitArguments(text) }

    /// The service name (field 1), when there is one.
    public var service: [UInt8]? { field(0) }
    /// The service type (field 2), when there is one.
    public var type: [UInt8]? { field(1) }
    /// The command name (field 8), when the entry is valid.
    public var command: [UInt8]? { withCommand { Array($0) } }

    /// Calls `body` with the bytes of the service and type fields where
    /// they lie, without making the argument list of a compact entry; nil
    /// for an entry with fewer than two arguments.
    /// - Parameter body: Receives the service and the type.
    /// - Returns: What `body` returns, or nil.
    func withServiceAndType<R>(
      _ body: (UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<UInt8>) -> R
    ) -> R? {
      guard isCompact else {
        let argv = self.argv
        guard argv.count > 1 else { return nil }
        return argv.withBuffers { body($0[argv.spans[0]], $0[argv.spans[1]]) }
      }
      // No brace in a compact entry: its first two tokens end at blanks
      // (a newline among them), and it has eight.
      return source.withUnsafeBufferPointer { bytes in
        var tokens = MasterCF.PlainTokens(bytes, from: Int(compactStart), to: compactEnd)
        guard let service = tokens.nextBytes(), let type = tokens.nextBytes() else { return nil }
        return body(service, type)
      }
    }

    /// Calls `body` with the bytes of the command field (the eighth) where
    /// they lie, without making the argument list of a compact entry; nil
    /// for an entry that has no command (an invalid one).
    /// - Parameter body: Receives the command.
    /// - Returns: What `body` returns, or nil.
    func withCommand<R>(_ body: (UnsafeBufferPointer<UInt8>) -> R) -> R? {
      guard isCompact else {
        let argv = self.argv
        guard argv.count > 7 else { return nil }
        return argv.withBuffers { body($0[argv.spans[7]]) }
      }
      return source.withUnsafeBufferPointer { bytes in
        var tokens = MasterCF.PlainTokens(bytes, from: Int(compactStart), to: compactEnd)
        for _ in 0..<7 { guard tokens.next() != nil else { return nil } }
        return tokens.nextBytes().map(body)
      }
    }

    /// Calls `body` with each `-o name=value` override of a compact entry.
    ///
    /// In order, as ``forEachOverride(_:)`` finds them, as bytes where they
    /// lie: nothing is made or copied. Does nothing for an entry that is not
    /// compact.
    /// - Parameter body: Receives the name and the value.
    func forEachCompactOverride(
      _ body: (_ name: UnsafeBufferPointer<UInt8>, _ value: UnsafeBufferPointer<UInt8>) -> Void
    ) {
      guard isCompact else { return }
      source.withUnsafeBufferPointer { bytes in
        var tokens = MasterCF.PlainTokens(bytes, from: Int(compactStart), to: compactEnd)
        for _ in 0..<8 { guard tokens.next() != nil else { return } }
        func next() -> UnsafeBufferPointer<UInt8>? { tokens.nextBytes() }
        func option(_ text: UnsafeBufferPointer<UInt8>) {
          if case .success(let (name, value)) = MasterCF.nameValueRanges(text, 0..<text.count) {
            body(
              UnsafeBufferPointer(rebasing: text[name]), UnsafeBufferPointer(rebasing: text[value]))
          }
        }
        MasterCF.forEachOptionValue(next, bytes: { $0 }, body: option)
      }
    }

    /// Whether a compact entry's bytes hold `name` just before an `=`.
    ///
    /// Without braces, an override's name is just before the first `=` of
    /// its argument, so when this is false no override sets `name`: most
    /// names a service is asked about are found unset by one `memchr` or
    /// two. True for an entry that is not compact.
    /// - Parameter name: A parameter name.
    /// - Returns: Whether an override may set `name`.
    func mayOverride(_ name: UnsafeBufferPointer<UInt8>) -> Bool {
      guard isCompact else { return true }
      return source.withUnsafeBufferPointer { bytes in
        let (start, end) = (Int(compactStart), compactEnd)
        var index = start + name.count
        // Each iteration looks at one `=` and moves past it.
        while let equals = bytes.firstIndex(of: UInt8(ascii: "="), from: index, to: end) {
          if UnsafeBufferPointer(rebasing: bytes[(equals - name.count)..<equals]).hasSameBytes(
            as: name)
          {
            return true
          }
          index = equals + 1
        }
        return false
      }
    }

    /// Whether the entry has an `-o name=value` override (a compact entry
    /// is read for it without making anything).
    var hasOverrides: Bool {
      guard isCompact else { return !mergedSpans.isEmpty }
      var found = false
      forEachCompactOverride { _, _ in found = true }
      return found
    }

    /// Whether the name of every `-o name=value` override satisfies
    /// `predicate` (a compact entry is read for it without making anything).
    /// - Parameter predicate: Tests a name.
    /// - Returns: Whether all names pass.
    func allOverrideNames(satisfy predicate: (UnsafeBufferPointer<UInt8>) -> Bool) -> Bool {
      guard isCompact else {
        let (argv, merged) = argumentsAndOverrides
        return argv.withBuffers { buffers in merged.allSatisfy { predicate(buffers[$0.name]) } }
      }
      var all = true
      forEachCompactOverride { name, _ in all = all && predicate(name) }
      return all
    }

    /// Whether the entry's service and type fields are `service` and `type`.
    func isService<S: Collection, T: Collection>(_ service: S, type: T) -> Bool
    where S.Element == UInt8, T.Element == UInt8 {
      withServiceAndType { $0.elementsEqual(service) && $1.elementsEqual(type) } ?? false
    }

    /// Field `index` (0 or 1): the normalised one, else the raw token.
    private func field(_ index: Int) -> [UInt8]? {
      let argv = self.argv
      if argv.count > index { return Array(argv[index]) }
      let text = self.text
      let ranges = MasterCF.argumentRanges(text[...])
      return ranges.count > index ? Array(text[ranges[index]]) : nil
    }

    /// The `-o name=value` overrides in order, with the line each came from.
    ///
    /// Computed from the arguments at each use: callers that need them
    /// several times keep the result.
    public var overrides: [Override] {
      var result: [Override] = []
      forEachOverride { name, value, line in
        result.append(Override(name: Array(name), value: Array(value), line: line))
      }
      return result
    }

    /// Calls `body` with each `-o name=value` override in order (as
    /// ``overrides`` lists them), without copying the bytes.
    /// - Parameter body: Receives the name, the value and the 1-based line.
    func forEachOverride(
      _ body: (_ name: ArraySlice<UInt8>, _ value: ArraySlice<UInt8>, _ line: Int) throws -> Void
    ) rethrows {
      let argv = self.argv
      let lines = LineFinder(self)
      try argv.withBuffers { buffers in
        try Entry.forEachOverrideSpans(of: argv, in: buffers) { override in
          try body(
            argv.bytes(override.name), argv.bytes(override.value),
            lines.line(atOffset: Int(override.offset)))
        }
      }
    }

    /// One `-o name=value` override as spans of ``argv``'s buffers: its name,
    /// its value, and the offset in ``text`` of the `name=value` argument.
    typealias OverrideSpans = (
      name: ArgumentList.Span, value: ArgumentList.Span, offset: Int32
    )

    /// Calls `body` with each `-o name=value` override of `argv` in order,
    /// as spans of `buffers` (`argv`'s): nothing is copied or retained per
    /// override.
    /// - Parameters:
    ///   - argv: A normalised argument vector.
    ///   - buffers: Its buffers.
    ///   - body: Receives each override.
    static func forEachOverrideSpans(
      of argv: ArgumentList, in buffers: ArgumentList.Buffers,
      _ body: (OverrideSpans) throws -> Void
    ) rethrows {
      let spans = argv.spans
      var index = 8
      func next() -> ArgumentList.Span? {
        guard index < spans.count else { return nil }
        defer { index += 1 }
        return spans[index]
      }
      func option(_ value: ArgumentList.Span) throws {
        let bytes = buffers[value]
        if case .success(let (name, text)) = MasterCF.nameValueRanges(bytes, 0..<bytes.count) {
          try body(
            (
              value.part(name.lowerBound, name.upperBound, offset: 0),
              value.part(text.lowerBound, text.upperBound, offset: 0), value.offset
            ))
        }
      }
      try MasterCF.forEachOptionValue(next, bytes: { buffers[$0] }, body: option)
    }

    /// One `-o` parameter of ``mergedOverrides()``.
    typealias MergedOverride = (name: ArraySlice<UInt8>, value: ArraySlice<UInt8>, line: Int)

    /// The `-o` overrides with each name once, in order of first appearance,
    /// with the value and line of its last one (as a dictionary filled in
    /// order would hold them), without copying the bytes.
    /// - Returns: The merged overrides.
    func mergedOverrides() -> [MergedOverride] {
      let (argv, merged) = argumentsAndOverrides
      let lines = LineFinder(self)
      return merged.map {
        (argv.bytes($0.name), argv.bytes($0.value), lines.line(atOffset: Int($0.offset)))
      }
    }

    /// The physical line a logical-text offset came from.
    func line(atOffset offset: Int) -> Int { LineFinder(self).line(atOffset: offset) }

    /// The physical lines of an entry's text offsets, its layout read once.
    struct LineFinder {
      /// The entry's layout; empty for a compact entry of one line.
      let layout: SharedRun<Int32>
      let firstLine: Int

      init(_ entry: Entry) {
        firstLine = entry.firstLine
        layout = entry.isCompact && entry.firstLine == entry.lastLine ? SharedRun() : entry.layout
      }

      /// The line of the last content line that starts at or before `offset`.
      func line(atOffset offset: Int) -> Int {
        let count = layout.count / 3
        var low = 0
        var high = count
        while low < high {
          let middle = (low + high) / 2
          if Int(layout[2 * count + middle]) <= offset { low = middle + 1 } else { high = middle }
        }
        return low > 0 ? Int(layout[low - 1]) : firstLine
      }
    }
  }

  /// The eight field names `postconf -F` uses.
  public static let fieldNames: [String] = [
    "service", "type", "private", "unprivileged", "chroot", "wakeup", "process_limit", "command",
  ]
}

// MARK: - Lines and logical entries

extension MasterCF {
  static func isSpace(_ byte: UInt8) -> Bool {
    byte == 0x20 || (byte >= 0x09 && byte <= 0x0D)
  }

  /// Whether `byte` separates master.cf arguments: space, TAB, CR or LF.
  ///
  /// One test of a bit: written as four comparisons, the compiler may make
  /// it a jump table, which a loop over every byte of a file pays for.
  @inline(__always)
  static func isBlank(_ byte: UInt8) -> Bool {
    // Space, TAB, CR and LF, as bits.
    let blanks: UInt64 = 1 << 0x20 | 1 << 0x09 | 1 << 0x0D | 1 << 0x0A
    return byte <= 0x20 && (UInt64(1) << UInt64(byte)) & blanks != 0
  }

  /// Bytes up to (not including) the first NUL, as C string functions see them.
  static func cString<C: Collection>(_ bytes: C) -> [UInt8] where C.Element == UInt8 {
    Array(bytes.prefix { $0 != 0 })
  }

  static func classify<C: Collection>(_ content: C) -> Line.Kind where C.Element == UInt8 {
    guard let first = content.first else { return .blankOrComment }
    for byte in content where !isSpace(byte) {
      if byte == UInt8(ascii: "#") { return .blankOrComment }
      return isSpace(first) ? .continuation : .start
    }
    return .blankOrComment
  }

  static func splitLines(_ bytes: [UInt8]) -> [Line] {
    splitLines(bytes, upTo: bytes.count)
  }

  /// The lines of `bytes[start..<end]`, numbered from `firstNumber`; `start`
  /// is the start of a line, and the last line ends at `end` or at its
  /// newline before `end`.
  static func splitLines(
    _ bytes: [UInt8], from start: Int = 0, upTo end: Int? = nil, firstNumber: Int = 1,
    reserving room: Int = 0
  ) -> [Line] {
    let first = start
    return bytes.withUnsafeBufferPointer { bytes in
      var lines: [Line] = []
      lines.reserveCapacity(room)
      var start = first
      var number = firstNumber - 1
      let count = end ?? bytes.count
      while start < count {
        let end = bytes.firstIndex(of: 0x0A, from: start, to: count) ?? count
        number += 1
        let range = start..<end
        lines.append(
          Line(
            number: number, content: range, hasNewline: end < count,
            kind: classify(bytes[range])))
        start = end + 1
      }
      return lines
    }
  }

  static func group(
    lines: [Line], bytes: [UInt8], compact: Bool = true, entries: inout [Entry],
    orphans: inout [Orphan]
  ) {
    var grouper = Grouper(bytes: bytes, entries: entries)
    grouper.compact = compact
    entries = []
    swap(&grouper.orphans, &orphans)
    for line in lines {
      switch line.kind {
      case .blankOrComment:
        if !grouper.current.isEmpty { grouper.pendingComments.append(line.number) }
      case .continuation:
        // Most continuation lines follow no comment: nothing to move (and no
        // empty array made anew per line).
        if !grouper.pendingComments.isEmpty {
          grouper.inside.append(contentsOf: grouper.pendingComments)
          grouper.pendingComments.removeAll(keepingCapacity: true)
        }
        grouper.current.append(line)
      case .start:
        grouper.finish()
        grouper.current.append(line)
      }
    }
    grouper.finish()
    grouper.attachRuns()
    swap(&grouper.entries, &entries)
    swap(&grouper.orphans, &orphans)
  }

  /// The lines of the logical line being gathered, and what is made of
  /// each one finished (a struct, not closures over local variables: its
  /// fields are reached without a check at run time).
  private struct Grouper {
    let bytes: [UInt8]
    /// Whether entries that can be are made compact (``Entry/isCompact``).
    var compact = true
    var entries: [Entry] = []
    var orphans: [Orphan] = []
    var current: [Line] = []
    var pendingComments: [Int] = []
    var inside: [Int] = []
    /// Each entry's text is joined here for parsing; entries keep ranges of
    /// `bytes`, not the text.
    var text: [UInt8] = []
    /// Each entry's layout is made here (see ``Entry/layout``).
    var layout: [Int32] = []
    /// The argument spans, layouts and merged overrides of the entries
    /// since ``firstEntry``, which they keep as runs of these arrays, not as
    /// arrays of their own: given to them by ``attachRuns()`` when an array
    /// is full or the entries are all parsed.
    var spans: [ArgumentList.Span] = []
    var layouts: [Int32] = []
    var merged: [Entry.OverrideSpans] = []
    /// The first entry whose runs are in the arrays above.
    var firstEntry: Int
    /// How many elements each array is made with room for.
    let room: (spans: Int, layouts: Int, merged: Int)

    init(bytes: [UInt8], entries: [Entry]) {
      self.bytes = bytes
      self.entries = entries
      firstEntry = entries.count
      // Arrays of a fixed size, each filled before the next is made: none
      // grows by copying, and room made and not used is at most one array's
      // (a large master.cf's heap is backed in huge pages, so room reserved
      // in it is not free). A short file gets room for what its bytes can
      // hold: an entry takes at least 9 bytes a line and 2 an argument.
      let bound = bytes.count
      room = (
        Swift.min(MasterCF.spansPerArray, bound / 2 + 8),
        Swift.min(MasterCF.spansPerArray, bound / 3 + 3),
        Swift.min(MasterCF.spansPerArray / 4, bound / 8 + 1)
      )
      makeArrays(spans: 0, layouts: 0, merged: 0)
    }

    /// New arrays, with room for at least the given counts.
    mutating func makeArrays(spans: Int, layouts: Int, merged: Int) {
      self.spans = []
      self.layouts = []
      self.merged = []
      self.spans.reserveCapacity(Swift.max(room.spans, spans))
      self.layouts.reserveCapacity(Swift.max(room.layouts, layouts))
      self.merged.reserveCapacity(Swift.max(room.merged, merged))
    }

    /// Gives the entries since ``firstEntry`` their runs' arrays, which
    /// then belong to them.
    mutating func attachRuns() {
      // Arrays much larger than what they hold are copied to their size:
      // room left in them would stay taken as long as the entries.
      let (spans, layouts, merged) = (
        Self.fitted(self.spans), Self.fitted(self.layouts), Self.fitted(self.merged)
      )
      (self.spans, self.layouts, self.merged) = ([], [], [])
      for index in firstEntry..<entries.count {
        entries[index].attachRuns(spans: spans, layouts: layouts, merged: merged)
      }
      firstEntry = entries.count
    }

    /// `array`, or a copy of its elements alone when an eighth of its room
    /// or more is unused.
    static func fitted<Element>(_ array: [Element]) -> [Element] {
      array.count >= array.capacity - array.capacity / 8 ? array : Array(array[...])
    }

    /// Moves `entry`'s runs to the arrays, first giving the arrays to the
    /// entries before it and making new ones when one lacks room; an entry
    /// of more than ``MasterCF/sharedRunLimit`` arguments keeps its own.
    mutating func keep(_ entry: inout Entry) {
      let counts = entry.runCounts
      // A long entry's arrays are worth their headers: moving them would
      // cost more time than it saves memory.
      guard counts.spans <= MasterCF.sharedRunLimit else { return }
      if spans.count + counts.spans > spans.capacity
        || layouts.count + counts.layouts > layouts.capacity
        || merged.count + counts.merged > merged.capacity
      {
        attachRuns()
        makeArrays(spans: counts.spans, layouts: counts.layouts, merged: counts.merged)
      }
      entry.moveRuns(spans: &spans, layouts: &layouts, merged: &merged)
    }

    mutating func finish() {
      guard let first = current.first else { return }
      text.removeAll(keepingCapacity: true)
      // Reused from entry to entry: a compact entry keeps none of it, and
      // an entry that keeps it leaves the next to make its own.
      layout.removeAll(keepingCapacity: true)
      layout.append(contentsOf: repeatElement(0, count: 3 * current.count))
      bytes.withUnsafeBufferPointer { bytes in
        for (index, line) in current.enumerated() {
          layout[index] = Int32(truncatingIfNeeded: line.number)
          layout[current.count + index] = Int32(line.content.lowerBound)
          layout[2 * current.count + index] = Int32(text.count)
          text.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[line.content]))
        }
      }
      if first.kind == .continuation {
        orphans.append(
          Orphan(firstLine: first.number, lineNumbers: current.map(\.number), text: Array(text)))
      } else {
        var entry = MasterCF.parseEntry(
          text: text, source: bytes, firstLine: first.number,
          lastLine: current.last?.number ?? first.number, commentLines: inside, layout: layout,
          compact: compact)
        keep(&entry)
        entries.append(entry)
      }
      current.removeAll(keepingCapacity: true)
      inside = []
      pendingComments.removeAll(keepingCapacity: true)
    }
  }
}
