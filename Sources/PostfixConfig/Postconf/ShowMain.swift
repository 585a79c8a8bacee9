#if canImport(Glibc)
import Glibc
#endif

extension PostconfSession {
  static let levelOperator = Array("level {".utf8)

  /// Names in postconf's listing order (strcmp), each converted to bytes once.
  static func sortedBytewise(_ names: [String]) -> [String] {
    let keyed = names.map { (bytes: Array($0.utf8), name: $0) }
    return keyed.sorted { left, right in
      left.bytes.withUnsafeBufferPointer { a in
        right.bytes.withUnsafeBufferPointer { b in
          let common = min(a.count, b.count)
          guard common > 0, let x = a.baseAddress, let y = b.baseAddress else {
            return a.count < b.count
          }
          let order = memcmp(x, y, common)
          return order != 0 ? order < 0 : a.count < b.count
        }
      }
    }.map(\.name)
  }

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
      try registerUserParameters(into: &model)
    }
    try showParameters(model)
    if !defaultsOnly {
      flagUnusedMain(model)
      flagUnusedMaster(model, master: master)
    }
  }

  /// Loads main.cf into the dictionary, with postconf's reading diagnostics.
  mutating func readMain(into model: inout ParameterModel) throws {
    if inputs.configDirectoryInjected {
      model.dictionary[Array("config_directory".utf8)] = Array(inputs.configDirectory.utf8)
    }
    let bytes: [UInt8]
    switch inputs.mainCF {
    case .contents(let contents): bytes = contents
    case .unreadable(let reason): throw PostconfFatal(message: "open \(mainPath): \(reason)")
    }
    let read = PostconfAdapters.readMain(bytes, path: mainPath)
    for event in read {
      switch event {
      case .entry(let name, let value, let line):
        if let old = model.dictionary[name], old != value {
          warn(
            "\(mainPath), line \(line): overriding earlier entry: "
              + Printable.sanitize(name) + "=" + Printable.sanitize(old))
        }
        model.dictionary[name] = value
      case .warning(let text):
        warn(text)
      case .fatal(let text):
        throw PostconfFatal(message: text)
      }
    }
  }

  /// `-o name=value`: replaces or adds a setting for this run only.
  mutating func applyOverrides(into model: inout ParameterModel) throws {
    for override in options.overrides {
      guard let split = PostconfAdapters.splitNameValue(override) else {
        throw PostconfFatal(message: "invalid parameter override: \(Printable.sanitize(override))")
      }
      model.dictionary[split.name] = split.value
    }
  }

  mutating func registerBuiltins(into model: inout ParameterModel) {
    for parameter in PostconfAdapters.catalogParameters(inputs.catalog) {
      model.table[parameter.name] = ParameterModel.Node(
        kind: .builtin, defaultValue: parameter.defaultValue, isRaw: parameter.isRaw,
        isReadOnly: parameter.isReadOnly, isHostDependent: parameter.isHostDependent,
        isUnlisted: parameter.isUnlisted)
    }
  }

  /// Reads master.cf; a missing file warns (main.cf modes) or is fatal (-M/-F/-P).
  ///
  /// The master.cf printers report reading problems themselves, so `-M/-F/-P`
  /// pass `reportProblems: false`.
  mutating func readMaster(failOnOpenError: Bool, reportProblems: Bool = true) throws
    -> PostconfMaster?
  {
    switch inputs.masterCF {
    case .unreadable(let reason):
      let text = "open \(masterPath): \(reason)"
      if failOnOpenError { throw PostconfFatal(message: text) }
      warn(text)
      return nil
    case .contents(let bytes):
      let master = PostconfAdapters.readMaster(bytes, path: masterPath)
      for diagnostic in master.diagnostics where reportProblems {
        if diagnostic.severity == .fatal { throw PostconfFatal(message: diagnostic.message) }
        warn(diagnostic.message)
      }
      return master
    }
  }

  mutating func registerServices(_ master: PostconfMaster?, into model: inout ParameterModel) {
    guard let master else { return }
    for service in master.services {
      for parameter in PostconfAdapters.serviceParameters(
        service: service.name, command: service.command, catalog: inputs.catalog)
      {
        model.table[parameter.name] = ParameterModel.Node(
          kind: .service, defaultValue: parameter.defaultValue)
      }
      // Entries with the same service/type share one name space, as in postconf.
      let index =
        model.services.firstIndex { $0.service == service.name && $0.type == service.type }
        ?? {
          model.services.append(
            ParameterModel.ServiceScope(
              service: service.name, type: service.type, line: service.line))
          return model.services.count - 1
        }()
      for (name, value) in service.overrides { model.services[index].settings[name] = value }
    }
  }

  /// postconf's `register_user_parameters`: validates user-defined names that
  /// are referenced, warns about undefined references, drops read-only
  /// assignments, and fully expands every known parameter's value (an error
  /// there is fatal for the whole command).
  mutating func registerUserParameters(into model: inout ParameterModel) throws {
    for index in model.services.indices where !model.services[index].settings.isEmpty {
      try scanNamespace(model: &model, scopeIndex: index)
    }
    // Default values reference only names postconf knows or keeps for
    // compatibility; they validate names but never warn.
    let unset = model.table.filter { name, node in
      !node.isRaw && node.kind != .user && model.dictionary[Array(name.utf8)] == nil
    }
    for name in Self.sortedBytewise(Array(unset.keys)) {
      guard let node = unset[name] else { continue }
      // Host-dependent defaults are computed here, and their errors (no
      // interface, unknown host in inet_interfaces) are fatal, as in postconf.
      let computed: [UInt8]?
      do {
        computed = try model.defaultValue(of: name, node: node, mode: [])
      } catch let failure as PostconfExpansionFailure {
        for warning in failure.warnings { warn(warning) }
        throw PostconfFatal(message: failure.fatal)
      }
      guard let value = computed else { continue }
      // The scan evaluates compatibility-level comparisons (`<level`), and a
      // malformed compatibility_level there is fatal for the whole command.
      if value.containsSubsequence(Self.levelOperator) {
        try checkCompatibilityLevel(model)
      }
      for case .reference(let reference, _) in PostconfAdapters.scan(value) {
        flagUser(reference, scopeIndex: nil, model: &model, warnUndefined: false)
      }
    }
    try scanNamespace(model: &model, scopeIndex: nil)
  }

  /// postconf evaluates `{$compatibility_level} <level {N}` while scanning
  /// default values; a level it cannot parse ends the command.
  mutating func checkCompatibilityLevel(_ model: ParameterModel) throws {
    guard let raw = model.dictionary[Array("compatibility_level".utf8)] else { return }
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

  /// Scans main.cf's settings (scopeIndex nil) or one service's `-o` settings.
  mutating func scanNamespace(model: inout ParameterModel, scopeIndex: Int?) throws {
    let settings: OrderedBytesDictionary
    if let scopeIndex {
      settings = model.services[scopeIndex].settings
    } else {
      settings = model.dictionary
    }
    let source = scopeIndex == nil ? mainPath : masterPath
    let classKey = Array("smtpd_restriction_classes".utf8)
    if let classes = settings[classKey] {
      let expanded =
        (try? model.expand(
          classes, mode: [], scope: scopeIndex.map { model.services[$0] })) ?? classes
      for word in expanded.split(whereSeparator: { " ,\t\r\n".utf8.contains($0) }) {
        let name = String(decoding: word, as: UTF8.self)
        if scopeIndex == nil { model.restrictionClasses.insert(name) }
        _ = flagUser(name, scopeIndex: scopeIndex, model: &model, warnUndefined: true)
      }
    }
    let ordered = PostconfAdapters.hashOrder(settings.entries)
    if scopeIndex == nil { model.mainOrder = ordered.map(\.key) }
    for (key, value) in ordered {
      let name = String(decoding: key, as: UTF8.self)
      if let scopeIndex, model.table[name] == nil, model.restrictionClasses.contains(name) {
        model.services[scopeIndex].validNames.insert(name)
      }
      if let node = model.table[name] {
        if node.isReadOnly {
          warn(
            "\(source): read-only parameter assignment: "
              + Printable.sanitize(key) + "=" + Printable.sanitize(value))
          if let scopeIndex {
            model.services[scopeIndex].settings[key] = nil
          } else {
            model.dictionary[key] = nil
          }
          continue
        }
        if node.isRaw { continue }
      }
      for event in PostconfAdapters.scan(value) {
        switch event {
        case .warning(let text): warn(text)
        case .reference(let reference, _):
          flagUser(reference, scopeIndex: scopeIndex, model: &model, warnUndefined: true)
        }
      }
      if let node = model.table[name], node.kind != .user {
        let scope = scopeIndex.map { model.services[$0] }
        let expanded: [UInt8]
        do {
          expanded = try model.expand(value, mode: [.expand], scope: scope)
        } catch let failure as PostconfExpansionFailure {
          for warning in failure.warnings { warn(warning) }
          throw PostconfFatal(message: failure.fatal)
        }
        for name in PostconfAdapters.legacyDatabaseParameters(
          in: expanded, catalog: inputs.catalog)
        {
          flagUser(name, scopeIndex: scopeIndex, model: &model, warnUndefined: false)
        }
      }
    }
  }

  /// postconf's `flag_user_parameter`: a referenced name with a setting in the
  /// local or global name space becomes valid; otherwise, if no parameter has
  /// that name, `undefined parameter`.
  @discardableResult
  mutating func flagUser(
    _ name: String, scopeIndex: Int?, model: inout ParameterModel, warnUndefined: Bool
  ) -> Bool {
    let key = Array(name.utf8)
    var supplied = false
    if let scopeIndex, model.services[scopeIndex].settings[key] != nil {
      supplied = true
      model.services[scopeIndex].validNames.insert(name)
    } else if model.dictionary[key] != nil {
      supplied = true
      if model.table[name] == nil { model.table[name] = ParameterModel.Node(kind: .user) }
    }
    if scopeIndex == nil {
      for index in model.services.indices where model.services[index].settings[key] != nil {
        supplied = true
        model.services[index].validNames.insert(name)
      }
    }
    if !supplied && warnUndefined && model.table[name] == nil {
      let source = scopeIndex == nil ? mainPath : masterPath
      warn("\(source): undefined parameter: \(Printable.sanitize(key))")
    }
    return supplied
  }

  /// Prints the selected parameters.
  mutating func showParameters(_ model: ParameterModel) throws {
    let names: [String]
    if options.operands.isEmpty {
      let selected = model.table.filter { name, node in
        if node.isUnlisted {
          // Legacy names are printed only when set, and then as user-defined.
          return options.parameterClass.contains(.user)
            && model.dictionary[Array(name.utf8)] != nil
        }
        // Under -n only names with a setting print: sort just those.
        if mode.contains(.nonDefault) && !mode.contains(.showDefaults)
          && model.dictionary[Array(name.utf8)] == nil
        {
          return false
        }
        switch node.kind {
        case .builtin: return options.parameterClass.contains(.builtin)
        case .service: return options.parameterClass.contains(.service)
        case .user: return options.parameterClass.contains(.user)
        }
      }
      names = Self.sortedBytewise(Array(selected.keys))
    } else {
      names = options.operands.map { String(decoding: $0, as: UTF8.self) }
    }
    for (index, name) in names.enumerated() {
      guard let node = model.table[name] else {
        let raw = options.operands.isEmpty ? Array(name.utf8) : options.operands[index]
        warn("\(Printable.sanitize(raw)): unknown parameter")
        continue
      }
      guard var value = try model.value(of: name, mode: mode) else { continue }
      if mode.contains(.expand) && !node.isRaw {
        do {
          value = try model.expand(value, mode: mode)
        } catch let failure as PostconfExpansionFailure {
          for warning in failure.warnings { warn(warning) }
          throw PostconfFatal(message: failure.fatal)
        }
      }
      LinePrinter.printParameter(
        name: Array(name.utf8), value: value, hideName: mode.contains(.hideName),
        hideValue: mode.contains(.hideValue), fold: mode.contains(.fold), into: &pending)
      drainFullBuffers()
    }
  }

  mutating func flagUnusedMain(_ model: ParameterModel) {
    // The scan already walked main.cf's settings in hash order; deletions
    // (read-only names) do not change the order of the others.
    let ordered =
      model.mainOrder?.compactMap { key in model.dictionary[key].map { (key, $0) } }
      ?? PostconfAdapters.hashOrder(model.dictionary.entries)
    for (key, value) in ordered where model.table[String(decoding: key, as: UTF8.self)] == nil {
      flush()
      warn("\(mainPath): unused parameter: \(Printable.sanitize(key))=\(Printable.sanitize(value))")
    }
  }

  mutating func flagUnusedMaster(_ model: ParameterModel, master: PostconfMaster?) {
    guard let master else { return }
    let warnings = master.document.unusedParameterWarnings(path: masterPath) { entry, name in
      let text = String(decoding: name, as: UTF8.self)
      if model.table[text] != nil { return true }
      let service = String(decoding: entry.service ?? [], as: UTF8.self)
      let type = String(decoding: entry.type ?? [], as: UTF8.self)
      return model.services.contains {
        $0.service == service && $0.type == type && $0.validNames.contains(text)
      }
    }
    for warning in warnings {
      flush()
      warn(warning.message)
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
