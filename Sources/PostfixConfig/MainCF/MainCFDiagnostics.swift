extension MainCF {
  /// The diagnostics Postfix prints while reading this file, in Postfix's order.
  ///
  /// Each message is the text postconf prints after `warning: ` or `fatal: `,
  /// with every byte outside printable ASCII replaced by `?`:
  ///
  /// - `PATH: logical line must not start with whitespace: "TEXT"` (first 30
  ///   bytes, `...` when longer), a warning;
  /// - `PATH, line N: overriding earlier entry: NAME=OLD`, a warning, when a
  ///   name is defined again with a different value;
  /// - `PATH, line N: missing '=' after attribute name: "TEXT"` or
  ///   `PATH, line N: missing attribute name: "TEXT"`, fatal.
  ///
  /// Postfix stops at the first fatal error, so the list ends there.
  /// - Parameter path: The file name to put into the messages (postconf uses
  ///   `CONFIG_DIRECTORY/main.cf`).
  /// - Returns: The diagnostics; `file` is `path`, `line` the entry's first line.
  public func diagnostics(path: String) -> [Diagnostic] {
    var result: [Diagnostic] = []
    let pathBytes = Array(path.utf8)
    var entryPosition = 0
    for line in logicalLines {
      switch line.kind {
      case .orphan, .missingName, .missingEquals:
        let diagnostic = storage(line).withUnsafeBufferPointer {
          MainCF.readingDiagnostic(line, text: $0, path: path, pathBytes: pathBytes)
        }
        if let diagnostic { result.append(diagnostic) }
        if line.kind != .orphan { return result }
      case .entry:
        let previous = previousDefinition[entryPosition]
        entryPosition += 1
        guard previous >= 0 else { continue }
        let old = logicalLines[Int(entryLines[Int(previous)])]
        let oldValue = storage(old)[old.valueStart..<old.valueEnd]
        let newValue = storage(line)[line.valueStart..<line.valueEnd]
        guard oldValue != newValue else { continue }
        var message = MainCF.located(pathBytes, line.firstLine)
        message.append(contentsOf: "overriding earlier entry: ".utf8)
        message.append(contentsOf: storage(line)[line.nameStart..<line.nameEnd])
        message.append(MainCFLexing.equals)
        message.append(contentsOf: oldValue)
        result.append(
          Diagnostic(
            .warning, file: path, line: line.firstLine, message: MainCFLexing.sanitized(&message)))
      }
    }
    return result
  }

  // "PATH, line N: " as bytes, built without string interpolation.
  static func located(_ pathBytes: [UInt8], _ line: Int) -> [UInt8] {
    var message = pathBytes
    message.append(contentsOf: ", line ".utf8)
    message.append(contentsOf: String(line).utf8)
    message.append(contentsOf: ": ".utf8)
    return message
  }

  // The warning for an orphan line or the fatal error for a malformed one
  // (nil for an entry); `text` is the buffer the line's offsets point into.
  static func readingDiagnostic(
    _ line: MainCFLogicalLine, text: UnsafeBufferPointer<UInt8>, path: String, pathBytes: [UInt8]
  ) -> Diagnostic? {
    switch line.kind {
    case .entry:
      return nil
    case .orphan:
      let shown = text[line.textStart..<line.textCEnd].prefix(30)
      var message = pathBytes
      message.append(contentsOf: ": logical line must not start with whitespace: \"".utf8)
      message.append(contentsOf: shown)
      if line.textEnd - line.textStart > 30 { message.append(contentsOf: "...".utf8) }
      message.append(MainCFLexing.quote)
      return Diagnostic(
        .warning, file: path, line: line.firstLine, message: MainCFLexing.sanitized(&message))
    case .missingName, .missingEquals:
      let error =
        line.kind == .missingName ? "missing attribute name" : "missing '=' after attribute name"
      var message = located(pathBytes, line.firstLine)
      message.append(contentsOf: error.utf8)
      message.append(contentsOf: ": \"".utf8)
      message.append(contentsOf: text[line.textStart..<line.textCEnd])
      message.append(MainCFLexing.quote)
      return Diagnostic(
        .fatal, file: path, line: line.firstLine, message: MainCFLexing.sanitized(&message))
    }
  }
}
