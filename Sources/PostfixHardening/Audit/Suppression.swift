import PostfixConfig

/// `# pfharden: ignore RULE[, RULE...]` comments.
///
/// In main.cf, a comment block directly above an entry silences the named
/// rules for that entry (findings on its lines or about its parameter). In
/// master.cf, a comment block directly above a service silences them for that
/// service.
struct Suppressions: Sendable {
  /// Rule ids by main.cf entry line range and parameter.
  var mainCF: [(lines: ClosedRange<Int>, parameter: String, ids: Set<String>)] = []
  /// Rule ids by master.cf entry line range and service key.
  var masterCF: [(lines: ClosedRange<Int>, service: String, ids: Set<String>)] = []

  init(configuration: PostfixConfiguration) {
    let mainLines = Self.lines(configuration.mainCF.serialized())
    for entry in configuration.mainCF.entries {
      let ids = Self.directives(above: entry.lines.lowerBound, in: mainLines)
      if !ids.isEmpty { mainCF.append((entry.lines, entry.name, ids)) }
    }
    if let master = configuration.masterCF {
      let masterLines = Self.lines(master.serialized())
      for entry in master.entries {
        let ids = Self.directives(above: entry.firstLine, in: masterLines)
        guard !ids.isEmpty, let name = entry.service, let type = entry.type else { continue }
        let key =
          "\(String(decoding: name, as: UTF8.self))/\(String(decoding: type, as: UTF8.self))"
        masterCF.append((entry.firstLine...entry.lastLine, key, ids))
      }
    }
  }

  /// Whether `finding` is silenced.
  func suppresses(_ finding: Finding) -> Bool {
    // Comments in main.cf and master.cf say nothing of other files (a
    // database client configuration file named in a lookup table).
    if let file = finding.file, file != "main.cf" && file != "master.cf" { return false }
    if finding.file == "master.cf" {
      return masterCF.contains { rule in
        rule.ids.contains(finding.id)
          && (finding.service == rule.service
            || finding.line.map { rule.lines.contains($0) }
              ?? false)
      }
    }
    return mainCF.contains { rule in
      rule.ids.contains(finding.id)
        && (finding.line.map { rule.lines.contains($0) } ?? false
          || finding.parameter == rule.parameter)
    }
  }

  static func lines(_ bytes: [UInt8]) -> [[UInt8]] {
    bytes.split(separator: 0x0A, omittingEmptySubsequences: false).map { Array($0) }
  }

  /// The ids named by the comment lines directly above 1-based line `line`.
  static func directives(above line: Int, in lines: [[UInt8]]) -> Set<String> {
    var ids: Set<String> = []
    var index = line - 2
    while index >= 0, index < lines.count {
      let text = String(decoding: lines[index], as: UTF8.self).trimmingBlanks()
      guard text.hasPrefix("#") else { break }
      ids.formUnion(parse(text))
      index -= 1
    }
    return ids
  }

  /// The ids in one comment line, if it is a directive.
  static func parse(_ comment: String) -> Set<String> {
    var text = Substring(comment.dropFirst()).drop { $0 == " " || $0 == "\t" || $0 == "#" }
    let marker = "pfharden:"
    guard text.lowercased().hasPrefix(marker) else { return [] }
    text = text.dropFirst(marker.count).drop { $0 == " " || $0 == "\t" }
    guard text.hasPrefix("ignore") else { return [] }
    text = text.dropFirst("ignore".count)
    guard text.first == " " || text.first == "\t" else { return [] }
    let ids = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "," || $0 == "\r" })
    return Set(ids.map(String.init))
  }
}
