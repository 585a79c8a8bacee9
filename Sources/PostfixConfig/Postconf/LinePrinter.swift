/// postconf's line printer (`pcf_print_line`): whitespace normalised to single
/// spaces, optional folding at 80 columns with a 4-space continuation indent.
enum LinePrinter {
  /// Column limit of `-f` folding for main.cf parameters and `-P`.
  static let lineLimit = 80

  /// Appends one printed line to `out`.
  ///
  /// Words are maximal runs of bytes other than space, TAB, CR and LF (so
  /// vertical tab and form feed are printed raw). With `fold`, a word is added
  /// to the current line only while `length + word < lineLimit`.
  /// - Parameters:
  ///   - text: The unnormalised text, e.g. `name = value`.
  ///   - fold: Whether to fold long lines (`-f`).
  ///   - out: The output buffer.
  static func printLine(_ text: [UInt8], fold: Bool, into out: inout [UInt8]) {
    var state = State()
    text.withUnsafeBufferPointer { state.words(in: $0, fold: fold, into: &out) }
    out.append(0x0A)
  }

  /// Prints `name = value`, `value` (`-h`) or `name` (`-H`).
  /// - Parameters:
  ///   - name: The parameter name.
  ///   - value: The raw or expanded value.
  ///   - hideName: `-h`.
  ///   - hideValue: `-H`.
  ///   - fold: `-f`.
  ///   - out: The output buffer.
  static func printParameter(
    name: [UInt8], value: [UInt8], hideName: Bool, hideValue: Bool, fold: Bool,
    into out: inout [UInt8]
  ) {
    name.withUnsafeBufferPointer { name in
      value.withUnsafeBufferPointer { value in
        printParameter(
          name: name, value: value, hideName: hideName, hideValue: hideValue, fold: fold,
          into: &out)
      }
    }
  }

  // The same over the name's and the value's bytes in place: the pieces are
  // fed to one word splitter in turn, so `name = value` is never assembled.
  static func printParameter(
    name: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>, hideName: Bool,
    hideValue: Bool, fold: Bool, into out: inout [UInt8]
  ) {
    var state = State()
    if hideName {
      state.words(in: value, fold: fold, into: &out)
    } else if hideValue {
      state.words(in: name, fold: fold, into: &out)
    } else if !fold, !name.isEmpty, !name.contains(where: isSeparator) {
      // A name is one word (main.cf splits names at whitespace): it and " ="
      // are printed as they are, and only the value needs squeezing.
      out.append(contentsOf: name)
      out.append(0x20)
      out.append(UInt8(ascii: "="))
      state.lineLength = name.count + 2
      state.words(in: value, fold: false, into: &out)
    } else {
      // A word never spans two pieces: " = " separates them.
      state.words(in: name, fold: fold, into: &out)
      withUnsafeBytes(of: UInt8(ascii: "=")) {
        state.words(in: $0.bindMemory(to: UInt8.self), fold: fold, into: &out)
      }
      state.words(in: value, fold: fold, into: &out)
    }
    out.append(0x0A)
  }

  // The column state of one printed line.
  struct State {
    var lineLength = 0

    mutating func words(
      in text: UnsafeBufferPointer<UInt8>, fold: Bool, into out: inout [UInt8]
    ) {
      if !fold {
        compact(text, into: &out)
        return
      }
      var index = 0
      let count = text.count
      while index < count {
        while index < count, isSeparator(text[index]) { index += 1 }
        if index >= count { break }
        let start = index
        while index < count, !isSeparator(text[index]) { index += 1 }
        let wordLength = index - start
        if lineLength > 0 {
          if lineLength + wordLength < lineLimit {
            out.append(UInt8(ascii: " "))
            lineLength += 1
          } else {
            out.append(contentsOf: [0x0A, 0x20, 0x20, 0x20, 0x20])
            lineLength = 4
          }
        }
        out.append(contentsOf: UnsafeBufferPointer(rebasing: text[start..<index]))
        lineLength += wordLength
      }
    }

    // Without folding: the words joined by single spaces.
    private mutating func compact(_ text: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
      var whole = 0..<UInt32(text.count)
      withUnsafePointer(to: &whole) { piece in
        compact(UnsafeBufferPointer(start: piece, count: 1), of: text, into: &out)
      }
    }

    // The words of the text made of `pieces` of `source` in turn (a value
    // over continuation lines, never joined), joined by single spaces and
    // squeezed into room made at the end of `out`. A long text is squeezed
    // in two parts at once: the part from `cut` (a word after a separator)
    // on another thread, into room after the first part's, as if text
    // preceded it (so it starts with a space, left out when nothing came
    // before); it is then moved down to join the first.
    mutating func compact(
      _ pieces: UnsafeBufferPointer<Range<UInt32>>, of source: UnsafeBufferPointer<UInt8>,
      into out: inout [UInt8]
    ) {
      var total = 0
      for piece in pieces {
        // Pieces are ranges of the source; one that is not would be a bug.
        precondition(Int(piece.upperBound) <= source.count)
        total += piece.count
      }
      let origin = out.count
      let hasContent = lineLength > 0
      let text = PieceText(source: source, pieces: pieces)
      let cut = total >= TwoThreads.longValue ? text.cut(total: total) : nil
      // Each part may add a space before its first word; the second part's
      // room starts `gap` bytes after the first part's end in the text, and
      // the room ends `gap` bytes after the text's end.
      let gap = 9
      out.append(contentsOf: repeatElement(0, count: total + 2 * gap))
      var written = 0
      out.withUnsafeMutableBufferPointer { buffer in
        guard let base = buffer.baseAddress else { return }
        let target = base + origin
        let end = PieceText.Position(piece: pieces.count, byte: 0)
        let start = PieceText.Position(piece: 0, byte: pieces.first.map { Int($0.lowerBound) } ?? 0)
        guard let cut else {
          written = text.squeeze(from: start, to: end, into: target, hasContent: hasContent)
          return
        }
        // The first part's eight-byte stores stay below `target + cut.offset
        // + 1` (see `squeeze`), short of the second part's room.
        let room = target + cut.offset + gap
        let (first, second) = TwoThreads.alongside(
          other: {
            text.squeeze(from: cut.position, to: end, into: room, hasContent: true)
          },
          mine: {
            text.squeeze(from: start, to: cut.position, into: target, hasContent: hasContent)
          })
        written = first
        let skip = written == 0 && !hasContent ? 1 : 0
        (target + written).update(from: room + skip, count: second - skip)
        written += second - skip
      }
      out.removeLast(total + 2 * gap - written)
      lineLength += written
    }
  }

  /// A text made of ranges of a buffer read in turn.
  struct PieceText {
    let source: UnsafeBufferPointer<UInt8>
    let pieces: UnsafeBufferPointer<Range<UInt32>>

    /// A place in the text: a byte of the source in a piece; the end is
    /// the piece past the last.
    struct Position {
      var piece: Int
      var byte: Int
    }

    /// Squeezes the words from `start` to `end`, joined by single spaces,
    /// to `target` (see ``LinePrinter/squeeze(_:to:hasContent:)``, whose
    /// bounds hold for the whole part); returns how many bytes were written.
    func squeeze(
      from start: Position, to end: Position, into target: UnsafeMutablePointer<UInt8>,
      hasContent: Bool
    ) -> Int {
      var written = 0
      var space = hasContent ? 1 : 0
      var index = start.piece
      // Each iteration squeezes one piece, or the part of it in the range.
      while index < pieces.count && index <= end.piece {
        let piece = pieces[index]
        let lower = index == start.piece ? start.byte : Int(piece.lowerBound)
        let upper = index == end.piece ? end.byte : Int(piece.upperBound)
        if lower < upper {
          written += LinePrinter.squeeze(
            UnsafeBufferPointer(rebasing: source[lower..<upper]), to: target + written,
            hasContent: hasContent || written > 0, space: &space)
        }
        index += 1
      }
      return written
    }

    /// Where a long text is cut in two for squeezing: the first word that
    /// follows a separator at or after the middle, and its offset in the
    /// text; nil when there is none.
    func cut(total: Int) -> (position: Position, offset: Int)? {
      var offset = 0
      var index = 0
      // The piece the middle falls in.
      while index < pieces.count, offset + pieces[index].count <= total / 2 {
        offset += pieces[index].count
        index += 1
      }
      guard index < pieces.count else { return nil }
      var byte = Int(pieces[index].lowerBound) + total / 2 - offset
      offset = total / 2
      var seenSeparator = false
      // Each iteration reads one byte, going to the next piece at a piece's end.
      while index < pieces.count {
        if byte == Int(pieces[index].upperBound) {
          index += 1
          if index < pieces.count { byte = Int(pieces[index].lowerBound) }
          continue
        }
        let separator = LinePrinter.isSeparator(source[byte])
        if seenSeparator && !separator {
          return offset > 0 ? (Position(piece: index, byte: byte), offset) : nil
        }
        seenSeparator = seenSeparator || separator
        byte += 1
        offset += 1
      }
      return nil
    }
  }

  /// Prints `name = value` for a value made of `pieces` of `file`.
  ///
  /// A main.cf value over continuation lines is squeezed from the pieces
  /// where they are: the value is never joined. Only the plain form is
  /// printed so (nothing hidden, no folding, a name of one word); otherwise
  /// nothing is printed and the result is false.
  static func printParameter(
    name: UnsafeBufferPointer<UInt8>, pieces: UnsafeBufferPointer<Range<UInt32>>,
    of file: UnsafeBufferPointer<UInt8>, hideName: Bool, hideValue: Bool, fold: Bool,
    into out: inout [UInt8]
  ) -> Bool {
    guard !hideName, !hideValue, !fold, !name.isEmpty, !name.contains(where: isSeparator) else {
      return false
    }
    out.append(contentsOf: name)
    out.append(0x20)
    out.append(UInt8(ascii: "="))
    var state = State()
    state.lineLength = name.count + 2
    state.compact(pieces, of: file, into: &out)
    out.append(0x0A)
    return true
  }

  /// Squeezes `text`'s words, joined by single spaces, to `target`, which
  /// has room for `text.count + 1` bytes; returns how many were written.
  ///
  /// With `hasContent`, a space goes before the first word. Eight-byte
  /// stores reach at most `target + text.count + 1`; while `index` bytes of
  /// the text are read, at most `index + 1` are written.
  static func squeeze(
    _ text: UnsafeBufferPointer<UInt8>, to target: UnsafeMutablePointer<UInt8>, hasContent: Bool
  ) -> Int {
    var space = hasContent ? 1 : 0
    return squeeze(text, to: target, hasContent: hasContent, space: &space)
  }

  /// ``squeeze(_:to:hasContent:)`` that goes on from an earlier text: `pending`
  /// is 1 when a space is due before the next word (the earlier text ended
  /// in separators after content), and is left so for the next text.
  static func squeeze(
    _ text: UnsafeBufferPointer<UInt8>, to target: UnsafeMutablePointer<UInt8>, hasContent: Bool,
    space pending: inout Int
  ) -> Int {
    guard let source = text.baseAddress else { return 0 }
    let count = text.count
    var written = 0
    // 1 when a space goes before the next word: after a separator that
    // follows text (on the line, or written here).
    var space = pending
    defer { pending = space }
    var index = 0
    while index < count {
      if index + 8 <= count {
        let raw = UnsafeRawPointer(source + index).loadUnaligned(as: UInt64.self)
        let block = UInt64(littleEndian: raw)
        // The bytes below `!` (separators among them), each flagged
        // exactly: no carry crosses from one byte to the next.
        let low =
          ~(((block & 0x7F7F_7F7F_7F7F_7F7F) &+ 0x5F5F_5F5F_5F5F_5F5F) | block)
          & 0x8080_8080_8080_8080
        let clean = low == 0 ? 8 : low.trailingZeroBitCount / 8
        if clean > 0 {
          // The bytes before the first low one are copied at once, after
          // the pending space (stored always, kept when due).
          target[written] = 0x20
          written += space
          space = 0
          // All eight are stored; those past `clean` are overwritten next.
          UnsafeMutableRawPointer(target + written).storeBytes(of: raw, as: UInt64.self)
          written += clean
          index += clean
          if clean == 8 { continue }
        }
        // Then the run of low bytes that follows, within the block.
        let run = (~(low >> UInt64(clean * 8)) & 0x8080_8080_8080_8080).trailingZeroBitCount / 8
        let end = index + run
        while index < end {
          let byte = source[index]
          index += 1
          if isLowSeparator(byte) {
            if written > 0 || hasContent { space = 1 }
            continue
          }
          target[written] = 0x20
          written += space
          space = 0
          target[written] = byte
          written += 1
        }
        continue
      }
      let byte = source[index]
      index += 1
      if byte > 0x20 || !isSeparator(byte) {
        target[written] = 0x20
        written += space
        space = 0
        target[written] = byte
        written += 1
      } else if written > 0 || hasContent {
        space = 1
      }
    }
    return written
  }

  /// ``isSeparator(_:)`` for a byte below `!`: one bit of a mask each.
  @inline(__always)
  static func isLowSeparator(_ byte: UInt8) -> Bool {
    (UInt64(0x1_0000_2600) >> UInt64(byte & 0x3F)) & 1 != 0
  }

  @inline(__always)
  static func isSeparator(_ byte: UInt8) -> Bool {
    byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A
  }
}
