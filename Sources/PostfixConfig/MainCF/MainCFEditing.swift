/// The outcome of applying a ``MainCFEdit`` to a document.
public struct MainCFEditResult: Sendable, Equatable {
  /// The edited document.
  public let document: MainCF
  /// Warnings postconf prints during the edit pass:
  /// `PATH: multiple entries for "NAME"` (once per name, at its second entry).
  public let warnings: [Diagnostic]
  /// The names that had no entry in the file (appended by ``MainCFEdit/Mode/set``).
  public let appendedNames: [[UInt8]]
}

extension MainCF {
  /// Applies a postconf edit exactly as `postconf -e`, `-X` or `-#` rewrites the file.
  ///
  /// The file is not parsed for validity. Line by line (each line keeps its own
  /// terminator; lines are copied as C strings, so a NUL byte drops the rest of
  /// its line including the `\n`):
  /// - comment and blank lines are copied, also inside a matched entry;
  /// - a line starting with a non-blank byte starts an entry; its key (bytes up
  ///   to space, TAB, CR, LF or `=`) is compared with the requested names;
  ///   a match is rewritten as `NAME = VALUE\n` (`-e`), prefixed with `#` (`-#`)
  ///   or dropped (`-X`);
  /// - continuation lines of a matched entry are dropped (`-e`, `-X`) or
  ///   prefixed with `#` (`-#`);
  /// - with `-e`, names without an entry are appended as `NAME = VALUE\n` in
  ///   postconf's `NORANDOMIZE=1` hash order, with no newline inserted before them.
  /// - Parameters:
  ///   - edit: The edit.
  ///   - path: The file name used in warnings (postconf uses `CONFIG_DIRECTORY/main.cf`).
  /// - Returns: The new document and the warnings.
  public func applying(_ edit: MainCFEdit, path: String = "main.cf") -> MainCFEditResult {
    let edited = Self.edited(bytes, edit, path: path)
    return MainCFEditResult(
      document: MainCF(bytes: edited.bytes), warnings: edited.warnings,
      appendedNames: edited.appendedNames)
  }

  /// The bytes ``applying(_:path:)`` produces from `bytes`, without parsing
  /// the result: for callers that edit several times and parse once.
  /// - Parameters:
  ///   - bytes: A main.cf file's bytes.
  ///   - edit: The edit.
  ///   - path: The file name used in warnings.
  /// - Returns: The edited bytes, the warnings and the appended names.
  package static func edited(_ bytes: [UInt8], _ edit: MainCFEdit, path: String) -> (
    bytes: [UInt8], warnings: [Diagnostic], appendedNames: [[UInt8]]
  ) {
    var lookup: [[UInt8]: Int] = [:]
    var lengths = Set<Int>()
    for (position, request) in edit.requests.enumerated() {
      lookup[request.name] = position
      lengths.insert(request.name.count)
    }
    var found = Array(repeating: 0, count: edit.requests.count)
    var warnings: [Diagnostic] = []
    var output: [UInt8] = []
    output.reserveCapacity(bytes.count + 64)
    bytes.withUnsafeBufferPointer { buffer in
      guard let base = buffer.baseAddress else { return }
      let count = buffer.count
      var offset = 0
      var lineNumber = 0
      var interesting = false
      while offset < count {
        let newline = MainCFLexing.memchrOffset(base + offset, MainCFLexing.newline, count - offset)
        let next = newline.map { offset + $0 + 1 } ?? count
        lineNumber += 1
        // The line as a C string: up to the first NUL, else with its terminator.
        let cEnd = MainCFLexing.cStringEnd(buffer, offset..<next)
        let line = UnsafeBufferPointer(rebasing: buffer[offset..<cEnd])
        defer { offset = next }
        var first = 0
        while first < line.count && MainCFLexing.isSpace(line[first]) { first += 1 }
        if first == line.count || line[first] == MainCFLexing.hash {
          output.append(contentsOf: line)
        } else if first > 0 {
          if !interesting {
            output.append(contentsOf: line)
          } else if edit.mode == .commentOut {
            output.append(MainCFLexing.hash)
            output.append(contentsOf: line)
          }
        } else {
          var keyEnd = 0
          while keyEnd < line.count {
            let byte = line[keyEnd]
            if byte == MainCFLexing.space || byte == MainCFLexing.tab
              || byte == MainCFLexing.carriageReturn || byte == MainCFLexing.newline
              || byte == MainCFLexing.equals
            {
              break
            }
            keyEnd += 1
          }
          var match: Int?
          if lengths.contains(keyEnd) {
            match = lookup[Array(UnsafeBufferPointer(rebasing: line[0..<keyEnd]))]
          }
          interesting = match != nil
          guard let position = match else {
            output.append(contentsOf: line)
            continue
          }
          found[position] += 1
          let request = edit.requests[position]
          if found[position] == 2 {
            var message = Array("\(path): multiple entries for \"".utf8)
            message.append(contentsOf: request.name)
            message.append(MainCFLexing.quote)
            warnings.append(
              Diagnostic(
                .warning, file: path, line: lineNumber, message: Printable.sanitize(message)))
          }
          switch edit.mode {
          case .set:
            appendSetting(&output, request)
          case .commentOut:
            output.append(MainCFLexing.hash)
            output.append(contentsOf: line)
          case .remove:
            break
          }
        }
      }
    }
    var appended: [[UInt8]] = []
    if edit.mode == .set {
      for position in edit.appendOrder where found[position] == 0 {
        appendSetting(&output, edit.requests[position])
        appended.append(edit.requests[position].name)
      }
    }
    return (output, warnings, appended)
  }

  private static func appendSetting(_ output: inout [UInt8], _ request: MainCFEdit.Request) {
    output.append(contentsOf: request.name)
    output.append(contentsOf: " = ".utf8)
    output.append(contentsOf: request.value ?? [])
    output.append(MainCFLexing.newline)
  }
}
