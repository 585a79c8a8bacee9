// Edits with the semantics of `postconf -Me/-MX/-M#/-Fe/-Pe/-PX`
// (`pcf_edit_master`): the file is copied line by line, matched entries are
// replaced by their re-printed (folded) form, everything else keeps its bytes.

extension MasterCF {
  /// A master.cf edit, as one of postconf's edit options.
  public enum EditOperation: Sendable, Equatable {
    /// `-Me service/type=ENTRY`: add or replace a whole entry.
    case setEntry
    /// `-MX service/type`: remove entries.
    case removeEntry
    /// `-M# service/type`: comment entries out.
    case commentOutEntry
    /// `-Fe service/type/field=VALUE`: set one field.
    case setField
    /// `-Pe service/type/parameter=VALUE`: set a `-o parameter=value`.
    case setParameter
    /// `-PX service/type/parameter`: remove a `-o parameter=value`.
    case removeParameter
  }

  /// The outcome of an edit: the new document (the old one when the edit
  /// failed) and the diagnostics postconf prints.
  public struct EditResult: Sendable, Equatable {
    /// The edited document; unchanged when ``isFatal``.
    public var document: MasterCF
    /// Warnings and at most one (final) fatal diagnostic.
    public var diagnostics: [Diagnostic]
    /// Whether postconf would fail (exit status 1, file untouched).
    public var isFatal: Bool { diagnostics.contains { $0.severity == .fatal } }
  }

  struct EditRequest {
    var raw: [UInt8]
    var pattern: [[UInt8]]
    var value: [UInt8]
    var field = 0
    var count = 0
  }

  /// The requests that can match a service and type, in request order: those
  /// whose pattern names both exactly, and those with a wildcard.
  ///
  /// postconf tries every request on every entry; a request whose pattern
  /// cannot match an entry does nothing to it, so trying only these gives the
  /// same result without a pass over all requests per entry (one command
  /// line editing thousands of services was quadratic).
  struct EditRequestIndex {
    private var exact: [ServiceKey: [Int]] = [:]
    private var wildcard: [Int] = []

    /// Indexes `requests` by their service and type patterns.
    /// - Parameter requests: The prepared requests.
    init(_ requests: [EditRequest]) {
      for (index, request) in requests.enumerated() {
        if MasterCF.isWildcard(request.pattern[0]) || MasterCF.isWildcard(request.pattern[1]) {
          wildcard.append(index)
        } else {
          exact[ServiceKey(service: request.pattern[0], type: request.pattern[1]), default: []]
            .append(index)
        }
      }
    }

    /// The indices of the requests that can match `service`/`type`, ascending.
    /// - Parameters:
    ///   - service: The entry's service name.
    ///   - type: The entry's service type.
    /// - Returns: The request indices, in request order.
    func candidates(service: [UInt8], type: [UInt8]) -> [Int] {
      let named = exact[ServiceKey(service: service, type: type)] ?? []
      if wildcard.isEmpty { return named }
      if named.isEmpty { return wildcard }
      var result: [Int] = []
      result.reserveCapacity(named.count + wildcard.count)
      var left = 0
      var right = 0
      while left < named.count || right < wildcard.count {
        if right == wildcard.count || (left < named.count && named[left] < wildcard[right]) {
          result.append(named[left])
          left += 1
        } else {
          result.append(wildcard[right])
          right += 1
        }
      }
      return result
    }
  }

  struct EditFailure: Error {
    var diagnostic: Diagnostic
  }

  static let editOptions = "-Me, -Fe, -Pe, -X, or -#"

  static func prepare(
    _ operation: EditOperation, _ arguments: [[UInt8]], path: String
  ) throws(EditFailure) -> [EditRequest] {
    var requests: [EditRequest] = []
    func fail(_ text: String) -> EditFailure { EditFailure(diagnostic: fatal(text, path: path)) }
    for argument in arguments {
      let raw = cString(argument)
      if raw.contains(0x0A) { throw fail("\(editOptions) accept no multi-line input") }
      let text = Array(raw.drop(while: isSpace))
      if text.first == UInt8(ascii: "#") { throw fail("\(editOptions) accept no comment input") }
      var pattern: [UInt8]
      var value: [UInt8] = []
      switch operation {
      case .setEntry, .setField, .setParameter:
        switch splitNameValueChecked(text) {
        case .success(let pair): (pattern, value) = pair
        case .failure(let error):
          throw EditFailure(
            diagnostic: fatal(
              bytes("\(error.text): \"") + raw + bytes("\""), line: nil, path: path))
        }
      case .removeEntry, .commentOutEntry, .removeParameter:
        if text.contains(UInt8(ascii: "=")) {
          throw fail("-X or -# requires names without value")
        }
        pattern = text
      }
      var request = EditRequest(raw: raw, pattern: [], value: value)
      switch operation {
      case .setEntry, .removeEntry, .commentOutEntry:
        guard let components = parsePattern(pattern, min: 2, max: 2) else {
          throw fail("-Me, -MX or -M# requires service_name/type")
        }
        request.pattern = components
      case .setField:
        guard let components = parsePattern(pattern, min: 3, max: 3) else {
          throw fail("-Fe or -FX requires service_name/type/field_name")
        }
        guard let field = fieldIndex(components[2]) else {
          throw EditFailure(
            diagnostic: fatal(
              bytes("invalid service attribute name: \"") + components[2] + bytes("\""),
              line: nil, path: path))
        }
        if field < 0 { throw fail("-Fe does not accept wild-card field name") }
        if field < 7 && containsBlank(value) {
          throw fail("-Fe does not accept whitespace in non-command field")
        }
        request.pattern = components
        request.field = field
      case .setParameter, .removeParameter:
        guard let components = parsePattern(pattern, min: 3, max: 3) else {
          throw fail("-Pe or -PX requires service_name/type/parameter")
        }
        if isWildcard(components[2]) { throw fail("-Pe does not accept wild-card parameter name") }
        if operation == .setParameter && containsBlank(value) {
          throw fail("-Pe does not accept whitespace in parameter value")
        }
        request.pattern = components
      }
      requests.append(request)
    }
    return requests
  }

  /// Parses a `-Me` entry value (fatal texts as postconf's).
  static func parseNewEntry(
    _ request: EditRequest, warnings: inout [Diagnostic], path: String
  ) throws(EditFailure) -> ArgumentList {
    let text = cString(request.value)
    let parsed = parseArguments(text, rawText: text)
    switch parsed.problem {
    case .badFieldCount:
      throw EditFailure(
        diagnostic: fatal(
          bytes("bad field count: \"") + request.raw + bytes("\""), line: nil, path: path))
    case .invalidField(let message):
      throw EditFailure(diagnostic: fatal(message, line: nil, path: path))
    case .none:
      for text in parsed.warnings { warnings.append(warning(text, line: nil, path: path)) }
      return parsed.argv
    }
  }

  /// `pcf_edit_master_field`.
  static func editField(
    _ argv: inout ArgumentList, field: Int, value: [UInt8], warnings: inout [Diagnostic],
    path: String
  ) throws(EditFailure) {
    let value = cString(value)
    if field == 7 {
      argv.removeArguments(from: 7)
      argv.appendTokens(of: value)
      if argv.count < 8 {
        throw EditFailure(diagnostic: fatal("-Fe requires a non-empty command field", path: path))
      }
      var texts: [[UInt8]] = []
      normalize(&argv, warnings: &texts)
      for text in texts { warnings.append(warning(text, line: nil, path: path)) }
    } else {
      argv.replace(field, with: value)
    }
    if let message = checkFields(argv, rawText: value) {
      throw EditFailure(diagnostic: fatal(message, line: nil, path: path))
    }
  }

  /// `pcf_edit_master_param`: replaces every `-o name=...` (or removes it);
  /// a new one goes after the last option.
  static func editParameter(_ argv: inout ArgumentList, name: [UInt8], value: [UInt8]?) {
    var out = argv.prefix(8)
    let count = argv.count
    var field = 8
    var matched = false
    while field < count {
      let arg = argv[field]
      if !isOption(arg) { break }
      if optionTakesValue(arg), field + 1 < count {
        let optionValue = argv[field + 1]
        if arg.elementsEqual(overrideOption), optionValue.count > name.count,
          optionValue.starts(with: name),
          optionValue[optionValue.startIndex + name.count] == UInt8(ascii: "=")
        {
          matched = true
          if let value {
            out.append(argv.spans[field])
            out.append(bytes: name + [UInt8(ascii: "=")] + value, offset: argv.offset(field + 1))
          }
        } else {
          out.append(argv.spans[field])
          out.append(argv.spans[field + 1])
        }
        field += 2
        continue
      }
      out.append(argv.spans[field])
      field += 1
    }
    if let value, !matched {
      out.append(bytes: overrideOption, offset: 0)
      out.append(bytes: name + [UInt8(ascii: "=")] + value, offset: 0)
    }
    while field < count {
      out.append(argv.spans[field])
      field += 1
    }
    argv = out
  }

  /// Applies a postconf master.cf edit and returns the new document.
  ///
  /// `requests` are the command-line arguments of the edit option, e.g.
  /// `submission/inet/smtpd_tls_security_level=encrypt` for `-Pe`. Matching
  /// uses real entries only (never commented-out ones); untouched lines keep
  /// their exact bytes; matched entries are re-printed in the folded `-Mf`
  /// layout. Nothing is written anywhere.
  /// - Parameters:
  ///   - operation: The edit option.
  ///   - requests: The arguments, as postconf receives them.
  ///   - path: The master.cf path used in messages (`DIR/master.cf`).
  /// - Returns: The new document and the diagnostics.
  public func edited(
    _ operation: EditOperation, requests: [[UInt8]], path: String = "master.cf"
  ) -> EditResult {
    var warnings: [Diagnostic] = []
    do {
      let output = try editedBytes(operation, requests, warnings: &warnings, path: path)
      return EditResult(document: MasterCF(bytes: output), diagnostics: warnings)
    } catch {
      return EditResult(document: self, diagnostics: warnings + [error.diagnostic])
    }
  }

  private func lineBytes(_ line: Line) -> [UInt8] {
    var result = Array(bytes[line.content])
    if line.hasNewline { result.append(0x0A) }
    return result
  }

  /// `pcf_find_cf_info`: the offset of the first non-blank byte when the line has content.
  private static func contentStart(_ line: [UInt8]) -> Int? {
    var index = 0
    while index < line.count && isSpace(line[index]) { index += 1 }
    if index == line.count || line[index] == UInt8(ascii: "#") { return nil }
    return index
  }

  /// `mystrtok(&cp, " \t\r\n")` twice: the service name and type of a start line.
  private static func nameAndType(_ line: [UInt8]) -> (name: [UInt8], type: [UInt8])? {
    let tokens = line.split(omittingEmptySubsequences: true, whereSeparator: isBlank)
    guard tokens.count >= 2 else { return nil }
    return (Array(tokens[0]), Array(tokens[1]))
  }

  private func editedBytes(
    _ operation: EditOperation, _ arguments: [[UInt8]], warnings: inout [Diagnostic],
    path: String
  ) throws(EditFailure) -> [UInt8] {
    if exceedsSizeLimit {
      throw EditFailure(
        diagnostic: MasterCF.fatal(
          "\(path): file is larger than \(MasterCF.maximumSize) bytes", path: path))
    }
    var requests = try MasterCF.prepare(operation, arguments, path: path)
    // A new entry (-Me) may match by its own name and type rather than its
    // pattern's: those requests are all tried on every entry, as postconf does.
    let byPattern = operation == .setEntry ? nil : EditRequestIndex(requests)
    let bytesOf = MasterCF.bytes
    var out: [UInt8] = []
    var lineNumber = 0
    var matched = false
    var index = 0
    while index < lines.count {
      let current = MasterCF.cString(lineBytes(lines[index]))
      index += 1
      lineNumber += 1
      guard let start = MasterCF.contentStart(current) else {
        out.append(contentsOf: current)
        continue
      }
      if start > 0 {
        if !matched {
          out.append(contentsOf: current)
        } else if operation == .commentOutEntry {
          out.append(UInt8(ascii: "#"))
          out.append(contentsOf: current)
        }
        continue
      }
      matched = false
      guard let (name, type) = MasterCF.nameAndType(current) else {
        throw EditFailure(
          diagnostic: MasterCF.fatal(
            "file \(path): line \(lineNumber): specify service name and type on the same line",
            path: path))
      }
      if name.contains(UInt8(ascii: "=")) {
        throw EditFailure(
          diagnostic: MasterCF.fatal(
            bytesOf("file \(path): line \(lineNumber): service name syntax \"") + name
              + bytesOf("\" is unsupported with \(MasterCF.editOptions)"), line: lineNumber,
            path: path))
      }
      if type.contains(where: { $0 == UInt8(ascii: "=") || $0 == UInt8(ascii: "/") }) {
        throw EditFailure(
          diagnostic: MasterCF.fatal(
            bytesOf("file \(path): line \(lineNumber): service type syntax \"") + type
              + bytesOf("\" is unsupported with \(MasterCF.editOptions)"), line: lineNumber,
            path: path))
      }
      var newEntry: ArgumentList?
      let candidates =
        byPattern?.candidates(service: name, type: type) ?? Array(requests.indices)
      for requestIndex in candidates {
        var tentative: ArgumentList?
        var useTentative = false
        if operation == .setEntry {
          tentative = try MasterCF.parseNewEntry(
            requests[requestIndex], warnings: &warnings, path: path)
        }
        if MasterCF.matches(requests[requestIndex].pattern, service: name[...], type: type[...]) {
          matched = true
          requests[requestIndex].count += 1
          switch operation {
          case .setEntry:
            if requests[requestIndex].count == 1 { useTentative = true }
          case .setField, .setParameter, .removeParameter:
            if newEntry == nil {
              newEntry = try gobble(
                first: current, index: &index, out: &out, lineNumber: lineNumber,
                warnings: &warnings, path: path)
            }
            if var argv = newEntry {
              let request = requests[requestIndex]
              if operation == .setField {
                try MasterCF.editField(
                  &argv, field: request.field, value: request.value, warnings: &warnings,
                  path: path)
              } else {
                MasterCF.editParameter(
                  &argv, name: request.pattern[2],
                  value: operation == .setParameter ? request.value : nil)
              }
              newEntry = argv
            }
          case .removeEntry, .commentOutEntry:
            break
          }
        } else if let tentative,
          MasterCF.matches(
            [Array(tentative[0]), Array(tentative[1])], service: name[...], type: type[...])
        {
          matched = true
          requests[requestIndex].count += 1
          if requests[requestIndex].count == 1 { useTentative = true }
        }
        if useTentative { newEntry = tentative }
      }
      if let newEntry {
        out.append(contentsOf: MasterCF.formatEntry(newEntry, fold: true) ?? [])
      } else if !matched {
        out.append(contentsOf: current)
      } else if operation == .commentOutEntry {
        out.append(UInt8(ascii: "#"))
        out.append(contentsOf: current)
      }
    }
    for request in requests where request.count == 0 {
      switch operation {
      case .setEntry:
        let argv = try MasterCF.parseNewEntry(request, warnings: &warnings, path: path)
        out.append(contentsOf: MasterCF.formatEntry(argv, fold: true) ?? [])
      case .setField, .setParameter, .removeParameter:
        warnings.append(
          MasterCF.warning(
            bytesOf("unmatched service_name/type: \"") + request.raw + bytesOf("\""), line: nil,
            path: path))
      case .removeEntry, .commentOutEntry:
        break
      }
    }
    return out
  }

  /// `pcf_gobble_cf_line`: collects the continuation lines of the matched
  /// entry and passes comment lines through at once (so they end up before
  /// the rewritten entry), then parses the whole entry.
  private func gobble(
    first: [UInt8], index: inout Int, out: inout [UInt8], lineNumber: Int,
    warnings: inout [Diagnostic], path: String
  ) throws(EditFailure) -> ArgumentList {
    var full = first
    while index < lines.count {
      let line = lines[index]
      let next: UInt8? = bytes[line.content].first ?? (line.hasNewline ? 0x0A : nil)
      guard let next, next == UInt8(ascii: "#") || MasterCF.isSpace(next) else { break }
      let text = MasterCF.cString(lineBytes(line))
      index += 1
      if MasterCF.contentStart(text) != nil {
        full.append(contentsOf: text)
      } else {
        out.append(contentsOf: text)
      }
    }
    let parsed = MasterCF.parseArguments(full, rawText: full)
    switch parsed.problem {
    case .badFieldCount:
      throw EditFailure(
        diagnostic: MasterCF.fatal(
          MasterCF.bytes("file \(path): line \(lineNumber): bad field count"), line: lineNumber,
          path: path))
    case .invalidField(let message):
      throw EditFailure(diagnostic: MasterCF.fatal(message, line: lineNumber, path: path))
    case .none:
      for text in parsed.warnings {
        warnings.append(MasterCF.warning(text, line: lineNumber, path: path))
      }
      return parsed.argv
    }
  }
}
