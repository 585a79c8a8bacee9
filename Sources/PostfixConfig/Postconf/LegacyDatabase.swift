/// Postfix's database conventions in parameter values (`postconf_dbms.c`).
///
/// postconf fully expands the value of every built-in or per-service
/// parameter set in main.cf or master.cf and reads it as a list of lookup
/// tables (words separated by blanks and commas, `{...}` grouping):
///
/// - `type:prefix` of a client database (`ldap`, `mysql`, ...) with a name
///   that is not a path makes `prefix_<suffix>` valid main.cf parameters
///   (the legacy convention: `ldapsource_server_host`, ...);
/// - `type:/path` names a client configuration file, which postconf reads
///   (``DatabaseClientFile``);
/// - `proxy:` in front of a type is skipped;
/// - a word in braces, or a `type:{...}` table, is read again inside the
///   braces; unbalanced braces are reported (`missing '}' in "..."`).
///
/// Which types are client databases is the caller's business (the
/// catalogue's table); the walk reports every `type:name` it finds.
enum LegacyDatabase {
  /// What the walk finds, in the order postconf meets it.
  enum Event: Equatable {
    /// `type:prefix` with a prefix that is neither a path nor in braces.
    case legacy(type: ArraySlice<UInt8>, prefix: ArraySlice<UInt8>)
    /// `type:/path`.
    case clientFile(type: ArraySlice<UInt8>, path: ArraySlice<UInt8>)
    /// extpar()'s complaint about braces, as postconf prints it after
    /// `main.cf: ` (or `master.cf:service/type: `).
    case braceError([UInt8])
  }

  static let openBrace = UInt8(ascii: "{")
  static let closeBrace = UInt8(ascii: "}")
  static let colon = UInt8(ascii: ":")
  static let slash = UInt8(ascii: "/")
  static let dot = UInt8(ascii: ".")
  static let proxy = Array("proxy".utf8)

  /// The events of one fully expanded value, in postconf's order.
  ///
  /// postconf recurses into braces; this walk keeps its own stack of the
  /// text still to read, so deeply nested braces cost memory, not the
  /// call stack.
  /// - Parameter value: The expanded value.
  /// - Returns: The events.
  static func events(in value: [UInt8]) -> [Event] {
    var events: [Event] = []
    forEachEvent(in: value) { events.append($0) }
    return events
  }

  /// Calls `body` with each event of ``events(in:)`` as the walk meets it,
  /// without collecting them (a long list value holds one per word).
  /// - Parameters:
  ///   - value: The expanded value.
  ///   - wanted: Whether words of a type (its bytes) are reported; brace
  ///     errors always are. Every type by default.
  ///   - body: Called with each event, in postconf's order.
  /// - Throws: What `body` throws; the walk stops there.
  static func forEachEvent(
    in value: [UInt8], types wanted: TypeFilter = { _ in true }, _ body: (Event) throws -> Void
  ) rethrows {
    // Only a word with a colon, or one that starts with a brace, does anything;
    // a long list value is searched for both with memchr.
    let (firstColon, hasBrace) = value.withUnsafeBufferPointer {
      (
        $0.firstIndex(of: colon, from: 0, to: $0.count),
        $0.firstIndex(of: openBrace, from: 0, to: $0.count) != nil
      )
    }
    if hasBrace { return try walk(value, wanted, body) }
    guard let firstColon else { return }
    try value.withUnsafeBufferPointer { bytes in
      try forEachWordEvent(bytes, from: firstColon, slice: { value[$0] }, wanted, body)
    }
  }

  // The events of a text without braces from its first colon on, with the
  // bytes of each given by `slice`. A long text is walked in two parts at
  // once: the words after `cut` (a separator) on another thread, their
  // events kept and reported after the first part's.
  private static func forEachWordEvent(
    _ bytes: UnsafeBufferPointer<UInt8>, from firstColon: Int,
    slice: (Range<Int>) -> ArraySlice<UInt8>, _ wanted: TypeFilter, _ body: (Event) throws -> Void
  ) rethrows {
    guard bytes.count >= TwoThreads.longValue, let cut = ParameterList.middleSeparator(in: bytes),
      cut > firstColon
    else {
      return try forEachWordWithColon(
        bytes, from: firstColon, upTo: bytes.count, slice: slice, wanted, body)
    }
    // The other thread calls `wanted` until it is done; the walk waits for
    // it, also when `body` stops the first part.
    let (_, events) = try TwoThreads.alongside(
      other: {
        var events: [Event] = []
        if let colon = bytes.firstIndex(of: LegacyDatabase.colon, from: cut, to: bytes.count) {
          forEachWordWithColon(bytes, from: colon, upTo: bytes.count, slice: slice, wanted) {
            events.append($0)
          }
        }
        return events
      },
      mine: {
        try forEachWordWithColon(bytes, from: firstColon, upTo: cut, slice: slice, wanted, body)
      })
    for event in events { try body(event) }
  }

  /// Which types' `type:name` words are reported (brace errors always are): a
  /// long list value names a table on every line, and most are of types the
  /// caller ignores (`hash:`), so they are passed over without an event.
  typealias TypeFilter = (UnsafeBufferPointer<UInt8>) -> Bool

  // Without braces a word is a run of bytes between separators and only the
  // words with a colon do anything: they are found from their colons (memchr),
  // in the order the walk would meet them. `slice` gives an event's bytes.
  private static func forEachWordWithColon(
    _ bytes: UnsafeBufferPointer<UInt8>, from firstColon: Int, upTo limit: Int,
    slice: (Range<Int>) -> ArraySlice<UInt8>, _ filter: TypeFilter, _ body: (Event) throws -> Void
  ) rethrows {
    var found = firstColon
    // Each iteration handles the word around one colon and moves past that word.
    while true {
      var start = found
      while start > 0 && !ParameterList.isSeparator(bytes[start - 1]) { start -= 1 }
      let end = wordEnd(bytes, from: found + 1)
      try word(bytes, start..<end, slice: slice, filter, body)
      guard let next = bytes.firstIndex(of: colon, from: end, to: limit) else { return }
      found = next
    }
  }

  /// ``forEachEvent(in:types:_:)`` on a value that lies in `source` as
  /// `pieces` (a main.cf value over continuation lines), without joining it.
  ///
  /// When the pieces are consecutive lines (no comment or blank line between
  /// them) and each piece after the first starts with a separator, the lines
  /// as they stand in `source` hold the same words as the joined value: the
  /// newline put between two pieces is one more separator next to one. Without
  /// braces the words are all the walk reads, so it reads them there; the
  /// bytes of the few events are copied.
  /// - Parameters:
  ///   - pieces: The value's ranges of `source`, in order.
  ///   - source: The bytes the pieces are ranges of.
  ///   - wanted: Whether words of a type are reported.
  ///   - body: Called with each event, in postconf's order.
  /// - Returns: False, with nothing reported, when the pieces are not such
  ///   lines or hold a brace: the caller walks the joined value instead.
  static func forEachEvent(
    inPieces pieces: UnsafeBufferPointer<Range<UInt32>>, of source: UnsafeBufferPointer<UInt8>,
    types wanted: TypeFilter, _ body: (Event) throws -> Void
  ) rethrows -> Bool {
    guard let first = pieces.first, let last = pieces.last, last.upperBound <= source.count
    else { return false }
    var end = Int(first.upperBound)
    for piece in pieces.dropFirst() {
      let start = Int(piece.lowerBound)
      guard start == end + 1, start < source.count, ParameterList.isSeparator(source[start])
      else { return false }
      end = Int(piece.upperBound)
    }
    let lines = UnsafeBufferPointer(rebasing: source[Int(first.lowerBound)..<end])
    guard lines.firstIndex(of: openBrace, from: 0, to: lines.count) == nil else { return false }
    guard let firstColon = lines.firstIndex(of: colon, from: 0, to: lines.count) else {
      return true
    }
    try forEachWordEvent(
      lines, from: firstColon, slice: { Array(lines[$0])[...] }, wanted, body)
    return true
  }

  /// The first separator at or after `start` (or the end), looked for
  /// eight bytes at a time: the bytes below `!` and the commas are flagged
  /// (exactly at the lowest flag), and a flagged byte that is no separator
  /// is stepped over.
  static func wordEnd(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
    var end = start
    let count = bytes.count
    if let base = bytes.baseAddress {
      while end + 8 <= count {
        let block = ByteBlock.load(base + end)
        let flagged = ByteBlock.belowBang(block) | ByteBlock.equal(block, UInt8(ascii: ","))
        if flagged == 0 {
          end += 8
          continue
        }
        end += flagged.trailingZeroBitCount / 8
        if ParameterList.isSeparator(bytes[end]) { return end }
        end += 1
      }
    }
    while end < count && !ParameterList.isSeparator(bytes[end]) { end += 1 }
    return end
  }

  // What one word without braces reports: `proxy:` skipped, then a client
  // file, a legacy prefix or nothing (a word starting with a brace, or a
  // `type:{...}` table, is the walk's business). `slice` gives the bytes of
  // an event.
  private static func word(
    _ bytes: UnsafeBufferPointer<UInt8>, _ token: Range<Int>,
    slice: (Range<Int>) -> ArraySlice<UInt8>, _ filter: TypeFilter, _ body: (Event) throws -> Void
  ) rethrows {
    var type = token
    var rest: Range<Int>?
    while let found = bytes.firstIndex(of: colon, from: type.lowerBound, to: type.upperBound) {
      rest = (found + 1)..<type.upperBound
      let head = type.lowerBound..<found
      if UnsafeBufferPointer(rebasing: bytes[head]).elementsEqual(proxy) {
        type = (found + 1)..<type.upperBound
        rest = nil
        continue
      }
      type = head
      break
    }
    guard let rest else { return }
    let first = rest.isEmpty ? 0 : bytes[rest.lowerBound]
    guard first != dot && first != openBrace, filter(UnsafeBufferPointer(rebasing: bytes[type]))
    else { return }
    if first == slash {
      try body(.clientFile(type: slice(type), path: slice(rest)))
    } else {
      try body(.legacy(type: slice(type), prefix: slice(rest)))
    }
  }

  // postconf's walk over a value with braces.
  private static func walk(
    _ value: [UInt8], _ filter: TypeFilter, _ body: (Event) throws -> Void
  ) rethrows {
    // Text still to read, innermost last: the rest of an outer text waits
    // below the inside of the braces met in it.
    var pending: [Range<Int>] = [0..<value.count]
    // Each iteration reads one text until it ends or meets braces, which
    // push the rest of it and then the inside of the braces (shorter than
    // the text itself, so the walk ends).
    while let text = pending.popLast() {
      var cursor = text.lowerBound
      while let token = nextToken(value, from: &cursor, end: text.upperBound) {
        if value[token.lowerBound] == openBrace {
          let (inside, error) = insideBraces(value, token)
          if let error { try body(.braceError(error)) }
          pending.append(cursor..<text.upperBound)
          pending.append(inside)
          break
        }
        // A `type:{...}` table is read inside its braces; any other word
        // reports what it names.
        if let open = tableBrace(value, token) {
          let (inside, error) = insideBraces(value, open..<token.upperBound)
          if let error { try body(.braceError(error)) }
          pending.append(cursor..<text.upperBound)
          pending.append(inside)
          break
        }
        try value.withUnsafeBufferPointer {
          try word($0, token, slice: { value[$0] }, filter, body)
        }
      }
    }
  }

  // Where the `{` of a `type:{...}` word is: the byte after the colon that
  // ends its type (after any `proxy:`), when that byte is a brace.
  private static func tableBrace(_ value: [UInt8], _ token: Range<Int>) -> Int? {
    var type = token
    while let found = value[type].firstIndex(of: colon) {
      if value[type.lowerBound..<found].elementsEqual(proxy) {
        type = (found + 1)..<type.upperBound
        continue
      }
      return found + 1 < type.upperBound && value[found + 1] == openBrace ? found + 1 : nil
    }
    return nil
  }

  /// Postfix's `mystrtokq(&text, CHARS_COMMA_SP, "{}")`: the next word, with
  /// separators inside braces kept.
  static func nextToken(_ value: [UInt8], from cursor: inout Int, end: Int) -> Range<Int>? {
    while cursor < end && ParameterList.isSeparator(value[cursor]) { cursor += 1 }
    guard cursor < end else { return nil }
    let start = cursor
    var level = 0
    // Each iteration consumes one byte.
    while cursor < end {
      let byte = value[cursor]
      if byte == openBrace {
        level += 1
      } else if level > 0 && byte == closeBrace {
        level -= 1
      } else if level == 0 && ParameterList.isSeparator(byte) {
        let token = start..<cursor
        cursor += 1
        return token
      }
      cursor += 1
    }
    return start..<cursor
  }

  /// Postfix's `extpar()` on text that starts with `{`: the text inside the
  /// braces, and the complaint when they do not close at the end.
  static func insideBraces(_ value: [UInt8], _ text: Range<Int>) -> (Range<Int>, [UInt8]?) {
    var level = 0
    var index = text.lowerBound
    var closing: Int?
    // balpar(): each iteration consumes one byte.
    while index < text.upperBound {
      if value[index] == openBrace {
        level += 1
      } else if value[index] == closeBrace {
        level -= 1
        if level == 0 {
          closing = index
          break
        }
      }
      index += 1
    }
    guard let closing else {
      return (
        (text.lowerBound + 1)..<text.upperBound,
        Array("missing '}' in \"".utf8) + value[text] + [UInt8(ascii: "\"")]
      )
    }
    let error: [UInt8]? =
      closing + 1 == text.upperBound
      ? nil : Array("syntax error after '}' in \"".utf8) + value[text] + [UInt8(ascii: "\"")]
    return ((text.lowerBound + 1)..<closing, error)
  }

  /// The parameter names that an expanded value makes valid.
  /// - Parameters:
  ///   - value: A fully expanded parameter value.
  ///   - suffixes: The parameter suffixes of a database type (empty if unknown).
  /// - Returns: `prefix_suffix` names, in the order postconf considers them
  ///   (an empty prefix gives `_suffix`, as in postconf).
  static func parameterNames(in value: [UInt8], suffixes: (String) -> [String]) -> [String] {
    var names: [String] = []
    for case .legacy(let type, let prefix) in events(in: value) {
      let stem = String(decoding: prefix, as: UTF8.self)
      names += suffixes(String(decoding: type, as: UTF8.self)).map { stem + "_" + $0 }
    }
    return names
  }
}
