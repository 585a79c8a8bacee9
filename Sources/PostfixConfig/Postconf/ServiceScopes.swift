// The name spaces of master.cf's services, read from the document.

extension ParameterModel {
  /// One master.cf service's `-o` name space, as ``scope(at:)`` makes it
  /// from the document: its name, type, first line, settings, the names
  /// references made valid in it, and its process name.
  struct ServiceScope: Sendable {
    var service: String
    var type: String
    var line: Int
    /// Settings in order of first appearance, last value winning.
    var settings: ScopeSettings
    var validNames: Set<String> = []
    /// The service's command, whose base name is its process name.
    private var command: ArraySlice<UInt8> = []

    /// A name space with no settings, of no registered scope.
    init(service: String, type: String, line: Int) {
      self.service = service
      self.type = type
      self.line = line
      settings = ScopeSettings(OrderedBytesDictionary())
    }

    init(
      service: String, type: String, line: Int, settings: ScopeSettings,
      validNames: Set<String>, command: ArraySlice<UInt8>
    ) {
      self.service = service
      self.type = type
      self.line = line
      self.settings = settings
      self.validNames = validNames
      self.command = command
    }

    /// The read-only `process_name` of the service: its command's base name
    /// (postconf answers it, and `service_name`, before the `-o` settings).
    var processName: [UInt8] { Self.processName(ofCommand: command) }

    /// `basename(command)`, as postconf computes a service's `process_name`.
    static func processName<C: BidirectionalCollection>(ofCommand command: C) -> [UInt8]
    where C.Element == UInt8 {
      guard let slash = command.lastIndex(of: UInt8(ascii: "/")) else { return Array(command) }
      return Array(command[command.index(after: slash)...])
    }

    /// The read-only values of the name space, or nil for other names.
    func readOnlyValue(_ name: String) -> [UInt8]? {
      switch name {
      case "process_name": return processName
      case "service_name": return Array(service.utf8)
      default: return nil
      }
    }
  }

  /// What a run keeps of a service's scope: the first entry of its service
  /// and type, and the hash of that key (its low 32 bits).
  struct ScopeRecord: Sendable {
    var entry: Int32
    var hash: UInt32
  }

  /// How many scopes there are.
  var scopeCount: Int { scopeRecords.count }

  /// The scope at `position` (of ``scopeCount``), made from its entry.
  func scope(at position: Int) -> ServiceScope {
    guard let masterDocument else { return ServiceScope(service: "", type: "", line: 0) }
    let entry = Int(scopeRecords[position].entry)
    // The entry's fields alone, not a copy of the whole entry.
    let argv = masterDocument.entries[entry].argv
    return ServiceScope(
      service: String(decoding: argv[0], as: UTF8.self),
      type: String(decoding: argv[1], as: UTF8.self), line: masterDocument.entries[entry].firstLine,
      settings: scopeSettings(at: position), validNames: scopeValidNames[Int32(position)] ?? [],
      command: argv[7])
  }

  /// Whether there is a scope at `position` and it is that of `service`/`type`.
  func scope(at position: Int, is service: String, _ type: String) -> Bool {
    scopeRecords.indices.contains(position) && hasKey(service, type, at: position)
  }

  /// Whether the scope at `position` is that of `service`/`type`, as their
  /// decoded text compares (bytes, for the ASCII names most are).
  private func hasKey(_ service: String, _ type: String, at position: Int) -> Bool {
    let entry = Int(scopeRecords[position].entry)
    // The fields are read where they lie: this is asked for each value a
    // rule reads of a service.
    guard let document = masterDocument else { return false }
    return document.entries[entry].withServiceAndType {
      Self.decodes($0, to: service) && Self.decodes($1, to: type)
    } ?? false
  }

  /// Whether `bytes`, decoded, is `text`.
  static func decodes(_ bytes: UnsafeBufferPointer<UInt8>, to text: String) -> Bool {
    let utf8 = text.utf8
    guard utf8.count == bytes.count else {
      return !bytes.allSatisfy({ $0 < 0x80 }) && String(decoding: bytes, as: UTF8.self) == text
    }
    let equal =
      utf8.withContiguousStorageIfAvailable { $0.elementsEqual(bytes) }
      ?? utf8.elementsEqual(bytes)
    if equal { return true }
    // ASCII bytes decode to themselves; others may decode to equal text.
    if bytes.allSatisfy({ $0 < 0x80 }) && text.utf8.allSatisfy({ $0 < 0x80 }) { return false }
    return String(decoding: bytes, as: UTF8.self) == text
  }

  /// The `-o` settings of the scope at `position`: its entry's own,
  /// unless the scope has settings of its own (see ``ownScopeSettings``).
  func scopeSettings(at position: Int) -> ScopeSettings {
    if let own = ownScopeSettings[Int32(position)] { return ScopeSettings(own) }
    guard let masterDocument else { return ScopeSettings(OrderedBytesDictionary()) }
    let entry = masterDocument.entries[Int(scopeRecords[position].entry)]
    if entry.isCompact { return ScopeSettings(compact: entry) }
    let (argv, merged) = entry.argumentsAndOverrides
    return ScopeSettings(argv: argv, merged: merged)
  }

  /// Whether `name` was made valid in the scope at `position`.
  func scopeHasValidName(_ name: String, at position: Int) -> Bool {
    scopeValidNames[Int32(position)]?.contains(name) ?? false
  }

  /// Makes `name` valid in the scope at `position`.
  mutating func insertValidName(_ name: String, at position: Int) {
    scopeValidNames[Int32(position), default: []].insert(name)
  }

  /// Drops the setting of `key` from the scope at `position` (its settings
  /// are then its own).
  mutating func removeScopeSetting(_ key: [UInt8], at position: Int) {
    var own = scopeSettings(at: position).dictionary
    own[key] = nil
    ownScopeSettings[Int32(position)] = own
  }

  /// The hash of a service and type.
  static func scopeHash(service: String, type: String) -> Int {
    var hasher = Hasher()
    hasher.combine(service)
    hasher.combine(type)
    return hasher.finalize()
  }

  /// The position of the scope of `service`/`type`.
  func scopePosition(service: String, type: String) -> Int? {
    scopePosition(service: service, type: type, hash: Self.scopeHash(service: service, type: type))
  }

  /// ``scopePosition(service:type:)`` for a key whose hash is known.
  private func scopePosition(service: String, type: String, hash: Int) -> Int? {
    scopeTable.find(hash: hash) { position in
      scopeRecords[position].hash == UInt32(truncatingIfNeeded: hash)
        && hasKey(service, type, at: position)
    }
  }

  /// Room for `count` service scopes, so registering them grows no table.
  mutating func reserveScopes(_ count: Int) {
    scopeRecords.reserveCapacity(count)
    serviceScopes.reserveCapacity(count)
    // Room for an unknown `-o` name a service, not touched when unused.
    serviceNames.reserve(count)
    let records = scopeRecords
    scopeTable.reserve(count) { Int(records[$0].hash) }
  }

  /// The position of the scope of the valid entry `index` of `document`
  /// (which every scope of the run is read from), added when it is not
  /// there yet; the entry's `-o` settings are then the scope's.
  ///
  /// Entries with the same service and type share one name space, as in
  /// postconf: a later one's settings are set over the scope's, which are
  /// then a dictionary of its own. So are those of an entry of more than
  /// ``ScopeSettings/documentLimit`` settings, which a dictionary finds
  /// faster than a search in order.
  mutating func registerScope(entry index: Int, in document: MasterCF) -> Int {
    let (argv, merged) = document.entries[index].argumentsAndOverrides
    return registerScope(entry: index, in: document, argv: argv, merged: merged)
  }

  /// ``registerScope(entry:in:)`` for an entry whose arguments and merged
  /// overrides the caller has read.
  mutating func registerScope(
    entry index: Int, in document: MasterCF, argv: MasterCF.ArgumentList,
    merged: SharedRun<MasterCF.Entry.OverrideSpans>
  ) -> Int {
    masterDocument = document
    let (service, type) = (
      String(decoding: argv[0], as: UTF8.self), String(decoding: argv[1], as: UTF8.self)
    )
    let hash = Self.scopeHash(service: service, type: type)
    if let position = scopePosition(service: service, type: type, hash: hash) {
      guard !merged.isEmpty else { return position }
      var own = scopeSettings(at: position).dictionary
      for override in merged {
        own[Array(argv.bytes(override.name))] = Array(argv.bytes(override.value))
      }
      ownScopeSettings[Int32(position)] = own
      return position
    }
    scopeRecords.append(ScopeRecord(entry: Int32(index), hash: UInt32(truncatingIfNeeded: hash)))
    let position = scopeRecords.count - 1
    let records = scopeRecords
    scopeTable.insert(position, hash: hash) { Int(records[$0].hash) }
    if merged.count > ScopeSettings.documentLimit {
      ownScopeSettings[Int32(position)] = ScopeSettings(argv: argv, merged: merged).dictionary
    }
    return position
  }
}

/// A service scope's `-o` settings: its entry's merged overrides, read
/// where they lie in the document, or a dictionary of its own.
///
/// Most services set a few names, once each: their settings are the
/// entry's, and the scope keeps no copy of them (a file of many services
/// has as many scopes).
struct ScopeSettings: Sendable {
  /// The most settings read from the entry (searched in order); more are
  /// copied into a dictionary that indexes them.
  static let documentLimit = 8

  private enum Storage: Sendable {
    case entry(MasterCF.ArgumentList, SharedRun<MasterCF.Entry.OverrideSpans>)
    /// A compact entry's overrides, read from its bytes at each use
    /// (``MasterCF/Entry/forEachCompactOverride(_:)``): a lookup makes
    /// nothing.
    case compact(MasterCF.Entry)
    case own(OrderedBytesDictionary)
  }

  private let storage: Storage

  /// Settings that are `dictionary`.
  init(_ dictionary: OrderedBytesDictionary) { storage = .own(dictionary) }

  /// Settings that are an entry's merged overrides, as spans of its arguments.
  init(argv: MasterCF.ArgumentList, merged: SharedRun<MasterCF.Entry.OverrideSpans>) {
    storage = .entry(argv, merged)
  }

  /// Settings that are an entry's merged overrides, read from it.
  private init(parsedFrom entry: MasterCF.Entry) {
    let (argv, merged) = entry.argumentsAndOverrides
    storage = .entry(argv, merged)
  }

  /// Settings that are a compact entry's overrides.
  init(compact entry: MasterCF.Entry) { storage = .compact(entry) }

  /// The value of `key`, if set.
  subscript(key: [UInt8]) -> [UInt8]? {
    switch storage {
    case .own(let dictionary): return dictionary[key]
    case .compact(let entry):
      // The last override of a name sets its value.
      var value: [UInt8]?
      key.withUnsafeBufferPointer { key in
        guard entry.mayOverride(key) else { return }
        entry.forEachCompactOverride { name, text in
          if name.hasSameBytes(as: key) { value = Array(text) }
        }
      }
      return value
    case .entry(let argv, let merged):
      for override in merged where argv.bytes(override.name).elementsEqual(key) {
        return Array(argv.bytes(override.value))
      }
      return nil
    }
  }

  /// Whether `key` is set (nothing is copied).
  func contains(_ key: [UInt8]) -> Bool {
    key.withUnsafeBufferPointer { contains($0) }
  }

  /// Whether `key` is set (nothing is copied).
  func contains(_ key: UnsafeBufferPointer<UInt8>) -> Bool {
    switch storage {
    case .own(let dictionary): return dictionary.contains(key)
    case .compact(let entry):
      guard entry.mayOverride(key) else { return false }
      var found = false
      entry.forEachCompactOverride { name, _ in found = found || name.hasSameBytes(as: key) }
      return found
    case .entry(let argv, let merged):
      return argv.withBuffers { buffers in merged.contains { buffers[$0.name].elementsEqual(key) } }
    }
  }

  var isEmpty: Bool {
    switch storage {
    case .own(let dictionary): return dictionary.isEmpty
    case .compact(let entry):
      var empty = true
      entry.forEachCompactOverride { _, _ in empty = false }
      return empty
    case .entry(_, let merged): return merged.isEmpty
    }
  }

  /// The settings in order, as copies.
  var entries: [(key: [UInt8], value: [UInt8])] {
    switch storage {
    case .own(let dictionary): return dictionary.entries
    case .compact(let entry): return ScopeSettings(parsedFrom: entry).entries
    case .entry(let argv, let merged):
      return merged.map { (Array(argv.bytes($0.name)), Array(argv.bytes($0.value))) }
    }
  }

  /// The settings as a dictionary of their own.
  var dictionary: OrderedBytesDictionary {
    switch storage {
    case .own(let dictionary): return dictionary
    case .compact(let entry): return ScopeSettings(parsedFrom: entry).dictionary
    case .entry(let argv, let merged):
      var result = OrderedBytesDictionary()
      for override in merged {
        result[Array(argv.bytes(override.name))] = Array(argv.bytes(override.value))
      }
      return result
    }
  }
}

/// Where each of a list's elements is, found by its key.
///
/// A hash table of 4-byte positions whose keys the caller keeps and
/// compares, not copied into the table (a file of many services has as
/// many keys). It finds the services' scopes by service and type, and the
/// names only `-o` sets.
struct PositionTable: Sendable {
  /// Per slot, a scope's position plus one; 0 for an empty slot.
  private var slots: [Int32] = []
  /// How many positions the table holds.
  private(set) var count = 0

  /// The slot a hash starts at: from its low 32 bits, which the scopes keep.
  private func start(_ hash: Int) -> Int {
    Int(UInt32(truncatingIfNeeded: hash)) & (slots.count - 1)
  }

  /// The first position whose key has the hash `hash` and for which
  /// `matches` is true.
  func find(hash: Int, matches: (Int) -> Bool) -> Int? {
    guard !slots.isEmpty else { return nil }
    let mask = slots.count - 1
    var slot = start(hash)
    // Each iteration looks at one slot; the table is never full.
    while slots[slot] != 0 {
      let position = Int(slots[slot]) - 1
      if matches(position) { return position }
      slot = (slot + 1) & mask
    }
    return nil
  }

  /// Adds `position` (whose key's hash is `hash`), which the table does not
  /// hold yet; `hashOf` gives the hash of a position it holds.
  mutating func insert(_ position: Int, hash: Int, hashOf: (Int) -> Int) {
    if (count + 1) * 4 > slots.count * 3 {
      resize(to: Swift.max(16, slots.count * 2), hashOf: hashOf)
    }
    place(position, hash: hash)
    count += 1
  }

  /// Room for `count` positions without growing.
  mutating func reserve(_ count: Int, hashOf: (Int) -> Int) {
    var size = Swift.max(16, slots.count)
    while size * 3 < count * 4 { size *= 2 }
    if size > slots.count { resize(to: size, hashOf: hashOf) }
  }

  private mutating func place(_ position: Int, hash: Int) {
    let mask = slots.count - 1
    var slot = start(hash)
    // Each iteration passes one taken slot; the table is never full.
    while slots[slot] != 0 { slot = (slot + 1) & mask }
    slots[slot] = Int32(position + 1)
  }

  private mutating func resize(to size: Int, hashOf: (Int) -> Int) {
    let old = slots
    slots = [Int32](repeating: 0, count: size)
    for entry in old where entry != 0 {
      place(Int(entry) - 1, hash: hashOf(Int(entry) - 1))
    }
  }
}

/// The names `-o` settings set that the name table did not hold when their
/// services were registered, each with the scopes that set it, in order.
///
/// A name is read back from the entry that set it first, not copied: a
/// file of many services may set as many names no program knows, and a
/// name in the table costs its node, setting, scan and copy. One that is
/// interned later (a reference names it) takes its scopes along (see
/// ``ParameterModel/intern(_:hash:fileOffset:)``).
struct ServiceNameIndex: Sendable {
  /// A name, where it is read, and the first scope that set it.
  struct Name: Sendable {
    /// The entry, and the name's place among its merged overrides.
    var entry: Int32
    var override: Int32
    /// The low 32 bits of its hash (`HashOrder.hash`).
    var hash: UInt32
    var scope: Int32
  }

  private(set) var names: [Name] = []
  /// Each name's position in ``names``, by its hash.
  private var table = PositionTable()
  /// The scopes after the first of the names some scopes set.
  private var moreScopes: [Int32: [Int32]] = [:]

  var isEmpty: Bool { names.isEmpty }

  /// The position of the name whose hash is `hash` and for which `matches`
  /// is true.
  func find(hash: UInt64, matches: (Name) -> Bool) -> Int? {
    let low = UInt32(truncatingIfNeeded: hash)
    return table.find(hash: Int(low)) { names[$0].hash == low && matches(names[$0]) }
  }

  /// Records that `scope` sets the name `name` (whose hash is `hash`,
  /// found by `matches`): a new name is read from `entry`'s merged
  /// override `override`.
  mutating func note(_ name: Name, hash: UInt64, matches: (Name) -> Bool) {
    if let position = find(hash: hash, matches: matches) {
      Self.note(name.scope, after: names[position].scope, in: &moreScopes[Int32(position)])
      return
    }
    names.append(name)
    let stored = names
    table.insert(stored.count - 1, hash: Int(name.hash)) { Int(stored[$0].hash) }
  }

  /// Records that `scope` sets a name whose first scope is `first` and
  /// whose later ones are `more`: appended unless it is the last recorded.
  ///
  /// An entry's settings are noted together, so a scope that sets a name
  /// more than once is not noted again; most names have one scope, and no
  /// list. Used for the names in the table and for those kept here.
  /// - Parameters:
  ///   - scope: The scope that sets the name.
  ///   - first: The first scope that set it.
  ///   - more: The later ones, nil when there are none.
  static func note(_ scope: Int32, after first: Int32, in more: inout [Int32]?) {
    guard (more?.last ?? first) != scope else { return }
    if more == nil { more = [scope] } else { more?.append(scope) }
  }

  /// The scopes that set the name at `position`, in order, each once.
  func scopes(at position: Int) -> [Int32] {
    [names[position].scope] + (moreScopes[Int32(position)] ?? [])
  }

  /// Room for `count` names in the list (the table grows as names come:
  /// its slots are filled when made).
  mutating func reserve(_ count: Int) {
    names.reserveCapacity(count)
  }
}

extension ParameterModel {
  /// Records that the scope at `scope` sets the name `name`, the merged
  /// override `override` of the document's entry `entry`: by its id when
  /// the name table holds it, else in ``serviceNames``.
  mutating func noteServiceSetting(
    _ name: UnsafeBufferPointer<UInt8>, scope: Int, entry: Int, override: Int
  ) {
    let hash = HashOrder.hash(name)
    if let id = names.find(name, hash: hash) {
      nodes[Int(id)].flags |= Node.serviceSetting
      noteServiceSetting(id, scope: scope)
      return
    }
    let document = masterDocument
    serviceNames.note(
      ServiceNameIndex.Name(
        entry: Int32(entry), override: Int32(override), hash: UInt32(truncatingIfNeeded: hash),
        scope: Int32(scope)),
      hash: hash
    ) { Self.serviceName($0, in: document).elementsEqual(name) }
  }

  /// The bytes of a name of ``serviceNames``.
  static func serviceName(_ name: ServiceNameIndex.Name, in document: MasterCF?) -> ArraySlice<
    UInt8
  > {
    guard let document else { return [] }
    let entry = Int(name.entry)
    let (argv, merged) = document.entries[entry].argumentsAndOverrides
    return argv.bytes(merged[Int(name.override)].name)
  }

  /// Gives the new name `id` (`name`, of hash `hash`) the scopes that set
  /// it, when some `-o` did before it was interned.
  mutating func adoptServiceName(_ id: ID, _ name: UnsafeBufferPointer<UInt8>, hash: UInt64) {
    let document = masterDocument
    guard
      let position = serviceNames.find(
        hash: hash,
        matches: {
          Self.serviceName($0, in: document).elementsEqual(name)
        })
    else { return }
    nodes[Int(id)].flags |= Node.serviceSetting
    for scope in serviceNames.scopes(at: position) { noteServiceSetting(id, scope: Int(scope)) }
  }

  /// The id of `name`: interned when some `-o` sets it (it then has its
  /// scopes), nil when neither the table nor a scope has it.
  mutating func serviceAwareID(_ name: [UInt8]) -> ID? {
    if let id = names.find(name) { return id }
    guard !serviceNames.isEmpty else { return nil }
    let hash = name.withUnsafeBufferPointer { HashOrder.hash($0) }
    let document = masterDocument
    let held = name.withUnsafeBufferPointer { name in
      serviceNames.find(hash: hash) { Self.serviceName($0, in: document).elementsEqual(name) }
    }
    return held == nil ? nil : intern(name)
  }
}
