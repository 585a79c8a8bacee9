import PostfixConfig

/// Everything real `postconf -n` would warn about, each at its file and line.
///
/// Rationale: Postfix ignores unused (often misspelled) parameters, lets the
/// last of duplicate entries win and expands undefined `$name`s to nothing, so
/// a setting that looks right may not be in force.
///
/// Inspects: `PostfixConfiguration.warnings` (unused parameters, duplicates,
/// undefined `$name`) and `PostfixConfiguration.fatal`; unused names get a
/// "did you mean" by edit distance against the parameter catalogue. A missing
/// master.cf (``AuditOptions/masterCF``) is an error: Postfix cannot start.
/// Every warning is located through tables built once per run. With host
/// facts (not `--config-only`), also what postconf says about the database
/// client configuration files that lookup tables name (`mysql:/path`:
/// missing or unreadable file, names the client does not know, duplicates,
/// a line postconf stops at), each at that file's own path and line.
///
/// Fix: correct or remove the entry (no transform; a typo needs a human).
///
/// Reference: postconf(1), "unused parameter" and "overriding earlier entry".
struct ConfigWarningRule: AuditRule {
  let id = RuleID.configWarning
  let summary = "Something real postconf would warn about."
  let inspects = [AuditRuleDescription.everyParameter]

  func check(_ context: AuditContext) -> [Finding] {
    let configuration = context.configuration
    // Built once per run: every warning is located through these tables,
    // which index references only to the names warned about as undefined.
    let places = Places(configuration, referencesTo: Self.undefinedNames(in: configuration))
    let withoutMaster = context.options.masterCF != .read
    var findings: [Finding] = []
    // Room for the other rules' findings too: the audit appends them to this
    // list, which for a large file would otherwise be copied to grow.
    findings.reserveCapacity(configuration.warningCount + 256)
    let missingMaster = Array("/master.cf: No such file or directory".utf8)
    configuration.forEachWarningText { head, chunk, range in
      // Built without master.cf, the configuration repeats postconf's "No such
      // file" warning; the error below (or the incomplete report) says more.
      if withoutMaster
        && (head + chunk[range]).suffix(missingMaster.count).elementsEqual(missingMaster)
      {
        return
      }
      if let finding = unusedParameter(head, chunk, range, in: places) {
        findings.append(finding)
      } else {
        findings.append(locate(String(decoding: head + chunk[range], as: UTF8.self), in: places))
      }
    }
    if let fatal = configuration.fatal {
      findings.append(
        Finding(
          id: id, severity: .error, message: "postconf would stop: \(fatal)", file: "main.cf",
          fix: "Correct the configuration until 'postconf -n' runs without a fatal error."))
    }
    if let host = context.options.host {
      findings += databaseClientFindings(configuration, files: host.databaseClientFiles)
    }
    if context.options.masterCF == .missing {
      findings.append(
        Finding(
          id: id, severity: .error,
          message: "master.cf does not exist: Postfix cannot start without it",
          file: "master.cf",
          fix: "Restore master.cf (the stock file of the Postfix package) and review its services."
        ))
    }
    return findings
  }

  /// Where the parameters named in warnings are, indexed once per run.
  struct Places {
    /// The catalogue, for suggestions.
    var catalog: ParameterCatalog
    /// The catalogue's names, for "did you mean" (indexed at the first unknown name).
    var suggestions: LazySuggestionIndex
    /// main.cf, whose name index gives each name's effective line.
    var mainCF: MainCF
    /// The first main.cf entry whose value mentions each `$name` (of
    /// those asked for).
    var mainReferences: [String: (line: Int, name: String)] = [:]
    /// The first master.cf `-o` of each name, with its service.
    var masterOverrides: [String: (line: Int, service: String)] = [:]
    /// The first master.cf `-o` whose value mentions each `$name` (of
    /// those asked for).
    var masterReferences: [String: (line: Int, service: String, name: String)] = [:]

    /// Indexes `configuration`.
    /// - Parameters:
    ///   - configuration: The configuration the warnings are about.
    ///   - wanted: The names whose first reference is looked for (those of
    ///     `undefined parameter` warnings); nil for every name. A table of
    ///     every referenced name held a key, an entry name and a set per
    ///     value: 45 MB for a main.cf of 256,000 values of 40 bytes.
    init(_ configuration: PostfixConfiguration, referencesTo wanted: Set<String>? = nil) {
      catalog = configuration.catalog
      mainCF = configuration.mainCF
      suggestions = LazySuggestionIndex(configuration.catalog.names)
      func isWanted(_ name: String) -> Bool { wanted?.contains(name) ?? true }
      // No name asked for: no value is searched for references.
      let findsReferences = wanted?.isEmpty != true
      // One entry at a time: a large file's entries are never all held.
      if findsReferences {
        configuration.mainCF.forEachEffectiveEntry { entry in
          for referenced in ConfigWarningRule.referencedNames(in: entry.value)
          where mainReferences[referenced] == nil && isWanted(referenced) {
            mainReferences[referenced] = (entry.line, entry.name)
          }
        }
      }
      for entry in configuration.masterCF?.entries ?? [] {
        guard let service = entry.service, let type = entry.type else { continue }
        let key =
          "\(String(decoding: service, as: UTF8.self))/\(String(decoding: type, as: UTF8.self))"
        for override in entry.overrides {
          let name = String(decoding: override.name, as: UTF8.self)
          if masterOverrides[name] == nil { masterOverrides[name] = (override.line, key) }
          guard findsReferences else { continue }
          for referenced in ConfigWarningRule.referencedNames(in: override.value)
          where masterReferences[referenced] == nil && isWanted(referenced) {
            masterReferences[referenced] = (override.line, key, name)
          }
        }
      }
    }
  }

  /// What `locate(_:in:)` makes of a warning kept as `head`, then
  /// `chunk[range]`: the `unused parameter` finding, its message left in the
  /// chunk (see `unusedFinding`), or nil for every other warning.
  func unusedParameter(_ head: [UInt8], _ chunk: [UInt8], _ range: Range<Int>, in places: Places)
    -> Finding?
  {
    guard !head.isEmpty else {
      // Not kept apart: the same text with its head found here.
      let separator = chunk.withUnsafeBufferPointer { bytes in
        ByteSearch.firstOffset(
          of: [UInt8(ascii: ":"), UInt8(ascii: " ")],
          in: UnsafeBufferPointer(rebasing: bytes[range]))
      }
      guard let separator else { return nil }
      let split = range.lowerBound + separator + 2
      return unusedParameter(
        Array(chunk[range.lowerBound..<split]), chunk, split..<range.upperBound, in: places)
    }
    // The head is "PATH: "; "PATH, line N: " goes the long way.
    guard head.count > 2 else { return nil }
    let path = head[..<(head.count - 2)]
    guard let last = path.last, !(0x30...0x39).contains(last) else { return nil }
    let slash = path.lastIndex(of: UInt8(ascii: "/")).map { $0 + 1 } ?? path.startIndex
    guard slash < path.endIndex else { return nil }
    return unusedFinding(
      file: String(decoding: path[slash...], as: UTF8.self), chunk, range, in: places)
  }

  static let unusedMarker = Array("unused parameter: ".utf8)
  static let undefinedMarker = Array("undefined parameter: ".utf8)

  /// The names of the configuration's `undefined parameter: NAME` warnings.
  static func undefinedNames(in configuration: PostfixConfiguration) -> Set<String> {
    var names: Set<String> = []
    configuration.forEachWarningText { _, chunk, range in
      chunk.withUnsafeBufferPointer { bytes in
        if let name = undefinedName(in: UnsafeBufferPointer(rebasing: bytes[range])) {
          names.insert(name)
        }
      }
    }
    return names
  }

  /// NAME of a warning text that says `undefined parameter: NAME`, or nil.
  static func undefinedName(in text: UnsafeBufferPointer<UInt8>) -> String? {
    guard let offset = ByteSearch.firstOffset(of: undefinedMarker, in: text) else { return nil }
    return String(decoding: text[(offset + undefinedMarker.count)...], as: UTF8.self)
  }

  /// The finding of `unused parameter: NAME=VALUE` at `range` in `bytes` (the
  /// text after postconf's `PATH: `), or nil for another warning.
  ///
  /// The message stays in `bytes`, and the parameter and fix are read from
  /// it when asked for, unless a known name is suggested: a configuration
  /// with 200,000 unknown names has as many findings.
  func unusedFinding(file: String, _ bytes: [UInt8], _ range: Range<Int>, in places: Places)
    -> Finding?
  {
    let marker = Self.unusedMarker
    guard range.count >= marker.count,
      bytes[range.lowerBound..<(range.lowerBound + marker.count)].elementsEqual(marker)
    else { return nil }
    let nameStart = range.lowerBound + marker.count
    let nameEnd =
      bytes[nameStart..<range.upperBound].firstIndex(of: UInt8(ascii: "=")) ?? range.upperBound
    let parameter = String(decoding: bytes[nameStart..<nameEnd], as: UTF8.self)
    // Positions are kept in 32 bits: a text near 2 GiB (never read from a
    // file within the limits) keeps its parameter and fix as texts.
    guard range.upperBound < Int(Int32.max) / 2 else {
      return Finding(
        id: id, severity: .warning, message: String(decoding: bytes[range], as: UTF8.self),
        file: file, parameter: parameter, fix: Finding.unusedNameFix(parameter, guess: nil))
    }
    var message = Finding.MessageText.shared(
      bytes: bytes, start: Int32(range.lowerBound), end: Int32(range.upperBound))
    var guessOffsets: Range<Int32>?
    if let guess = places.suggestions.closest(to: parameter) {
      let lead = "; did you mean '"
      message = .string(
        Self.joined(String(decoding: bytes[range], as: UTF8.self), lead, guess, "'?"))
      let start = Int32(range.count + lead.utf8.count)
      guessOffsets = start..<(start + Int32(guess.utf8.count))
    }
    let name = Int32(marker.count)..<Int32(nameEnd - range.lowerBound)
    if file == "master.cf", let override = places.masterOverrides[parameter] {
      return Finding(
        id: id, severity: .warning, messageText: message, file: file, line: override.line,
        service: override.service, name: name, guess: guessOffsets)
    }
    return Finding(
      id: id, severity: .warning, messageText: message, file: file,
      line: places.mainCF.effectiveLine(ofName: Array(bytes[nameStart..<nameEnd])), service: nil,
      name: name, guess: guessOffsets)
  }

  /// Maps one postconf warning text to a finding with file and line.
  func locate(_ message: String, in configuration: PostfixConfiguration) -> Finding {
    var text = message
    let wanted = text.withUTF8 { Self.undefinedName(in: $0) }
    return locate(message, in: Places(configuration, referencesTo: wanted.map { [$0] } ?? []))
  }

  /// Maps one postconf warning text to a finding with file and line.
  func locate(_ message: String, in places: Places) -> Finding {
    let warning = Severity.warning
    // postconf names the file, and a line when there is one, before the first
    // ": " ("DIR/main.cf, line N: overriding earlier entry: NAME=VALUE"); what
    // follows may quote a value, which can hold ", line " or ": " itself.
    guard let separator = Self.firstRange(of: ": ", in: message) else {
      return Finding(id: id, severity: warning, message: message, fix: "See postconf(5).")
    }
    let head = message[..<separator.lowerBound]
    // "PATH, line N": digits at the end, after ", line ".
    var digits = head.utf8.endIndex
    while digits > head.utf8.startIndex,
      (0x30...0x39).contains(head.utf8[head.utf8.index(before: digits)])
    {
      digits = head.utf8.index(before: digits)
    }
    let path = head[..<digits]
    if digits < head.endIndex, path.hasSuffix(", line "), let line = Int(head[digits...]) {
      let file = basename(String(path.dropLast(", line ".count)))
      let rest = message[separator.upperBound...].trimmingPrefixBlanks()
      let parameter =
        rest.hasPrefix("overriding earlier entry: ")
        ? name(before: "=", in: rest.dropFirst("overriding earlier entry: ".count)) : nil
      return Finding(
        id: id, severity: warning, message: rest, file: file, line: line, parameter: parameter,
        fix: "Remove the earlier entry: only the last one is in force.")
    }
    let file = basename(String(message[..<separator.lowerBound]))
    let rest = String(message[separator.upperBound...])
    if rest.hasPrefix("unused parameter: ") {
      let bytes = Array(rest.utf8)
      if let finding = unusedFinding(file: file, bytes, 0..<bytes.count, in: places) {
        return finding
      }
    }
    if rest.hasPrefix("undefined parameter: ") {
      let parameter = String(rest.dropFirst("undefined parameter: ".count))
      let fix = "Define '\(parameter)' or remove the '$\(parameter)' reference."
      if file == "master.cf", let override = places.masterReferences[parameter] {
        return Finding(
          id: id, severity: warning, message: rest, file: file, line: override.line,
          service: override.service, parameter: override.name, fix: fix)
      }
      let entry = places.mainReferences[parameter]
      return Finding(
        id: id, severity: warning, message: rest, file: file, line: entry?.line,
        parameter: entry?.name, fix: fix)
    }
    return Finding(
      id: id, severity: warning, message: rest, file: file, fix: "See postconf(5).")
  }

  /// What postconf says about the database client configuration files the
  /// configuration names, as findings at each file's path and line.
  /// - Parameters:
  ///   - configuration: The configuration (names the files, in postconf's order).
  ///   - files: What reading each file gave, by path; files not in it are skipped.
  /// - Returns: The findings, file by file in postconf's order.
  func databaseClientFindings(
    _ configuration: PostfixConfiguration, files: [[UInt8]: DatabaseClientFile.Content]
  ) -> [Finding] {
    var findings: [Finding] = []
    for file in configuration.databaseClientFiles {
      guard let content = files[file.path] else { continue }
      let known = configuration.catalog.legacyDatabaseSuffixes(type: file.type)
      for problem in file.problems(in: content, knownNames: known) {
        findings.append(finding(for: problem, in: file, known: known))
      }
    }
    return findings
  }

  /// One database client file problem as a finding.
  func finding(
    for problem: DatabaseClientFile.Problem, in file: DatabaseClientFile, known: [String]
  )
    -> Finding
  {
    let diagnostic = problem.diagnostic
    let path = file.displayPath
    let table = "\(file.type):\(path)"
    // postconf's text after the file's own prefix (the finding names the file).
    var text = diagnostic.message
    for prefix in [
      "\(path), line \(diagnostic.line.map(String.init) ?? ""): ", "\(table): ", "\(path): ",
    ] where text.hasPrefix(prefix) {
      text = String(text.dropFirst(prefix.count))
      break
    }
    let unreadable =
      "Create the file or correct the path in '\(table)': Postfix cannot use the table."
    let fix: String
    switch problem.kind {
    case .cannotOpen, .notRegularFile, .cannotRead:
      return Finding(
        id: id, severity: .warning, message: diagnostic.message, file: path, fix: unreadable)
    case .syntaxError:
      return Finding(
        id: id, severity: .error, message: "postconf would stop: \(diagnostic.message)", file: path,
        line: diagnostic.line,
        fix: "Write the line as 'name = value': postconf and the \(file.type) client stop at it.")
    case .misplacedText:
      fix = "Join the text to the entry it continues, or remove it: it is ignored."
    case .overriding:
      fix = "Remove the earlier entry: only the last one is in force."
    case .unused:
      let name = problem.parameter ?? ""
      if let guess = suggestion(for: name, among: known) {
        text += "; did you mean '\(guess)'?"
        fix = "Rename '\(name)' to '\(guess)'."
      } else {
        fix = "Remove '\(name)' or correct its name: the \(file.type) client ignores it."
      }
    }
    return Finding(
      id: id, severity: .warning, message: text, file: path, line: diagnostic.line,
      parameter: problem.parameter, fix: fix)
  }

  /// The closest catalogue name, when one is plausibly meant.
  func suggestion(for name: String, catalog: ParameterCatalog) -> String? {
    suggestion(for: name, among: catalog.names)
  }

  /// The closest of `candidates`, when one is plausibly meant.
  /// - Parameters:
  ///   - name: The unknown name.
  ///   - candidates: The known names.
  /// - Returns: The closest candidate within a quarter of the name's length.
  func suggestion(for name: String, among candidates: [String]) -> String? {
    SuggestionIndex(names: candidates).closest(to: name)
  }

  /// Every name that ``references(_:in:)`` finds in `value`: the whole word
  /// after each `$`, `${` or `$(`.
  static func referencedNames(in value: [UInt8]) -> Set<String> {
    func isWord(_ byte: UInt8) -> Bool {
      (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A)
        || (byte >= 0x61 && byte <= 0x7A) || byte == 0x5F
    }
    var names: Set<String> = []
    var index = 0
    // Each iteration moves past one byte.
    while index < value.count {
      defer { index += 1 }
      guard value[index] == UInt8(ascii: "$") else { continue }
      var start = index + 1
      if start < value.count, value[start] == UInt8(ascii: "{") || value[start] == UInt8(ascii: "(")
      {
        start += 1
      }
      var end = start
      while end < value.count, isWord(value[end]) { end += 1 }
      guard end > start else { continue }
      // A name followed by a non-ASCII letter or digit is part of a longer word.
      if end < value.count, value[end] >= 0x80,
        let next = String(decoding: value[end..<min(end + 4, value.count)], as: UTF8.self).first,
        next.isLetter || next.isNumber
      {
        continue
      }
      names.insert(String(decoding: value[start..<end], as: UTF8.self))
    }
    return names
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

  /// The first occurrence of `needle` in `text`, searched over UTF-8 bytes
  /// (a warning quotes a value, which may be megabytes long).
  static func firstRange(of needle: String, in text: String) -> Range<String.Index>? {
    let pattern = Array(needle.utf8)
    var text = text
    let offset = text.withUTF8 { ByteSearch.firstOffset(of: pattern, in: $0) }
    guard let offset else { return nil }
    let start = text.utf8.index(text.utf8.startIndex, offsetBy: offset)
    return start..<text.utf8.index(start, offsetBy: pattern.count)
  }

  /// `parts` joined, in a string no larger than its text.
  static func joined(_ parts: String...) -> String {
    var bytes: [UInt8] = []
    bytes.reserveCapacity(parts.reduce(0) { $0 + $1.utf8.count })
    for part in parts { bytes += part.utf8 }
    return String(decoding: bytes, as: UTF8.self)
  }

  /// What follows the last `/` (the path itself when there is none, or when
  /// it ends in `/`, as a path of only slashes does).
  func basename(_ path: String) -> String {
    let bytes = path.utf8
    guard let slash = bytes.lastIndex(of: UInt8(ascii: "/")) else { return path }
    let name = bytes[bytes.index(after: slash)...]
    if !name.isEmpty { return String(decoding: name, as: UTF8.self) }
    // "dir/" names "dir", as the split on "/" it replaces did.
    let trimmed = path.split(separator: "/").last.map(String.init)
    return trimmed ?? path
  }

  func name(before separator: Character, in text: Substring) -> String? {
    text.firstIndex(of: separator).map { String(text[..<$0]) }
  }
}

extension Substring {
  func trimmingPrefixBlanks() -> String { String(drop { $0 == " " }) }
}

/// A ``SuggestionIndex`` made on first use: most configurations name no
/// unknown parameter, and they never pay for indexing the catalogue.
final class LazySuggestionIndex {
  private let names: [String]
  private var index: SuggestionIndex?

  init(_ names: [String]) { self.names = names }

  /// Whether the index has been made.
  var isBuilt: Bool { index != nil }

  /// ``SuggestionIndex/closest(to:)``.
  func closest(to name: String) -> String? {
    let built = index ?? SuggestionIndex(names: names)
    index = built
    return built.closest(to: name)
  }
}

/// Known names indexed for "did you mean ...?".
///
/// The closest to an unknown name by edit distance, within a quarter of its length, the
/// first in the given order among equally close ones. Only names of a length within reach are compared, closest
/// lengths first, so the search narrows fast: an audit of many unknown names compares
/// each with a few dozen known ones, not with the whole catalogue.
struct SuggestionIndex {
  /// The known names' bytes, one after the other, in their order: one
  /// array, so that indexing the catalogue's 800 names makes three arrays,
  /// not 800.
  let bytes: [UInt8]
  /// Where each candidate starts in ``bytes``, and where the last ends.
  let starts: [Int32]
  /// Each candidate's ``EditDistance/byteMask(_:)``.
  let masks: [UInt64]
  /// The candidates' indices by length, and by index within a length.
  let byLength: [Int32]
  /// Where the candidates of each length start in ``byLength``, and where
  /// the longest end.
  let lengthStarts: [Int32]
  /// The candidates each kind of word is compared with, by the word's length
  /// and mask (a file of generated names has few kinds, and each is looked
  /// at once).
  let shortlists = Shortlists()

  /// The candidates within reach of one kind of word, in the order they are
  /// compared: by length difference, the shorter length first, by index.
  final class Shortlists {
    struct Key: Hashable {
      var length: Int
      var mask: UInt64
    }
    /// The most kinds kept: past that, a shortlist is made for each word.
    static let capacity = 4096
    var lists: [Key: [(gap: Int, index: Int)]] = [:]
  }

  /// Indexes `candidates`.
  /// - Parameter candidates: The known names.
  init(_ candidates: [[UInt8]]) {
    self.init(count: candidates.count) { index, body in
      candidates[index].withUnsafeBufferPointer(body)
    }
  }

  /// Indexes `names`, read where they lie.
  /// - Parameter names: The known names.
  init(names: [String]) {
    self.init(count: names.count) { index, body in
      var name = names[index]
      name.withUTF8(body)
    }
  }

  /// Indexes `count` candidates, whose bytes `read` passes to its second
  /// argument.
  private init(
    count: Int,
    read: (Int, (UnsafeBufferPointer<UInt8>) -> Void) -> Void
  ) {
    var bytes: [UInt8] = []
    var starts: [Int32] = []
    var masks: [UInt64] = []
    starts.reserveCapacity(count + 1)
    masks.reserveCapacity(count)
    bytes.reserveCapacity(32 * count)
    starts.append(0)
    var longest = 0
    for index in 0..<count {
      read(index) { name in
        bytes.append(contentsOf: name)
        masks.append(EditDistance.byteMask(name))
        longest = max(longest, name.count)
      }
      starts.append(Int32(clamping: bytes.count))
    }
    // A counting sort by length keeps the order of the candidates of each length.
    var lengthStarts = [Int32](repeating: 0, count: longest + 2)
    for index in 0..<count { lengthStarts[Int(starts[index + 1] - starts[index]) + 1] += 1 }
    for length in 0...longest { lengthStarts[length + 1] += lengthStarts[length] }
    var next = lengthStarts
    var byLength = [Int32](repeating: 0, count: count)
    for index in 0..<count {
      let length = Int(starts[index + 1] - starts[index])
      byLength[Int(next[length])] = Int32(index)
      next[length] += 1
    }
    (self.bytes, self.starts, self.masks) = (bytes, starts, masks)
    (self.byLength, self.lengthStarts) = (byLength, lengthStarts)
  }

  /// Candidate `index`'s bytes, in ``bytes``.
  private func candidate(_ index: Int) -> Range<Int> {
    Int(starts[index])..<Int(starts[index + 1])
  }

  /// The candidates a word of this length and mask can be within `limit` of:
  /// the length difference and the byte kinds one has and the other lacks
  /// each bound the distance from below.
  func shortlist(length: Int, mask wordMask: UInt64, limit: Int) -> [(gap: Int, index: Int)] {
    let key = Shortlists.Key(length: length, mask: wordMask)
    if let list = shortlists.lists[key] { return list }
    var list: [(gap: Int, index: Int)] = []
    for gap in 0...limit {
      // The shorter length first, then the longer (one length when the gap is 0).
      for side in 0..<(gap == 0 ? 1 : 2) {
        let other = side == 0 ? length - gap : length + gap
        guard other >= 0 && other + 1 < lengthStarts.count else { continue }
        for position in Int(lengthStarts[other])..<Int(lengthStarts[other + 1]) {
          let index = Int(byLength[position])
          let mask = masks[index]
          let lacking = max((wordMask & ~mask).nonzeroBitCount, (mask & ~wordMask).nonzeroBitCount)
          if lacking <= limit { list.append((gap, index)) }
        }
      }
    }
    if shortlists.lists.count < Shortlists.capacity { shortlists.lists[key] = list }
    return list
  }

  /// The closest candidate to `name`, when one is within a quarter of its length.
  /// - Parameter name: The unknown name.
  /// - Returns: The candidate, or nil.
  func closest(to name: String) -> String? {
    var name = name
    return name.withUTF8 { word in
      let limit = max(2, word.count / 4)
      let wordMask = EditDistance.byteMask(word)
      let list = shortlist(length: word.count, mask: wordMask, limit: limit)
      guard !list.isEmpty else { return nil }
      return bytes.withUnsafeBufferPointer { bytes in
        withUnsafeTemporaryAllocation(of: Int32.self, capacity: 64) { counts in
          counts.initialize(repeating: 0)
          for byte in word { counts[Int(EditDistance.maskBit(byte))] += 1 }
          var best: (index: Int, distance: Int)?
          for (gap, index) in list {
            if let best, gap > best.distance { break }
            // An earlier candidate wins a tie, so a later one must be strictly closer.
            let bound = best.map { index < $0.index ? $0.distance : $0.distance - 1 } ?? limit
            guard gap <= bound else { continue }
            let mask = masks[index]
            let lacking = max(
              (wordMask & ~mask).nonzeroBitCount, (mask & ~wordMask).nonzeroBitCount)
            let other = UnsafeBufferPointer(rebasing: bytes[candidate(index)])
            guard lacking <= bound,
              EditDistance.lowerBound(
                UnsafeBufferPointer(counts), length: word.count, other) <= bound,
              let distance = EditDistance.between(word, other, atMost: bound)
            else { continue }
            best = (index, distance)
          }
          return best.map { String(decoding: bytes[candidate($0.index)], as: UTF8.self) }
        }
      }
    }
  }
}

/// Levenshtein distance over bytes, for "did you mean ...?" suggestions.
package enum EditDistance {
  /// The number of single-byte insertions, deletions and substitutions
  /// that turn `a` into `b`.
  /// - Parameters:
  ///   - a: One word.
  ///   - b: The other word.
  /// - Returns: The distance.
  package static func between(_ a: [UInt8], _ b: [UInt8]) -> Int {
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

  /// The set of a word's bytes, folded into 64 bits.
  ///
  /// The bits one word has and another lacks bound their distance from below. Lower-case letters, digits, `_`
  /// and upper-case letters (what parameter names are made of) each have a bit of
  /// their own; every other byte shares the last.
  /// - Parameter word: A word.
  /// - Returns: The mask.
  static func byteMask<Word: Sequence<UInt8>>(_ word: Word) -> UInt64 {
    var mask: UInt64 = 0
    for byte in word { mask |= 1 << UInt64(maskBit(byte)) }
    return mask
  }

  /// The bit of ``byteMask(_:)`` that stands for `byte`.
  static func maskBit(_ byte: UInt8) -> UInt8 {
    switch byte {
    case 0x61...0x7A: return byte - 0x61
    case 0x30...0x39: return byte - 0x30 + 26
    case 0x5F: return 36
    case 0x41...0x5A: return byte - 0x41 + 37
    default: return 63
    }
  }

  /// A lower bound of the distance between two words, from byte counts.
  ///
  /// The bytes of one word that the other lacks must each be deleted,
  /// inserted or substituted. Cheaper than ``between(_:_:atMost:)``, the
  /// bound rules most candidates out first.
  /// - Parameters:
  ///   - counts: 64 counters, the word's bytes counted by ``maskBit(_:)``.
  ///   - other: The other word.
  /// - Returns: The bound.
  static func lowerBound(_ counts: [Int32], _ other: [UInt8]) -> Int {
    let length = counts.reduce(0) { $0 + Int($1) }
    return counts.withUnsafeBufferPointer { counts in
      other.withUnsafeBufferPointer { lowerBound(counts, length: length, $0) }
    }
  }

  /// ``lowerBound(_:_:)`` with the counters and the word where they are,
  /// and the first word's length (the sum of its counters).
  ///
  /// Only the counters of the bytes `other` has are looked at: the others
  /// stay the first word's, all surplus.
  static func lowerBound(
    _ counts: UnsafeBufferPointer<Int32>, length: Int, _ other: UnsafeBufferPointer<UInt8>
  ) -> Int {
    guard counts.count == 64 else { return 0 }
    return withUnsafeTemporaryAllocation(of: Int32.self, capacity: 64) { difference in
      var touched: UInt64 = 0
      for byte in other {
        let index = Int(maskBit(byte))
        if touched & (1 << UInt64(index)) == 0 {
          touched |= 1 << UInt64(index)
          difference[index] = counts[index]
        }
        difference[index] -= 1
      }
      // The first word's bytes the other lacks are surplus, whatever their kind.
      var surplus = length
      var missing = 0
      // Each iteration clears the lowest bit of `touched`.
      while touched != 0 {
        let index = touched.trailingZeroBitCount
        touched &= touched - 1
        surplus -= Int(counts[index])
        let value = Int(difference[index])
        if value > 0 { surplus += value } else { missing -= value }
      }
      return Swift.max(surplus, missing)
    }
  }

  /// ``between(_:_:)`` when it is at most `limit`, else nil; only the cells
  /// within `limit` of the diagonal are computed, so the cost is
  /// `a.count * (2 * limit + 1)`.
  /// - Parameters:
  ///   - a: One word.
  ///   - b: The other word.
  ///   - limit: The largest distance of interest.
  /// - Returns: The distance, or nil when it exceeds `limit`.
  package static func between(_ a: [UInt8], _ b: [UInt8], atMost limit: Int) -> Int? {
    a.withUnsafeBufferPointer { a in
      b.withUnsafeBufferPointer { b in between(a, b, atMost: limit) }
    }
  }

  /// ``between(_:_:atMost:)`` with the words where they are.
  /// - Parameters:
  ///   - a: One word.
  ///   - b: The other word.
  ///   - limit: The largest distance of interest.
  /// - Returns: The distance, or nil when it exceeds `limit`.
  static func between(
    _ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>, atMost limit: Int
  ) -> Int? {
    guard limit >= 0, abs(a.count - b.count) <= limit else { return nil }
    if a.isEmpty || b.isEmpty { return Swift.max(a.count, b.count) }
    let beyond = limit + 1
    let width = b.count + 1
    // Two rows in one buffer; cells at least `beyond` all stand for "too far".
    return withUnsafeTemporaryAllocation(of: Int.self, capacity: 2 * width) { rows in
      rows.initialize(repeating: beyond)
      var j = 0
      while j <= Swift.min(b.count, limit) {
        rows[j] = j
        j += 1
      }
      var previous = 0
      var current = width
      var i = 1
      // Each iteration fills one row of the band.
      while i <= a.count {
        let low = i > limit ? i - limit : 1
        let high = i + limit < b.count ? i + limit : b.count
        rows[current + low - 1] = low == 1 && i < beyond ? i : beyond
        var rowMinimum = rows[current + low - 1]
        let byte = a[i - 1]
        j = low
        while j <= high {
          var cell = rows[previous + j - 1] + (byte == b[j - 1] ? 0 : 1)
          let up = rows[previous + j] + 1
          if up < cell { cell = up }
          let left = rows[current + j - 1] + 1
          if left < cell { cell = left }
          if cell > beyond { cell = beyond }
          rows[current + j] = cell
          if cell < rowMinimum { rowMinimum = cell }
          j += 1
        }
        if high < b.count { rows[current + high + 1] = beyond }
        if rowMinimum > limit { return nil }
        swap(&previous, &current)
        i += 1
      }
      let distance = rows[previous + b.count]
      return distance <= limit ? distance : nil
    }
  }
}
