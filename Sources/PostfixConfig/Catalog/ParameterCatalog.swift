/// The parameters a Postfix release knows: names, defaults and history.
///
/// ``embedded`` describes Postfix 3.7.11 (Debian 12 build) and is generated
/// by `Scripts/generate-catalog` from `postconf -d` and postconf(5).
/// Service-dependent names are not in the catalogue; they come from master.cf
/// through ``ServiceParameters``.
public struct ParameterCatalog: Sendable {
  /// The Postfix release the catalogue describes, when known.
  public let version: PostfixVersion?
  /// Every name a full `postconf -d` listing prints (without service-dependent
  /// names), sorted bytewise as postconf lists them.
  public let names: [String]
  /// Names `postconf NAME` knows although full listings omit them, sorted bytewise.
  public let unlistedNames: [String]
  private let parameters: [String: CatalogParameter]
  private let templates: [String: CatalogParameter]
  private let serviceEntries: [String: CatalogParameter]
  private let databaseSuffixes: [String: [String]]

  /// The catalogue of Postfix 3.7.11, parsed once on first use.
  public static let embedded = ParameterCatalog(
    table: Array(generatedTable.utf8), version: embeddedVersion)

  /// The Postfix release ``embedded`` describes, known without parsing the catalogue.
  public static let embeddedVersion = PostfixVersion(generatedVersion)

  /// What a catalogue built on ``embedded`` is cached under: the format of ``table()``
  /// and a hash of the embedded table, so that another build's entry is never used
  /// (computed without parsing the table).
  static let embeddedCacheTag: String = {
    var text = generatedTable
    let hash = text.withUTF8 { DefaultsCache.fnv1a64($0) }
    return
      "catalogue table \(tableFormat) on embedded \(generatedVersion) \(String(hash, radix: 16))"
  }()

  /// The version of the format of ``table()``.
  static let tableFormat = 1

  // `order`: the names as the source lists them, listed and unlisted apart (each name
  // once): kept when already sorted bytewise (the table and `postconf -d` are), sorted
  // otherwise. `sorted`: what the caller already knows to be sorted.
  private init(
    version: PostfixVersion?, parameters: [String: CatalogParameter],
    templates: [String: CatalogParameter], serviceEntries: [String: CatalogParameter],
    databaseSuffixes: [String: [String]], order: (listed: [String], unlisted: [String]),
    sorted: (listed: Bool, unlisted: Bool) = (false, false)
  ) {
    self.version = version
    self.parameters = parameters
    self.templates = templates
    self.serviceEntries = serviceEntries
    self.databaseSuffixes = databaseSuffixes
    self.names = sorted.listed ? order.listed : Self.sortedBytewise(order.listed)
    self.unlistedNames = sorted.unlisted ? order.unlisted : Self.sortedBytewise(order.unlisted)
  }

  /// `names` sorted by their bytes, without sorting when they already are.
  private static func sortedBytewise(_ names: [String]) -> [String] {
    let precedes: (String, String) -> Bool = { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    if zip(names, names.dropFirst()).allSatisfy({ precedes($0, $1) }) { return names }
    // For ASCII names String's own order is the byte order, and much faster.
    if names.allSatisfy({ $0.utf8.allSatisfy { $0 < 0x80 } }) { return names.sorted() }
    return names.sorted(by: precedes)
  }

  /// Builds a catalogue from an installed Postfix's `postconf -d` output.
  ///
  /// Defaults and the name set come from `postconfDefaultsOutput`; flags and
  /// history from `base` (a name `base` lacks gets no history). Names that look
  /// service-dependent (a known suffix and the template's default) are skipped,
  /// as are names `base` has but the output lacks (an older release). The
  /// version is the output's `mail_version`, else `base`'s.
  /// - Parameters:
  ///   - postconfDefaultsOutput: Standard output of `postconf -d`, folded or not.
  ///   - base: Where flags and history come from.
  public init(postconfDefaultsOutput: [UInt8], base: ParameterCatalog) {
    // The base's entries are updated in place: one copy of its table, no copy per name.
    var parameters = base.parameters
    var version = base.version
    var listed: [String] = []
    listed.reserveCapacity(base.names.count + 64)
    var printed = Set<String>()
    printed.reserveCapacity(base.names.count + base.unlistedNames.count + 64)
    for (name, value) in PostconfOutput.parse(postconfDefaultsOutput) {
      if name == "mail_version", let parsed = PostfixVersion(String(decoding: value, as: UTF8.self))
      {
        version = parsed
      }
      guard printed.insert(name).inserted else {
        // A name printed twice: the last value wins, as it did before.
        parameters[name]?.defaultValue = value
        continue
      }
      if let index = parameters.index(forKey: name) {
        parameters.values[index].defaultValue = value
        if !parameters.values[index].isUnlisted { listed.append(name) }
      } else if !base.looksServiceDependent(name: name, value: value) {
        parameters[name] = CatalogParameter(name: name, defaultValue: value)
        listed.append(name)
      }
    }
    // Listed names of the base that this release does not print are not in it.
    for name in base.names where !printed.contains(name) { parameters[name] = nil }
    self.init(
      version: version, parameters: parameters, templates: base.templates,
      serviceEntries: base.serviceEntries, databaseSuffixes: base.databaseSuffixes,
      order: (listed, base.unlistedNames))
  }

  /// The parameter called `name` (listed or unlisted), or `nil`.
  /// - Parameter name: A parameter name.
  /// - Returns: Its description, if the catalogue knows it.
  public func parameter(_ name: String) -> CatalogParameter? {
    parameters[name]
  }

  /// Whether `name` exists in Postfix `version`, judged by its introduction
  /// release (``CatalogParameter/isAvailable(in:)``); `false` for unknown names.
  /// - Parameters:
  ///   - name: A parameter name.
  ///   - version: The Postfix release to ask about.
  /// - Returns: Whether the parameter is available there.
  public func isAvailable(_ name: String, in version: PostfixVersion) -> Bool {
    parameters[name]?.isAvailable(in: version) ?? false
  }

  /// postconf(5)'s `transport<suffix>` entry for a service-dependent suffix.
  /// - Parameter suffix: A suffix such as `_destination_concurrency_limit`.
  /// - Returns: The template, named `transport<suffix>`, or `nil`.
  public func serviceTemplate(suffix: String) -> CatalogParameter? {
    templates[suffix]
  }

  // A service-dependent name with a postconf(5) entry of its own
  // (relay_destination_concurrency_limit), for its history.
  func documentedServiceParameter(_ name: String) -> CatalogParameter? {
    serviceEntries[name]
  }

  /// The client database types of the legacy `type:prefix` convention
  /// (`ldap`, `mysql`, ...), sorted.
  public var legacyDatabaseTypes: [String] { databaseSuffixes.keys.sorted() }

  /// The suffixes a `type:prefix` lookup table makes valid as `prefix_<suffix>`.
  ///
  /// These are main.cf parameters by SPEC 5.1 (e), like `server_host` for `ldap`.
  /// - Parameter type: A database type such as `ldap`.
  /// - Returns: The suffixes without the leading `_`, sorted bytewise; empty
  ///   for other types.
  public func legacyDatabaseSuffixes(type: String) -> [String] {
    databaseSuffixes[type] ?? []
  }

  private func looksServiceDependent(name: String, value: [UInt8]) -> Bool {
    for (suffix, template) in templates where name.hasSuffix(suffix) && name.count > suffix.count {
      if template.defaultValue == value { return true }
    }
    return false
  }
}

extension ParameterCatalog {
  /// The catalogue as a table that ``init(table:)`` reads back: a first line with the
  /// version (empty when unknown), then one row per entry in the generated table's
  /// format (name, escaped default, introduction versions, flag letters; TAB
  /// separated), templates, service entries and database suffixes included.
  func table() -> [UInt8] {
    var out: [UInt8] = []
    out += (version?.description ?? "").utf8
    out.append(0x0A)
    func row(_ parameter: CatalogParameter, extra: String) {
      out += parameter.name.utf8
      out.append(0x09)
      for byte in parameter.defaultValue {
        switch byte {
        case 0x5C: out += [0x5C, 0x5C]
        case 0x09: out += [0x5C, UInt8(ascii: "t")]
        case 0x0A: out += [0x5C, UInt8(ascii: "n")]
        default: out.append(byte)
        }
      }
      out.append(0x09)
      out += parameter.introducedIn.map(\.description).joined(separator: ",").utf8
      out.append(0x09)
      var flags = extra
      if parameter.isHostDependent { flags += "H" }
      if parameter.isBuildDependent { flags += "B" }
      if parameter.isRaw { flags += "R" }
      if parameter.isReadOnly { flags += "O" }
      if parameter.isUnlisted { flags += "L" }
      out += flags.utf8
      out.append(0x0A)
    }
    for name in names + unlistedNames {
      if let parameter = parameters[name] { row(parameter, extra: "") }
    }
    for suffix in templates.keys.sorted() {
      if let template = templates[suffix] { row(template, extra: "T") }
    }
    for name in serviceEntries.keys.sorted() {
      if let entry = serviceEntries[name] { row(entry, extra: "S") }
    }
    for type in databaseSuffixes.keys.sorted() {
      for suffix in databaseSuffixes[type] ?? [] {
        out += "\(type):\(suffix)\t\t\tD\n".utf8
      }
    }
    return out
  }

  /// Reads what ``table()`` wrote; nil when it is not such a table.
  init?(table: [UInt8]) {
    guard let end = table.firstIndex(of: 0x0A) else { return nil }
    let head = String(decoding: table[..<end], as: UTF8.self)
    let version = PostfixVersion(head)
    guard version != nil || head.isEmpty else { return nil }
    self.init(table: Array(table[(end + 1)...]), version: version)
    guard !names.isEmpty else { return nil }
  }

  // Parses the generated table: name TAB default TAB versions TAB flags, one row a line.
  //
  // Every command reads a catalogue before anything else, so this works on the
  // table's bytes in place: each row costs its name, its default and its versions,
  // and nothing is retained or released per field.
  fileprivate init(table: [UInt8], version: PostfixVersion?) {
    var parameters: [String: CatalogParameter] = [:]
    var templates: [String: CatalogParameter] = [:]
    var serviceEntries: [String: CatalogParameter] = [:]
    var databaseSuffixes: [String: [String]] = [:]
    var listed: [String] = []
    var unlisted: [String] = []
    // The previous listed and unlisted names, to tell whether each list is sorted.
    var previous: (listed: Range<Int>?, unlisted: Range<Int>?) = (nil, nil)
    var sorted = (listed: true, unlisted: true)
    table.withUnsafeBufferPointer { bytes in
      // A row a line; the last line may lack its newline.
      let rows = MainCFLexing.count(MainCFLexing.newline, in: bytes) + 1
      parameters.reserveCapacity(rows)
      listed.reserveCapacity(rows)
      var lineStart = 0
      // Each iteration moves `lineStart` past one line.
      while lineStart < bytes.count {
        let lineEnd =
          bytes.firstIndex(of: MainCFLexing.newline, from: lineStart, to: bytes.count)
          ?? bytes.count
        let line = lineStart..<lineEnd
        lineStart = lineEnd + 1
        guard let row = Row(bytes, line) else { continue }
        let nameBytes = UnsafeBufferPointer(rebasing: bytes[row.name])
        if row.has("D") {
          guard
            let colon = bytes.firstIndex(
              of: UInt8(ascii: ":"), from: row.name.lowerBound, to: row.name.upperBound),
            colon > row.name.lowerBound, colon + 1 < row.name.upperBound
          else { continue }
          let type = String(decoding: bytes[row.name.lowerBound..<colon], as: UTF8.self)
          let suffix = String(decoding: bytes[(colon + 1)..<row.name.upperBound], as: UTF8.self)
          databaseSuffixes[type, default: []].append(suffix)
          continue
        }
        let name = String(decoding: nameBytes, as: UTF8.self)
        var versions: [PostfixVersion] = []
        var cursor = row.versions.lowerBound
        // Each iteration reads one comma-separated version.
        while cursor < row.versions.upperBound {
          let comma =
            bytes.firstIndex(of: UInt8(ascii: ","), from: cursor, to: row.versions.upperBound)
            ?? row.versions.upperBound
          if let parsed = PostfixVersion(
            bytes: UnsafeBufferPointer(rebasing: bytes[cursor..<comma]))
          {
            versions.append(parsed)
          }
          cursor = comma + 1
        }
        let defaultBytes = UnsafeBufferPointer(rebasing: bytes[row.defaultValue])
        let defaultValue =
          defaultBytes.contains(UInt8(ascii: "\\"))
          ? Self.unescape(defaultBytes) : Array(defaultBytes)
        let parameter = CatalogParameter(
          name: name, defaultValue: defaultValue, introducedIn: versions,
          isHostDependent: row.has("H"), isBuildDependent: row.has("B"), isRaw: row.has("R"),
          isReadOnly: row.has("O"), isUnlisted: row.has("L"))
        if row.has("S") {
          var entry = parameter
          entry.parameterClass = .service
          serviceEntries[name] = entry
        } else if row.has("T") {
          var template = parameter
          template.parameterClass = .service
          templates[String(name.dropFirst("transport".count))] = template
        } else if parameters.updateValue(parameter, forKey: name) == nil {
          if parameter.isUnlisted {
            if let last = previous.unlisted, !Self.precedes(bytes, last, row.name) {
              sorted.unlisted = false
            }
            previous.unlisted = row.name
            unlisted.append(name)
          } else {
            if let last = previous.listed, !Self.precedes(bytes, last, row.name) {
              sorted.listed = false
            }
            previous.listed = row.name
            listed.append(name)
          }
        }
      }
    }
    self.init(
      version: version, parameters: parameters, templates: templates,
      serviceEntries: serviceEntries, databaseSuffixes: databaseSuffixes,
      order: (listed, unlisted), sorted: sorted)
  }

  // Whether the bytes of `first` sort strictly before those of `second`.
  private static func precedes(
    _ bytes: UnsafeBufferPointer<UInt8>, _ first: Range<Int>, _ second: Range<Int>
  ) -> Bool {
    UnsafeBufferPointer(rebasing: bytes[first])
      .lexicographicallyPrecedes(UnsafeBufferPointer(rebasing: bytes[second]))
  }

  // One row of the generated table: exactly four TAB-separated fields, as ranges of
  // the table's bytes.
  private struct Row {
    var name: Range<Int>
    var defaultValue: Range<Int>
    var versions: Range<Int>
    // Bit n set: the flag letter "A" + n is present.
    var flags: UInt32 = 0

    init?(_ bytes: UnsafeBufferPointer<UInt8>, _ line: Range<Int>) {
      let tab = UInt8(ascii: "\t")
      var tabs = (0, 0, 0)
      var found = 0
      for index in line where bytes[index] == tab {
        switch found {
        case 0: tabs.0 = index
        case 1: tabs.1 = index
        case 2: tabs.2 = index
        default: return nil
        }
        found += 1
      }
      guard found == 3 else { return nil }
      name = line.lowerBound..<tabs.0
      defaultValue = (tabs.0 + 1)..<tabs.1
      versions = (tabs.1 + 1)..<tabs.2
      for index in (tabs.2 + 1)..<line.upperBound {
        let byte = bytes[index]
        if byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") {
          flags |= 1 << UInt32(byte - UInt8(ascii: "A"))
        }
      }
    }

    func has(_ letter: Unicode.Scalar) -> Bool {
      flags & (1 << (UInt32(letter.value) - UInt32(UInt8(ascii: "A")))) != 0
    }
  }

  // Undoes the generator's escapes: \\ \t \n.
  private static func unescape(_ field: UnsafeBufferPointer<UInt8>) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(field.count)
    var escaped = false
    for byte in field {
      if escaped {
        switch byte {
        case UInt8(ascii: "t"): out.append(UInt8(ascii: "\t"))
        case UInt8(ascii: "n"): out.append(UInt8(ascii: "\n"))
        default: out.append(byte)
        }
        escaped = false
      } else if byte == UInt8(ascii: "\\") {
        escaped = true
      } else {
        out.append(byte)
      }
    }
    return out
  }
}
