/// Which way ``MacroEngine/run(_:scanning:limits:lookup:engineOnly:)`` handled a value.
enum MacroPath: Equatable, Sendable {
  /// No `$` before the end (or the first NUL): answered at once.
  case plain
  /// Only `$name`, `${name}`, `$(name)` and `$$`, also in every value it
  /// reached: one linear pass per value, no engine.
  case simple
  /// The full engine.
  case engine
}

/// The shortcut that nearly every real value takes: a value whose only macros
/// are `$name`, `${name}`, `$(name)` and `$$` (and the same for every value it
/// references) expands in one linear pass per value, with none of the engine's
/// objects.
///
/// For such values the engine does nothing but copy literal text and follow
/// references: no warning, no error, no nesting problem below its limits. The
/// shortcut follows the engine's accounting exactly (parse depth, steps,
/// result bytes; see ``ExpansionLimits``) and gives up, so that the engine
/// runs the whole value again from the start, at the first thing that is not
/// simple: any other `$` form, an empty name, a reference deeper than
/// ``maximumDepth`` (loops included) or a limit the engine would exceed. The
/// answers are therefore identical to the engine's in every case.
enum MacroFastPath {
  /// The most parse levels the shortcut follows before it leaves a value to
  /// the engine (far below Postfix's nesting limit of 100).
  ///
  /// Below ``LargeStack/inlineDepth``: the lookups made before giving up are
  /// replayed to the engine's first attempt, on the caller's stack, which
  /// stops at that depth; followed deeper, they would be asked again.
  static let maximumDepth = 20

  /// The most parse levels ``expand(_:limits:into:maximumDepth:lookup:)`` follows: a
  /// caller of that form expands the value again in full when it gives up
  /// (its lookups are remembered, not replayed), so it may follow a chain of
  /// references as deep as Postfix's nesting limit allows with no error.
  ///
  /// A listing of values that refer to one another in chains of 20 to 90
  /// (`c2 = $c1 y`, `c1 = $c0 y`, …) otherwise left each to the engine,
  /// which moves beyond 32 levels to a thread with a large stack: a thread
  /// started per value (`-nx` over 80,000 such values: 2.1 s, postconf 0.6 s).
  static let inPlaceMaximumDepth = 90

  /// A lookup the shortcut made, replayed to the engine when it gives up.
  typealias Lookup = (name: String, value: [UInt8]?)

  /// The result of an expansion attempt.
  enum Expansion {
    /// The expanded bytes, as the engine would give them without error.
    case done([UInt8], MacroPath)
    /// Not simple: the engine must run; these lookups were made so far, in
    /// the engine's own order.
    case gaveUp([Lookup])
  }

  /// The scan (`mac_expand` with `SCAN`) of a simple value.
  /// - Parameters:
  ///   - value: The raw value.
  ///   - limits: The engine's limits.
  ///   - event: Makes the event for one referenced name.
  /// - Returns: One event per reference in order, or nil when the engine must
  ///   scan the value.
  static func scan<Event>(
    _ value: [UInt8], limits: ExpansionLimits, event: (String) -> Event
  ) -> (events: [Event], path: MacroPath)? {
    value.withUnsafeBufferPointer { buffer in
      var events: [Event] = []
      guard
        let path = references(
          in: buffer, limits: limits, { events.append(event(string(buffer, $0))) })
      else { return nil }
      return (events, path)
    }
  }

  /// The references a scan of a simple value reports, as byte ranges.
  /// - Parameters:
  ///   - buffer: The raw value.
  ///   - limits: The engine's limits.
  ///   - asFound: Whether `body` is called as each reference is found, before
  ///     the value is known to be simple (one pass instead of two; a caller
  ///     that keeps them drops them when the result is nil).
  ///   - conditionals: Whether `${name?text}` and `${name:text}` with a
  ///     `text` of no `$`, `{` or `}` are taken too (see
  ///     ``conditional(at:in:)``): a scan reports the name and nothing else
  ///     for them. Such a value is not simple for an expansion.
  ///   - body: Called with each referenced name's range, in order, only once
  ///     the whole value is known to be simple (unless `asFound`).
  /// - Returns: How the value was handled, or nil when the engine must scan it
  ///   (then `body` was never called, unless `asFound`).
  static func references(
    in buffer: UnsafeBufferPointer<UInt8>, limits: ExpansionLimits, asFound: Bool = false,
    conditionals: Bool = false, _ body: (Range<Int>) -> Void
  ) -> MacroPath? {
    guard limits.maximumDepth > 0 else { return nil }
    // A conditional's text is parsed one level down.
    let takesConditionals = conditionals && limits.maximumDepth > 1
    // First pass: is it simple, how many references, how much work?
    var references = 0
    var steps = 0
    var pendingLiteral = false
    var sawDollar = false
    var cursor = 0
    // The first two references, reported from here when there are no more.
    var first: Range<Int> = 0..<0
    var second: Range<Int> = 0..<0
    while true {
      let special = nextSpecial(in: buffer, from: cursor)
      if special > cursor {
        steps += special - cursor
        pendingLiteral = true
      }
      if isEnd(special, in: buffer) { break }
      sawDollar = true
      guard
        let (piece, extra) = scanPiece(at: special, in: buffer, conditionals: takesConditionals)
      else { return nil }
      steps += 1 + extra
      switch piece {
      case .escape(let next):
        pendingLiteral = true
        cursor = next
      case .reference(let name, let next):
        if pendingLiteral { steps += 1 }
        pendingLiteral = false
        steps += 1
        if asFound {
          body(name)
        } else if references == 0 {
          first = name
        } else if references == 1 {
          second = name
        }
        references += 1
        cursor = next
      }
    }
    if pendingLiteral { steps += 1 }
    guard steps <= limits.maximumSteps else { return nil }
    guard references > 0 else { return sawDollar ? .simple : .plain }
    if asFound { return .simple }
    if references <= 2 {
      body(first)
      if references == 2 { body(second) }
      return .simple
    }

    // Second pass: the references.
    var reported = 0
    cursor = 0
    while reported < references {
      let special = nextSpecial(in: buffer, from: cursor)
      guard !isEnd(special, in: buffer),
        let (piece, _) = scanPiece(at: special, in: buffer, conditionals: takesConditionals)
      else {
        break
      }
      switch piece {
      case .escape(let next):
        cursor = next
      case .reference(let name, let next):
        body(name)
        reported += 1
        cursor = next
      }
    }
    return .simple
  }

  /// The expansion (`mac_expand` with `RECURSE`) of a simple value.
  /// - Parameters:
  ///   - value: The raw value.
  ///   - limits: The engine's limits.
  ///   - lookup: A parameter's value, or nil when it is undefined.
  /// - Returns: The result, or the lookups made before giving up.
  static func expand(
    _ value: [UInt8], limits: ExpansionLimits, lookup: (String) -> [UInt8]?
  ) -> Expansion {
    // The lookups made, for the engine to replay: the first one apart, as
    // most values make just one.
    var firstLookup: Lookup?
    var laterLookups: [Lookup] = []
    var lookups: [Lookup] { firstLookup.map { [$0] + laterLookups } ?? [] }
    var output: [UInt8] = []
    return value.withUnsafeBufferPointer { buffer in
      let outcome = expand(buffer, limits: limits, into: &output, maximumDepth: maximumDepth) {
        nameBytes in
        let name = String(decoding: nameBytes, as: UTF8.self)
        let found = lookup(name)
        if firstLookup == nil {
          firstLookup = (name, found)
        } else {
          laterLookups.append((name, found))
        }
        return .some(found)
      }
      switch outcome {
      case .plain(let end): return .done(end == value.count ? value : Array(buffer[..<end]), .plain)
      case .expanded: return .done(output, .simple)
      case .gaveUp: return .gaveUp(lookups)
      }
    }
  }

  /// The result of ``expand(_:limits:into:maximumDepth:lookup:)``.
  enum InPlace: Equatable {
    /// No macro: the result is the value's first `end` bytes.
    case plain(end: Int)
    /// The result is in the output buffer.
    case expanded
    /// Not simple, or a lookup could not answer: the engine must run.
    case gaveUp
  }

  /// The expansion of a simple value into a buffer the caller reuses, with
  /// names looked up by their bytes (the listing printer's way: no text
  /// made per reference, no allocation once the buffer is large enough).
  /// - Parameters:
  ///   - value: The raw value.
  ///   - limits: The engine's limits.
  ///   - output: Replaced by the result when it is `.expanded`.
  ///   - maximumDepth: The most parse levels followed before giving up.
  ///   - lookup: A parameter's value (`.some(nil)` when it is undefined), or
  ///     nil to give up.
  /// - Returns: Where the result is, or `.gaveUp`.
  static func expand(
    _ value: UnsafeBufferPointer<UInt8>, limits: ExpansionLimits, into output: inout [UInt8],
    maximumDepth: Int = inPlaceMaximumDepth,
    lookup: (UnsafeBufferPointer<UInt8>) -> [UInt8]??
  ) -> InPlace {
    guard limits.maximumDepth > 0 else { return .gaveUp }
    let special = nextSpecial(in: value, from: 0)
    if isEnd(special, in: value) {
      // One literal callback (none for an empty text), no reference.
      let steps = special == 0 ? 0 : special + 1
      guard steps <= limits.maximumSteps, special <= limits.maximumResultBytes else {
        return .gaveUp
      }
      return .plain(end: special)
    }
    var expander = Expander(limits: limits, maximumDepth: maximumDepth)
    swap(&output, &expander.output)
    defer { swap(&output, &expander.output) }
    expander.output.removeAll(keepingCapacity: true)
    expander.output.reserveCapacity(value.count + 32)
    guard expander.expand(value, firstSpecial: special, depth: 0, lookup: lookup),
      expander.steps <= limits.maximumSteps
    else { return .gaveUp }
    return .expanded
  }

  /// A lookup function that first answers `lookups` again (while the engine
  /// asks for the same names in the same order), then asks `lookup`.
  /// - Parameters:
  ///   - lookups: Lookups already made, in order.
  ///   - lookup: The real lookup.
  /// - Returns: The combined lookup.
  static func replaying(_ lookups: [Lookup], then lookup: @escaping (String) -> [UInt8]?)
    -> (String) -> [UInt8]?
  {
    guard !lookups.isEmpty else { return lookup }
    let replay = Replay(lookups)
    return { name in replay.next(name) ?? lookup(name) }
  }

  private final class Replay {
    private let lookups: [Lookup]
    private var index = 0

    init(_ lookups: [Lookup]) { self.lookups = lookups }

    /// The recorded answer for `name` (`.some(nil)` for undefined), or nil
    /// once the recording is used up or the engine asked something else.
    func next(_ name: String) -> [UInt8]?? {
      guard index < lookups.count, lookups[index].name == name else {
        index = lookups.count
        return nil
      }
      index += 1
      return .some(lookups[index - 1].value)
    }
  }

  // MARK: - Expansion

  /// The state of one expansion: the engine's result and step counters.
  private struct Expander {
    let limits: ExpansionLimits
    let depthLimit: Int
    var output: [UInt8] = []
    var steps = 0

    init(limits: ExpansionLimits, maximumDepth: Int) {
      self.limits = limits
      self.depthLimit = min(limits.maximumDepth, maximumDepth)
    }

    /// One `mac_parse` level over a whole value (up to its first NUL), whose
    /// first `$` or NUL is at `firstSpecial`.
    ///
    /// Returns false when the value is not simple or `lookup` gave up.
    mutating func expand(
      _ buffer: UnsafeBufferPointer<UInt8>, firstSpecial: Int, depth: Int,
      lookup: (UnsafeBufferPointer<UInt8>) -> [UInt8]??
    ) -> Bool {
      guard depth < depthLimit else { return false }
      var pendingLiteral = false
      var cursor = 0
      var special = firstSpecial
      while true {
        if special > cursor {
          steps += special - cursor
          pendingLiteral = true
          guard output.count + (special - cursor) <= limits.maximumResultBytes else {
            return false
          }
          output.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[cursor..<special]))
        }
        if MacroFastPath.isEnd(special, in: buffer) { break }
        guard let piece = MacroFastPath.piece(at: special, in: buffer) else { return false }
        steps += 1
        switch piece {
        case .escape(let next):
          pendingLiteral = true
          guard output.count < limits.maximumResultBytes else { return false }
          output.append(MacroFastPath.dollarByte)
          cursor = next
        case .reference(let nameRange, let next):
          if pendingLiteral { steps += 1 }
          pendingLiteral = false
          steps += 1
          guard steps <= limits.maximumSteps else { return false }
          guard let value = lookup(UnsafeBufferPointer(rebasing: buffer[nameRange])) else {
            return false
          }
          // An empty value (also one that starts with NUL) is not parsed.
          if let value, let first = value.first, first != 0 {
            let finished = value.withUnsafeBufferPointer { inner in
              let innerSpecial = MacroFastPath.nextSpecial(in: inner, from: 0)
              return expand(
                inner, firstSpecial: innerSpecial, depth: depth + 1, lookup: lookup)
            }
            guard finished else { return false }
          }
          cursor = next
        }
        special = MacroFastPath.nextSpecial(in: buffer, from: cursor)
      }
      if pendingLiteral { steps += 1 }
      return steps <= limits.maximumSteps
    }
  }

  // MARK: - Bytes

  static let dollarByte = UInt8(ascii: "$")

  /// A `$` expression the shortcut understands.
  private enum Piece {
    /// `$$`; the text goes on at `next`.
    case escape(next: Int)
    /// `$name`, `${name}` or `$(name)` with a non-empty name.
    case reference(name: Range<Int>, next: Int)
  }

  /// The expression at the `$` at `dollar`, or nil when only the engine
  /// handles it.
  ///
  /// In `${name}` nothing but name bytes lies between the brackets, so the
  /// first `}` is the one that `mac_parse`'s bracket counting matches. A NUL
  /// ends the text for Postfix; it is no name byte and no bracket, so nothing
  /// here reads past it.
  private static func piece(at dollar: Int, in buffer: UnsafeBufferPointer<UInt8>) -> Piece? {
    let end = buffer.count
    let after = dollar + 1
    guard after < end else { return nil }
    let byte = buffer[after]
    if byte == dollarByte { return .escape(next: after + 1) }
    if byte == UInt8(ascii: "{") || byte == UInt8(ascii: "(") {
      let close = byte == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: ")")
      var cursor = after + 1
      while cursor < end, MacroText.isNameByte(buffer[cursor]) { cursor += 1 }
      guard cursor > after + 1, cursor < end, buffer[cursor] == close else { return nil }
      return .reference(name: (after + 1)..<cursor, next: cursor + 1)
    }
    var cursor = after
    while cursor < end, MacroText.isNameByte(buffer[cursor]) { cursor += 1 }
    guard cursor > after else { return nil }
    return .reference(name: after..<cursor, next: cursor)
  }

  /// ``piece(at:in:)``, or with `conditionals` a conditional read as a
  /// reference to its name, with an upper bound of the further work the
  /// engine counts for it (its callback, and the parse of its text).
  private static func scanPiece(
    at dollar: Int, in buffer: UnsafeBufferPointer<UInt8>, conditionals: Bool
  ) -> (Piece, extra: Int)? {
    if let piece = piece(at: dollar, in: buffer) { return (piece, 0) }
    guard conditionals, let found = conditional(at: dollar, in: buffer) else { return nil }
    return (.reference(name: found.name, next: found.next), found.text + 4)
  }

  /// `${name?text}` or `${name:text}` at the `$` at `dollar`, its name right
  /// after the brace and its text without `$`, `{`, `}` or NUL: the name's
  /// range, the position after the `}` and the text's length.
  ///
  /// Scanning such a form, the engine reports the name and parses the text
  /// (the rest of the braces, the legacy form) one level down, where it is
  /// a literal: nothing else is reported. Without braces in the text, the
  /// first `}` is the one that closes the form.
  static func conditional(at dollar: Int, in buffer: UnsafeBufferPointer<UInt8>) -> (
    name: Range<Int>, next: Int, text: Int
  )? {
    let end = buffer.count
    guard dollar + 2 < end, buffer[dollar + 1] == UInt8(ascii: "{") else { return nil }
    var cursor = dollar + 2
    while cursor < end, MacroText.isNameByte(buffer[cursor]) { cursor += 1 }
    guard cursor > dollar + 2, cursor < end,
      buffer[cursor] == UInt8(ascii: "?") || buffer[cursor] == UInt8(ascii: ":")
    else { return nil }
    let name = (dollar + 2)..<cursor
    cursor += 1
    let text = cursor
    while cursor < end {
      switch buffer[cursor] {
      case UInt8(ascii: "}"): return (name, cursor + 1, cursor - text)
      case dollarByte, UInt8(ascii: "{"), 0: return nil
      default: cursor += 1
      }
    }
    return nil
  }

  private static func string(_ buffer: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> String {
    String(decoding: UnsafeBufferPointer(rebasing: buffer[range]), as: UTF8.self)
  }

  /// Whether the text ends at `position`, a result of ``nextSpecial(in:from:)``:
  /// the end of the buffer or a NUL (Postfix handles C strings).
  private static func isEnd(_ position: Int, in buffer: UnsafeBufferPointer<UInt8>) -> Bool {
    position == buffer.count || buffer[position] == 0
  }

  /// The position of the first `$` or NUL at or after `start`, or the end.
  ///
  /// Sixteen bytes at a time (the first hit in a block is found from the
  /// lanes that match, read as two integers), then byte by byte in the last
  /// few bytes.
  static func nextSpecial(in buffer: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
    let end = buffer.count
    var cursor = start
    if let base = buffer.baseAddress {
      let raw = UnsafeRawPointer(base)
      let dollars = SIMD16<UInt8>(repeating: dollarByte)
      let zeros = SIMD16<UInt8>(repeating: 0)
      while end - cursor >= 16 {
        let block = raw.loadUnaligned(fromByteOffset: cursor, as: SIMD16<UInt8>.self)
        let hits = (block .== dollars) .| (block .== zeros)
        if any(hits) {
          // 0xFF in each matching lane; lane 0 is the lowest byte of the first
          // integer once read as little-endian.
          let lanes = unsafeBitCast(
            zeros.replacing(with: 0xFF, where: hits), to: SIMD2<UInt64>.self)
          let low = UInt64(littleEndian: lanes[0])
          let high = UInt64(littleEndian: lanes[1])
          return cursor
            + (low != 0 ? low.trailingZeroBitCount / 8 : 8 + high.trailingZeroBitCount / 8)
        }
        cursor += 16
      }
    }
    while cursor < end, buffer[cursor] != dollarByte, buffer[cursor] != 0 { cursor += 1 }
    return cursor
  }
}
