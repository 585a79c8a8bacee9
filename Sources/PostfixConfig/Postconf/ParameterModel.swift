import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// postconf's view of the parameters: the CONFIG_DICT of explicit settings,
/// the table of valid names (built-in, service-dependent, user-defined), and
/// the per-service `-o` name spaces of master.cf.
///
/// Every name is interned once (``NameTable``); the rest is arrays indexed by
/// the name's id. main.cf values are not copied: they stay ranges of the
/// file's bytes (or of the buffer of joined continuation text) until a value
/// is needed.
struct ParameterModel: Sendable {
  typealias ID = NameTable.ID

  /// The class of a valid name.
  enum Kind: UInt8, Sendable {
    /// Not a valid name (only referenced, or only set).
    case none
    case builtin
    case service
    case user
  }

  /// What the table knows of one name, in four bytes (a long main.cf has
  /// one per name): its kind, its flags, and where its default is.
  struct Node: Sendable {
    // Flags in bits 0-5, the kind in bits 6-7, the default's slot above.
    private var bits: UInt32 = 0

    init() {}

    init(kind: Kind, flags: UInt8) {
      self.kind = kind
      self.flags = flags
    }

    var kind: Kind {
      get { Kind(rawValue: UInt8(truncatingIfNeeded: bits >> 6) & 3) ?? .none }
      set { bits = bits & ~(3 << 6) | UInt32(newValue.rawValue & 3) << 6 }
    }

    var flags: UInt8 {
      get { UInt8(truncatingIfNeeded: bits) & 63 }
      set { bits = bits & ~63 | UInt32(newValue & 63) }
    }

    /// For built-in and service parameters, where the default text (`-d`)
    /// is: 0 for none, ``largeSlot`` for an index kept in
    /// ``ParameterModel/largeDefaultIndices``, else an index into
    /// ``ParameterModel/defaults`` plus one.
    var defaultSlot: UInt32 {
      get { bits >> 8 }
      set { bits = bits & 0xFF | newValue << 8 }
    }

    /// The slot of a default whose index does not fit in the node.
    static let largeSlot: UInt32 = (1 << 24) - 1

    static let raw: UInt8 = 1
    static let readOnly: UInt8 = 2
    static let hostDependent: UInt8 = 4
    static let unlisted: UInt8 = 8
    /// Named in main.cf's `smtpd_restriction_classes`.
    static let restrictionClass: UInt8 = 16
    /// Set by some master.cf service's `-o`.
    static let serviceSetting: UInt8 = 32

    func has(_ flag: UInt8) -> Bool { flags & flag != 0 }
    var isKnown: Bool { kind != .none }
  }

  /// Where a value's precomputed scan is, in four bytes (a long main.cf has
  /// one per name): 0 when not scanned, ``plain`` for a value without `$`,
  /// else `(start + 1) << 6 | count` for `count` references from
  /// `scanReferences[start...]`, a count of ``largeCount`` or more being
  /// kept in ``ParameterModel/largeScanCounts`` instead.
  struct ScanSummary: Sendable {
    var bits: UInt32 = 0

    /// A value without `$`: no references, and it expands to itself.
    static let plain = ScanSummary(bits: .max)
    /// The count that stands for a larger one, kept elsewhere.
    static let largeCount: UInt32 = 63
    /// The first start that cannot be kept.
    ///
    /// `(start + 1) << 6 | 63` must stay below ``plain``. No file of ``MainCF/maximumSize`` reaches it
    /// (a reference takes two bytes at least); a value past it is left
    /// not scanned, and scanned again where it is needed.
    static let startLimit: UInt32 = (1 << 26) - 2

    var isPlain: Bool { bits == .max }
    var isScanned: Bool { bits != 0 }
    var start: Int { Int(bits >> 6) - 1 }
    var countCode: UInt32 { bits & 63 }
  }

  /// Where an explicit setting's value is.
  struct ValueRef: Sendable {
    enum Storage: UInt8, Sendable {
      case none
      /// `file[start..<end]`.
      case file
      /// Continuation lines: `end` pieces of the file from ``ParameterModel/pieces``
      /// index `start` on.
      case pieces
      /// Continuation lines that follow one another: `file[start..<end]`
      /// without its newlines, each followed by a space, TAB or CR (see
      /// ``MainCFLogicalLine/spansLines``).
      case lines
      /// `owned[start]`.
      case owned
    }
    // The storage in the top three bits and the start below them: eight
    // bytes a name, not twelve. A start is an offset into a main.cf of at
    // most 64 MiB or an index into a table of fewer entries, under 2^29.
    private var packed: UInt32 = 0
    var end: UInt32 = 0

    static let startMask: UInt32 = (1 << 29) - 1

    init(storage: Storage = .none, start: UInt32 = 0, end: UInt32 = 0) {
      precondition(start <= Self.startMask, "value start past 2^29")
      packed = UInt32(storage.rawValue) << 29 | start
      self.end = end
    }

    var storage: Storage { Storage(rawValue: UInt8(packed >> 29)) ?? .none }
    var start: UInt32 { packed & Self.startMask }
  }

  /// A master.cf service by name and type.
  struct ScopeKey: Hashable, Sendable {
    var service: String
    var type: String
  }

  /// Records that some `-o` of scope `scope` sets the name `id`.
  mutating func noteServiceSetting(_ id: ID, scope: Int) {
    guard let first = settingScopes[id] else {
      settingScopes[id] = Int32(scope)
      return
    }
    ServiceNameIndex.note(Int32(scope), after: first, in: &moreSettingScopes[id])
  }

  /// The scopes in which some `-o` set the name `id`, in order of the
  /// entries, a scope not repeated next to itself (a setting may have been
  /// dropped since).
  func scopesSetting(_ id: ID) -> [Int] {
    guard let first = settingScopes[id] else { return [] }
    return [Int(first)] + (moreSettingScopes[id] ?? []).map { Int($0) }
  }

  let inputs: PostconfInputs
  let mode: PostconfOptions.Mode
  var names = NameTable()
  /// Per name id: the table entry and the explicit setting.
  var nodes: [Node] = []
  var settings: [ValueRef] = []
  /// Names with an explicit setting, in order of first setting.
  ///
  /// That is postconf's hash-table insertion order; a removed setting
  /// leaves its id here. Emptied when ``takeSettingsInHashOrder()`` makes ``mainOrder`` of it.
  var settingOrder: [ID] = []
  /// main.cf's bytes, which settings point into, and the file ranges of
  /// values spread over continuation lines.
  var file = FileBytes([])
  var pieces: [Range<UInt32>] = []
  /// Values that are not in main.cf (`-c`, `-o name=value`).
  var owned: [[UInt8]] = []
  var defaults: [[UInt8]] = []
  /// Where the defaults are of the names whose index does not fit in their
  /// node (past ``directDefaultLimit``).
  var largeDefaultIndices: [ID: Int] = [:]
  /// The first slot a node does not hold (see ``Node/defaultSlot``); tests
  /// lower it.
  var directDefaultLimit = Int(Node.largeSlot)
  /// Per name id, the start-up scan of its main.cf value made while reading
  /// (the value is then in cache, and the scan depends on its bytes only):
  /// `count` references from `scanReferences[start...]` (see
  /// ``ScanSummary``); not scanned when the value was not scanned or its
  /// scan warns.
  var scans: [ScanSummary] = []
  var scanReferences: [ID] = []
  /// The counts of the scans of ``ScanSummary/largeCount`` references or more.
  var largeScanCounts: [ID: UInt32] = [:]
  /// The last name ``recordScan(_:of:)`` found.
  private var lastReference: ID?
  /// Whether ``scans`` is kept (see ``dropStartUpScans()``).
  private(set) var keepsScans = true
  /// master.cf as the run read it: the scopes' names, types, lines and
  /// `-o` settings are read from its entries, not copied (see
  /// ``registerScope(entry:in:)``).
  var masterDocument: MasterCF?
  /// Per service scope: its first entry and its key's hash (eight bytes a
  /// scope; ``scope(at:)`` makes the rest from the document).
  var scopeRecords: [ScopeRecord] = []
  /// The position in ``scopeRecords`` of each service's scope, by name and type.
  var scopeTable = PositionTable()
  /// The settings of the scopes whose `-o` settings are not their first
  /// entry's alone (see ``ScopeSettings``).
  var ownScopeSettings: [Int32: OrderedBytesDictionary] = [:]
  /// The names that references made valid in a scope, for the few scopes
  /// that have any.
  var scopeValidNames: [Int32: Set<String>] = [:]
  /// The names `-o` settings set that the name table did not hold.
  var serviceNames = ServiceNameIndex()
  /// Per master.cf service registered, in the order of
  /// ``PostconfMaster/services``: the position of its scope in ``scopeRecords``
  /// (so that its name, type and name space are not found again).
  var serviceScopes: [Int32] = []
  /// Per name id set by some `-o`: the scopes it was set in (see
  /// ``noteServiceSetting(_:scope:)``).
  ///
  /// Most names are set by one scope: the first is kept here, any others in
  /// ``moreSettingScopes`` (no array per name).
  private var settingScopes: [ID: Int32] = [:]
  private var moreSettingScopes: [ID: [Int32]] = [:]
  /// Per name id flagged from main.cf's name space: whether some scope sets it.
  ///
  /// The name is then valid in those scopes. Emptied when a scope's
  /// setting is dropped.
  var flaggedInScopes: [ID: Bool] = [:]
  /// How many host-default computations are in progress (see ``defaultValue``).
  var hostDepth = 0
  /// main.cf's setting names in the order postconf walks them, once known.
  var mainOrder: [ID]?
  /// The database client files the start-up pass named, in order, each once.
  var databaseClientFiles: [DatabaseClientFile] = []
  var databaseClientFileSet: Set<DatabaseClientFile> = []
  /// Host-dependent defaults computed by the start-up pass: postconf
  /// computes each once and keeps it (main.cf's read-only settings, dropped
  /// later in the pass, still count in them).
  var hostDefaults: [ID: [UInt8]] = [:]
  static let maximumHostDepth = 1

  init(inputs: PostconfInputs, mode: PostconfOptions.Mode) {
    self.inputs = inputs
    self.mode = mode
  }

  // MARK: - Names

  /// Makes room for about `count` names of `bytes` bytes in all, with slots
  /// for `sure` of them (see ``NameTable/reserve(_:bytes:slotsFor:)``).
  mutating func reserve(names count: Int, bytes: Int, slotsFor sure: Int = 0) {
    names.reserve(count, bytes: bytes, slotsFor: sure)
    nodes.reserveCapacity(count)
    settings.reserveCapacity(count)
    scans.reserveCapacity(count)
    settingOrder.reserveCapacity(count)
  }

  /// The id of a name, added when new.
  mutating func intern(
    _ name: UnsafeBufferPointer<UInt8>, hash: UInt64? = nil, fileOffset: Int? = nil
  ) -> ID {
    let hash = hash ?? HashOrder.hash(name)
    let id = names.intern(name, hash: hash, fileOffset: fileOffset)
    if Int(id) == nodes.count {
      nodes.append(Node())
      settings.append(ValueRef())
      if keepsScans { scans.append(ScanSummary()) }
      // A name some `-o` set before it was interned takes its scopes along.
      if !serviceNames.isEmpty { adoptServiceName(id, name, hash: hash) }
    }
    return id
  }

  mutating func intern(_ name: [UInt8]) -> ID { name.withUnsafeBufferPointer { intern($0) } }

  mutating func intern(_ name: String) -> ID {
    var name = name
    return name.withUTF8 { intern($0) }
  }

  func isKnown(_ id: ID) -> Bool { nodes[Int(id)].isKnown }

  /// How many names ahead a walk in hash order asks for their data
  /// (``prefetch(_:)``): the order is unrelated to where the names' entries
  /// lie, so each name's would otherwise be waited for.
  static let prefetchDistance = 8

  /// Starts fetching the per-name entries of `id` (its node, setting, scan
  /// and where its name is) before they are read; nothing for an id out of
  /// range.
  func prefetch(_ id: ID) {
    Prefetch.read(nodes, at: Int(id))
    Prefetch.read(settings, at: Int(id))
    Prefetch.read(scans, at: Int(id))
    names.prefetch(id)
  }

  /// ``prefetch(_:)`` of the id `prefetchDistance` places after `index` in
  /// `ids`, if any; with `bytes`, also the name's bytes (where a value in
  /// the file starts too) of the id half as far on.
  func prefetch(after index: Int, in ids: ArraySlice<ID>, bytes: Bool = false) {
    let later = index + Self.prefetchDistance
    if later < ids.endIndex { prefetch(ids[later]) }
    let nearer = index + Self.prefetchDistance / 2
    if bytes, nearer < ids.endIndex { names.prefetchBytes(ids[nearer]) }
  }

  // MARK: - Explicit settings

  func hasSetting(_ id: ID) -> Bool { settings[Int(id)].storage != .none }

  /// The explicit setting of `id`, or nil.
  func setting(_ id: ID) -> [UInt8]? {
    bytes(of: settings[Int(id)])
  }

  /// The length of the explicit setting of `id` (0 without one), as
  /// ``withSetting(_:_:)`` gives it.
  func settingLength(_ id: ID) -> Int {
    length(of: settings[Int(id)])
  }

  /// The number of bytes a value reference stands for.
  private func length(of ref: ValueRef) -> Int {
    switch ref.storage {
    case .none: return 0
    case .file: return Int(ref.end) - Int(ref.start)
    case .owned: return owned[Int(ref.start)].count
    case .pieces:
      let first = Int(ref.start)
      let last = min(first + Int(ref.end), pieces.count)
      return first < last ? pieces[first..<last].reduce(0) { $0 + $1.count } : 0
    case .lines:
      return file.withUnsafeBufferPointer { file in
        let lines = UnsafeBufferPointer(rebasing: file[Int(ref.start)..<Int(ref.end)])
        return lines.count - MainCFLexing.countNewlines(in: lines)
      }
    }
  }

  /// Calls `body` with the explicit setting of `id` where it is (a value over
  /// continuation lines is joined first); not at all when there is none.
  func withSetting(_ id: ID, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
    var scratch: [UInt8] = []
    withBytes(of: settings[Int(id)], scratch: &scratch, body)
  }

  /// Calls `body` with the bytes a value reference stands for, where they are: in the
  /// file, in an owned value, or joined from continuation lines into `scratch`.
  /// - Returns: What `body` returns, or nil for no value (`body` is not called).
  private func withBytes<Result>(
    of ref: ValueRef, scratch: inout [UInt8],
    _ body: (UnsafeBufferPointer<UInt8>) throws -> Result
  ) rethrows -> Result? {
    switch ref.storage {
    case .none: return nil
    case .file:
      return try file.withUnsafeBufferPointer {
        try body(UnsafeBufferPointer(rebasing: $0[Int(ref.start)..<Int(ref.end)]))
      }
    case .owned: return try owned[Int(ref.start)].withUnsafeBufferPointer(body)
    case .pieces, .lines:
      scratch.removeAll(keepingCapacity: true)
      appendPieces(of: ref, to: &scratch)
      return try scratch.withUnsafeBufferPointer(body)
    }
  }

  /// The bytes a value reference stands for (nil for none).
  func bytes(of ref: ValueRef) -> [UInt8]? {
    let start = Int(ref.start)
    let end = Int(ref.end)
    switch ref.storage {
    case .none: return nil
    case .file: return file.withUnsafeBufferPointer { Array($0[start..<end]) }
    case .owned: return owned[start]
    case .pieces, .lines:
      var joined: [UInt8] = []
      appendPieces(of: ref, to: &joined)
      return joined
    }
  }

  /// Appends the main.cf pieces a `.pieces` or `.lines` value is made of.
  ///
  /// A long value has a piece per continuation line: the room for all of them
  /// is made at once and each is copied into it, not appended one by one.
  private func appendPieces(of ref: ValueRef, to out: inout [UInt8]) {
    if ref.storage == .lines {
      file.withUnsafeBufferPointer { file in
        MainCFLexing.appendLines(
          of: UnsafeBufferPointer(rebasing: file[Int(ref.start)..<Int(ref.end)]), to: &out)
      }
      return
    }
    let first = Int(ref.start)
    let last = first + Int(ref.end)
    guard first < last, last <= pieces.count else { return }
    let total = length(of: ref)
    let origin = out.count
    out.append(contentsOf: repeatElement(0, count: total))
    file.withUnsafeBufferPointer { source in
      pieces.withUnsafeBufferPointer { pieces in
        out.withUnsafeMutableBufferPointer { target in
          guard let from = source.baseAddress, let to = target.baseAddress else { return }
          var offset = origin
          for index in first..<last {
            let part = pieces[index]
            // Pieces are ranges of this file; one that is not would be a bug.
            precondition(Int(part.upperBound) <= source.count)
            let length = Int(part.upperBound - part.lowerBound)
            memcpy(to + offset, from + Int(part.lowerBound), length)
            offset += length
          }
        }
      }
    }
  }

  /// Calls `body` with the file and the pieces of it that make `id`'s
  /// explicit setting, when that setting is a main.cf value over
  /// continuation lines; nil otherwise (`body` is not called).
  ///
  /// The pieces read in turn, without the newlines in them, are the value.
  /// A newline in a piece is always followed by a space, TAB or CR: words
  /// read over the pieces as they are are the value's words.
  func withSettingPieces<Result>(
    _ id: ID,
    _ body: (UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<Range<UInt32>>) throws -> Result
  ) rethrows -> Result? {
    let ref = settings[Int(id)]
    if ref.storage == .lines {
      var lines = ref.start..<ref.end
      return try file.withUnsafeBufferPointer { file in
        try withUnsafePointer(to: &lines) {
          try body(file, UnsafeBufferPointer(start: $0, count: 1))
        }
      }
    }
    let first = Int(ref.start)
    let last = first + Int(ref.end)
    guard ref.storage == .pieces, first < last, last <= pieces.count else { return nil }
    return try file.withUnsafeBufferPointer { file in
      try pieces.withUnsafeBufferPointer { pieces in
        try body(file, UnsafeBufferPointer(rebasing: pieces[first..<last]))
      }
    }
  }

  /// Calls `body` with the bytes ``value(of:mode:)`` gives, where they are:
  /// a main.cf value in the file itself, one spread over continuation lines
  /// joined in `scratch` (so printing a listing copies no value).
  /// - Returns: What `body` returns, or nil when the name has no value in
  ///   this mode (`body` is not called).
  func withValue<Result>(
    of id: ID, mode: PostconfOptions.Mode, scratch: inout [UInt8],
    _ body: (UnsafeBufferPointer<UInt8>) throws -> Result
  ) throws -> Result? {
    guard isKnown(id) else { return nil }
    let ref = settings[Int(id)]
    if !mode.contains(.showDefaults), ref.storage != .none {
      return try withBytes(of: ref, scratch: &scratch, body)
    }
    guard let value = try value(of: id, mode: mode) else { return nil }
    return try value.withUnsafeBufferPointer(body)
  }

  /// The explicit setting of a name, or nil.
  func setting(_ name: String) -> [UInt8]? {
    names.find(name).flatMap { setting($0) }
  }

  mutating func set(_ id: ID, _ ref: ValueRef) {
    if settings[Int(id)].storage == .none { settingOrder.append(id) }
    settings[Int(id)] = ref
    if keepsScans { scans[Int(id)] = ScanSummary() }
  }

  /// Frees the start-up scans once the start-up pass is over: a model kept
  /// for lookups does not hold 12 bytes per name it never reads again
  /// (``scannedReferences(_:)`` then answers nil, "not recorded").
  mutating func dropStartUpScans() {
    keepsScans = false
    scans = []
    scanReferences = []
    largeScanCounts = [:]
  }

  /// Records the start-up scan of the value just set for `id`, when it has
  /// references only (a value without `$` has none).
  mutating func recordScan(
    _ id: ID, of value: UnsafeBufferPointer<UInt8>,
    ahead: MainSettingsReader.ScanAhead = MainSettingsReader.nothingAhead
  ) {
    guard keepsScans else { return }
    let start = UInt32(scanReferences.count)
    var recorder = ReferenceRecorder()
    let simple: MacroPath?
    switch MainSettingsReader.ScanTag(rawValue: ahead.tag) ?? .notScanned {
    case .notScanned:
      simple = MacroFastPath.references(in: value, limits: .default, conditionals: true) {
        recorder.record($0, of: value, into: &self)
      }
    case .engine: simple = nil
    case .plain: simple = .plain
    case .simple:
      // Found on the scanning thread, in order.
      for range in ahead.found {
        recorder.record(Int(range.lowerBound)..<Int(range.upperBound), of: value, into: &self)
      }
      simple = .simple
    }
    if simple == .plain {
      scans[Int(id)] = .plain
      return
    }
    if simple != nil {
      noteScan(id, start: start, count: UInt32(scanReferences.count) - start)
      return
    }
    // Other syntax: the full scan, kept when it reports references only.
    var names: [String] = []
    for event in PostconfAdapters.scan(Array(value)) {
      guard case .reference(let name, _) = event else { return }
      names.append(name)
    }
    for name in names { scanReferences.append(intern(name)) }
    noteScan(id, start: start, count: UInt32(names.count))
  }

  /// Keeps where the scan of the value of `id` is: `count` references from
  /// `scanReferences[start...]`.
  private mutating func noteScan(_ id: ID, start: UInt32, count: UInt32) {
    guard start < ScanSummary.startLimit else {
      scans[Int(id)] = ScanSummary()
      return
    }
    let code = min(count, ScanSummary.largeCount)
    if code == ScanSummary.largeCount { largeScanCounts[id] = count }
    scans[Int(id)] = ScanSummary(bits: (start + 1) << 6 | code)
  }

  /// Records the references of one value in order, as ids.
  ///
  /// A value names the same few parameters over and over, and so do many
  /// values in a row: the last two names of this value, then the last name
  /// found before it, are compared with the next before it is hashed.
  struct ReferenceRecorder {
    private var last: (name: Range<Int>, id: ID)?
    private var before: (name: Range<Int>, id: ID)?

    /// Records the name at `range` of `value`.
    @inline(__always)
    mutating func record(
      _ range: Range<Int>, of value: UnsafeBufferPointer<UInt8>, into model: inout ParameterModel
    ) {
      let name = UnsafeBufferPointer(rebasing: value[range])
      let reference: ID
      if let last, UnsafeBufferPointer(rebasing: value[last.name]).hasSameBytes(as: name) {
        reference = last.id
      } else if let seen = before,
        UnsafeBufferPointer(rebasing: value[seen.name]).hasSameBytes(as: name)
      {
        reference = seen.id
        before = last
        last = seen
      } else {
        if let previous = model.lastReference, model.names.name(previous, equals: name) {
          reference = previous
        } else {
          reference = model.intern(name)
        }
        before = last
        last = (range, reference)
      }
      model.lastReference = reference
      model.scanReferences.append(reference)
    }
  }

  /// The references of the value of `id` found while reading, if recorded.
  func scannedReferences(_ id: ID) -> ArraySlice<ID>? {
    guard keepsScans, Int(id) < scans.count else { return nil }
    let summary = scans[Int(id)]
    guard summary.isScanned else { return nil }
    guard !summary.isPlain else { return scanReferences[0..<0] }
    var count = summary.countCode
    if count == ScanSummary.largeCount {
      guard let large = largeScanCounts[id] else { return nil }
      count = large
    }
    return scanReferences[summary.start..<(summary.start + Int(count))]
  }

  /// Whether the read found no `$` in the explicit setting of `id` (main.cf
  /// values are C strings: the read cuts them at a NUL), so that it expands
  /// to itself; false when not recorded.
  func isPlainSetting(_ id: ID) -> Bool {
    keepsScans && Int(id) < scans.count && scans[Int(id)].isPlain
  }

  mutating func set(_ id: ID, owning value: [UInt8]) {
    set(id, ValueRef(storage: .owned, start: UInt32(owned.count), end: 0))
    owned.append(value)
  }

  mutating func removeSetting(_ id: ID) {
    settings[Int(id)] = ValueRef()
  }

  /// The names with a setting now, in the order postconf's hash table lists
  /// them (insertion order fed to `HashOrder`).
  func settingsInHashOrder() -> [ID] {
    // The order is made in the copy's setting order, which the copy gives up.
    var copy = self
    return copy.takeSettingsInHashOrder()
  }

  /// ``settingsInHashOrder()`` made in the memory of ``settingOrder``,
  /// which is left empty, and kept as ``mainOrder``: for the start-up pass,
  /// which walks main.cf's settings in that order once, and for the
  /// warnings that follow the listing in the same order.
  /// - Returns: The names with a setting, in postconf's hash-table order.
  mutating func takeSettingsInHashOrder() -> [ID] {
    var present = settingOrder
    settingOrder = []
    if !present.allSatisfy({ hasSetting($0) }) { present.removeAll { !hasSetting($0) } }
    let hashes = names.hashes
    HashOrder.reorder(&present, initialSize: PostconfAdapters.dictionarySize) {
      hashes[Int($0)]
    }
    mainOrder = present
    return present
  }

  // MARK: - Values

  /// The value postconf uses for `id` when printing or expanding.
  ///
  /// `-d` (or a name without an explicit setting, outside `-n`) uses the
  /// default; otherwise the explicit setting (nil under `-n` when unset).
  func value(of id: ID, mode: PostconfOptions.Mode) throws -> [UInt8]? {
    guard isKnown(id) else { return nil }
    if !mode.contains(.showDefaults), let explicit = setting(id) {
      return explicit
    }
    if mode.contains(.nonDefault) && !mode.contains(.showDefaults) { return nil }
    return try defaultValue(of: id, mode: mode)
  }

  func defaultValue(of id: ID, mode: PostconfOptions.Mode) throws -> [UInt8]? {
    let node = nodes[Int(id)]
    if node.has(Node.hostDependent) {
      let defaultsOnly = mode.contains(.showDefaults)
      if !defaultsOnly, let known = hostDefaults[id] { return known }
      // Host defaults read main.cf's own settings (myhostname, inet_interfaces)
      // expanded with main.cf's settings only (``configValue(_:)``), except
      // compatibility_level in the mynetworks_style default, which expands
      // as postconf expands values; a host default needed there while
      // another is being computed is empty, as in postconf.
      var inner = self
      inner.hostDepth += 1
      if hostDepth >= Self.maximumHostDepth { return [] }
      let name = names.string(id)
      // postconf looks these up, in this order, before it checks any of them.
      var early: [String: [UInt8]?] = [:]
      if !defaultsOnly && name == "mynetworks" {
        for other in ["inet_interfaces", "mynetworks_style", "inet_protocols"] {
          early[other] = .some(try configValue(other))
        }
      }
      var failure: Error?
      let result = HostDefaults.value(
        of: name, host: inputs.host,
        mainValue: { other in
          if let found = early[other] { return found }
          guard failure == nil else { return nil }
          do {
            if other == "compatibility_level" {
              return try setting(other).map { try inner.expand($0, mode: [.expand]) }
            }
            return try configValue(other)
          } catch {
            failure = error
            return nil
          }
        }, defaultsOnly: defaultsOnly)
      if let failure { throw failure }
      switch result {
      case .value(let bytes): return bytes
      case .fatal(let message): throw PostconfFatal(message: message)
      case nil: return nil
      }
    }
    return defaultText(of: id)
  }

  /// Registers `id` as a parameter postconf knows, of `kind`, with `flags`
  /// and the default text `value`.
  mutating func register(_ id: ID, kind: Kind, flags: UInt8, default value: [UInt8]) {
    var node = Node(kind: kind, flags: flags)
    let index = defaults.count
    defaults.append(value)
    if index + 1 < directDefaultLimit {
      node.defaultSlot = UInt32(index + 1)
    } else {
      node.defaultSlot = Node.largeSlot
      largeDefaultIndices[id] = index
    }
    nodes[Int(id)] = node
  }

  /// The default text of `id` (empty for a name without one).
  func defaultText(of id: ID) -> [UInt8] {
    let slot = nodes[Int(id)].defaultSlot
    switch slot {
    case 0: return []
    case Node.largeSlot: return largeDefaultIndices[id].map { defaults[$0] } ?? []
    default: return defaults[Int(slot) - 1]
    }
  }

  /// The name of main.cf's dictionary in postconf's messages.
  static let configDictionaryName = "mail_dict"

  /// Postfix's `mail_conf_lookup_eval()` of `name`.
  ///
  /// The explicit setting (main.cf, `-o`, `config_directory` from `-c`),
  /// expanded with explicit settings only: a name that is not set is empty,
  /// whether or not it has a default. postconf reads the values behind
  /// host-dependent defaults so.
  /// - Parameter name: A parameter name.
  /// - Returns: The expanded setting, or nil when there is none.
  /// - Throws: ``PostconfExpansionFailure`` with postconf's
  ///   `dictionary mail_dict: macro processing error`.
  func configValue(_ name: String) throws -> [UInt8]? {
    guard let raw = setting(name) else { return nil }
    do {
      return try Self.expand(raw, mode: [.expand], scope: nil) { other, _, _ in setting(other) }
    } catch let failure as PostconfExpansionFailure {
      throw PostconfExpansionFailure(
        warnings: failure.warnings,
        fatal: "dictionary \(Self.configDictionaryName): macro processing error")
    }
  }

  /// The warnings of the expansions a master.cf listing makes, kept for the
  /// run to print (the printer takes an expander that returns a value only).
  final class ExpansionWarnings: Sendable {
    let lines = Mutex<[String]>([])

    /// The warnings so far, which are then forgotten.
    func take() -> [String] {
      lines.withLock { lines in
        defer { lines = [] }
        return lines
      }
    }
  }

  /// The expander postconf uses for `-Mx`, `-Fx` and `-Px`: the entry's own
  /// `-o` settings and `service_name` first.
  /// - Parameter warnings: Where the warnings of a failed expansion go (a
  ///   value that refers to itself: `unreasonable macro call nesting`).
  /// - Returns: The expander; nil from it for a value that does not expand.
  func masterExpander(warnings: ExpansionWarnings? = nil) -> MasterCF.Expander {
    let model = self
    return { value, entry in
      let service = String(decoding: entry.service ?? [], as: UTF8.self)
      let type = String(decoding: entry.type ?? [], as: UTF8.self)
      // By its key: searching the scopes for each value made -Mx quadratic
      // in the number of services.
      let scope =
        model.scopePosition(service: service, type: type).map { model.scope(at: $0) }
        ?? ServiceScope(service: service, type: type, line: entry.firstLine)
      // `service_name` and `process_name` are answered here rather than
      // written into a copy of the scope: copying its settings per value
      // made -Px quadratic in -o.
      let serviceName = entry.service ?? []
      let processName = ServiceScope.processName(ofCommand: entry.command ?? [])
      do {
        return try Self.expand(value, mode: [.expand], scope: scope) { name, mode, failure in
          if name == "service_name" { return serviceName }
          if name == "process_name" { return processName }
          return model.lookup(name, scope: scope, mode: mode, failure: &failure)
        }
      } catch let failure as PostconfExpansionFailure {
        warnings?.lines.withLock { $0 += failure.warnings }
        return nil
      } catch {
        return nil
      }
    }
  }

  /// Expands `value` with postconf's lookup rules (`-x`): names outside the
  /// table are undefined; a service scope's `-o` settings come first.
  func expand(_ value: [UInt8], mode: PostconfOptions.Mode, scope: ServiceScope? = nil)
    throws -> [UInt8]
  {
    try Self.expand(value, mode: mode, scope: scope) { name, evalMode, failure in
      lookup(name, scope: scope, mode: evalMode, failure: &failure)
    }
  }

  // The expansion around a lookup. The lookup closure is non-escaping (the
  // expander drops it before returning).
  static func expand(
    _ value: [UInt8], mode: PostconfOptions.Mode, scope: ServiceScope?,
    memo: ExpansionMemo? = nil, engineOnly: Bool = false,
    lookup: (String, PostconfOptions.Mode, inout PostconfFatal?) -> [UInt8]?
  ) throws -> [UInt8] {
    let evalMode = mode.subtracting(.nonDefault)
    var hostFailure: PostconfFatal?
    let result = withoutActuallyEscaping(
      { (name: String) -> [UInt8]? in lookup(name, evalMode, &hostFailure) },
      do: { lookup in
        PostconfAdapters.expand(value, memo: memo, engineOnly: engineOnly, lookup: lookup)
      })
    if let hostFailure {
      // What was kept may stand on the failed lookup's answer.
      memo?.removeAll()
      throw hostFailure
    }
    switch result {
    case .success(let bytes): return bytes
    case .failure(let warnings, let fatal):
      throw PostconfExpansionFailure(warnings: warnings, fatal: fatal)
    }
  }

  /// ``expand(_:mode:scope:)`` in the global name space with `[.expand]`, for a
  /// simple value.
  ///
  /// A simple value has only `$name`, `${name}`, `$(name)` and `$$`; names are looked up
  /// by their bytes: no text made and no lookup recorded per reference, the last few values
  /// looked up kept at hand.
  /// - Parameters:
  ///   - value: The raw value.
  ///   - output: Receives the expansion.
  /// - Returns: False when the value is not simple or a lookup failed: the caller
  ///   expands it with ``expand(_:mode:scope:)``, which reports what went wrong.
  func expandSimple(_ value: [UInt8], into output: inout [UInt8]) -> Bool {
    if value.count >= TwoThreads.longValue, expandInHalves(value, into: &output) {
      return true
    }
    // The closure reaches the model through a pointer: captured as a value, the
    // expander's recursion (once per reference) would copy the whole model.
    let outcome = withUnsafePointer(to: self) { model in
      value.withUnsafeBufferPointer { buffer in
        Self.expandSimple(buffer, limits: .default, model: model, into: &output)
      }
    }
    switch outcome {
    case .plain(let end):
      output = end == value.count ? value : Array(value[..<end])
      return true
    case .expanded: return true
    case .gaveUp: return false
    }
  }

  /// ``MacroFastPath/expand(_:limits:into:maximumDepth:lookup:)`` with names looked up in
  /// `model` by their bytes, the last few names looked up kept at hand (most
  /// values reference the same few names over and over).
  private static func expandSimple(
    _ buffer: UnsafeBufferPointer<UInt8>, limits: ExpansionLimits,
    model: UnsafePointer<ParameterModel>, into output: inout [UInt8]
  ) -> MacroFastPath.InPlace {
    var recent: [(name: [UInt8], value: [UInt8]?)] = []
    return MacroFastPath.expand(buffer, limits: limits, into: &output) { name -> [UInt8]?? in
      if let hit = recent.first(where: {
        $0.name.withUnsafeBufferPointer { $0.hasSameBytes(as: name) }
      }) {
        return .some(hit.value)
      }
      guard let id = model.pointee.names.find(name) else { return .some(nil) }
      var failure: PostconfFatal?
      let found = model.pointee.lookup(id: id, mode: [.expand], failure: &failure)
      // A lookup that fails gives up: the full expansion reports it.
      guard failure == nil else { return nil }
      if recent.count == 4 { recent.removeFirst() }
      // A short value is kept as this call's own copy: the two halves of a
      // long value are expanded at once, and each use counts a reference to
      // the value's storage; shared, that count moves between the two
      // processors' caches at every reference.
      let own = found.map(Self.ownCopy)
      recent.append((Array(name), own))
      return .some(own)
    }
  }

  /// Values up to this long are copied by ``ownCopy(_:)``.
  static let ownCopyLength = 256

  /// A short value in storage of its own (copying an array shares it); a
  /// longer one as it is, since each call copies what it looks up once and
  /// a long value referenced by every line would be copied for each.
  static func ownCopy(_ value: [UInt8]) -> [UInt8] {
    guard value.count <= ownCopyLength else { return value }
    return [UInt8](unsafeUninitializedCapacity: value.count) { buffer, count in
      count = buffer.initialize(fromContentsOf: value)
    }
  }

  /// Expands a long value in two parts at once: the part after the first
  /// list separator at or after the middle (no `$name`, `${name}` or
  /// `$(name)` spans it) on another thread, into a buffer of its own
  /// appended after the first part's expansion.
  ///
  /// Each part is held to half the limits, so that together they stay
  /// within them. False, with `output` unspecified, when there is no such
  /// separator, when the value holds a NUL (the text ends there) or when
  /// either part is not simple or exceeds its half: the caller then expands
  /// the whole value at once, which decides.
  private func expandInHalves(_ value: [UInt8], into output: inout [UInt8]) -> Bool {
    let limits = ExpansionLimits.default
    let half = ExpansionLimits(
      maximumDepth: limits.maximumDepth, maximumResultBytes: limits.maximumResultBytes / 2 - 1,
      maximumSteps: limits.maximumSteps / 2 - 2)
    return withUnsafePointer(to: self) { model in
      value.withUnsafeBufferPointer { buffer in
        guard let cut = ParameterList.middleSeparator(in: buffer),
          buffer.firstIndex(of: 0, from: 0, to: buffer.count) == nil
        else { return false }
        let (first, rest) = (
          UnsafeBufferPointer(rebasing: buffer[..<cut]),
          UnsafeBufferPointer(rebasing: buffer[cut...])
        )
        // Room for both parts at twice their length, made once: the output
        // does not grow by copying while a list of references expands, and
        // room never written costs no memory.
        output.reserveCapacity(output.count + 2 * buffer.count)
        let (outcome, second) = TwoThreads.alongside(
          other: {
            var expanded: [UInt8] = []
            expanded.reserveCapacity(2 * rest.count)
            let outcome = Self.expandSimple(rest, limits: half, model: model, into: &expanded)
            return (outcome: outcome, output: expanded)
          },
          mine: { Self.expandSimple(first, limits: half, model: model, into: &output) })
        guard outcome != .gaveUp, second.outcome != .gaveUp else { return false }
        // Without a NUL, a part without `$` is its text.
        if case .plain = outcome {
          if case .plain = second.outcome {
            output = value
            return true
          }
          output = Array(first)
        }
        if case .plain = second.outcome {
          output.append(contentsOf: rest)
        } else {
          output.append(contentsOf: second.output)
        }
        return true
      }
    }
  }

  /// What `$name` stands for while expanding (see ``expand(_:mode:scope:)``).
  func lookup(
    _ name: String, scope: ServiceScope?, mode: PostconfOptions.Mode,
    failure: inout PostconfFatal?
  ) -> [UInt8]? {
    if let scope {
      if let fixed = scope.readOnlyValue(name) { return fixed }
      if let local = scope.settings[Array(name.utf8)] { return local }
    }
    guard let id = names.find(name) else { return nil }
    return lookup(id: id, mode: mode, failure: &failure)
  }

  /// What `$name` stands for in the global name space, for a known id.
  func lookup(id: ID, mode: PostconfOptions.Mode, failure: inout PostconfFatal?) -> [UInt8]? {
    // postconf also finds names it has not (yet) validated in main.cf.
    if !isKnown(id) {
      return mode.contains(.showDefaults) ? nil : setting(id)
    }
    do {
      return try value(of: id, mode: mode)
    } catch let fatal as PostconfFatal {
      failure = failure ?? fatal
      return nil
    } catch {
      return nil
    }
  }
}

/// A finished model behind one reference: expanding through it captures the
/// reference instead of a copy of the model (which retains every table), so
/// printing thousands of values costs no copies.
final class FrozenParameterModel: Sendable {
  let model: ParameterModel

  init(_ model: ParameterModel) { self.model = model }

  /// What one printing thread keeps from line to line: values recently
  /// looked up (`-x` of a listing asks for the same few names again and
  /// again), and the buffers lines are made in.
  struct LookupCache {
    /// Values looked up, in a fixed number of slots: an id takes the slot
    /// that its low bits pick, from any id there before.
    ///
    /// A listing asks again for the names it has just asked for (chains of
    /// references) and for a few names nearly every value refers to. A slot
    /// per name kept a copy of every value looked up for the whole listing,
    /// on each thread: 20 MB per thread for `-nx` of 10 MB of chained values.
    var slots: [Slot]
    /// One remembered lookup.
    struct Slot {
      /// The name looked up, or -1 for none.
      var id: ParameterModel.ID = -1
      /// The value found (nil for a name without one).
      var value: [UInt8]?
    }

    /// The most slots a cache has.
    static let maximumSlots = 1 << 14
    /// Where a value spread over continuation lines is joined.
    var valueBuffer: [UInt8] = []
    /// Where a value is expanded.
    var expansionBuffer: [UInt8] = []
    /// Expansions of referenced values, for values that only the full
    /// expander takes (made at the first of them).
    var memo: ExpansionMemo?
    /// The name last looked up by its bytes and its id: values of a listing
    /// mostly refer to the same few names, and this thread's own copy of the
    /// name spares a search in the table both threads share.
    var lastName: [UInt8] = []
    var lastID: ParameterModel.ID?

    /// Per name id: whether the value looked up has only the forms the
    /// shortcut takes at its own level (``Shape``).
    var shapes: [Shape]

    /// What a looked-up value is at its own level.
    enum Shape: UInt8 {
      case unknown
      /// Plain text and `$name`, `${name}`, `$(name)`, `$$` only.
      case simple
      /// Some other form: the shortcut gives up as soon as it reaches it.
      case notSimple
    }

    /// A cache for ids below `count` (0: remembers nothing).
    init(count: Int) {
      var size = count > 0 ? 1 : 0
      while size < min(count, Self.maximumSlots) { size <<= 1 }
      slots = Array(repeating: Slot(), count: size)
      shapes = Array(repeating: .unknown, count: count)
    }

    /// The value remembered for `id`: nil when not remembered, `.some(nil)`
    /// for a name remembered without a value.
    func remembered(_ id: ParameterModel.ID) -> [UInt8]?? {
      guard !slots.isEmpty, id >= 0 else { return nil }
      let slot = slots[Int(id) & (slots.count - 1)]
      return slot.id == id ? .some(slot.value) : nil
    }

    /// Remembers `value` for `id`, in place of the id its slot held.
    mutating func remember(_ id: ParameterModel.ID, _ value: [UInt8]?) {
      guard !slots.isEmpty, id >= 0 else { return }
      slots[Int(id) & (slots.count - 1)] = Slot(id: id, value: value)
    }

    /// Whether the shortcut would give up on the value of `id`, `value`, at
    /// its own level; found once per id.
    mutating func isNotSimple(_ id: ParameterModel.ID, _ value: UnsafeBufferPointer<UInt8>)
      -> Bool
    {
      let index = Int(id)
      guard index < shapes.count else { return false }
      if shapes[index] == .unknown {
        let path = MacroFastPath.references(in: value, limits: .default, asFound: true) { _ in }
        shapes[index] = path == nil ? .notSimple : .simple
      }
      return shapes[index] == .notSimple
    }
  }

  /// ``ParameterModel/expand(_:mode:scope:)``, with lookups remembered in
  /// `cache`; `engineOnly` when the shortcut already gave up on `value`.
  func expand(
    _ value: [UInt8], mode: PostconfOptions.Mode, cache: inout LookupCache,
    engineOnly: Bool = false
  ) throws -> [UInt8] {
    if cache.memo == nil { cache.memo = ExpansionMemo() }
    let memo = cache.memo
    return try ParameterModel.expand(
      value, mode: mode, scope: nil, memo: memo, engineOnly: engineOnly
    ) {
      name, evalMode, failure in
      guard let id = model.names.find(name) else { return nil }
      var lookupFailure: PostconfFatal?
      let found = lookup(id: id, mode: evalMode, cache: &cache, failure: &lookupFailure)
      if let lookupFailure { failure = failure ?? lookupFailure }
      return found
    }
  }

  /// The expansion of a simple value (``MacroFastPath/expand(_:limits:into:maximumDepth:lookup:)``)
  /// with lookups remembered in `cache`; a lookup that fails gives up, for
  /// ``expand(_:mode:cache:)`` to report.
  func expandSimple(
    _ value: UnsafeBufferPointer<UInt8>, of id: ParameterModel.ID, mode: PostconfOptions.Mode,
    into output: inout [UInt8], cache: inout LookupCache
  ) -> MacroFastPath.InPlace {
    // A value with another form gives up at once, not after following every
    // reference before that form (a chain of such values was followed to
    // its end for each value).
    if cache.isNotSimple(id, value) { return .gaveUp }
    let evalMode = mode.subtracting(.nonDefault)
    // This object uncounted: the expander's recursion counted a reference to
    // it at every level of a nested reference (or copied the model, counting
    // each of its tables), and both printing threads counting on the same
    // object moved its count between their processors' caches every time (a
    // listing of chained references spent half its time there). The caller
    // holds it for the whole call.
    let frozen = Unmanaged.passUnretained(self)
    return withExtendedLifetime(self) {
      MacroFastPath.expand(value, limits: .default, into: &output) { name in
        frozen._withUnsafeGuaranteedRef { frozen in
          if !cache.lastName.withUnsafeBufferPointer({ $0.hasSameBytes(as: name) }) {
            cache.lastName.removeAll(keepingCapacity: true)
            cache.lastName.append(contentsOf: name)
            cache.lastID = frozen.model.names.find(name)
          }
          guard let id = cache.lastID else { return .some(nil) }
          var failure: PostconfFatal?
          let found = frozen.lookup(id: id, mode: evalMode, cache: &cache, failure: &failure)
          guard failure == nil else { return nil }
          if let found, found.withUnsafeBufferPointer({ cache.isNotSimple(id, $0) }) {
            return nil
          }
          return .some(found)
        }
      }
    }
  }

  /// ``ParameterModel/lookup(id:mode:failure:)``, remembered in `cache`
  /// unless it failed.
  func lookup(
    id: ParameterModel.ID, mode: PostconfOptions.Mode, cache: inout LookupCache,
    failure: inout PostconfFatal?
  ) -> [UInt8]? {
    if let remembered = cache.remembered(id) { return remembered }
    var lookupFailure: PostconfFatal?
    let found = model.lookup(id: id, mode: mode, failure: &lookupFailure)
    if let lookupFailure {
      failure = lookupFailure
    } else {
      cache.remember(id, found)
    }
    return found
  }
}

/// Loads main.cf's entries into a model as the scanner finds them, with
/// postconf's reading diagnostics; stops at the first fatal error.
struct MainSettingsReader: MainCFLineSink {
  var model: ParameterModel
  let path: String
  let pathBytes: [UInt8]
  var warnings: [String] = []
  var fatal: String?

  init(model: ParameterModel, path: String) {
    self.model = model
    self.path = path
    self.pathBytes = Array(path.utf8)
  }

  mutating func take(
    _ line: MainCFLogicalLine, file: UnsafeBufferPointer<UInt8>,
    joined: UnsafeBufferPointer<UInt8>, pieces: ArraySlice<Range<Int>>
  ) -> Bool {
    take(line, file: file, joined: joined, pieces: pieces, ahead: Self.nothingAhead)
  }

  /// No scan done ahead.
  static var nothingAhead: ScanAhead {
    (ScanTag.notScanned.rawValue, .init(start: nil, count: 0), nil)
  }

  /// The scan of a value's references, done on the scanning thread
  /// (``referencesAhead``): the value's ``ScanTag`` and the name ranges.
  typealias ScanAhead = MainCFLookAhead.Result

  /// What the scan done ahead found a value to be.
  enum ScanTag: UInt8 {
    /// Not scanned ahead: the reading thread scans it.
    case notScanned = 0
    /// Not simple: the engine must scan it.
    case engine
    /// Without references.
    case plain
    /// Simple, its references' name ranges found.
    case simple
  }

  /// Values from this long on have their references found on the scanning
  /// thread, which leaves the thread that takes the lines only their
  /// interning; shorter ones too while that thread lags behind.
  static let referencesAheadLength = 1024

  /// Finds a value's references on the scanning thread, as
  /// ``ParameterModel/recordScan(_:of:ahead:)`` would, with its ``ScanTag``.
  static let referencesAhead = MainCFLookAhead(
    minimumLength: referencesAheadLength,
    work: { value, found in
      // One pass: what it finds is dropped when the value is not simple.
      let start = found.count
      let path = MacroFastPath.references(
        in: value, limits: .default, asFound: true, conditionals: true
      ) { range in
        found.append(UInt32(range.lowerBound)..<UInt32(range.upperBound))
      }
      switch path {
      case .none, .engine:
        found.removeSubrange(start...)
        return ScanTag.engine.rawValue
      case .plain: return ScanTag.plain.rawValue
      case .simple: return ScanTag.simple.rawValue
      }
    },
    // The names' hashes: the reading thread looks each name up by it, and
    // fetches its slot a few lines ahead.
    nameWork: { HashOrder.hash($0) })

  mutating func expect(nameWork hash: UInt64) {
    model.names.prefetch(hash: hash)
  }

  mutating func take(
    _ line: MainCFLogicalLine, file: UnsafeBufferPointer<UInt8>,
    joined: UnsafeBufferPointer<UInt8>, pieces: ArraySlice<Range<Int>>, ahead: ScanAhead
  ) -> Bool {
    let text = line.inJoined ? joined : file
    guard line.kind == .entry else {
      guard
        let diagnostic = MainCF.readingDiagnostic(
          line, text: text, path: path, pathBytes: pathBytes)
      else { return true }
      if diagnostic.severity == .fatal {
        fatal = diagnostic.message
        return false
      }
      warnings.append(diagnostic.message)
      return true
    }
    let name = line.name(file: file, joined: joined, pieces: pieces)
    var fileOffset: Int?
    var value = UnsafeBufferPointer<UInt8>(start: nil, count: 0)
    var scan = ahead
    if line.textElided, let first = pieces.first {
      // No joined text: the name lies in the first piece, and the value, free
      // of `$`, is plain.
      fileOffset = first.lowerBound + line.nameStart
      scan = (ScanTag.plain.rawValue, UnsafeBufferPointer(start: nil, count: 0), nil)
    } else {
      // The name stays in the file: where, for a continued line, is in its first piece.
      fileOffset = line.nameStart
      if line.inJoined {
        let start = line.nameStart - line.textStart
        fileOffset = pieces.first.flatMap { first in
          line.nameEnd - line.textStart <= first.count ? first.lowerBound + start : nil
        }
      }
      value = UnsafeBufferPointer(rebasing: text[line.valueStart..<line.valueEnd])
    }
    let id = model.intern(name, hash: ahead.name, fileOffset: fileOffset)
    let ref = valueRef(line, pieces: pieces, file: file)
    let old = model.settings[Int(id)]
    if old.storage != .none, let oldBytes = model.bytes(of: old), oldBytes != model.bytes(of: ref) {
      warnings.append(
        "\(path), line \(line.firstLine): overriding earlier entry: "
          + Printable.sanitize(Array(name)) + "=" + Printable.sanitize(oldBytes))
    }
    model.set(id, ref)
    model.recordScan(id, of: value, ahead: scan)
    return true
  }

  // Where the value is in the file: one range, or for a value spread over
  // continuation lines, the parts of each content line it covers.
  private mutating func valueRef(
    _ line: MainCFLogicalLine, pieces: ArraySlice<Range<Int>>, file: UnsafeBufferPointer<UInt8>
  ) -> ParameterModel.ValueRef {
    guard line.inJoined else {
      return ParameterModel.ValueRef(
        storage: .file, start: UInt32(line.valueStart), end: UInt32(line.valueEnd))
    }
    // Offsets in the joined text count from the logical line's start.
    let start = line.valueStart - line.textStart
    let end = line.valueEnd - line.textStart
    if line.spansLines, line.textCEnd == line.textEnd, let span = pieces.first {
      return Self.spanRef(
        span, start: start, end: end, textLength: line.textEnd - line.textStart, file: file)
    }
    // A span cut at a NUL is read line by line.
    var lines = pieces
    if line.spansLines, let span = pieces.first {
      var listed: [Range<Int>] = []
      MainCFLexing.appendLineRanges(of: span, in: file, to: &listed)
      lines = listed[...]
    }
    let first = model.pieces.count
    var offset = 0
    for piece in lines {
      let low = max(start, offset)
      let high = min(end, offset + piece.count)
      if low < high {
        let lower = piece.lowerBound + low - offset
        model.pieces.append(UInt32(lower)..<UInt32(lower + high - low))
      }
      offset += piece.count
    }
    let count = model.pieces.count - first
    if count == 1, let only = model.pieces.popLast() {
      return ParameterModel.ValueRef(storage: .file, start: only.lowerBound, end: only.upperBound)
    }
    return ParameterModel.ValueRef(storage: .pieces, start: UInt32(first), end: UInt32(count))
  }

  // The value `start..<end` of a span's joined text (`textLength` bytes, no
  // NUL) where it lies in the file: it starts in the line that holds its
  // first byte (the first line, or a later one when the name or `=` ends a
  // line), found line by line; it ends in the last line, before its
  // trailing blanks (a continuation line is never blank).
  private static func spanRef(
    _ span: Range<Int>, start: Int, end: Int, textLength: Int, file: UnsafeBufferPointer<UInt8>
  ) -> ParameterModel.ValueRef {
    guard let base = file.baseAddress else { return ParameterModel.ValueRef() }
    var lineStart = span.lowerBound
    var joinedStart = 0
    // Each iteration passes one line that ends before the value starts.
    while let length = MainCFLexing.memchrOffset(
      base + lineStart, MainCFLexing.newline, span.upperBound - lineStart),
      start >= joinedStart + length
    {
      joinedStart += length
      lineStart += length + 1
    }
    let lower = lineStart + start - joinedStart
    let upper = span.upperBound - (textLength - end)
    let oneLine =
      MainCFLexing.memchrOffset(base + lower, MainCFLexing.newline, upper - lower) == nil
    return ParameterModel.ValueRef(
      storage: oneLine ? .file : .lines, start: UInt32(lower), end: UInt32(upper))
  }
}

/// An expansion error: postconf prints the warnings, then `fatal: macro processing error`.
struct PostconfExpansionFailure: Error {
  var warnings: [String]
  var fatal: String
}

/// A small insertion-ordered dictionary keyed by bytes (postconf's names are
/// arbitrary bytes; only valid ones are ASCII).
///
/// The settings of a service scope that are not its entry's alone (see
/// ``ScopeSettings``): its pairs are one array, searched in order, with no
/// hash table until it holds more than ``indexedCount``.
struct OrderedBytesDictionary: Sendable {
  /// The pairs in insertion order, in one buffer.
  ///
  /// Each is its key's and its value's lengths (4 bytes each), then the key
  /// and the value: a service's few `-o` settings take one allocation, not
  /// three a pair.
  private var storage: [UInt8] = []
  /// Each key's record in ``storage``, once there are more than ``indexedCount``.
  private var index: [ByteKey: Int]?

  /// The most pairs searched in order.
  static let indexedCount = 8

  /// The bytes of a record's header.
  private static let headerSize = 8

  /// The key's and value's ranges of the record at `offset`.
  private static func record(at offset: Int, in buffer: UnsafeBufferPointer<UInt8>) -> (
    key: Range<Int>, value: Range<Int>
  ) {
    let raw = UnsafeRawBufferPointer(buffer)
    let keyLength = Int(raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    let valueLength = Int(raw.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self))
    let keyStart = offset + headerSize
    let valueStart = keyStart + keyLength
    return (keyStart..<valueStart, valueStart..<(valueStart + valueLength))
  }

  /// Calls `body` with each record's offset, key and value ranges, in order,
  /// until it returns false.
  private func forEachRecord(_ body: (Int, Range<Int>, Range<Int>) -> Bool) {
    storage.withUnsafeBufferPointer { buffer in
      var offset = 0
      // Each iteration moves past one record.
      while offset < buffer.count {
        let (key, value) = Self.record(at: offset, in: buffer)
        if !body(offset, key, value) { return }
        offset = value.upperBound
      }
    }
  }

  /// The offset of `key`'s record.
  private func position(of key: UnsafeBufferPointer<UInt8>) -> Int? {
    if let index { return index[ByteKey(Array(key))] }
    var found: Int?
    storage.withUnsafeBufferPointer { buffer in
      forEachRecord { offset, range, _ in
        if UnsafeBufferPointer(rebasing: buffer[range]).hasSameBytes(as: key) {
          found = offset
          return false
        }
        return true
      }
    }
    return found
  }

  private func position(of key: [UInt8]) -> Int? {
    key.withUnsafeBufferPointer { position(of: $0) }
  }

  /// Whether a pair has the key `key` (nothing is copied).
  func contains(_ key: [UInt8]) -> Bool { position(of: key) != nil }

  /// Whether a pair has the key `key` (nothing is copied).
  func contains(_ key: UnsafeBufferPointer<UInt8>) -> Bool { position(of: key) != nil }

  subscript(key: [UInt8]) -> [UInt8]? {
    get {
      guard let offset = position(of: key) else { return nil }
      return storage.withUnsafeBufferPointer { Array($0[Self.record(at: offset, in: $0).value]) }
    }
    set {
      let found = position(of: key)
      if let newValue {
        if let found {
          replace(at: found, with: Self.encode(key, newValue))
          return
        }
        storage.append(contentsOf: Self.encode(key, newValue))
        if index != nil {
          index?[ByteKey(key)] = storage.count - Self.headerSize - key.count - newValue.count
        } else if count > Self.indexedCount {
          reindex()
        }
      } else if let found {
        replace(at: found, with: [])
      }
    }
  }

  /// A record of `key` and `value`.
  private static func encode(_ key: [UInt8], _ value: [UInt8]) -> [UInt8] {
    var record: [UInt8] = []
    record.reserveCapacity(headerSize + key.count + value.count)
    withUnsafeBytes(of: UInt32(key.count)) { record.append(contentsOf: $0) }
    withUnsafeBytes(of: UInt32(value.count)) { record.append(contentsOf: $0) }
    record.append(contentsOf: key)
    record.append(contentsOf: value)
    return record
  }

  /// Replaces the record at `offset` with `record` (empty: removes it),
  /// keeping the others in order.
  private mutating func replace(at offset: Int, with record: [UInt8]) {
    let end = storage.withUnsafeBufferPointer { Self.record(at: offset, in: $0).value.upperBound }
    storage.replaceSubrange(offset..<end, with: record)
    // The records after it may have moved.
    if index != nil { reindex() }
  }

  private mutating func reindex() {
    var positions: [ByteKey: Int] = [:]
    storage.withUnsafeBufferPointer { buffer in
      forEachRecord { offset, key, _ in
        positions[ByteKey(Array(buffer[key]))] = offset
        return true
      }
    }
    index = positions
  }

  /// How many pairs there are.
  var count: Int {
    if let index { return index.count }
    var count = 0
    forEachRecord { _, _, _ in
      count += 1
      return true
    }
    return count
  }

  var isEmpty: Bool { storage.isEmpty }

  /// The bytes the pairs take: their keys, values and 8 bytes each.
  var byteCount: Int { storage.count }

  /// The pairs in insertion order, as copies.
  var entries: [(key: [UInt8], value: [UInt8])] {
    var result: [(key: [UInt8], value: [UInt8])] = []
    storage.withUnsafeBufferPointer { buffer in
      forEachRecord { _, key, value in
        result.append((Array(buffer[key]), Array(buffer[value])))
        return true
      }
    }
    return result
  }

  /// The keys in insertion order.
  var keys: [[UInt8]] { entries.map(\.key) }
}
