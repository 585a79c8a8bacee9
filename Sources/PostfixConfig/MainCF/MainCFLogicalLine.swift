/// One logical line of a main.cf file as Postfix's `readllines()` groups it.
///
/// Offsets point into the document's bytes, or into its joined buffer when the
/// logical line spans several physical lines (`inJoined`).
struct MainCFLogicalLine: Sendable {
  enum Kind: UInt8, Sendable {
    /// `name = value`.
    case entry
    /// Text starting with whitespace that follows no entry (dropped with a warning).
    case orphan
    /// Fatal: `missing attribute name`.
    case missingName
    /// Fatal: `missing '=' after attribute name`.
    case missingEquals
  }

  var kind: Kind
  var inJoined: Bool
  /// A continued entry handed over without its joined text (see
  /// ``MainCFScanner/elidesPlainText``): its offsets count in the joined text
  /// all the same, the name lies in the first piece, and the value holds no
  /// `$` and no NUL.
  var textElided = false
  /// A continued line whose lines follow one another, each continuation line
  /// starting with a space, TAB or CR.
  ///
  /// No comment or blank line lies between them. The sink gets one piece for
  /// it, from the first content line's start to the last one's end, and its
  /// joined text is that piece's bytes without their newlines. Each newline
  /// there is followed by a separator, so words read over the piece are those
  /// of the joined text.
  var spansLines = false
  // Offsets and line numbers are stored in 32 bits (a logical line is kept
  // for every entry of files up to 64 MiB, so its size matters); the scanner
  // never reads past 4 GiB.
  private var first: UInt32
  private var last: UInt32
  private var bytesStart: UInt32
  private var bytesEnd: UInt32
  private var textRange: (start: UInt32, end: UInt32, cEnd: UInt32)
  private var name: (start: UInt32, end: UInt32)
  private var value: (start: UInt32, end: UInt32)

  init(
    kind: Kind, inJoined: Bool, firstLine: Int, lastLine: Int, byteStart: Int, byteEnd: Int,
    textStart: Int, textEnd: Int, textCEnd: Int, nameStart: Int, nameEnd: Int,
    valueStart: Int, valueEnd: Int
  ) {
    self.kind = kind
    self.inJoined = inJoined
    first = UInt32(truncatingIfNeeded: firstLine)
    last = UInt32(truncatingIfNeeded: lastLine)
    bytesStart = UInt32(truncatingIfNeeded: byteStart)
    bytesEnd = UInt32(truncatingIfNeeded: byteEnd)
    textRange = (
      UInt32(truncatingIfNeeded: textStart), UInt32(truncatingIfNeeded: textEnd),
      UInt32(truncatingIfNeeded: textCEnd)
    )
    name = (UInt32(truncatingIfNeeded: nameStart), UInt32(truncatingIfNeeded: nameEnd))
    value = (UInt32(truncatingIfNeeded: valueStart), UInt32(truncatingIfNeeded: valueEnd))
  }

  /// 1-based physical line number of the first and last content line.
  var firstLine: Int { Int(first) }
  var lastLine: Int { Int(last) }
  /// Byte range in the document from the first content line to the end of the
  /// last content line (its `\n` included).
  var byteStart: Int { Int(bytesStart) }
  var byteEnd: Int { Int(bytesEnd) }
  /// The joined text (no newlines): start, end, and end when cut at the first NUL.
  var textStart: Int {
    get { Int(textRange.start) }
    set { textRange.start = UInt32(truncatingIfNeeded: newValue) }
  }
  var textEnd: Int {
    get { Int(textRange.end) }
    set { textRange.end = UInt32(truncatingIfNeeded: newValue) }
  }
  var textCEnd: Int {
    get { Int(textRange.cEnd) }
    set { textRange.cEnd = UInt32(truncatingIfNeeded: newValue) }
  }
  /// Name and value ranges (entries only; empty otherwise).
  var nameStart: Int {
    get { Int(name.start) }
    set { name.start = UInt32(truncatingIfNeeded: newValue) }
  }
  var nameEnd: Int {
    get { Int(name.end) }
    set { name.end = UInt32(truncatingIfNeeded: newValue) }
  }
  var valueStart: Int {
    get { Int(value.start) }
    set { value.start = UInt32(truncatingIfNeeded: newValue) }
  }
  var valueEnd: Int {
    get { Int(value.end) }
    set { value.end = UInt32(truncatingIfNeeded: newValue) }
  }
}

/// Receives each logical line as ``MainCFScanner`` completes it.
protocol MainCFLineSink {
  /// Takes one logical line. Its offsets point into `file`, or into `joined`
  /// (the scanner's buffer of joined continuation text) when `line.inJoined`;
  /// `pieces` are the file ranges of its content lines, whose concatenation
  /// is the line's joined text, or one range over them all when
  /// `line.spansLines`. Returns false to stop the scan.
  mutating func take(
    _ line: MainCFLogicalLine, file: UnsafeBufferPointer<UInt8>,
    joined: UnsafeBufferPointer<UInt8>, pieces: ArraySlice<Range<Int>>
  ) -> Bool

  /// Takes one logical line with what ``MainCFLookAhead`` found in its value
  /// (tag 0 and no ranges when it did not look at it) and its name.
  mutating func take(
    _ line: MainCFLogicalLine, file: UnsafeBufferPointer<UInt8>,
    joined: UnsafeBufferPointer<UInt8>, pieces: ArraySlice<Range<Int>>,
    ahead: MainCFLookAhead.Result
  ) -> Bool

  /// What ``MainCFLookAhead/nameWork`` gave for the name of an entry a few
  /// lines on, before that line is taken: the sink may start fetching what
  /// it will need for it.
  mutating func expect(nameWork: UInt64)
}

/// Work on an entry's value done ahead on the scanning thread of
/// ``MainCFPipelinedScanner`` (see ``MainCFLineSink/take(_:file:joined:pieces:ahead:)``).
struct MainCFLookAhead: Sendable {
  /// Values shorter than this are left to the sink, unless the scanning
  /// thread is ahead (batches wait to be taken): then it takes every value.
  var minimumLength: Int
  /// Given a value's bytes, appends what it finds to `found` (ranges of the
  /// value) and returns a tag for the sink; 0 means nothing was done.
  var work: @Sendable (UnsafeBufferPointer<UInt8>, inout [Range<UInt32>]) -> UInt8

  /// Given an entry's name, returns what the sink gets for it (a hash to
  /// look the name up by, say); nil does no work on names.
  var nameWork: (@Sendable (UnsafeBufferPointer<UInt8>) -> UInt64)?

  /// What the sink gets for one line: the tag `work` returned (0 when it did
  /// not look at the value), the ranges it found, and what `nameWork` gave
  /// for an entry's name (nil when it did none).
  typealias Result = (tag: UInt8, found: UnsafeBufferPointer<Range<UInt32>>, name: UInt64?)
}

extension MainCFLineSink {
  /// A sink that has no use for look-ahead work takes the line alone.
  mutating func take(
    _ line: MainCFLogicalLine, file: UnsafeBufferPointer<UInt8>,
    joined: UnsafeBufferPointer<UInt8>, pieces: ArraySlice<Range<Int>>,
    ahead: MainCFLookAhead.Result
  ) -> Bool {
    take(line, file: file, joined: joined, pieces: pieces)
  }

  /// A sink that does nothing ahead ignores what is to come.
  mutating func expect(nameWork: UInt64) {}
}

extension MainCFLogicalLine {
  /// An entry's name, from what its sink gets with it: in the file, in the
  /// joined text, or, for an elided line, in its first piece.
  func name(
    file: UnsafeBufferPointer<UInt8>, joined: UnsafeBufferPointer<UInt8>,
    pieces: ArraySlice<Range<Int>>
  ) -> UnsafeBufferPointer<UInt8> {
    if textElided, let first = pieces.first {
      return UnsafeBufferPointer(
        rebasing: file[first.lowerBound + nameStart..<first.lowerBound + nameEnd])
    }
    return UnsafeBufferPointer(rebasing: (inJoined ? joined : file)[nameStart..<nameEnd])
  }
}

/// The sink that keeps every logical line (the document's view).
struct MainCFLineCollector: MainCFLineSink {
  var lines: [MainCFLogicalLine] = []
  var entryLines: [UInt32] = []

  mutating func take(
    _ line: MainCFLogicalLine, file: UnsafeBufferPointer<UInt8>,
    joined: UnsafeBufferPointer<UInt8>, pieces: ArraySlice<Range<Int>>
  ) -> Bool {
    if line.kind == .entry { entryLines.append(UInt32(truncatingIfNeeded: lines.count)) }
    lines.append(line)
    return true
  }
}

/// The single pass that groups physical lines into logical lines.
struct MainCFScanner {
  var joined: [UInt8] = []
  /// Whether `joined` keeps the text of every logical line; when false it
  /// holds only the current one (a sink that keeps offsets into it must use
  /// the pieces instead).
  var keepsJoined = true
  /// Whether a continued entry whose text holds no `$` and no NUL, and whose
  /// name and `=` lie on its first line, goes to the sink without its joined
  /// text (``MainCFLogicalLine/textElided``), for sinks that read such values
  /// through the pieces: nothing is copied for them.
  var elidesPlainText = false

  // The file ranges of the open logical line's content lines, listed only
  // once they stop being one span (`isSpan`, see
  // ``MainCFLogicalLine/spansLines``): until then the first and the last are
  // enough, the others lying between them.
  private var pieces: [Range<Int>] = []
  private var isSpan = true
  private var lastContent = 0..<0
  // The one piece handed to the sink for a span (reused).
  private var spanPiece: [Range<Int>] = [0..<0]

  // The logical line being collected.
  private var isOpen = false
  private var contentLines = 0
  private var firstContent = 0..<0
  private var firstLine = 0
  private var lastLine = 0
  private var byteEnd = 0

  mutating func scan<Sink: MainCFLineSink>(
    _ buffer: UnsafeBufferPointer<UInt8>, into sink: inout Sink
  ) {
    guard let base = buffer.baseAddress else { return }
    // Offsets are kept in 32 bits: nothing past 4 GiB is read (the library
    // refuses files over 64 MiB long before that).
    let count = min(buffer.count, Int(UInt32.max))
    // Joined text never exceeds the file. Reserving it once avoids the copies
    // of growth by doubling; pages nothing is written to are never touched.
    if keepsJoined { joined.reserveCapacity(count) }
    var offset = 0
    var lineNumber = 0
    while offset < count {
      let newline = MainCFLexing.memchrOffset(base + offset, MainCFLexing.newline, count - offset)
      let contentEnd = newline.map { offset + $0 } ?? count
      let next = newline.map { offset + $0 + 1 } ?? count
      lineNumber += 1
      let content = offset..<contentEnd
      if !MainCFLexing.isCommentOrBlank(buffer, content) {
        if isOpen && MainCFLexing.isSpace(buffer[offset]) {
          appendContinuation(buffer, content, lineNumber: lineNumber, next: next)
        } else {
          guard finish(buffer, into: &sink) else { return }
          isOpen = true
          contentLines = 1
          firstContent = content
          lastContent = content
          isSpan = true
          if !pieces.isEmpty { pieces.removeAll(keepingCapacity: true) }
          firstLine = lineNumber
          lastLine = lineNumber
          byteEnd = next
        }
      }
      // Progress: `next` is past `offset` because the line holds at least a byte.
      offset = next
    }
    _ = finish(buffer, into: &sink)
  }

  private mutating func appendContinuation(
    _ buffer: UnsafeBufferPointer<UInt8>, _ content: Range<Int>, lineNumber: Int, next: Int
  ) {
    // The text is joined when the line ends, if it must be.
    if isSpan
      && !(content.lowerBound == lastContent.upperBound + 1
        && MainCFLexing.isBlankOrCR(buffer[content.lowerBound]))
    {
      listSpanPieces(buffer)
      isSpan = false
    }
    if !isSpan { pieces.append(content) }
    lastContent = content
    contentLines += 1
    lastLine = lineNumber
    byteEnd = next
  }

  // Lists the content lines of the open span in `pieces`: they are the
  // lines between its first line's start and its last line's end.
  private mutating func listSpanPieces(_ buffer: UnsafeBufferPointer<UInt8>) {
    pieces.removeAll(keepingCapacity: true)
    MainCFLexing.appendLineRanges(
      of: firstContent.lowerBound..<lastContent.upperBound, in: buffer, to: &pieces)
  }

  // Hands the open logical line to the sink; false when the sink stops.
  // Inlined: it runs once per logical line.
  @inline(__always)
  private mutating func finish<Sink: MainCFLineSink>(
    _ buffer: UnsafeBufferPointer<UInt8>, into sink: inout Sink
  ) -> Bool {
    guard isOpen else { return true }
    isOpen = false
    let inJoined = contentLines > 1
    var line = MainCFLogicalLine(
      kind: .orphan, inJoined: inJoined, firstLine: firstLine, lastLine: lastLine,
      byteStart: firstContent.lowerBound, byteEnd: byteEnd, textStart: 0, textEnd: 0,
      textCEnd: 0, nameStart: 0, nameEnd: 0, valueStart: 0, valueEnd: 0)
    line.spansLines = inJoined && isSpan
    if isSpan { spanPiece[0] = firstContent.lowerBound..<lastContent.upperBound }
    if inJoined && elidesPlainText && classifyElided(&line, buffer) {
      return joined.withUnsafeBufferPointer {
        sink.take(line, file: buffer, joined: $0, pieces: isSpan ? spanPiece[...] : pieces[...])
      }
    }
    if inJoined && !keepsJoined { joined.removeAll(keepingCapacity: true) }
    let joinedStart = joined.count
    if inJoined && isSpan {
      MainCFLexing.appendLines(of: UnsafeBufferPointer(rebasing: buffer[spanPiece[0]]), to: &joined)
    } else if inJoined {
      for piece in pieces {
        joined.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[piece]))
      }
    }
    let text = inJoined ? joinedStart..<joined.count : firstContent
    return joined.withUnsafeBufferPointer { joinedBuffer in
      classify(&line, inJoined ? joinedBuffer : buffer, text)
      return sink.take(
        line, file: buffer, joined: joinedBuffer, pieces: isSpan ? spanPiece[...] : pieces[...])
    }
  }

  /// Classifies a continued line from its pieces, without joining them, when
  /// it is an entry whose name and `=` lie in the first piece and whose text
  /// holds no `$` and no NUL; false, with nothing changed, otherwise.
  ///
  /// The offsets are those ``classify(_:_:_:)`` would give in the joined
  /// text, which starts at 0: the name's are the first piece's own; the value
  /// starts after `=` in the first piece or, when only whitespace follows it
  /// there, at the second piece's first non-space byte (a continuation line
  /// is never blank); it ends at the last piece's last non-space byte.
  @inline(never)
  private func classifyElided(
    _ line: inout MainCFLogicalLine, _ buffer: UnsafeBufferPointer<UInt8>
  ) -> Bool {
    let first = firstContent
    let last = lastContent
    guard contentLines >= 2, !MainCFLexing.isSpace(buffer[first.lowerBound]),
      let base = buffer.baseAddress
    else { return false }
    // One search each over the whole span, comment lines and newlines
    // included (a `$` in a comment only costs the join), is cheaper than one
    // per piece.
    let span = last.upperBound - first.lowerBound
    guard MainCFLexing.memchrOffset(base + first.lowerBound, 0x24, span) == nil,
      MainCFLexing.memchrOffset(base + first.lowerBound, 0, span) == nil
    else { return false }
    // A span's joined text is the span without the newlines between its lines.
    var total = span - (contentLines - 1)
    if !isSpan {
      total = 0
      for piece in pieces { total += piece.count }
    }
    guard case .entry(let name, let value) = MainCFLexing.splitNameValue(buffer, first) else {
      return false
    }
    var valueStart = value.lowerBound - first.lowerBound
    if value.lowerBound == first.upperBound {
      let second = isSpan ? spanSecondLine(base) : pieces[pieces.startIndex + 1]
      var cursor = second.lowerBound
      while cursor < second.upperBound && MainCFLexing.isSpace(buffer[cursor]) { cursor += 1 }
      guard cursor < second.upperBound else { return false }
      valueStart = first.count + cursor - second.lowerBound
    }
    var end = last.upperBound
    while end > last.lowerBound && MainCFLexing.isSpace(buffer[end - 1]) { end -= 1 }
    guard end > last.lowerBound else { return false }
    line.kind = .entry
    line.textElided = true
    line.textStart = 0
    line.textEnd = total
    line.textCEnd = total
    line.nameStart = name.lowerBound - first.lowerBound
    line.nameEnd = name.upperBound - first.lowerBound
    line.valueStart = valueStart
    line.valueEnd = total - (last.upperBound - end)
    return true
  }

  // The open span's second content line: from past the first one's newline
  // to the next newline, or to the span's end.
  private func spanSecondLine(_ base: UnsafePointer<UInt8>) -> Range<Int> {
    let start = firstContent.upperBound + 1
    let end = lastContent.upperBound
    let length = MainCFLexing.memchrOffset(base + start, MainCFLexing.newline, end - start)
    return start..<(length.map { start + $0 } ?? end)
  }

  private func classify(
    _ line: inout MainCFLogicalLine, _ buffer: UnsafeBufferPointer<UInt8>, _ text: Range<Int>
  ) {
    line.textStart = text.lowerBound
    line.textEnd = text.upperBound
    let cEnd = MainCFLexing.cStringEnd(buffer, text)
    line.textCEnd = cEnd
    // A content line is never empty, so `text` holds at least one byte.
    if MainCFLexing.isSpace(buffer[text.lowerBound]) {
      line.kind = .orphan
      return
    }
    switch MainCFLexing.splitNameValue(buffer, text.lowerBound..<cEnd) {
    case .entry(let name, let value):
      line.kind = .entry
      line.nameStart = name.lowerBound
      line.nameEnd = name.upperBound
      line.valueStart = value.lowerBound
      line.valueEnd = value.upperBound
    case .missingName:
      line.kind = .missingName
    case .missingEquals:
      line.kind = .missingEquals
    }
  }
}
