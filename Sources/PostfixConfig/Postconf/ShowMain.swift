#if canImport(Glibc)
import Glibc
#endif

extension PostconfSession {
  static let levelOperator = Array("level {".utf8)

  /// `postconf [-n|-d] [-x] [-h|-H] [-f] [-C class] [-o name=value] [name ...]`.
  mutating func showMain() throws {
    var model = ParameterModel(inputs: inputs, mode: mode)
    let defaultsOnly = mode.contains(.showDefaults)
    if !defaultsOnly {
      try readMain(into: &model)
      try applyOverrides(into: &model)
    }
    registerBuiltins(into: &model)
    let master = try readMaster(failOnOpenError: false)
    registerServices(master, into: &model)
    if !defaultsOnly {
      try registerUserParameters(into: &model, master: master)
    }
    // The read's scans served the start-up pass only: their memory (8
    // bytes a name and 4 a reference) goes to the listing's sort.
    model.dropStartUpScans()
    try showParameters(model)
    if !defaultsOnly {
      flagUnusedMain(model)
      flagUnusedMaster(model, master: master)
    }
    Self.releaseTables(consume master, consume model)
  }

  /// How many names make a run's tables worth freeing on another thread;
  /// master.cf entries count for ten each.
  static let tablesFreedElsewhere = 20_000

  /// Frees a run's tables: those of a long file on another thread, as that
  /// takes a while and nothing waits for it; small ones here.
  static func releaseTables(_ master: consuming PostconfMaster?, _ model: consuming ParameterModel)
  {
    let large =
      model.names.count + 10 * (master?.document.entries.count ?? 0) >= tablesFreedElsewhere
    TwoThreads.release((master, model), elsewhere: large)
  }

  /// Loads main.cf into the model's settings, with postconf's reading diagnostics.
  /// - Parameters:
  ///   - model: The model the settings go into.
  ///   - masterNames: How many names master.cf's services add (their
  ///     service parameters), when it was read first (`-M`, `-F`, `-P`); nil
  ///     to allow for 16 a line.
  /// - Throws: ``PostconfFatal`` when main.cf cannot be read or has a fatal error.
  mutating func readMain(into model: inout ParameterModel, masterNames: Int? = nil) throws {
    if inputs.configDirectoryInjected {
      model.set(model.intern("config_directory"), owning: Array(inputs.configDirectory.utf8))
    }
    let bytes: FileBytes
    switch inputs.mainCF {
    case .contents(let contents): bytes = FileBytes(contents)
    case .shared(let shared): bytes = shared
    case .unreadable(let reason): throw PostconfFatal(message: "open \(mainPath): \(reason)")
    }
    model.file = bytes
    model.names.keepNames(in: bytes)
    let catalogNames = inputs.catalog.names.count + inputs.catalog.unlistedNames.count
    // Each master.cf transport adds names of its own (a dozen or so): room
    // for them too, or every per-name table would double (and the old ones
    // be left behind) just after main.cf is read. Read first, master.cf
    // tells how many; otherwise each line may be a transport. (Its `-o`
    // names take no room here: those the table does not hold stay out of it.)
    let masterNames =
      masterNames
      ?? 16 * (inputs.masterCF.withBytes { MainCFLexing.count(MainCFLexing.newline, in: $0) } ?? 0)
    var reader = MainSettingsReader(model: model, path: mainPath)
    model = ParameterModel(inputs: inputs, mode: mode)
    // Sizes the tables from a count over the whole file: main.cf sets at
    // most a name per line that can start an entry, the catalogue adds the
    // rest; past a million names the tables grow as they fill.
    func reserve(_ model: inout ParameterModel, _ file: UnsafeBufferPointer<UInt8>) {
      let (counted, dollars) = (
        MainCFLexing.countLines(in: file), MainCFLexing.count(0x24, in: file)
      )
      let (lines, entries) = (counted.newlines, counted.entryStarts)
      let sure = min(entries, 1 << 20) + catalogNames
      model.reserve(
        names: sure + min(masterNames, 1 << 20) + 256,
        bytes: min(file.count, 64 << 20) + catalogNames * 48, slotsFor: sure)
      // A piece per continuation line at most, a reference per `$` at most: tables that
      // never grow by copying (memory reserved and not used is not touched).
      model.pieces.reserveCapacity(min(lines + 1, 1 << 22))
      model.scanReferences.reserveCapacity(min(dollars, 1 << 22))
    }
    bytes.withUnsafeBufferPointer { file in
      if file.count >= pipelinedReadThreshold {
        // The count runs while the other thread scans the first lines.
        var ahead = MainSettingsReader.referencesAhead
        ahead.minimumLength = referencesAheadLength
        MainCFPipelinedScanner.scan(file, into: &reader, ahead: ahead, elidesPlainText: true) {
          reserve(&$0.model, file)
        }
      } else {
        reserve(&reader.model, file)
        var scanner = MainCFScanner()
        scanner.keepsJoined = false
        scanner.elidesPlainText = true
        scanner.scan(file, into: &reader)
      }
    }
    model = reader.model
    for warning in reader.warnings { warn(warning) }
    if let fatal = reader.fatal { throw PostconfFatal(message: fatal) }
  }

  /// `-o name=value`: replaces or adds a setting for this run only.
  mutating func applyOverrides(into model: inout ParameterModel) throws {
    for override in options.overrides {
      guard let split = PostconfAdapters.splitNameValue(override) else {
        throw PostconfFatal(message: "invalid parameter override: \(Printable.sanitize(override))")
      }
      model.set(model.intern(split.name), owning: split.value)
    }
  }

  mutating func registerBuiltins(into model: inout ParameterModel) {
    for parameter in PostconfAdapters.catalogParameters(inputs.catalog) {
      let id = model.intern(parameter.name)
      var flags: UInt8 = model.nodes[Int(id)].flags
      if parameter.isRaw { flags |= ParameterModel.Node.raw }
      if parameter.isReadOnly { flags |= ParameterModel.Node.readOnly }
      if parameter.isHostDependent { flags |= ParameterModel.Node.hostDependent }
      if parameter.isUnlisted { flags |= ParameterModel.Node.unlisted }
      model.register(id, kind: .builtin, flags: flags, default: parameter.defaultValue)
    }
  }

  /// Reads master.cf; a missing file warns (main.cf modes) or is fatal
  /// (-M/-F/-P); reading warnings are printed, a reading error is fatal.
  mutating func readMaster(failOnOpenError: Bool) throws -> PostconfMaster? {
    switch inputs.masterCF {
    case .unreadable(let reason):
      let text = "open \(masterPath): \(reason)"
      if failOnOpenError { throw PostconfFatal(message: text) }
      warn(text)
      return nil
    case .contents, .shared:
      let master =
        inputs.parsedMasterCF.map { PostconfAdapters.readMaster($0, path: masterPath) }
        ?? PostconfAdapters.readMaster(inputs.masterCF.bytes ?? [], path: masterPath)
      for diagnostic in master.diagnostics {
        if diagnostic.severity == .fatal { throw PostconfFatal(message: diagnostic.message) }
        warn(diagnostic.message)
      }
      return master
    }
  }

  mutating func registerServices(_ master: PostconfMaster?, into model: inout ParameterModel) {
    guard let master else { return }
    model.reserveScopes(master.services.count)
    for position in master.services {
      let (argv, merged) = master.document.entries[Int(position)].argumentsAndOverrides
      let service = master.service(at: position, argv: argv)
      for parameter in PostconfAdapters.serviceParameters(
        service: service.name, command: service.command, catalog: inputs.catalog)
      {
        let id = model.intern(parameter.name)
        // A service parameter replaces a built-in of the same name.
        let kept = model.nodes[Int(id)].flags & ParameterModel.Node.serviceSetting
        model.register(id, kind: .service, flags: kept, default: parameter.defaultValue)
      }
      // The scope reads the entry's `-o` settings where they lie.
      let index = model.registerScope(
        entry: service.entry, in: master.document, argv: argv, merged: merged)
      model.serviceScopes.append(Int32(index))
      argv.withBuffers { buffers in
        for (number, override) in merged.enumerated() {
          model.noteServiceSetting(
            buffers[override.name], scope: index, entry: service.entry, override: number)
        }
      }
    }
  }

  /// postconf's `register_user_parameters`: validates user-defined names that
  /// are referenced, warns about undefined references, drops read-only
  /// assignments, and fully expands every known parameter's value (an error
  /// there is fatal for the whole command).
  /// - Parameters:
  ///   - model: The model, with `master`'s services registered.
  ///   - master: master.cf as read, if it was.
  /// - Throws: ``PostconfFatal`` when an expansion ends the command.
  mutating func registerUserParameters(
    into model: inout ParameterModel, master: PostconfMaster? = nil
  ) throws {
    // postconf scans a service's name space once for each entry it is
    // attached to: every entry of that service and type from the first
    // with an `-o` setting on. An entry of the same service and type
    // scans it again, and its warnings are printed again.
    if let master, model.serviceScopes.count == master.services.count {
      var attached = [Bool](repeating: false, count: model.scopeCount)
      for (number, position) in master.services.enumerated() {
        let scope = Int(model.serviceScopes[number])
        if !attached[scope] {
          guard master.document.entries[Int(position)].hasOverrides else { continue }
          attached[scope] = true
        }
        try scanServiceNamespace(model: &model, scopeIndex: scope)
      }
    }
    // Default values reference only names postconf knows or keeps for
    // compatibility; they validate names but never warn.
    let unset = model.names.ids.filter { id in
      let node = model.nodes[Int(id)]
      return node.isKnown && !node.has(ParameterModel.Node.raw) && node.kind != .user
        && !model.hasSetting(id)
    }
    for id in model.names.sorted(unset) {
      // Host-dependent defaults are computed here, and their errors (no
      // interface, unknown host in inet_interfaces) are fatal, as in postconf.
      let computed: [UInt8]?
      do {
        computed = try model.defaultValue(of: id, mode: [])
      } catch let failure as PostconfExpansionFailure {
        for warning in failure.warnings { warn(warning) }
        throw PostconfFatal(message: failure.fatal)
      }
      guard let value = computed else { continue }
      if model.nodes[Int(id)].has(ParameterModel.Node.hostDependent) {
        model.hostDefaults[id] = value
      }
      // The scan evaluates compatibility-level comparisons (`<level`), and a
      // malformed compatibility_level there is fatal for the whole command.
      if value.containsSubsequence(Self.levelOperator) {
        try checkCompatibilityLevel(model)
      }
      for case .reference(let reference, _) in PostconfAdapters.scan(value) {
        flagUser(reference, scopeIndex: nil, model: &model, warnUndefined: false)
      }
    }
    try scanMainNamespace(model: &model)
  }

  /// postconf evaluates `{$compatibility_level} <level {N}` while scanning
  /// default values; a level it cannot parse ends the command.
  mutating func checkCompatibilityLevel(_ model: ParameterModel) throws {
    guard let raw = model.setting("compatibility_level") else { return }
    let level: [UInt8]
    do {
      level = try model.expand(raw, mode: [.expand])
    } catch {
      return
    }
    if RelationalEvaluator.compatibilityLevel(level) == nil {
      warn("malformed compatibility level syntax: \"\(Printable.sanitize(level))\"")
      throw PostconfFatal(message: "macro processing error")
    }
  }

  static let restrictionClassesName = "smtpd_restriction_classes"
  static let restrictionClassesBytes = Array(restrictionClassesName.utf8)

  /// `smtpd_restriction_classes` of a name space, expanded; its words are
  /// the class names.
  ///
  /// As postconf's `pcf_lookup_eval`, a name in it stands for its value in
  /// the same dictionary alone: main.cf's settings (with `-o` overrides of
  /// the command line), or the service's `-o` settings. Defaults and the
  /// other name space count for nothing. An expansion that fails (a name
  /// that refers to itself, a syntax error) warns and ends the command, as
  /// postconf's `dict_eval` does.
  /// - Throws: ``PostconfFatal`` naming the dictionary (`mail_dict`, or
  ///   the service's `service/type`).
  mutating func restrictionClasses(
    _ classes: [UInt8], model: ParameterModel, scope: ParameterModel.ServiceScope?
  ) throws -> [UInt8] {
    do {
      return try ParameterModel.expand(classes, mode: [], scope: nil) { name, _, _ in
        guard let scope else { return model.setting(name) }
        return scope.settings[Array(name.utf8)]
      }
    } catch let failure as PostconfExpansionFailure {
      for warning in failure.warnings { warn(warning) }
      let dictionary =
        scope.map { "\($0.service)/\($0.type)" } ?? ParameterModel.configDictionaryName
      throw PostconfFatal(message: "dictionary \(dictionary): macro processing error")
    }
  }

  /// Scans main.cf's settings in postconf's hash order.
  mutating func scanMainNamespace(model: inout ParameterModel) throws {
    if let classes = model.setting(Self.restrictionClassesName) {
      let expanded = try restrictionClasses(classes, model: model, scope: nil)
      ParameterList.forEachWord(in: expanded) { word in
        let id = word.withUnsafeBufferPointer { model.intern($0) }
        model.nodes[Int(id)].flags |= ParameterModel.Node.restrictionClass
        flagUser(id: id, scopeIndex: nil, model: &model, warnUndefined: true)
      }
    }
    let ordered = model.takeSettingsInHashOrder()
    for (index, id) in ordered.enumerated() {
      model.prefetch(after: index, in: ordered[...])
      guard model.hasSetting(id) else { continue }
      // A name postconf does not know only has its references flagged; when
      // the read already scanned its value, the value need not be touched.
      if !model.isKnown(id) || model.nodes[Int(id)].kind == .user,
        let references = model.scannedReferences(id)
      {
        for reference in references {
          flagUser(id: reference, scopeIndex: nil, model: &model, warnUndefined: true)
        }
        continue
      }
      // A plain value over continuation lines, of a parameter whose start-up
      // pass only walks its tables, is walked where it lies, not joined.
      if model.isPlainSetting(id), Self.expandsAtStartUp(id, model: model),
        try registerDatabaseTables(inPiecesOf: id, model: &model)
      {
        continue
      }
      guard let value = model.setting(id) else { continue }
      if try !scanSetting(
        name: model.names.bytes(id), id: id, value: value, scopeIndex: nil, model: &model,
        references: model.scannedReferences(id), isPlain: model.isPlainSetting(id))
      {
        model.removeSetting(id)
      }
    }
  }

  /// Whether the start-up pass expands the value of `id` and walks its tables.
  ///
  /// ``scanSetting(name:id:value:scopeIndex:model:references:isPlain:)`` does both
  /// for a parameter postconf lists, neither read-only nor raw. A plain
  /// value expands to itself, so the walk is all that is done with it.
  static func expandsAtStartUp(_ id: NameTable.ID, model: ParameterModel) -> Bool {
    guard model.isKnown(id) else { return false }
    let node = model.nodes[Int(id)]
    return node.kind != .user && !node.has(ParameterModel.Node.readOnly)
      && !node.has(ParameterModel.Node.raw) && !node.has(ParameterModel.Node.unlisted)
  }

  /// Scans one service's `-o` settings.
  mutating func scanServiceNamespace(model: inout ParameterModel, scopeIndex: Int) throws {
    let settings = model.scopeSettings(at: scopeIndex)
    if let classes = settings[Self.restrictionClassesBytes] {
      let expanded = try restrictionClasses(
        classes, model: model, scope: model.scope(at: scopeIndex))
      ParameterList.forEachWord(in: expanded) { word in
        flagUser(
          String(decoding: word, as: UTF8.self), scopeIndex: scopeIndex, model: &model,
          warnUndefined: true)
      }
    }
    for (key, value) in PostconfAdapters.hashOrder(settings.entries) {
      let id = model.names.find(key)
      if let id, !model.isKnown(id), model.nodes[Int(id)].has(ParameterModel.Node.restrictionClass)
      {
        model.insertValidName(String(decoding: key, as: UTF8.self), at: scopeIndex)
      }
      if try !scanSetting(name: key, id: id, value: value, scopeIndex: scopeIndex, model: &model) {
        model.removeScopeSetting(key, at: scopeIndex)
        model.flaggedInScopes.removeAll()
      }
    }
  }

  /// The start-up pass over one setting: read-only names are dropped (returns
  /// false), raw ones skipped; the value is scanned for references and, for a
  /// known parameter, expanded.
  /// - Parameters:
  ///   - key: The name.
  ///   - id: Its id, when interned.
  ///   - value: The raw value.
  ///   - scopeIndex: The master.cf service whose `-o` it is; nil for main.cf.
  ///   - model: The model being built.
  ///   - references: The value's references as the read recorded them (a value whose
  ///     scan gives references only), so the value is not scanned again; nil to scan.
  ///   - isPlain: Whether the read found no `$` in the value: it expands to
  ///     itself, without a scan.
  /// - Returns: False when the setting is dropped (a read-only name).
  /// - Throws: ``PostconfFatal`` when the expansion fails.
  mutating func scanSetting(
    name key: [UInt8], id: NameTable.ID?, value: [UInt8], scopeIndex: Int?,
    model: inout ParameterModel, references: ArraySlice<NameTable.ID>? = nil, isPlain: Bool = false
  ) throws -> Bool {
    if let id, model.isKnown(id) {
      let node = model.nodes[Int(id)]
      if node.has(ParameterModel.Node.readOnly) {
        let source = scopeIndex == nil ? mainPath : masterPath
        warn(
          "\(source): read-only parameter assignment: "
            + Printable.sanitize(key) + "=" + Printable.sanitize(value))
        return false
      }
      if node.has(ParameterModel.Node.raw) { return true }
    }
    if let references {
      for reference in references {
        flagUser(id: reference, scopeIndex: scopeIndex, model: &model, warnUndefined: true)
      }
    } else {
      for event in PostconfAdapters.scan(value) {
        switch event {
        case .warning(let text): warn(text)
        case .reference(let reference, _):
          flagUser(reference, scopeIndex: scopeIndex, model: &model, warnUndefined: true)
        }
      }
    }
    // Names postconf knows without listing them (legacy names, names only defaults
    // reference) are user parameters to postconf here: not expanded.
    // Read-only and raw names have returned above.
    if let id, Self.expandsAtStartUp(id, model: model) {
      var expanded: [UInt8] = isPlain ? value : []
      do {
        // A value without `$` looks nothing up: the service's name space
        // cannot change it, and the shortcut takes it.
        let looksUp = scopeIndex != nil && value.contains(UInt8(ascii: "$"))
        if !isPlain && (looksUp || !model.expandSimple(value, into: &expanded)) {
          expanded = try model.expand(
            value, mode: [.expand], scope: scopeIndex.map { model.scope(at: $0) })
        }
      } catch let failure as PostconfExpansionFailure {
        for warning in failure.warnings { warn(warning) }
        throw PostconfFatal(message: failure.fatal)
      }
      try registerDatabaseTables(in: expanded, scopeIndex: scopeIndex, model: &model)
    }
    return true
  }

  /// postconf's `flag_user_parameter` for a name given as text.
  @discardableResult
  mutating func flagUser(
    _ name: String, scopeIndex: Int?, model: inout ParameterModel, warnUndefined: Bool
  ) -> Bool {
    if let id = model.serviceAwareID(Array(name.utf8)) {
      return flagUser(id: id, scopeIndex: scopeIndex, model: &model, warnUndefined: warnUndefined)
    }
    // A name neither interned nor set by some `-o` has no setting anywhere
    // (every main.cf name is interned) and is not a parameter.
    if warnUndefined {
      let source = scopeIndex == nil ? mainPath : masterPath
      warn("\(source): undefined parameter: \(Printable.sanitize(Array(name.utf8)))")
    }
    return false
  }

  /// postconf's `flag_user_parameter`: a referenced name with a setting in the
  /// local or global name space becomes valid; otherwise, if no parameter has
  /// that name, `undefined parameter`.
  @discardableResult
  mutating func flagUser(
    id: NameTable.ID, scopeIndex: Int?, model: inout ParameterModel, warnUndefined: Bool
  ) -> Bool {
    var supplied = false
    // Only names some `-o` sets can be in a service's settings.
    let inServices = model.nodes[Int(id)].has(ParameterModel.Node.serviceSetting)
    if let scopeIndex, inServices,
      model.scopeSettings(at: scopeIndex).contains(model.names.bytes(id))
    {
      supplied = true
      model.insertValidName(model.names.string(id), at: scopeIndex)
    } else if model.hasSetting(id) {
      supplied = true
      if !model.isKnown(id) { model.nodes[Int(id)].kind = .user }
    }
    if scopeIndex == nil, inServices {
      // Only the scopes some `-o` of this name was registered in are looked
      // at, and once: a later reference finds the same (see
      // ``ParameterModel/flaggedInScopes``).
      if let known = model.flaggedInScopes[id] {
        supplied = supplied || known
      } else {
        let (bytes, name) = (model.names.bytes(id), model.names.string(id))
        var found = false
        for index in model.scopesSetting(id) where model.scopeSettings(at: index).contains(bytes) {
          found = true
          model.insertValidName(name, at: index)
        }
        model.flaggedInScopes[id] = found
        supplied = supplied || found
      }
    }
    if !supplied && warnUndefined && !model.isKnown(id) {
      let source = scopeIndex == nil ? mainPath : masterPath
      warn("\(source): undefined parameter: \(Printable.sanitize(model.names.bytes(id)))")
    }
    return supplied
  }

  /// Prints the selected parameters.
  mutating func showParameters(_ model: ParameterModel) throws {
    // The names to print, in order; with operands, one per operand (-1 for
    // a name the model does not have). Four bytes a name: a long listing
    // holds nothing else per name meanwhile.
    let selected: [NameTable.ID]
    if options.operands.isEmpty {
      let nonDefaultOnly = mode.contains(.nonDefault) && !mode.contains(.showDefaults)
      let ids = model.names.ids.filter { id in
        let node = model.nodes[Int(id)]
        guard node.isKnown else { return false }
        if node.has(ParameterModel.Node.unlisted) {
          // Legacy names are printed only when set, and then as user-defined.
          return options.parameterClass.contains(.user) && model.hasSetting(id)
        }
        // Under -n only names with a setting print: sort just those.
        if nonDefaultOnly && !model.hasSetting(id) { return false }
        switch node.kind {
        case .none: return false
        case .builtin: return options.parameterClass.contains(.builtin)
        case .service: return options.parameterClass.contains(.service)
        case .user: return options.parameterClass.contains(.user)
        }
      }
      selected = model.names.sorted(ids)
    } else {
      selected = options.operands.map { model.names.find($0) ?? -1 }
    }
    let printer = ListingPrinter(frozen: FrozenParameterModel(model), mode: mode)
    var start = 0
    if options.operands.isEmpty && selected.count >= parallelListingThreshold {
      // A long listing is formatted on two threads, block by block; what
      // precedes the first block that would warn or fail is exactly what the
      // plain loop prints, and the plain loop goes on from there.
      start = printer.print(selected) { bytes in printAndDrain(bytes) }
    }
    // The plain loop has work left only when the listing was short or failed.
    var cache = FrozenParameterModel.LookupCache(
      count: start < selected.count && mode.contains(.expand) ? model.names.count : 0)
    for index in selected.indices[start...] {
      let id = selected[index]
      guard id >= 0, model.isKnown(id) else {
        let operand = options.operands.isEmpty ? [] : options.operands[index]
        warn("\(Printable.sanitize(operand)): unknown parameter")
        continue
      }
      do {
        try printer.appendLine(id, cache: &cache, into: &pending)
      } catch let failure as PostconfExpansionFailure {
        for warning in failure.warnings { warn(warning) }
        throw PostconfFatal(message: failure.fatal)
      }
      drainFullBuffers()
    }
  }

  mutating func flagUnusedMain(_ model: ParameterModel) {
    // The scan already walked main.cf's settings in hash order; deletions
    // (read-only names) do not change the order of the others. The unused
    // names are counted, not collected: a list of them would be a table of
    // every name of a main.cf of names of its own, held while they print.
    let ordered = model.mainOrder ?? model.settingsInHashOrder()
    var unused = 0
    for (index, id) in ordered.enumerated() {
      model.prefetch(after: index, in: ordered[...])
      if Self.isUnused(id, model: model) { unused += 1 }
    }
    guard unused > 0 else { return }
    // Standard output goes out before the first warning, as postconf flushes it.
    flush()
    let head = warningPrefix + Array("\(mainPath): unused parameter: ".utf8)
    guard emit != nil, batchesStderr, unused >= parallelListingThreshold else {
      for id in ordered where Self.isUnused(id, model: model) {
        writeWarningLine { Self.appendUnusedWarning(id, head: head, model: model, to: &$0) }
      }
      return
    }
    // Many warnings are formatted on two threads, block by block, and
    // written in order; nothing here can fail. The model is only read.
    let frozen = FrozenParameterModel(model)
    let size = ListingPrinter.blockSize
    _ = TwoThreads.inOrder(
      blocks: (ordered.count + size - 1) / size, makeState: {},
      format: { index, _, out in
        Self.appendUnusedWarnings(
          ordered[(index * size)..<min(index * size + size, ordered.count)], head: head,
          model: frozen.model, to: &out)
        return true
      },
      output: { block in
        // A block of names that are all used prints nothing.
        if !block.isEmpty { writeStderrBlock(block) }
      })
  }

  /// Whether main.cf's setting of `id` is unused: postconf knows no
  /// parameter of that name and nothing refers to it.
  static func isUnused(_ id: NameTable.ID, model: ParameterModel) -> Bool {
    !model.isKnown(id) && model.hasSetting(id)
  }

  /// Appends `head` (the warning prefix and `main.cf: unused parameter: `)
  /// and `name=value` of the setting `id`, printable, without a newline.
  static func appendUnusedWarning<Sink: ByteSink>(
    _ id: NameTable.ID, head: [UInt8], model: ParameterModel, to line: inout Sink
  ) {
    head.withUnsafeBufferPointer { line.put($0) }
    model.names.withName(id) { Printable.put($0, to: &line) }
    line.put(UInt8(ascii: "="))
    model.withSetting(id) { Printable.put($0, to: &line) }
  }

  /// Appends the warning line of each unused name of `ids`
  /// (``isUnused(_:model:)``), newline included.
  ///
  /// The lines are ``appendUnusedWarning(_:head:model:to:)``'s. The room of
  /// all of them is made at once (a name and a value print as many bytes as
  /// they hold) and written in place: a main.cf of many unused names spends
  /// its time here, and appending each piece to an array costs more than
  /// the bytes it copies.
  static func appendUnusedWarnings(
    _ ids: ArraySlice<NameTable.ID>, head: [UInt8], model: ParameterModel, to out: inout [UInt8]
  ) {
    var bound = 0
    for (index, id) in zip(ids.indices, ids) {
      model.prefetch(after: index, in: ids, bytes: true)
      if isUnused(id, model: model) {
        bound += head.count + model.names.length(id) + model.settingLength(id) + 2
      }
    }
    let origin = out.count
    // The buffer is reused for later blocks, whose lines run a little longer
    // (later names and values): room for them too, or each buffer would grow
    // by doubling once.
    if out.capacity < origin + bound { out.reserveCapacity(origin + bound + bound / 8) }
    out.append(contentsOf: repeatElement(0, count: bound))
    var written = 0
    out.withUnsafeMutableBufferPointer { buffer in
      guard let base = buffer.baseAddress else { return }
      var room = RoomSink(base: base + origin, capacity: bound)
      for id in ids where isUnused(id, model: model) {
        appendUnusedWarning(id, head: head, model: model, to: &room)
        room.put(0x0A)
      }
      written = room.count
    }
    out.removeLast(bound - written)
  }

  mutating func flagUnusedMaster(_ model: ParameterModel, master: PostconfMaster?) {
    guard let master else { return }
    emitUnusedMaster(Self.unusedMasterParameters(model, master: master), of: master)
  }

  /// Writes master.cf's unused-parameter warnings, after standard output,
  /// each made as it is written.
  mutating func emitUnusedMaster(_ unused: MasterCF.UnusedParameters?, of master: PostconfMaster) {
    guard let unused, !unused.found.isEmpty else { return }
    var head: [UInt8] = []
    Array("\(masterPath): unused parameter: ".utf8).withUnsafeBufferPointer {
      Printable.append($0, to: &head)
    }
    let entries = master.document.entries
    for place in unused.found {
      flush()
      let (name, value) = unused.parameter(place, in: entries)
      warnLine { line in
        line += head
        name.withUnsafeBufferPointer { Printable.append($0, to: &line) }
        line.append(UInt8(ascii: "="))
        value.withUnsafeBufferPointer { Printable.append($0, to: &line) }
      }
    }
  }

  /// The master.cf `-o` settings postconf warns about as unused, as places
  /// (``emitUnusedMaster(_:of:)`` writes the warnings).
  ///
  /// Found from the model once the start-up pass is done; only reads both.
  /// Nil when there are none.
  static func unusedMasterParameters(_ model: ParameterModel, master: PostconfMaster)
    -> MasterCF.UnusedParameters?
  {
    // Most files set only names postconf knows: nothing to warn about,
    // found from each entry's `-o` names where they lie, without the table
    // of copies the warnings are made from.
    let (names, nodes) = (model.names, model.nodes)
    func isKnown(_ name: UnsafeBufferPointer<UInt8>) -> Bool {
      names.find(name).map { nodes[Int($0)].isKnown } ?? false
    }
    let allKnown = master.document.entries.withUnsafeBufferPointer { entries in
      entries.allSatisfy { entry in
        !entry.isValid
          || entry.allOverrideNames(satisfy: isKnown)
      }
    }
    if allKnown { return nil }
    return master.document.unusedParameters { entry, name in
      if name.withUnsafeBufferPointer(isKnown) { return true }
      let text = String(decoding: name, as: UTF8.self)
      let (service, type) =
        entry.withServiceAndType {
          (String(decoding: $0, as: UTF8.self), String(decoding: $1, as: UTF8.self))
        } ?? ("", "")
      // One scope per service and type, found by its key (a search of all
      // scopes per unused name was quadratic in the number of services).
      guard let position = model.scopePosition(service: service, type: type) else {
        return false
      }
      return model.scopeHasValidName(text, at: position)
    }
  }
}

extension Array where Element == UInt8 {
  /// Whether `needle` occurs in the array.
  func containsSubsequence(_ needle: [UInt8]) -> Bool {
    guard !needle.isEmpty, needle.count <= count else { return needle.isEmpty }
    var start = 0
    while start + needle.count <= count {
      if self[start] == needle[0] && self[start..<(start + needle.count)].elementsEqual(needle) {
        return true
      }
      start += 1
    }
    return false
  }
}
