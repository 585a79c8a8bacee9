import Dispatch

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

    // Without folding: the words joined by single spaces, squeezed in room
    // made by copying the text in (the cheapest way to grow the array). A
    // long text is squeezed in two halves at once: the part from `cut` (a
    // word after a separator) on another thread, into the room after the
    // first part's, as if text preceded it (so it starts with a space, left
    // out when nothing came before); it is then moved down to join the first.
    private mutating func compact(_ text: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
      let origin = out.count
      let hasContent = lineLength > 0
      let cut = text.count >= LinePrinter.halvesThreshold ? LinePrinter.cut(text) : nil
      // Each part may add a space before its first word.
      out.append(contentsOf: [0x20, 0x20])
      out.append(contentsOf: text)
      var written = 0
      out.withUnsafeMutableBufferPointer { buffer in
        guard let base = buffer.baseAddress else { return }
        let target = base + origin
        guard let cut else {
          written = LinePrinter.squeeze(text, to: target, hasContent: hasContent)
          return
        }
        // The second part's room starts after the first part's, which its
        // eight-byte stores never pass (see `squeeze`).
        let second = SqueezedHalf(
          UnsafeBufferPointer(rebasing: text[cut...]), to: target + cut + 1)
        DispatchQueue.global().async { second.run() }
        written = LinePrinter.squeeze(
          UnsafeBufferPointer(rebasing: text[..<cut]), to: target, hasContent: hasContent)
        // The buffers stay valid until the other thread is done: this waits for it.
        second.done.wait()
        let skip = written == 0 && !hasContent ? 1 : 0
        (target + written).update(from: target + cut + 1 + skip, count: second.written - skip)
        written += second.written - skip
      }
      out.removeLast(text.count + 2 - written)
      lineLength += written
    }
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
    guard let source = text.baseAddress else { return 0 }
    let count = text.count
    var written = 0
    // 1 when a space goes before the next word: after a separator that
    // follows text (on the line, or written here).
    var space = hasContent ? 1 : 0
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

  /// Unfolded values at least this long are squeezed in two halves at once.
  static let halvesThreshold = 1 << 18

  /// Where a long text is cut in two for squeezing: the first word that
  /// follows a separator at or after the middle; nil when there is none.
  static func cut(_ text: UnsafeBufferPointer<UInt8>) -> Int? {
    var index = text.count / 2
    while index < text.count, !isSeparator(text[index]) { index += 1 }
    while index < text.count, isSeparator(text[index]) { index += 1 }
    return index > 0 && index < text.count ? index : nil
  }

  /// The second part of a long text, squeezed on another thread.
  private final class SqueezedHalf: @unchecked Sendable {
    let text: UnsafeBufferPointer<UInt8>
    let target: UnsafeMutablePointer<UInt8>
    /// How many bytes were written; read once `done` is signalled.
    var written = 0
    let done = DispatchSemaphore(value: 0)

    init(_ text: UnsafeBufferPointer<UInt8>, to target: UnsafeMutablePointer<UInt8>) {
      self.text = text
      self.target = target
    }

    func run() {
      written = squeeze(text, to: target, hasContent: true)
      done.signal()
    }
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
