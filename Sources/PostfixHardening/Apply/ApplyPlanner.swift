import PostfixConfig

/// Turns transforms into an ``ApplyPlan`` for one configuration.
///
/// main.cf is edited with postconf `-e` semantics (comments and layout kept);
/// a touched parameter with several entries keeps only its last one (the
/// earlier ones are commented out, so no "overriding earlier entry" remains);
/// values equal to the effective ones, word for word, are left alone, so a
/// second run plans nothing. In master.cf, a `-o` override on a port-25 smtpd
/// service that contradicts a profile setting is removed; services a transform
/// needs are created when missing and their `-o` settings set (`-Pe`).
public struct ApplyPlanner: Sendable {
  /// The Postfix release the result must work on.
  public var version: PostfixVersion
  /// Defaults and "introduced in" data.
  public var catalog: ParameterCatalog
  /// Host facts for defaults (`myhostname` and the like).
  public var host: HostEnvironment

  /// Creates a planner.
  /// - Parameters:
  ///   - version: The target Postfix release.
  ///   - catalog: Defaults and parameter history.
  ///   - host: Host facts.
  public init(version: PostfixVersion, catalog: ParameterCatalog, host: HostEnvironment) {
    self.version = version
    self.catalog = catalog
    self.host = host
  }

  /// Ports of submission services; port-25 settings do not touch them.
  static let submissionPorts: Set<Int> = [587, 465]

  /// Parameters whose `-o` overrides are the admin's lists, edited by their
  /// own transforms (never removed for differing from main.cf).
  static func isListParameter(_ name: String) -> Bool {
    name.hasSuffix("_restrictions") || name.hasSuffix("_restriction_classes")
      || ["mynetworks", "relay_domains", "smtpd_tls_exclude_ciphers"].contains(name)
  }

  /// Plans `transforms` over the given files.
  /// - Parameters:
  ///   - transforms: The transforms, in order.
  ///   - configDirectory: The directory holding the files.
  ///   - mainCF: main.cf's bytes.
  ///   - masterCF: master.cf's bytes, or `nil` when there is none.
  /// - Returns: The plan.
  /// - Throws: ``PostfixHardeningError`` `configuration` when a file holds a NUL
  ///   byte or Postfix refuses the configuration as it is, when the result would
  ///   make Postfix warn where it did not before, or an edit is refused.
  public func plan(
    _ transforms: [Transform], configDirectory: String, mainCF: [UInt8], masterCF: [UInt8]?
  ) throws -> ApplyPlan {
    // plan(_:for:) refuses NUL bytes before any edit.
    try plan(transforms, for: configuration(mainCF, masterCF, configDirectory))
  }

  /// Plans `transforms` over a configuration already read (the one a
  /// profile was built from), so the files are parsed once.
  ///
  /// ```swift
  /// let build = try Profile.relay.build(options: options, configuration: current)
  /// let plan = try planner.plan(build.transforms, for: current)
  /// print(String(decoding: plan.unifiedDiff(), as: UTF8.self))
  /// ```
  /// - Parameters:
  ///   - transforms: The transforms, in order.
  ///   - before: The configuration as it is; its directory names the files.
  /// - Returns: The plan.
  /// - Throws: As ``plan(_:configDirectory:mainCF:masterCF:)``.
  public func plan(_ transforms: [Transform], for before: PostfixConfiguration) throws -> ApplyPlan
  {
    let configDirectory = before.configDirectory
    let mainCF = before.mainCF.serialized()
    let masterCF = before.masterCF?.serialized()
    try Self.refuseNUL(mainCF: mainCF, masterCF: masterCF)
    var skipped: [String] = []
    var kept: [Transform] = []
    for transform in transforms {
      if let minimum = transform.minimumVersion, version < minimum {
        skipped.append("\(transform.id): needs Postfix \(minimum) (this is \(version))")
        continue
      }
      let missing = transform.settings.map(\.name).filter { !catalog.isAvailable($0, in: version) }
      if !missing.isEmpty {
        skipped.append(
          "\(transform.id): Postfix \(version) lacks \(missing.joined(separator: ", "))")
        continue
      }
      kept.append(transform)
    }
    // A later setting of the same parameter wins.
    var desired: [(setting: Transform.Setting, transform: String)] = []
    for transform in kept {
      for setting in transform.settings {
        desired.removeAll { $0.setting.name == setting.name }
        desired.append((setting, transform.id))
      }
    }
    if let fatal = before.fatal {
      throw PostfixHardeningError(
        .configuration, "Postfix refuses this configuration as it is (\(fatal)); fix that first",
        underlying: before.fatalError)
    }
    var changes: [ApplyPlan.ParameterChange] = []
    // One pass each: comment out earlier duplicates, rewrite the remaining
    // entries, append the new names in the profile's order.
    var duplicates: [MainCFEntry] = []
    var rewritten: [(name: String, value: String)] = []
    var appended: [(name: String, value: String)] = []
    for (setting, transform) in desired {
      let entries = before.mainCF.definitions(of: setting.name)
      let current = before.setting(setting.name)
      let same = Self.words(current.raw) == Self.words(Array(setting.value.utf8))
      if same && entries.count <= 1 { continue }
      duplicates.append(contentsOf: entries.dropLast())
      do {
        _ = try MainCFEdit.set([(setting.name, setting.value)])
      } catch {
        throw PostfixHardeningError(
          .configuration, "cannot set \(setting.name): \(ApplyExecutor.describe(error))",
          underlying: error
        )
      }
      if entries.isEmpty {
        appended.append((setting.name, setting.value))
      } else {
        rewritten.append((setting.name, setting.value))
      }
      if !same {
        changes.append(
          ApplyPlan.ParameterChange(
            scope: "main.cf", name: setting.name,
            old: current.isExplicit ? Self.collapsed(current.raw) : nil,
            new: setting.value, transform: transform))
      }
    }
    var main = duplicates.isEmpty ? mainCF : Self.commentingOut(duplicates, in: mainCF)
    if !rewritten.isEmpty {
      let edit: MainCFEdit
      do {
        edit = try MainCFEdit.set(rewritten)
      } catch {
        let names = rewritten.map(\.name).joined(separator: ", ")
        throw PostfixHardeningError(
          .configuration, "cannot set \(names): \(ApplyExecutor.describe(error))", underlying: error
        )
      }
      main = MainCF.edited(main, edit, path: configDirectory + "/main.cf").bytes
    }
    if !appended.isEmpty {
      // postconf appends right after a last line without its newline; do not.
      main.reserveCapacity(
        main.count + 1 + appended.reduce(0) { $0 + $1.name.utf8.count + $1.value.utf8.count + 4 })
      if let last = main.last, last != 0x0A { main.append(0x0A) }
      for (name, value) in appended {
        main.append(contentsOf: "\(name) = \(value)\n".utf8)
      }
    }
    if masterCF == nil {
      for transform in kept where !transform.services.isEmpty {
        skipped.append("\(transform.id): no master.cf to add its services to")
      }
    }
    // The document already parsed, not a second parse of its bytes.
    var master = before.masterCF
    if let document = master {
      master = try editMaster(
        document, desired: desired, transforms: kept, before: before,
        path: configDirectory + "/master.cf",
        changes: &changes)
    }
    let updatedMain = Self.keepingLineEndings(main, of: mainCF)
    let updatedMaster = master.map { Self.keepingLineEndings($0.serialized(), of: masterCF ?? []) }
    // Only postconf's reading of the result is needed, not a full view.
    // Warnings are compared by the hash of their meaning, and only the new
    // ones are kept: a file with 100,000 unused names is not held twice.
    // The hashes are a sorted array (8 bytes each), not a set (about 4 times that).
    var meanings: [Int] = []
    meanings.reserveCapacity(before.warningCount)
    before.forEachWarning { meanings.append(PostconfWarning.meaning($0).hashValue) }
    meanings.sort()
    let known = meanings
    let after = PostfixConfiguration.postconfDiagnostics(
      mainCF: updatedMain, masterCF: updatedMaster, parsedMasterCF: master, catalog: catalog,
      host: host,
      configDirectory: configDirectory,
      keeping: { !Self.sortedContains(known, PostconfWarning.meaning($0).hashValue) })
    let introduced = after.warnings.map(\.message)
    if let fatal = after.fatal {
      throw PostfixHardeningError(
        .configuration, "the result would not load: \(fatal)",
        underlying: PostfixConfigError(.fatalConfiguration, fatal))
    }
    if !introduced.isEmpty {
      throw PostfixHardeningError(
        .configuration,
        "the result would make postconf warn: " + introduced.joined(separator: "; "))
    }
    let activation =
      changes.map { $0.scope == "main.cf" ? Transform.Activation.needed(for: $0.name) : .reload }
      .max() ?? .none
    return ApplyPlan(
      configDirectory: configDirectory,
      mainCF: .init(path: configDirectory + "/main.cf", original: mainCF, updated: updatedMain),
      masterCF: masterCF.map {
        .init(path: configDirectory + "/master.cf", original: $0, updated: updatedMaster ?? $0)
      },
      changes: changes, transforms: kept, skipped: skipped, activation: activation)
  }

  func configuration(_ main: [UInt8], _ master: [UInt8]?, _ directory: String)
    -> PostfixConfiguration
  {
    PostfixConfiguration(
      mainCF: MainCF(bytes: main), masterCF: master.map { MasterCF(bytes: $0) }, catalog: catalog,
      host: host, configDirectory: directory)
  }

  /// Edited lines end as the file's lines do: in a file whose every line
  /// ends in CRLF, the lines an edit wrote with LF get CRLF too (postconf
  /// itself writes LF); files with any bare LF are left as edited.
  /// - Parameters:
  ///   - updated: The edited bytes.
  ///   - original: The file as read.
  /// - Returns: The bytes to write.
  static func keepingLineEndings(_ updated: [UInt8], of original: [UInt8]) -> [UInt8] {
    var newlines = 0
    for (offset, byte) in original.enumerated() where byte == 0x0A {
      guard offset > 0, original[offset - 1] == 0x0D else { return updated }
      newlines += 1
    }
    guard newlines > 0 else { return updated }
    var output: [UInt8] = []
    output.reserveCapacity(updated.count + updated.count / 16)
    for (offset, byte) in updated.enumerated() {
      if byte == 0x0A && (offset == 0 || updated[offset - 1] != 0x0D) { output.append(0x0D) }
      output.append(byte)
    }
    return output
  }

  /// Whether the sorted `values` hold `value` (binary search).
  static func sortedContains(_ values: [Int], _ value: Int) -> Bool {
    var low = 0
    var high = values.count
    while low < high {
      let middle = low + (high - low) / 2
      if values[middle] < value { low = middle + 1 } else { high = middle }
    }
    return low < values.count && values[low] == value
  }

  /// A value for messages: runs of whitespace (continuation lines) as one space.
  static func collapsed(_ value: [UInt8]) -> String {
    value.split(whereSeparator: { [0x20, 0x09, 0x0A, 0x0D].contains($0) })
      .map { String(decoding: $0, as: UTF8.self) }.joined(separator: " ")
  }

  /// Values compared as Postfix lists: words split at blanks and commas.
  static func words(_ value: [UInt8]) -> [[UInt8]] {
    value.split(whereSeparator: { [0x20, 0x09, 0x0A, 0x0D, 0x2C].contains($0) }).map(Array.init)
  }

  /// Prefixes every physical line of `entries` with `#`.
  static func commentingOut(_ entries: [MainCFEntry], in bytes: [UInt8]) -> [UInt8] {
    var starts = Set<Int>()
    for entry in entries {
      starts.insert(entry.byteRange.lowerBound)
      for offset in entry.byteRange
      where bytes[offset] == 0x0A && offset + 1 < entry.byteRange.upperBound {
        starts.insert(offset + 1)
      }
    }
    var output: [UInt8] = []
    output.reserveCapacity(bytes.count + starts.count)
    for (offset, byte) in bytes.enumerated() {
      if starts.contains(offset) { output.append(UInt8(ascii: "#")) }
      output.append(byte)
    }
    return output
  }

  static func refuseNUL(mainCF: [UInt8], masterCF: [UInt8]?) throws {
    for (name, bytes) in [("main.cf", mainCF), ("master.cf", masterCF ?? [])]
    where bytes.contains(0) {
      throw PostfixHardeningError(
        .configuration, "\(name) contains a NUL byte; postconf-style edits would corrupt it")
    }
  }

  func editMaster(
    _ original: MasterCF, desired: [(setting: Transform.Setting, transform: String)],
    transforms: [Transform], before: PostfixConfiguration, path: String,
    changes: inout [ApplyPlan.ParameterChange]
  ) throws -> MasterCF {
    var document = original
    // Several requests of one operation are one edit, as one postconf
    // command line: each edit rewrites and re-reads the whole file.
    func run(_ operation: MasterCF.EditOperation, _ requests: [String]) throws {
      guard let first = requests.first else { return }
      let result = document.edited(
        operation, requests: requests.map { Array($0.utf8) }, path: path)
      if result.isFatal {
        let text = result.diagnostics.map(\.message).joined(separator: "; ")
        let named = requests.count == 1 ? first : "\(first) (and \(requests.count - 1) more)"
        throw PostfixHardeningError(
          .configuration, "master.cf edit \(named) refused: \(text)",
          underlying: PostfixConfigError(.invalidMasterEntry, text))
      }
      document = result.document
    }
    func run(_ operation: MasterCF.EditOperation, _ request: String) throws {
      try run(operation, [request])
    }
    let managed = Set(
      transforms.flatMap(\.services).filter { !$0.onlyIfPresent }.map { "\($0.name)/\($0.type)" })
    // The first listener of each service/type, found once: a master.cf of
    // thousands of smtpd services searched the list for each of them.
    var listeners: [String: Listener] = [:]
    for listener in Listener.all(in: before) where listeners[listener.key] == nil {
      listeners[listener.key] = listener
    }
    // Public port-25 smtpd services: drop scalar -o settings that contradict
    // the profile. Loopback listeners (content-filter return paths) and
    // submission ports keep theirs; list overrides are edited by transforms.
    var removals: [String] = []
    for entry in document.entries where entry.isValid {
      guard let service = entry.service.map({ String(decoding: $0, as: UTF8.self) }),
        let type = entry.type.map({ String(decoding: $0, as: UTF8.self) }), type == "inet",
        entry.command == Array("smtpd".utf8)
      else { continue }
      let key = "\(service)/\(type)"
      let listener = listeners[key]
      if let listener, listener.isLoopbackOnly { continue }
      if let port = listener?.port, Self.submissionPorts.contains(port) { continue }
      if managed.contains(key) { continue }
      for override in entry.overrides {
        let name = String(decoding: override.name, as: UTF8.self)
        guard !Self.isListParameter(name),
          let wanted = desired.first(where: { $0.setting.name == name }),
          Self.words(override.value) != Self.words(Array(wanted.setting.value.utf8))
        else { continue }
        removals.append("\(service)/\(type)/\(name)")
        changes.append(
          .init(
            scope: "\(service)/\(type)", name: name,
            old: String(decoding: override.value, as: UTF8.self), new: nil,
            transform: wanted.transform))
      }
    }
    try run(.removeParameter, removals)
    let chroot = Self.chrootField(of: document)
    for transform in transforms {
      for service in transform.services {
        let key = (Array(service.name.utf8), Array(service.type.utf8))
        let exists = document.entries.contains {
          $0.isValid && $0.service == key.0 && $0.type == key.1
        }
        if !exists && service.onlyIfPresent { continue }
        if !exists {
          // postconf appends a new entry right after a last line without its
          // newline, gluing the two together; end that line first.
          if let last = document.serialized().last, last != 0x0A {
            document = MasterCF(bytes: document.serialized() + [0x0A])
          }
          let fields = "\(service.name) \(service.type) n - \(chroot) - - smtpd"
          try run(.setEntry, "\(service.name)/\(service.type)=\(fields)")
          changes.append(
            .init(
              scope: "\(service.name)/\(service.type)", name: "service", old: nil, new: fields,
              transform: transform.id))
        }
        for setting in service.overrides {
          let current = document.overrides(service: key.0, type: key.1)
            .last { $0.name == Array(setting.name.utf8) }
          if let current, Self.words(current.value) == Self.words(Array(setting.value.utf8)) {
            continue
          }
          try run(.setParameter, "\(service.name)/\(service.type)/\(setting.name)=\(setting.value)")
          changes.append(
            .init(
              scope: "\(service.name)/\(service.type)", name: setting.name,
              old: current.map { String(decoding: $0.value, as: UTF8.self) }, new: setting.value,
              transform: transform.id))
        }
      }
    }
    return document
  }

  /// The chroot column of the `smtp inet` service, so new services match it.
  static func chrootField(of document: MasterCF) -> String {
    let smtp = document.entries.first {
      $0.isValid && $0.service == Array("smtp".utf8) && $0.type == Array("inet".utf8)
    }
    guard let smtp, smtp.arguments.count > 4 else { return "n" }
    let field = String(decoding: smtp.arguments[4], as: UTF8.self)
    return field == "y" || field == "-" ? field : "n"
  }
}
