/// Raised to stop an expansion at once: Postfix's `msg_fatal` inside the
/// expander, or one of pfharden's own resource limits.
struct MacroFatal: Error {
  /// A warning printed just before the fatal, if any.
  var warning: String?
  /// The text after `fatal: `.
  var message: String
  /// Set when the expansion stopped only to start again on a larger stack.
  var needsLargerStack = false
}

/// How deep the engine may recurse on the stack it runs on.
enum StackBudget {
  /// Stop and ask for a larger stack beyond this many parse levels.
  case retryBeyond(Int)
  /// Recurse up to ``ExpansionLimits/maximumDepth``.
  case full
  /// No larger stack is available: this many levels count as the maximum.
  case capped(Int)
}

/// Postfix 3.7.11's `mac_parse()` and `mac_expand()` (flags `RECURSE` or
/// `SCAN`), reproduced step by step, including the quirks that decide which
/// warnings appear: the nesting counter that an error leaves raised, the
/// parse that goes on after a failed callback, the fresh counter inside
/// relational operands.
final class MacroEngine {
  /// Mutable state of one `mac_expand()` call (`MAC_EXP_CONTEXT`).
  final class Context {
    var error = false
    var level = 0
    var result: [UInt8] = []
    /// The highest nesting counter any callback saw since it was last set
    /// (what an ``ExpansionMemo`` entry records).
    var peakLevel = 0
  }

  /// What the engine observed, in order.
  enum Event: Equatable {
    case reference(String)
    case warning(String)
  }

  private let scanning: Bool
  private let lookup: (String) -> [UInt8]?
  private let limits: ExpansionLimits
  private let budget: StackBudget
  private let memo: ExpansionMemo?
  private(set) var events: [Event] = []
  private var parseDepth = 0
  /// The deepest parse level entered since it was last set.
  private var peakDepth = 0
  /// ``LargeStack/here()`` when the first level was entered.
  private var stackTop: UInt = 0
  /// Set once ``LargeStack/hasRoom(top:levelsSoFar:more:)`` found room for
  /// every level the limits allow, on the stack this engine runs on.
  private var roomFound = false
  /// Once room was found: ``LargeStack/floor()``, below which no level may
  /// start (the engine then starts again on a large stack).
  private var stackFloor: UInt = 0
  private var steps = 0
  private var resultBytes = 0

  private static let dollar = UInt8(ascii: "$")
  private static let openBrace = UInt8(ascii: "{")
  private static let openParen = UInt8(ascii: "(")
  private static let question = UInt8(ascii: "?")
  private static let colon = UInt8(ascii: ":")

  /// Creates an engine that expands (`scanning == false`, `lookup` gives
  /// values) or scans (`scanning == true`, every name is recorded).
  init(
    scanning: Bool, limits: ExpansionLimits, budget: StackBudget, memo: ExpansionMemo? = nil,
    lookup: @escaping (String) -> [UInt8]?
  ) {
    self.scanning = scanning
    self.limits = limits
    self.budget = budget
    self.memo = scanning ? nil : memo
    self.lookup = lookup
  }

  /// The outcome of one top-level run.
  struct Run {
    var events: [Event]
    var outcome: Result<(result: [UInt8], error: Bool), MacroFatal>
    /// How the value was handled (the same outcome either way).
    var path: MacroPath = .engine
    /// Whether the engine ran again on a thread of its own (``LargeStack``)
    /// because the caller's stack had no room for every level allowed.
    var movedToLargeStack = false

    var warnings: [String] {
      events.compactMap {
        if case .warning(let text) = $0 { return text }
        return nil
      }
    }
  }

  /// Expands or scans `value`: simple values through ``MacroFastPath``, the
  /// others with a fresh engine (see ``runEngine(_:scanning:limits:lookup:)``).
  /// - Parameters:
  ///   - value: The raw value.
  ///   - scanning: Scan (every name is recorded, none followed) or expand.
  ///   - limits: Resource bounds.
  ///   - lookup: A parameter's value, or nil when it is undefined.
  ///   - engineOnly: Skip the shortcut (for tests comparing both).
  ///   - memo: Expansions of referenced values kept from earlier runs with
  ///     the same lookup, and where this run keeps its own.
  /// - Returns: What the engine observed and its outcome.
  static func run(
    _ value: [UInt8], scanning: Bool, limits: ExpansionLimits,
    lookup: @escaping (String) -> [UInt8]?, engineOnly: Bool = false,
    memo: ExpansionMemo? = nil
  ) -> Run {
    if engineOnly {
      return runEngine(value, scanning: scanning, limits: limits, memo: memo, lookup: lookup)
    }
    if scanning {
      guard let fast = MacroFastPath.scan(value, limits: limits, event: Event.reference) else {
        return runEngine(value, scanning: true, limits: limits, lookup: lookup)
      }
      return Run(events: fast.events, outcome: .success(([], false)), path: fast.path)
    }
    switch MacroFastPath.expand(value, limits: limits, lookup: lookup) {
    case .done(let result, let path):
      return Run(events: [], outcome: .success((result, false)), path: path)
    case .gaveUp(let lookups):
      let replaying = MacroFastPath.replaying(lookups, then: lookup)
      return runEngine(value, scanning: false, limits: limits, memo: memo, lookup: replaying)
    }
  }

  /// Expands or scans `value` with a fresh engine: on the caller's stack while
  /// shallow, else again from the start on a large stack (see ``LargeStack``).
  static func runEngine(
    _ value: [UInt8], scanning: Bool, limits: ExpansionLimits, memo: ExpansionMemo? = nil,
    lookup: @escaping (String) -> [UInt8]?
  ) -> Run {
    let source = MacroSource(value)
    func attempt(_ budget: StackBudget) -> Run? {
      let engine = MacroEngine(
        scanning: scanning, limits: limits, budget: budget, memo: memo, lookup: lookup)
      do {
        let outcome = try engine.expand(source.all)
        return Run(events: engine.events, outcome: .success(outcome))
      } catch {
        if error.needsLargerStack { return nil }
        return Run(events: engine.events, outcome: .failure(error))
      }
    }
    if let shallow = attempt(.retryBeyond(LargeStack.inlineDepth)) { return shallow }
    var deep: Run?
    if LargeStack.run({ deep = attempt(.full) }), var deep {
      deep.movedToLargeStack = true
      return deep
    }
    return attempt(.capped(LargeStack.inlineDepth))
      ?? Run(events: [], outcome: .success(([], true)))
  }

  /// `mac_expand()`: a fresh context over `text`; returns the (possibly
  /// partial) result and whether `MAC_PARSE_ERROR` was set.
  func expand(_ text: MacroText) throws(MacroFatal) -> (result: [UInt8], error: Bool) {
    let context = Context()
    if parseDepth == 0 { stackTop = LargeStack.here() }
    let error = try parse(text, context)
    return (context.result, error)
  }

  // MARK: - mac_parse

  /// `mac_parse()`: splits `text` into literal pieces and `$` expressions and
  /// hands each to a callback.
  ///
  /// Returns the parse status (error or not).
  private func parse(_ text: MacroText, _ context: Context) throws(MacroFatal) -> Bool {
    let maximum = maximumDepth
    if parseDepth > peakDepth { peakDepth = parseDepth }
    switch budget {
    case .retryBeyond(let levels) where parseDepth >= levels && levels < maximum:
      if !roomFound {
        guard
          LargeStack.hasRoom(top: stackTop, levelsSoFar: parseDepth, more: maximum - parseDepth),
          let floor = LargeStack.floor()
        else {
          throw MacroFatal(warning: nil, message: "", needsLargerStack: true)
        }
        (roomFound, stackFloor) = (true, floor)
      } else if LargeStack.here() < stackFloor {
        // Later levels took far more than the measured ones: start again
        // where every level fits.
        throw MacroFatal(warning: nil, message: "", needsLargerStack: true)
      }
    default:
      break
    }
    if parseDepth >= maximum {
      // Postfix has no limit here (relational operands restart the nesting
      // counter) and overflows its stack; fail the way a loop fails instead.
      warn(MacroMessages.nesting(text.bytes))
      context.error = true
      return true
    }
    parseDepth += 1
    defer { parseDepth -= 1 }

    let bytes = text.source.bytes
    var status = false
    var literal: [UInt8] = []
    var cursor = text.start
    while cursor < text.end {
      if bytes[cursor] != MacroEngine.dollar {
        var next = cursor + 1
        while next < text.end, bytes[next] != MacroEngine.dollar { next += 1 }
        try charge(next - cursor)
        literal.append(contentsOf: bytes[cursor..<next])
        cursor = next
        continue
      }
      try charge(1)
      if cursor + 1 < text.end, bytes[cursor + 1] == MacroEngine.dollar {
        literal.append(MacroEngine.dollar)  // "$$" is a literal "$"
        cursor += 2
        continue
      }
      if !literal.isEmpty {
        if try literalCallback(literal[...], context) { status = true }
        literal.removeAll(keepingCapacity: true)
      }
      cursor += 1
      let body: MacroText
      if cursor < text.end,
        bytes[cursor] == MacroEngine.openBrace || bytes[cursor] == MacroEngine.openParen
      {
        guard let close = text.source.match(of: bytes[cursor], at: cursor), close < text.end
        else {
          warn(MacroMessages.truncated(text.bytes))
          status = true
          break
        }
        if status { break }
        body = text.sub(cursor + 1, close)
        cursor = close + 1
      } else {
        var end = cursor
        while end < text.end, MacroText.isNameByte(bytes[end]) { end += 1 }
        body = text.sub(cursor, end)
        cursor = end
      }
      if body.isEmpty {
        status = true
        warn(MacroMessages.emptyName(text.bytes))
        break
      }
      if try expressionCallback(body, context) { status = true }
    }
    if !literal.isEmpty, !status {
      if try literalCallback(literal[...], context) { status = true }
    }
    return status
  }

  /// The most parse levels active at once on this engine's stack.
  private var maximumDepth: Int {
    if case .capped(let levels) = budget { return min(limits.maximumDepth, levels) }
    return limits.maximumDepth
  }

  // MARK: - mac_expand_callback

  /// The sanity check at the top of `mac_expand_callback`.
  ///
  /// Returns true when
  /// the callback must return at once (the level then stays raised).
  private func enter(_ piece: ArraySlice<UInt8>, _ context: Context) throws(MacroFatal) -> Bool {
    try charge(1)
    let level = context.level
    context.level += 1
    if level > context.peakLevel { context.peakLevel = level }
    if level > ExpansionLimits.nestingLimit {
      warn(MacroMessages.nesting(piece))
      context.error = true
    }
    return context.error
  }

  private func literalCallback(_ piece: ArraySlice<UInt8>, _ context: Context) throws(MacroFatal)
    -> Bool
  {
    if try enter(piece, context) { return true }
    if !scanning {
      resultBytes += piece.count
      if resultBytes > limits.maximumResultBytes {
        throw MacroFatal(
          warning: MacroMessages.tooLarge(limit: limits.maximumResultBytes),
          message: MacroMessages.processingError)
      }
      context.result.append(contentsOf: piece)
    }
    context.level -= 1
    return context.error
  }

  private func expressionCallback(_ body: MacroText, _ context: Context) throws(MacroFatal) -> Bool
  {
    if try enter(body.bytes, context) { return true }
    let bytes = body.source.bytes
    var cursor = body.start
    var value: MacroSource?
    var operation: UInt8?
    /// The name of a plain reference, whose expansion the memo may keep.
    var remembered: String?

    let firstNonBlank = body.skipBlanks(from: cursor)
    if firstNonBlank < body.end, bytes[firstNonBlank] == MacroEngine.openBrace {
      // Relational expression ${{A} OP {B}...}.
      guard let (outcome, next) = try relational(body, at: firstNonBlank, context) else {
        return context.error
      }
      value = outcome
      cursor = next
      if cursor < body.end {
        let byte = bytes[cursor]
        guard byte == MacroEngine.question || byte == MacroEngine.colon else {
          return fail(MacroMessages.questionOrColonExpected(rest: body.rest(from: cursor)), context)
        }
        operation = byte
        cursor += 1
      }
    } else {
      // Named parameter, blanks allowed around it.
      let start = firstNonBlank
      cursor = start
      var nameEnd = start
      while true {
        let next = body.skipBlanks(from: cursor)
        if next == body.end {
          nameEnd = cursor
          break
        }
        if bytes[next] == MacroEngine.question || bytes[next] == MacroEngine.colon {
          nameEnd = cursor
          operation = bytes[next]
          cursor = next + 1
          break
        }
        guard MacroText.isNameByte(bytes[cursor]) else {
          let message = MacroMessages.nameSyntax(
            prefix: bytes[body.start..<cursor], rest: body.rest(from: cursor))
          return fail(message, context)
        }
        cursor += 1
      }
      let name = String(decoding: bytes[start..<nameEnd], as: UTF8.self)
      if operation == nil, let memo {
        // A plain reference: its value's expansion kept from before, or
        // (below) expanded now and kept.
        if let entry = memo.entry(name), reuse(entry, context) {
          context.level -= 1
          return context.error
        }
        remembered = name
      }
      value = look(up: name)
    }

    let isSet = !(value?.bytes.isEmpty ?? true)
    switch operation {
    case MacroEngine.question:
      let whenSet: MacroText
      let brace = body.skipBlanks(from: cursor)
      if brace < body.end, bytes[brace] == MacroEngine.openBrace {
        guard let (payload, next) = curlyPayload(body, at: brace, context) else {
          return context.error
        }
        whenSet = payload
        cursor = next
      } else {
        whenSet = body.sub(cursor, body.end)  // legacy: all the rest, ':' included
        cursor = body.end
      }
      if isSet || scanning {
        if try parse(whenSet, context) { context.error = true }
      }
      if cursor < body.end {
        guard bytes[cursor] == MacroEngine.colon else {
          let message = MacroMessages.colonExpected(
            payload: whenSet.bytes, rest: body.rest(from: cursor))
          return fail(message, context)
        }
        if try otherwise(body, from: cursor + 1, isSet: isSet, context) { return context.error }
      }
    case MacroEngine.colon:
      if try otherwise(body, from: cursor, isSet: isSet, context) { return context.error }
    default:
      if let value, isSet, !scanning {
        if let memo, let remembered {
          try parseRemembering(value, as: remembered, in: memo, context)
        } else if try parse(value.all, context) {
          context.error = true
        }
      }
    }
    context.level -= 1
    return context.error
  }

  /// The `:` branch.
  ///
  /// Returns true when the callback must return at once.
  private func otherwise(_ body: MacroText, from start: Int, isSet: Bool, _ context: Context)
    throws(MacroFatal) -> Bool
  {
    let bytes = body.source.bytes
    let whenUnset: MacroText
    var cursor = start
    let brace = body.skipBlanks(from: cursor)
    if brace < body.end, bytes[brace] == MacroEngine.openBrace {
      guard let (payload, next) = curlyPayload(body, at: brace, context) else { return true }
      whenUnset = payload
      cursor = next
    } else {
      whenUnset = body.sub(cursor, body.end)
      cursor = body.end
    }
    if !isSet || scanning {
      if try parse(whenUnset, context) { context.error = true }
    }
    if cursor < body.end {
      let message = MacroMessages.unexpectedInput(
        payload: whenUnset.bytes, rest: body.rest(from: cursor))
      _ = fail(message, context)
      return true
    }
    return false
  }

  /// `mac_exp_parse_relational`: `{A} OP[level] {B}`; returns the fake lookup
  /// result ("true", "" or, when scanning, undefined) and the position after
  /// `{B}` and its trailing blanks, or nil after an error.
  private func relational(_ body: MacroText, at brace: Int, _ context: Context)
    throws(MacroFatal) -> (MacroSource?, Int)?
  {
    let bytes = body.source.bytes
    guard let (left, afterLeft) = curlyPayload(body, at: brace, context) else { return nil }
    var cursor = afterLeft
    while cursor < body.end, RelationalOperator.isOperatorByte(bytes[cursor]) { cursor += 1 }
    let spelling = bytes[afterLeft..<cursor]
    guard let op = RelationalOperator(spelling) else {
      let message = MacroMessages.operatorExpected(
        left: left.bytes, rest: body.rest(from: afterLeft))
      _ = fail(message, context)
      return nil
    }
    var byLevel = false
    if cursor < body.end, MacroText.isAlphanumeric(bytes[cursor]) {
      let suffixStart = cursor
      while cursor < body.end, MacroText.isAlphanumeric(bytes[cursor]) { cursor += 1 }
      let suffix = bytes[suffixStart..<cursor]
      guard suffix.elementsEqual("level".utf8) else {
        _ = fail(MacroMessages.badSuffix(operator: spelling, suffix: suffix), context)
        return nil
      }
      byLevel = true
    }
    let rightBrace = body.skipBlanks(from: cursor)
    guard rightBrace < body.end, bytes[rightBrace] == MacroEngine.openBrace else {
      let message = MacroMessages.rightOperandExpected(
        left: left.bytes, operator: spelling, rest: body.rest(from: cursor))
      _ = fail(message, context)
      return nil
    }
    guard let (right, afterRight) = curlyPayload(body, at: rightBrace, context) else { return nil }

    // Each operand is a separate mac_expand() call: fresh nesting counter.
    let leftValue = try expand(left)
    if leftValue.error { context.error = true }
    let rightValue = try expand(right)
    if rightValue.error { context.error = true }
    var outcome = false
    if !scanning {
      // Postfix compares even the partial results of failed operands.
      let compared =
        byLevel
        ? RelationalEvaluator.level(leftValue.result, op, rightValue.result)
        : RelationalEvaluator.plain(leftValue.result, op, rightValue.result)
      switch compared {
      case .value(let holds):
        outcome = holds
      case .error(let warnings):
        for warning in warnings { warn(warning) }
        context.error = true
      case .fatal(let message):
        throw MacroFatal(warning: nil, message: message)
      }
    }
    if context.error { return nil }
    if scanning { return (nil, afterRight) }
    return (MacroSource(outcome ? Array("true".utf8) : []), afterRight)
  }

  /// `mac_exp_extract_curly_payload`: the text inside the balanced braces that
  /// open at `brace`, and the position after the closing brace and blanks.
  private func curlyPayload(_ body: MacroText, at brace: Int, _ context: Context)
    -> (MacroText, Int)?
  {
    guard let close = body.source.match(of: MacroEngine.openBrace, at: brace), close < body.end
    else {
      _ = fail(MacroMessages.unbalanced(body.source.bytes[brace..<body.end]), context)
      return nil
    }
    return (body.sub(brace + 1, close), body.skipBlanks(from: close + 1))
  }

  // MARK: - memo

  /// Appends a kept expansion as if the value were expanded here; false,
  /// with nothing done, when the expansion here could differ (a limit
  /// would be reached on the way).
  private func reuse(_ entry: ExpansionMemo.Entry, _ context: Context) -> Bool {
    guard context.level + entry.levels <= ExpansionLimits.nestingLimit,
      parseDepth + entry.depth < maximumDepth,
      entry.steps <= limits.maximumSteps - steps,
      entry.result.count <= limits.maximumResultBytes - resultBytes
    else { return false }
    context.peakLevel = max(context.peakLevel, context.level + entry.levels)
    peakDepth = max(peakDepth, parseDepth + entry.depth)
    steps += entry.steps
    resultBytes += entry.result.count
    context.result.append(contentsOf: entry.result)
    return true
  }

  /// Expands a referenced value as the plain reference does, and keeps its
  /// expansion in `memo` when it warned about nothing and failed nowhere.
  private func parseRemembering(
    _ value: MacroSource, as name: String, in memo: ExpansionMemo, _ context: Context
  ) throws(MacroFatal) {
    let (level, depth, stepsBefore, length, eventCount) = (
      context.level, parseDepth, steps, context.result.count, events.count
    )
    let (outerPeakLevel, outerPeakDepth) = (context.peakLevel, peakDepth)
    (context.peakLevel, peakDepth) = (level, depth)
    defer {
      context.peakLevel = max(context.peakLevel, outerPeakLevel)
      peakDepth = max(peakDepth, outerPeakDepth)
    }
    if try parse(value.all, context) { context.error = true }
    guard !context.error, events.count == eventCount else { return }
    let entry = ExpansionMemo.Entry(
      result: Array(context.result[length...]), steps: steps - stepsBefore,
      levels: context.peakLevel - level, depth: peakDepth - depth)
    memo.store(name, entry)
  }

  // MARK: - helpers

  private func look(up name: String) -> MacroSource? {
    if scanning {
      events.append(.reference(name))
      return nil
    }
    return lookup(name).map(MacroSource.init)
  }

  private func warn(_ message: String) {
    events.append(.warning(message))
  }

  /// `mac_exp_parse_error`: warn, set the error flag; the callback then
  /// returns without lowering the nesting level.
  private func fail(_ message: String, _ context: Context) -> Bool {
    warn(message)
    context.error = true
    return true
  }

  private func charge(_ amount: Int) throws(MacroFatal) {
    steps += amount
    if steps > limits.maximumSteps {
      throw MacroFatal(
        warning: MacroMessages.tooMuchWork(limit: limits.maximumSteps),
        message: MacroMessages.processingError)
    }
  }
}
