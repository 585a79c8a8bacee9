import PostfixConfig

/// Everything real `postconf -n` would warn about, each at its file and line.
///
/// Rationale: Postfix ignores unused (often misspelled) parameters, lets the
/// last of duplicate entries win and expands undefined `$name`s to nothing, so
/// a setting that looks right may not be in force.
///
/// Inspects: ``PostfixConfiguration/warnings`` (unused parameters, duplicates,
/// undefined `$name`) and ``PostfixConfiguration/fatal``; unused names get a
/// "did you mean" by edit distance against the parameter catalogue.
///
/// Fix: correct or remove the entry (no transform; a typo needs a human).
///
/// Reference: postconf(1), "unused parameter" and "overriding earlier entry".
public struct ConfigWarningRule: AuditRule {
  public let id = RuleID.configWarning

  public init() {}

  public func check(_ context: AuditContext) -> [Finding] {
    let configuration = context.configuration
    var findings = configuration.warnings.map { locate($0.message, in: configuration) }
    if let fatal = configuration.fatal {
      findings.append(
        Finding(
          id: id, severity: .error, message: "postconf would stop: \(fatal)", file: "main.cf",
          fix: "Correct the configuration until 'postconf -n' runs without a fatal error."))
    }
    return findings
  }

  /// Maps one postconf warning text to a finding with file and line.
  func locate(_ message: String, in configuration: PostfixConfiguration) -> Finding {
    let warning = Severity.warning
    // "DIR/main.cf, line N: overriding earlier entry: NAME=VALUE"
    if let range = message.firstRange(of: ", line "),
      let colon = message[range.upperBound...].firstIndex(of: ":"),
      let line = Int(message[range.upperBound..<colon])
    {
      let file = basename(String(message[..<range.lowerBound]))
      let rest = message[message.index(after: colon)...].trimmingPrefixBlanks()
      let parameter =
        rest.hasPrefix("overriding earlier entry: ")
        ? name(before: "=", in: rest.dropFirst("overriding earlier entry: ".count)) : nil
      return Finding(
        id: id, severity: warning, message: rest, file: file, line: line, parameter: parameter,
        fix: "Remove the earlier entry: only the last one is in force.")
    }
    guard let separator = message.firstRange(of: ": ") else {
      return Finding(id: id, severity: warning, message: message, fix: "See postconf(5).")
    }
    let file = basename(String(message[..<separator.lowerBound]))
    let rest = String(message[separator.upperBound...])
    if rest.hasPrefix("unused parameter: ") {
      let assignment = rest.dropFirst("unused parameter: ".count)
      let parameter = name(before: "=", in: assignment) ?? String(assignment)
      var text = rest
      var fix = "Remove '\(parameter)' or correct its name: Postfix ignores it."
      if let guess = suggestion(for: parameter, catalog: configuration.catalog) {
        text += "; did you mean '\(guess)'?"
        fix = "Rename '\(parameter)' to '\(guess)'."
      }
      if file == "master.cf", let override = masterOverride(named: parameter, in: configuration) {
        return Finding(
          id: id, severity: warning, message: text, file: file, line: override.line,
          service: override.service, parameter: parameter, fix: fix)
      }
      let line = configuration.mainCF.effectiveEntries.first { $0.name == parameter }?.line
      return Finding(
        id: id, severity: warning, message: text, file: file, line: line, parameter: parameter,
        fix: fix)
    }
    if rest.hasPrefix("undefined parameter: ") {
      let parameter = String(rest.dropFirst("undefined parameter: ".count))
      let fix = "Define '\(parameter)' or remove the '$\(parameter)' reference."
      if file == "master.cf",
        let override = masterReference(to: parameter, in: configuration)
      {
        return Finding(
          id: id, severity: warning, message: rest, file: file, line: override.line,
          service: override.service, parameter: override.name, fix: fix)
      }
      let entry = configuration.mainCF.effectiveEntries.first {
        references(parameter, in: $0.value)
      }
      return Finding(
        id: id, severity: warning, message: rest, file: file, line: entry?.line,
        parameter: entry?.name, fix: fix)
    }
    return Finding(
      id: id, severity: warning, message: rest, file: file, fix: "See postconf(5).")
  }

  /// The closest catalogue name, when one is plausibly meant.
  func suggestion(for name: String, catalog: ParameterCatalog) -> String? {
    var best: (name: String, distance: Int)?
    let word = Array(name.utf8)
    let limit = max(2, word.count / 4)
    for candidate in catalog.names {
      let bytes = Array(candidate.utf8)
      guard abs(bytes.count - word.count) <= limit else { continue }
      let distance = EditDistance.between(word, bytes)
      if distance <= limit, distance < best?.distance ?? Int.max {
        best = (candidate, distance)
      }
    }
    return best?.name
  }

  func masterOverride(named name: String, in configuration: PostfixConfiguration) -> (
    line: Int, service: String
  )? {
    guard let master = configuration.masterCF else { return nil }
    for entry in master.entries {
      if let found = entry.overrides.first(where: { $0.name == Array(name.utf8) }),
        let service = entry.service, let type = entry.type
      {
        return (
          found.line,
          "\(String(decoding: service, as: UTF8.self))/\(String(decoding: type, as: UTF8.self))"
        )
      }
    }
    return nil
  }

  func masterReference(to name: String, in configuration: PostfixConfiguration) -> (
    line: Int, service: String, name: String
  )? {
    guard let master = configuration.masterCF else { return nil }
    for entry in master.entries {
      if let found = entry.overrides.first(where: { references(name, in: $0.value) }),
        let service = entry.service, let type = entry.type
      {
        return (
          found.line,
          "\(String(decoding: service, as: UTF8.self))/\(String(decoding: type, as: UTF8.self))",
          String(decoding: found.name, as: UTF8.self)
        )
      }
    }
    return nil
  }

  /// Whether `value` mentions `$name`, `${name...}` or `$(name...)`.
  func references(_ name: String, in value: [UInt8]) -> Bool {
    let text = String(decoding: value, as: UTF8.self)
    for form in ["$\(name)", "${\(name)", "$(\(name)"] {
      var search = text[...]
      while let range = search.firstRange(of: form) {
        let after = search[range.upperBound...].first
        if !(after.map { $0.isLetter || $0.isNumber || $0 == "_" } ?? false) { return true }
        search = search[range.upperBound...]
      }
    }
    return false
  }

  func basename(_ path: String) -> String {
    path.split(separator: "/").last.map(String.init) ?? path
  }

  func name(before separator: Character, in text: Substring) -> String? {
    text.firstIndex(of: separator).map { String(text[..<$0]) }
  }
}

extension Substring {
  func trimmingPrefixBlanks() -> String { String(drop { $0 == " " }) }
}

/// Levenshtein distance over bytes, for "did you mean ...?" suggestions.
public enum EditDistance {
  /// The number of single-byte insertions, deletions and substitutions
  /// that turn `a` into `b`.
  /// - Parameters:
  ///   - a: One word.
  ///   - b: The other word.
  /// - Returns: The distance.
  public static func between(_ a: [UInt8], _ b: [UInt8]) -> Int {
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
      current[0] = i
      for j in 1...b.count {
        let cost = a[i - 1] == b[j - 1] ? 0 : 1
        current[j] = Swift.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
      }
      swap(&previous, &current)
    }
    return previous[b.count]
  }
}
