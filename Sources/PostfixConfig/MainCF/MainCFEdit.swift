/// A `postconf -e`, `-X` or `-#` request on main.cf, validated the way postconf
/// validates its command-line arguments (`pcf_edit_main()`).
public struct MainCFEdit: Sendable, Equatable {
  /// Which postconf edit this is.
  public enum Mode: Sendable, Equatable {
    /// `postconf -e name=value ...`: replace or append settings.
    case set
    /// `postconf -X name ...`: remove entries.
    case remove
    /// `postconf -# name ...`: comment entries out.
    case commentOut

    var option: String {
      switch self {
      case .set: return "-e"
      case .remove: return "-X"
      case .commentOut: return "-#"
      }
    }
  }

  /// One requested name, with its new value for ``Mode/set``.
  public struct Request: Sendable, Equatable {
    /// The parameter name bytes.
    public let name: [UInt8]
    /// The new value (already trimmed), or `nil` for remove and comment-out.
    public let value: [UInt8]?
  }

  /// The edit mode.
  public let mode: Mode
  /// The requests, one per name, in command-line order (a repeated name keeps the
  /// position and value of its last occurrence).
  public let requests: [Request]
  /// Indices into ``requests`` in the order in which postconf appends names that
  /// are not in the file (its hash-table order with `NORANDOMIZE=1`).
  public let appendOrder: [Int]
  /// Warnings postconf prints while reading the arguments
  /// (`ignoring earlier request: 'NAME = VALUE'`).
  public let warnings: [Diagnostic]

  /// Validates command-line arguments exactly as `postconf -e/-X/-#` does.
  ///
  /// Errors carry postconf's fatal text, for example
  /// `-e, -X, or -# accepts no multi-line input`,
  /// `-e, -X, or -# accepts no comment input`,
  /// `missing '=' after attribute name: "ARG"`, `missing attribute name: "ARG"`,
  /// `-X or -# requires non-blank parameter names`,
  /// `-X or -# requires parameter names without value`,
  /// `specify one of -e -X` (an `=` in the first argument implies `-e`),
  /// `-e requires name=value argument`, `missing service argument` (`-X`/`-#`
  /// without names). Leading whitespace is skipped; with `-X`/`-#`, trailing
  /// whitespace stays part of the name (as in postconf, where it then matches
  /// nothing). A name repeated with `-X`/`-#` (which crashes postconf 3.7.11)
  /// is accepted once. NUL bytes, which cannot occur in real arguments, are
  /// refused.
  /// - Parameters:
  ///   - mode: The edit option given.
  ///   - arguments: The non-option arguments, as bytes.
  /// - Returns: The validated edit.
  /// - Throws: ``PostfixConfigError`` with code `invalidEdit`.
  public static func parse(mode: Mode, arguments: [[UInt8]]) throws -> MainCFEdit {
    func fail(_ text: [UInt8]) -> PostfixConfigError {
      PostfixConfigError(.invalidEdit, Printable.sanitize(text))
    }
    if arguments.isEmpty {
      let text = mode == .set ? "-e requires name=value argument" : "missing service argument"
      throw fail(Array(text.utf8))
    }
    if mode != .set, arguments[0].contains(MainCFLexing.equals) {
      throw fail(Array("specify one of -e \(mode.option)".utf8))
    }
    var names: [[UInt8]] = []
    var values: [[UInt8]?] = []
    var positions: [[UInt8]: Int] = [:]
    var table = HashOrder(initialSize: arguments.count)
    var warnings: [Diagnostic] = []
    for argument in arguments {
      if argument.contains(MainCFLexing.newline) {
        throw fail(Array("-e, -X, or -# accepts no multi-line input".utf8))
      }
      if argument.contains(0) {
        throw fail(Array("-e, -X, or -# accepts no NUL bytes".utf8))
      }
      var start = 0
      while start < argument.count && MainCFLexing.isSpace(argument[start]) { start += 1 }
      if start < argument.count && argument[start] == MainCFLexing.hash {
        throw fail(Array("-e, -X, or -# accepts no comment input".utf8))
      }
      let text = Array(argument[start...])
      let name: [UInt8]
      let value: [UInt8]?
      if mode == .set {
        let split = text.withUnsafeBufferPointer {
          MainCFLexing.splitNameValue($0, 0..<text.count)
        }
        guard case .entry(let nameRange, let valueRange) = split else {
          var message = Array((split.errorText ?? "").utf8)
          message.append(contentsOf: ": \"".utf8)
          message.append(contentsOf: text)
          message.append(MainCFLexing.quote)
          throw fail(message)
        }
        name = Array(text[nameRange])
        value = Array(text[valueRange])
      } else {
        if text.isEmpty { throw fail(Array("-X or -# requires non-blank parameter names".utf8)) }
        if text.contains(MainCFLexing.equals) {
          throw fail(Array("-X or -# requires parameter names without value".utf8))
        }
        // postconf calls trimblanks() but ignores its result: trailing blanks
        // stay part of the name, which then matches no entry.
        name = text
        value = nil
      }
      if let earlier = positions[name] {
        if let earlierValue = values[earlier] {
          var message = Array("ignoring earlier request: '".utf8)
          message.append(contentsOf: name)
          message.append(contentsOf: " = ".utf8)
          message.append(contentsOf: earlierValue)
          message.append(contentsOf: "'".utf8)
          warnings.append(
            Diagnostic(.warning, file: nil, line: nil, message: Printable.sanitize(message)))
        }
        names.remove(at: earlier)
        values.remove(at: earlier)
        for (key, position) in positions where position > earlier { positions[key] = position - 1 }
      }
      positions[name] = names.count
      names.append(name)
      values.append(value)
      table.insert(name)
    }
    let requests = zip(names, values).map { Request(name: $0, value: $1) }
    let appendOrder = table.keys.compactMap { positions[$0] }
    return MainCFEdit(mode: mode, requests: requests, appendOrder: appendOrder, warnings: warnings)
  }

  /// A `postconf -e` edit of the given settings, in this order.
  /// - Parameter settings: Names and values; values are trimmed like postconf trims them.
  /// - Returns: The edit.
  /// - Throws: ``PostfixConfigError`` (`invalidEdit`) for an empty or malformed
  ///   name, or a value with a newline.
  public static func set(_ settings: [(name: String, value: String)]) throws -> MainCFEdit {
    try parse(mode: .set, arguments: settings.map { Array("\($0.name)=\($0.value)".utf8) })
  }

  /// A `postconf -X` edit of the given names.
  /// - Parameter names: The names to remove.
  /// - Returns: The edit.
  /// - Throws: ``PostfixConfigError`` (`invalidEdit`) for a blank name or one with `=`.
  public static func remove(_ names: [String]) throws -> MainCFEdit {
    try parse(mode: .remove, arguments: names.map { Array($0.utf8) })
  }

  /// A `postconf -#` edit of the given names.
  /// - Parameter names: The names to comment out.
  /// - Returns: The edit.
  /// - Throws: ``PostfixConfigError`` (`invalidEdit`) for a blank name or one with `=`.
  public static func commentOut(_ names: [String]) throws -> MainCFEdit {
    try parse(mode: .commentOut, arguments: names.map { Array($0.utf8) })
  }
}
