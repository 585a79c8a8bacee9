// Entry parsing as postconf 3.7 does it (`pcf_parse_master_entry`): split at
// blanks with `{}` grouping, validate the fields, normalise the daemon options.

extension MasterCF {
  static let validTypes: [[UInt8]] = ["inet", "unix", "fifo", "pass", "unix-dgram"].map {
    Array($0.utf8)
  }

  static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

  /// `argv_splitq(text, " \t\r\n", "{}")`: tokens at blanks, `{...}` groups blanks.
  static func splitArguments(_ text: [UInt8]) -> [Argument] {
    var result: [Argument] = []
    var index = 0
    let count = text.count
    while index < count {
      while index < count && isBlank(text[index]) { index += 1 }
      if index >= count { break }
      let start = index
      var level = 0
      while index < count {
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
      result.append(Argument(bytes: Array(text[start..<index]), offset: start))
    }
    return result
  }

  /// `extpar(..., EXTPAR_FLAG_STRIP)` for a text starting with `{`: the inner
  /// text with blanks trimmed, plus postconf's warning text when malformed.
  static func unwrapBraces(_ arg: [UInt8]) -> (text: [UInt8], warning: [UInt8]?) {
    var level = 1
    var closing: Int?
    var index = 1
    while index < arg.count {
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
    var inner: ArraySlice<UInt8>
    var warning: [UInt8]?
    if let closing {
      inner = arg[1..<closing]
      if closing + 1 != arg.count {
        warning = bytes("master.cf: syntax error after '}' in \"") + arg + bytes("\"")
      }
    } else {
      inner = arg.dropFirst()
      warning = bytes("master.cf: missing '}' in \"") + arg + bytes("\"")
    }
    while let last = inner.last, isSpace(last) { inner = inner.dropLast() }
    while let first = inner.first, isSpace(first) { inner = inner.dropFirst() }
    return (Array(inner), warning)
  }

  // `split_nameval`: the name ends at whitespace or `=`; blanks around `=`
  // and around the value are removed. Returns postconf's error text on failure.
  static func splitNameValueChecked(_ text: [UInt8]) -> Result<
    (name: [UInt8], value: [UInt8]), NameValueError
  > {
    var index = 0
    while index < text.count && isSpace(text[index]) { index += 1 }
    if index == text.count || text[index] == UInt8(ascii: "=") || text[index] == 0 {
      return .failure(.missingName)
    }
    let nameStart = index
    while index < text.count && !isSpace(text[index]) && text[index] != UInt8(ascii: "=") {
      index += 1
    }
    let nameEnd = index
    while index < text.count && isSpace(text[index]) { index += 1 }
    if index == text.count || text[index] != UInt8(ascii: "=") { return .failure(.missingEquals) }
    index += 1
    while index < text.count && isSpace(text[index]) { index += 1 }
    var end = text.count
    while end > index && isSpace(text[end - 1]) { end -= 1 }
    return .success((Array(text[nameStart..<nameEnd]), Array(text[index..<end])))
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
  static func optionTakesValue(_ arg: [UInt8]) -> Bool {
    arg.count < 2 || arg[1] == UInt8(ascii: "o")
  }

  static func isOption(_ arg: [UInt8]) -> Bool {
    arg.first == UInt8(ascii: "-") && arg != [UInt8(ascii: "-"), UInt8(ascii: "-")]
  }

  static func containsBlank(_ arg: [UInt8]) -> Bool { arg.contains(where: isBlank) }

  // `pcf_normalize_daemon_args`, without its attached `-o` bug: options
  // bundled before an `o` are split off, `-oNAME=VALUE` becomes `-o`
  // `NAME=VALUE` (split once), braced option values and braced non-option
  // arguments are unwrapped, and braced `-o` values are re-normalised to
  // `NAME=VALUE`. Linear in the number of arguments.
  static func normalize(_ argv: inout [Argument], warnings: inout [[UInt8]]) {
    let input = argv
    var out = Array(input.prefix(8))
    out.reserveCapacity(input.count + 8)
    var index = 8
    var pending: Argument?
    func next() -> Argument? {
      if let argument = pending {
        pending = nil
        return argument
      }
      guard index < input.count else { return nil }
      index += 1
      return input[index - 1]
    }
    func unwrapped(_ argument: Argument, nameValue: Bool) -> Argument {
      guard argument.bytes.first == UInt8(ascii: "{") else { return argument }
      let (text, warning) = unwrapBraces(argument.bytes)
      if let warning { warnings.append(warning) }
      var result = argument
      result.bytes = text
      guard nameValue else { return result }
      switch splitNameValueChecked(text) {
      case .success(let pair):
        result.bytes = pair.name + [UInt8(ascii: "=")] + pair.value
      case .failure(let error):
        warnings.append(bytes("master.cf: \(error.text): \"") + text + bytes("\""))
      }
      return result
    }
    while let argument = next() {
      let arg = argument.bytes
      guard isOption(arg) else {
        out.append(unwrapped(argument, nameValue: false))
        break
      }
      if arg.count > 2, arg[1] != 0x6F,
        let split = arg.indices.dropFirst(2).first(where: { arg[$0] == 0x6F })
      {
        // "-vo..." -> "-v" "-o...": the bundle before the first `o` stays one option.
        out.append(Argument(bytes: Array(arg[0..<split]), offset: argument.offset))
        pending = Argument(
          bytes: [UInt8(ascii: "-")] + Array(arg[split...]), offset: argument.offset + split - 1)
        continue
      }
      guard optionTakesValue(arg) else {
        out.append(argument)
        continue
      }
      if arg.count > 2 {
        out.append(Argument(bytes: Array(arg[0..<2]), offset: argument.offset))
        let value = Argument(bytes: Array(arg[2...]), offset: argument.offset + 2)
        out.append(unwrapped(value, nameValue: true))
      } else {
        out.append(argument)
        if let value = next() { out.append(unwrapped(value, nameValue: arg.count > 1)) }
      }
    }
    while index < input.count {
      out.append(unwrapped(input[index], nameValue: false))
      index += 1
    }
    argv = out
  }

  /// `pcf_check_master_entry`: the postconf message for the first invalid field, or nil.
  static func checkFields(_ argv: [[UInt8]], rawText: [UInt8]) -> [UInt8]? {
    func problem(_ name: String, _ value: [UInt8]) -> [UInt8] {
      var raw = rawText
      for index in raw.indices where raw[index] == 0x0A { raw[index] = 0x20 }
      return bytes("invalid \(name) field \"") + value + bytes("\" in \"") + raw + bytes("\"")
    }
    if !validTypes.contains(argv[1]) { return problem("type", argv[1]) }
    for field in 2...4 {
      let value = argv[field]
      let ok =
        value.count == 1
        && (value[0] == UInt8(ascii: "y") || value[0] == UInt8(ascii: "n")
          || value[0] == UInt8(ascii: "-"))
      if !ok { return problem(fieldNames[field], value) }
    }
    let wakeup = argv[5]
    var length = wakeup.count
    if length > 0 && wakeup[length - 1] == UInt8(ascii: "?") { length -= 1 }
    let digits = wakeup.prefix(while: { $0 >= 0x30 && $0 <= 0x39 }).count
    if !(wakeup.first == UInt8(ascii: "-") && length == 1) && digits != length {
      return problem("wakeup", wakeup)
    }
    let limit = argv[6]
    if limit != [UInt8(ascii: "-")] && !limit.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
      return problem("process_limit", limit)
    }
    return nil
  }

  /// Parses one entry's text like `pcf_parse_master_entry`.
  static func parseArguments(_ text: [UInt8], rawText: [UInt8]) -> ParsedArguments {
    var argv = splitArguments(text)
    if argv.count < 8 { return ParsedArguments(argv: [], problem: .badFieldCount, warnings: []) }
    if let message = checkFields(argv.map(\.bytes), rawText: rawText) {
      return ParsedArguments(argv: [], problem: .invalidField(message), warnings: [])
    }
    var warnings: [[UInt8]] = []
    normalize(&argv, warnings: &warnings)
    return ParsedArguments(argv: argv, problem: nil, warnings: warnings)
  }

  struct ParsedArguments {
    var argv: [Argument]
    var problem: Entry.ProblemText?
    var warnings: [[UInt8]]
  }

  static func parseEntry(
    text rawText: [UInt8], firstLine: Int, lastLine: Int, lineNumbers: [Int],
    commentLines: [Int], segments: [(offset: Int, line: Int)]
  ) -> Entry {
    let text = cString(rawText)
    let parsed = parseArguments(text, rawText: text)
    return Entry(
      firstLine: firstLine, lastLine: lastLine, lineNumbers: lineNumbers,
      commentLines: commentLines, text: text, problemText: parsed.problem,
      warningTexts: parsed.warnings, argv: parsed.argv, segments: segments)
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
    for entry in entries {
      while orphanIndex < orphans.count && orphans[orphanIndex].firstLine < entry.firstLine {
        result.append(MasterCF.orphanWarning(orphans[orphanIndex], path: path))
        orphanIndex += 1
      }
      if let problem = MasterCF.problem(of: entry, path: path) { result.append(problem) }
      for text in entry.warningTexts {
        result.append(MasterCF.warning(text, line: entry.firstLine, path: path))
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
