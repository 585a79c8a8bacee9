import PostfixConfig

/// `# pfharden: ignore RULE[, RULE...]` comments.
///
/// In main.cf, a comment block directly above an entry silences the named
/// rules for that entry (findings on its lines or about its parameter). In
/// master.cf, a comment block directly above a service silences them for that
/// service.
struct Suppressions: Sendable {
  /// One rule id a directive names, where it stands and what it is above.
  struct Directive: Equatable, Sendable {
    /// `main.cf` or `master.cf`.
    var file: String
    /// The 1-based line of the comment.
    var line: Int
    /// The rule id as written.
    var id: String
    /// The main.cf entry's parameter below the comment.
    var parameter: String?
    /// The master.cf service (`name/type`) below the comment.
    var service: String?
  }

  /// Rule ids by main.cf entry line range and parameter.
  var mainCF: [(lines: ClosedRange<Int>, parameter: String, ids: Set<String>)] = []
  /// Rule ids by master.cf entry line range and service key.
  var masterCF: [(lines: ClosedRange<Int>, service: String, ids: Set<String>)] = []
  /// Every id named above an entry, in file and line order.
  var directives: [Directive] = []

  init(configuration: PostfixConfiguration) {
    let main = configuration.mainCF.serialized()
    let masterBytes = configuration.masterCF?.serialized()
    // Most files have no directive: one pass over the bytes settles it.
    guard Self.mentionsMarker(main) || masterBytes.map(Self.mentionsMarker) == true else {
      return
    }
    let mainLines = Self.lines(main)
    for entry in configuration.mainCF.entries {
      let named = Self.directiveLines(above: entry.lines.lowerBound, in: mainLines)
      guard !named.isEmpty else { continue }
      mainCF.append((entry.lines, entry.name, Set(named.flatMap(\.ids))))
      for (line, ids) in named {
        directives += ids.map {
          Directive(file: "main.cf", line: line, id: $0, parameter: entry.name)
        }
      }
    }
    if let master = configuration.masterCF, let masterBytes {
      let masterLines = Self.lines(masterBytes)
      for entry in master.entries {
        let named = Self.directiveLines(above: entry.firstLine, in: masterLines)
        guard !named.isEmpty, let name = entry.service, let type = entry.type else { continue }
        let key =
          "\(String(decoding: name, as: UTF8.self))/\(String(decoding: type, as: UTF8.self))"
        masterCF.append((entry.firstLine...entry.lastLine, key, Set(named.flatMap(\.ids))))
        for (line, ids) in named {
          directives += ids.map { Directive(file: "master.cf", line: line, id: $0, service: key) }
        }
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

  static func lines(_ bytes: [UInt8]) -> [ArraySlice<UInt8>] {
    bytes.split(separator: 0x0A, omittingEmptySubsequences: false)
  }

  /// Whether `bytes` hold `pfharden:` in any letter case (every directive does).
  static func mentionsMarker(_ bytes: [UInt8]) -> Bool {
    let marker = Array("pfharden:".utf8)
    return bytes.withUnsafeBufferPointer { buffer in
      guard buffer.count >= marker.count else { return false }
      var index = 0
      // Each iteration moves past one candidate start.
      while index <= buffer.count - marker.count {
        if buffer[index] | 0x20 == marker[0],
          (1..<marker.count).allSatisfy({ buffer[index + $0] | 0x20 == marker[$0] })
        {
          return true
        }
        index += 1
      }
      return false
    }
  }

  /// The directives among the comment lines directly above 1-based line
  /// `line`, each with its own 1-based line, top first.
  static func directiveLines(above line: Int, in lines: [ArraySlice<UInt8>]) -> [(
    line: Int, ids: [String]
  )] {
    var found: [(line: Int, ids: [String])] = []
    var index = line - 2
    // Each iteration moves one line up or stops.
    while index >= 0, index < lines.count {
      let text = String(decoding: lines[index], as: UTF8.self).trimmingBlanks()
      guard text.hasPrefix("#") else { break }
      let ids = names(text)
      if !ids.isEmpty { found.append((index + 1, ids)) }
      index -= 1
    }
    return found.reversed()
  }

  /// The ids in one comment line, if it is a directive.
  static func parse(_ comment: String) -> Set<String> { Set(names(comment)) }

  /// The ids in one comment line, in order and without repeats, if it is a
  /// directive.
  static func names(_ comment: String) -> [String] {
    var text = Substring(comment.dropFirst()).drop { $0 == " " || $0 == "\t" || $0 == "#" }
    let marker = "pfharden:"
    guard text.lowercased().hasPrefix(marker) else { return [] }
    text = text.dropFirst(marker.count).drop { $0 == " " || $0 == "\t" }
    guard text.hasPrefix("ignore") else { return [] }
    text = text.dropFirst("ignore".count)
    guard text.first == " " || text.first == "\t" else { return [] }
    let ids = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "," || $0 == "\r" })
    var seen: Set<Substring> = []
    return ids.filter { seen.insert($0).inserted }.map(String.init)
  }
}
