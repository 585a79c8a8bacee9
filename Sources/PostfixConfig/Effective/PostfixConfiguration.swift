import Synchronization

/// A Postfix configuration as Postfix's own programs see it: main.cf, the
/// per-service `-o` overrides of master.cf, the defaults, and `$name`
/// expansion, with the place each value came from.
///
/// This is the view the audit works on: a service with
/// `-o smtpd_relay_restrictions=...` sees that value, not main.cf's.
/// ```swift
/// let config = PostfixConfiguration(mainCF: main, masterCF: master, host: host)
/// let vrfy = config.setting("disable_vrfy_command", service: "smtp", type: "inet")
/// ```
/// Building it is pure; the warnings postconf would print are available as
/// ``warnings``.
public struct PostfixConfiguration: Sendable {
  /// Where a value comes from.
  public enum Source: Equatable, Sendable {
    /// A main.cf entry (the line of its last definition).
    case mainCF(line: Int)
    /// A master.cf `-o` override of one service.
    case masterCF(service: String, type: String, line: Int)
    /// Postfix's default (catalogue or computed from the host).
    case defaultValue
  }

  /// One parameter's value for one scope.
  public struct Setting: Equatable, Sendable {
    /// The parameter name.
    public var name: String
    /// The value as written (or the default text), before expansion.
    public var raw: [UInt8]
    /// The expanded value; nil when expansion failed (see ``expansionWarnings``).
    public var value: [UInt8]?
    /// Warnings from a failed expansion.
    public var expansionWarnings: [String]
    /// Where the value was set.
    public var source: Source

    /// The expanded value (or the raw one on error) as text.
    public var text: String { String(decoding: value ?? raw, as: UTF8.self) }

    /// The value split into words at blanks and commas, as Postfix lists are.
    public var words: [String] {
      (value ?? raw).split(whereSeparator: ParameterList.isSeparator)
        .map { String(decoding: $0, as: UTF8.self) }
    }

    /// Whether the value is explicitly set (main.cf or master.cf).
    public var isExplicit: Bool { source != .defaultValue }

    /// The line it was set on, if any.
    public var line: Int? {
      switch source {
      case .mainCF(let line): return line
      case .masterCF(_, _, let line): return line
      case .defaultValue: return nil
      }
    }
  }

  /// A master.cf service.
  public struct Service: Equatable, Sendable {
    /// Service name (`smtp`, `submission`, `127.0.0.1:10025`).
    public var name: String
    /// `inet`, `unix`, `pass`, ...
    public var type: String
    /// The command (`smtpd`, `postscreen`, ...).
    public var command: String
    /// First line of the entry.
    public var line: Int
    /// The private column (`n` makes a service reachable from outside Postfix).
    public var isPrivate: Bool
  }

  /// main.cf's document.
  public let mainCF: MainCF
  /// master.cf's document, if there is one.
  public let masterCF: MasterCF?
  /// Catalogue used for defaults.
  public let catalog: ParameterCatalog
  /// The directory used in messages.
  public let configDirectory: String
  /// The live master.cf services, in file order.
  public let services: [Service]
  /// What `postconf -n` would warn about for these files (text after `warning: `).
  ///
  /// Built on each use from compact storage: a file with 100,000 unused
  /// names has as many warnings, kept as one buffer of text, not as many
  /// strings.
  public var warnings: [Diagnostic] {
    var list: [Diagnostic] = []
    list.reserveCapacity(warningTexts.count)
    warningTexts.visit { list.append(Diagnostic(.warning, file: nil, line: nil, message: $0)) }
    return list
  }
  /// The warnings' texts, one after the other.
  let warningTexts: WarningTexts
  /// A fatal error `postconf` would stop with, if any, as its text.
  public let fatal: String?

  /// The fatal error `postconf` would stop with, if any, as an error value
  /// (code ``PostfixConfigError/Code/fatalConfiguration``; its reason is ``fatal``).
  public var fatalError: PostfixConfigError? {
    fatal.map { PostfixConfigError(.fatalConfiguration, $0) }
  }

  let model: ParameterModel?
  /// Lookups built once per configuration, and the settings already expanded.
  let index: SettingIndex

  /// Builds the view.
  /// - Parameters:
  ///   - mainCF: main.cf.
  ///   - masterCF: master.cf, if present.
  ///   - catalog: Defaults and parameter metadata.
  ///   - host: Host facts for host-dependent defaults.
  ///   - configDirectory: The directory named in messages.
  public init(
    mainCF: MainCF, masterCF: MasterCF?, catalog: ParameterCatalog = .embedded,
    host: HostEnvironment, configDirectory: String = "/etc/postfix"
  ) {
    self.mainCF = mainCF
    self.masterCF = masterCF
    self.catalog = catalog
    self.configDirectory = configDirectory
    let run = Self.postconfRun(
      mainCF: mainCF.serialized(), masterCF: masterCF?.serialized(), parsedMasterCF: masterCF,
      catalog: catalog, host: host, configDirectory: configDirectory)
    self.model = run.model
    self.fatal = run.fatal
    self.warningTexts = run.warnings
    let built = run.model
    // The run read master.cf's bytes: its entries are this document's. The
    // names and types are those of the services' scopes (shared, not made
    // again) when the run registered them.
    var services: [Service] = []
    if let master = run.master {
      services.reserveCapacity(master.services.count)
      let registered = built?.serviceScopes.count == master.services.count ? built : nil
      for (number, position) in master.services.enumerated() {
        let entry = master.document.entries[Int(position)]
        let argv = entry.argv
        let (name, type): (String, String)
        if let registered {
          let scope = registered.scope(at: Int(registered.serviceScopes[number]))
          (name, type) = (scope.service, scope.type)
        } else {
          (name, type) = (
            String(decoding: argv[0], as: UTF8.self), String(decoding: argv[1], as: UTF8.self)
          )
        }
        // Field 3 alone: not the whole argument list, once per service.
        services.append(
          Service(
            name: name, type: type, command: String(decoding: argv[7], as: UTF8.self),
            line: entry.firstLine, isPrivate: !argv[2].elementsEqual("n".utf8)))
      }
    }
    self.services = services
    self.index = SettingIndex(master: run.master, model: built)
  }

  /// What `postconf -n` would warn about for these files, and the fatal
  /// error it would stop with, without building the rest of the view: for
  /// checking a planned result, at the memory cost of postconf's own model.
  /// - Parameters:
  ///   - mainCF: main.cf's bytes.
  ///   - masterCF: master.cf's bytes, if there is one.
  ///   - parsedMasterCF: master.cf already parsed, used only when its bytes
  ///     are exactly `masterCF` (it saves parsing the file again).
  ///   - catalog: Defaults and parameter metadata.
  ///   - host: Host facts for host-dependent defaults.
  ///   - configDirectory: The directory named in messages.
  ///   - keep: Which warnings to keep (all when nil): a check for new
  ///     warnings keeps only those, not a second copy of every old one.
  /// - Returns: The warnings (as ``warnings``) and the fatal error (as ``fatal``).
  package static func postconfDiagnostics(
    mainCF: [UInt8], masterCF: [UInt8]?, parsedMasterCF: MasterCF? = nil,
    catalog: ParameterCatalog, host: HostEnvironment,
    configDirectory: String, keeping keep: ((String) -> Bool)? = nil
  ) -> (warnings: [Diagnostic], fatal: String?) {
    let run = postconfRun(
      mainCF: mainCF, masterCF: masterCF, parsedMasterCF: parsedMasterCF, catalog: catalog,
      host: host, configDirectory: configDirectory, keeping: keep)
    var warnings: [Diagnostic] = []
    run.warnings.visit {
      warnings.append(Diagnostic(.warning, file: nil, line: nil, message: $0))
    }
    return (warnings, run.fatal)
  }

  /// How many warnings ``warnings`` holds.
  package var warningCount: Int { warningTexts.count }

  /// Visits what `postconf -n` would warn about, in order, without building
  /// ``warnings``.
  /// - Parameter body: Receives each warning's text (after `warning: `).
  package func forEachWarning(_ body: (String) throws -> Void) rethrows {
    try warningTexts.visit(body)
  }

  /// Visits what `postconf -n` would warn about, in order, as UTF-8 where it
  /// is kept: the warning's head (`PATH: `, shared by the warnings about one
  /// file; empty when not kept apart), then a chunk shared by many warnings
  /// and the range of the rest in it.
  /// - Parameter body: Receives each head, chunk and range (after `warning: `).
  package func forEachWarningText(_ body: ([UInt8], [UInt8], Range<Int>) throws -> Void)
    rethrows
  {
    try warningTexts.visitRanges(body)
  }

  /// postconf's reading of the files: its model, warnings and fatal error.
  private static func postconfRun(
    mainCF: [UInt8], masterCF: [UInt8]?, parsedMasterCF: MasterCF?, catalog: ParameterCatalog,
    host: HostEnvironment, configDirectory: String, keeping keep: ((String) -> Bool)? = nil
  ) -> (model: ParameterModel?, fatal: String?, warnings: WarningTexts, master: PostconfMaster?) {
    var inputs = PostconfInputs(
      programName: "postconf", configDirectory: configDirectory, configDirectoryInjected: false,
      mainCF: .contents(mainCF),
      masterCF: masterCF.map { .contents($0) } ?? .unreadable("No such file or directory"),
      host: host, catalog: catalog)
    // Only a document parsed from exactly these bytes stands in for them.
    if let parsedMasterCF, let masterCF, parsedMasterCF.bytes == masterCF {
      inputs.parsedMasterCF = parsedMasterCF
    }
    var options = PostconfOptions()
    options.mode = [.mainParameters, .nonDefault]
    var session = PostconfSession(options: options, inputs: inputs)
    // Each warning becomes a diagnostic as postconf writes it: a file with
    // 100,000 unused names never holds its warnings as text twice.
    let collected = WarningCollector(keep)
    session.emit = { chunk in
      if case .stderr(let line) = chunk { collected.add(line) }
    }
    var built: ParameterModel?
    var fatal: String?
    do {
      var model = try session.buildModel()
      session.flagUnusedMain(model)
      session.flagUnusedMaster(model, master: session.lastMaster)
      // Kept for lookups from here on: the start-up pass is over.
      model.dropStartUpScans()
      built = model
    } catch let error as PostconfFatal {
      fatal = error.message
    } catch {
      fatal = "\(error)"
    }
    session.emit = nil
    let warnings = collected.texts
    return (built, fatal, warnings, session.lastMaster)
  }

  /// The value of `name` as main.cf (the global scope) gives it.
  /// - Parameter name: A parameter name.
  /// - Returns: The setting, with its default when not set.
  public func setting(_ name: String) -> Setting {
    setting(name, scope: nil)
  }

  /// The value of `name` as one master.cf service sees it.
  /// - Parameters:
  ///   - name: A parameter name.
  ///   - service: The service name.
  ///   - type: The service type.
  /// - Returns: The service's `-o` value, else main.cf's, else the default.
  public func setting(_ name: String, service: String, type: String) -> Setting {
    let scope = index.scope(service: service, type: type).flatMap { model?.scope(at: $0) }
    return setting(name, scope: scope)
  }

  /// The position of the name space of `service`/`type` among the
  /// configuration's, for ``setting(_:service:type:scopePosition:)``.
  /// - Parameters:
  ///   - service: The service name.
  ///   - type: The service type.
  /// - Returns: The position, or nil when no entry has that service and type.
  package func scopePosition(service: String, type: String) -> Int? {
    index.scope(service: service, type: type)
  }

  /// ``setting(_:service:type:)`` with the position of the service's name space found before.
  ///
  /// The position is one ``scopePosition(service:type:)`` gave: a caller
  /// that asks for many values of one service finds its name space once. A
  /// position that is not that of `service`/`type` is not used: the name
  /// space is then looked up.
  /// - Parameters:
  ///   - name: A parameter name.
  ///   - service: The service name.
  ///   - type: The service type.
  ///   - scopePosition: The position found before, if any.
  /// - Returns: The service's `-o` value, else main.cf's, else the default.
  package func setting(_ name: String, service: String, type: String, scopePosition: Int?)
    -> Setting
  {
    // The model is not bound to a name: that would copy it (a retain per table).
    guard let scopePosition, model?.scope(at: scopePosition, is: service, type) == true,
      let settings = model?.scopeSettings(at: scopePosition)
    else {
      return setting(name, service: service, type: type)
    }
    // Most services' settings play no part: main.cf's result is theirs,
    // found from the settings alone, without making the rest of the scope.
    if let global = sharedGlobal(name, key: Array(name.utf8), settings: settings) {
      return global
    }
    return setting(name, scope: model?.scope(at: scopePosition))
  }

  /// main.cf's setting of `name` (whose bytes are `key`), when it was
  /// expanded before and a scope of `settings` gives the same: they set
  /// neither the name nor any name its expansion looked up.
  private func sharedGlobal(_ name: String, key: [UInt8], settings: ScopeSettings) -> Setting? {
    guard !settings.contains(key), let global = index.cached(name, nil),
      !global.lookedUp.contains(where: { looked in
        looked == "service_name" || settings.contains(Array(looked.utf8))
      })
    else { return nil }
    return global.setting
  }

  /// The setting of `name` in `scope` (nil: main.cf's), expanded once per
  /// configuration: a service whose `-o` settings play no part in the
  /// expansion shares main.cf's result.
  func setting(_ name: String, scope: ParameterModel.ServiceScope?) -> Setting {
    let key = Array(name.utf8)
    // The common case first: a service whose `-o` settings name neither this
    // parameter nor any name main.cf's expansion of it looked up shares that
    // result, with no lookup of its own (a file of many services asks this
    // once a service and rule).
    if let scope, let global = sharedGlobal(name, key: key, settings: scope.settings) {
      return global
    }
    let scopeKey = scope.map { SettingIndex.ScopeKey(service: $0.service, type: $0.type) }
    if let cached = index.cached(name, scopeKey) { return cached.setting }
    if let scope, !scope.settings.contains(key) {
      let global = setting(name, scope: nil)
      let usesScope = index.cached(name, nil)?.lookedUp.contains { looked in
        looked == "service_name" || scope.settings.contains(Array(looked.utf8))
      }
      if usesScope == false { return global }
    }
    let computed = expandedSetting(name, key: key, scope: scope)
    index.store(computed, name, scopeKey)
    return computed.setting
  }

  /// Builds and expands one setting, with the names its expansion looked up.
  func expandedSetting(_ name: String, key: [UInt8], scope: ParameterModel.ServiceScope?)
    -> SettingIndex.Expanded
  {
    var raw: [UInt8] = []
    var source = Source.defaultValue
    if let scope, let local = scope.settings[key] {
      raw = local
      let line = index.overrideLine(service: scope.service, type: scope.type, name: key)
      source = .masterCF(service: scope.service, type: scope.type, line: line ?? scope.line)
    } else if let explicit = model?.setting(name) ?? mainCF.value(of: name) {
      raw = explicit
      source = .mainCF(line: mainCF.effectiveLine(ofName: key) ?? 0)
    } else if let model, let id = model.names.find(name), model.isKnown(id) {
      raw = (try? model.defaultValue(of: id, mode: [])) ?? []
    } else if let parameter = catalog.parameter(name) {
      raw = parameter.defaultValue
    }
    var warnings: [String] = []
    var value: [UInt8]? = raw
    var lookedUp: Set<String> = []
    if let model, !(catalog.parameter(name)?.isRaw ?? false) {
      do {
        // A service's scope answers first (`service_name` is the service's
        // own name), then the global name space, as postconf's lookup does.
        value = try ParameterModel.expand(raw, mode: [.expand], scope: scope) {
          looked, mode, failure in
          lookedUp.insert(looked)
          if let scope {
            if looked == "service_name" { return Array(scope.service.utf8) }
            if let local = scope.settings[Array(looked.utf8)] { return local }
          }
          return model.lookup(looked, scope: nil, mode: mode, failure: &failure)
        }
      } catch let failure as PostconfExpansionFailure {
        value = nil
        warnings = failure.warnings
      } catch let failure as PostconfFatal {
        value = nil
        warnings = [failure.message]
      } catch {
        value = nil
      }
    }
    return SettingIndex.Expanded(
      setting: Setting(
        name: name, raw: raw, value: value, expansionWarnings: warnings, source: source),
      lookedUp: lookedUp)
  }
}

/// What ``PostfixConfiguration`` looks up again and again, indexed once:
/// service scopes, the lines of `-o` overrides and of main.cf entries, and
/// the settings already expanded (shared by copies of the configuration,
/// which may be used from several threads, hence the lock).
final class SettingIndex: Sendable {
  /// A master.cf service by name and type.
  typealias ScopeKey = ParameterModel.ScopeKey

  /// A setting and the names its expansion looked up.
  struct Expanded: Sendable {
    var setting: PostfixConfiguration.Setting
    var lookedUp: Set<String>
  }

  struct CacheKey: Hashable, Sendable {
    var name: String
    var scope: ScopeKey?
  }

  /// The model, whose scopes are the services' name spaces.
  let model: ParameterModel?
  /// master.cf, whose entries set the `-o` overrides.
  let masterCF: MasterCF?
  /// Per scope (a position in the model's scopes), its valid entries with `-o` overrides.
  ///
  /// In file order: those of scope `i` are
  /// `scopeEntries[scopeStarts[i]..<scopeStarts[i + 1]]`. Four bytes an
  /// entry, not a table of names per service.
  let scopeStarts: [Int32]
  let scopeEntries: [Int32]
  let expanded = Mutex<[CacheKey: Expanded]>([:])

  /// - Parameters:
  ///   - master: master.cf as the run that built `model` read it.
  ///   - model: The run's model, whose scopes it registered `master`'s services in.
  init(master: PostconfMaster?, model: ParameterModel?) {
    self.model = model
    self.masterCF = master?.document
    // Each entry's scope, as the run registered it, then the entries
    // grouped by scope in file order.
    var entryScope: [(entry: Int32, scope: Int32)] = []
    var counts = [Int32](repeating: 0, count: (model?.scopeCount ?? 0) + 1)
    if let master, let model, model.serviceScopes.count == master.services.count {
      for (number, position) in master.services.enumerated()
      where master.document.entries[Int(position)].hasOverrides {
        let scope = model.serviceScopes[number]
        entryScope.append((position, scope))
        counts[Int(scope) + 1] += 1
      }
    }
    for scope in counts.indices.dropFirst() { counts[scope] += counts[scope - 1] }
    var next = counts
    var grouped = [Int32](repeating: 0, count: entryScope.count)
    for (entry, scope) in entryScope {
      grouped[Int(next[Int(scope)])] = entry
      next[Int(scope)] += 1
    }
    self.scopeStarts = counts
    self.scopeEntries = grouped
  }

  func scope(service: String, type: String) -> Int? {
    model?.scopePosition(service: service, type: type)
  }

  /// The line of the last `-o` that sets `name` in the entries of
  /// `service`/`type`.
  func overrideLine(service: String, type: String, name: [UInt8]) -> Int? {
    guard let masterCF, let scope = scope(service: service, type: type),
      scope + 1 < scopeStarts.count
    else { return nil }
    let entries = masterCF.entries
    // The last entry that sets it wins, as a table filled in order keeps it.
    for position in scopeEntries[Int(scopeStarts[scope])..<Int(scopeStarts[scope + 1])].reversed() {
      let entry = entries[Int(position)]
      let (argv, merged) = entry.argumentsAndOverrides
      for override in merged where argv.bytes(override.name).elementsEqual(name) {
        return entry.line(atOffset: Int(override.offset))
      }
    }
    return nil
  }

  func cached(_ name: String, _ scope: ScopeKey?) -> Expanded? {
    expanded.withLock { $0[CacheKey(name: name, scope: scope)] }
  }

  func store(_ value: Expanded, _ name: String, _ scope: ScopeKey?) {
    expanded.withLock { $0[CacheKey(name: name, scope: scope)] = value }
  }
}

extension PostconfSession {
  /// Builds the parameter model as `postconf -n` does, with its warnings.
  mutating func buildModel() throws -> ParameterModel {
    var model = ParameterModel(inputs: inputs, mode: mode)
    try readMain(into: &model)
    registerBuiltins(into: &model)
    lastMaster = try readMaster(failOnOpenError: false)
    registerServices(lastMaster, into: &model)
    try registerUserParameters(into: &model, master: lastMaster)
    return model
  }
}

/// Warning texts stored one after the other in chunks of about 1 MiB.
///
/// A few allocations hold all of them, not one string each, and never more
/// room than the last chunk's (a growing array would keep up to twice its
/// size). The head of a warning about a file (`/etc/postfix/main.cf: `) is
/// kept once.
struct WarningTexts: Sendable {
  /// The room of a chunk; a longer text has a chunk of its own.
  static let chunkSize = 1 << 20
  /// The most heads kept apart; later ones stay in the text.
  static let maximumHeads = 256
  /// The longest head kept apart.
  static let maximumHeadLength = 4096
  var chunks: [[UInt8]] = []
  /// Each text's end in its chunk; a text starts where the one before it in
  /// the same chunk ended.
  var ends: [Int32] = []
  /// The index in ``ends`` of each chunk's first text.
  var chunkStarts: [Int] = []
  /// The heads kept apart, and each text's head (0: none, else index + 1).
  var heads: [[UInt8]] = []
  var headOfText: [UInt16] = []

  var count: Int { ends.count }

  mutating func append<C: Collection>(_ text: C) where C.Element == UInt8, C.Index == Int {
    // The head: up to and including the first ": ", when it names a path.
    var head = 0
    var rest = text[...]
    if text.first == UInt8(ascii: "/"),
      let colon = text.prefix(Self.maximumHeadLength).indices.first(where: {
        text[$0] == UInt8(ascii: ":") && $0 + 1 < text.endIndex && text[$0 + 1] == UInt8(ascii: " ")
      })
    {
      let bytes = Array(text[text.startIndex..<(colon + 2)])
      if let found = heads.firstIndex(of: bytes) {
        head = found + 1
      } else if heads.count < Self.maximumHeads {
        heads.append(bytes)
        head = heads.count
      }
      if head > 0 { rest = text[(colon + 2)...] }
    }
    if chunks.isEmpty || chunks[chunks.count - 1].count + rest.count > Self.chunkSize {
      var chunk: [UInt8] = []
      chunk.reserveCapacity(max(Self.chunkSize, rest.count))
      chunks.append(chunk)
      chunkStarts.append(ends.count)
    }
    chunks[chunks.count - 1] += rest
    // A chunk holds at most max(1 MiB, one text of at most a file's limit).
    ends.append(Int32(clamping: chunks[chunks.count - 1].count))
    headOfText.append(UInt16(head))
  }

  func visit(_ body: (String) throws -> Void) rethrows {
    try visitRanges { head, chunk, range in
      try body(
        head.isEmpty
          ? String(decoding: chunk[range], as: UTF8.self)
          : String(decoding: head + chunk[range], as: UTF8.self))
    }
  }

  func visitRanges(_ body: ([UInt8], [UInt8], Range<Int>) throws -> Void) rethrows {
    let none: [UInt8] = []
    for (number, chunk) in chunks.enumerated() {
      let first = chunkStarts[number]
      let last = number + 1 < chunkStarts.count ? chunkStarts[number + 1] : ends.count
      var start = 0
      for index in first..<last {
        let end = Int(ends[index])
        let head = Int(headOfText[index])
        try body(head == 0 ? none : heads[head - 1], chunk, start..<end)
        start = end
      }
    }
  }
}

/// The warnings of one postconf run, collected while it runs.
private final class WarningCollector {
  static let prefix = Array("postconf: warning: ".utf8)
  var texts = WarningTexts()
  let keep: ((String) -> Bool)?

  init(_ keep: ((String) -> Bool)?) { self.keep = keep }

  /// Keeps the warning lines of one stderr write (those `keep` accepts).
  func add(_ bytes: [UInt8]) {
    for line in bytes.split(separator: 0x0A) where line.starts(with: Self.prefix) {
      let text = line.dropFirst(Self.prefix.count)
      if let keep, !keep(String(decoding: text, as: UTF8.self)) { continue }
      texts.append(text)
    }
  }
}
