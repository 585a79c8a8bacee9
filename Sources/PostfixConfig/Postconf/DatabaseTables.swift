extension PostconfSession {
  /// postconf's `pcf_register_dbms_parameters` on a fully expanded value:
  /// legacy `type:prefix` names become valid, client configuration files
  /// are checked (once per `type:path`), and unbalanced braces are reported.
  ///
  /// A syntax error in a client file ends the command, as in postconf.
  mutating func registerDatabaseTables(
    in value: [UInt8], scopeIndex: Int?, model: inout ParameterModel
  ) throws {
    let isDatabase = databaseTypeFilter()
    try LegacyDatabase.forEachEvent(in: value, types: isDatabase) { event in
      try register(event, scopeIndex: scopeIndex, model: &model)
    }
  }

  /// ``registerDatabaseTables(in:scopeIndex:model:)`` on main.cf's setting
  /// of `id` where it lies in the file, when it is spread over continuation
  /// lines and free of braces (see ``LegacyDatabase/forEachEvent(inPieces:of:types:_:)``):
  /// a long list value is not joined first.
  /// - Returns: False, with nothing done, when the setting is not such a value.
  mutating func registerDatabaseTables(inPiecesOf id: NameTable.ID, model: inout ParameterModel)
    throws -> Bool
  {
    let isDatabase = databaseTypeFilter()
    var events: [LegacyDatabase.Event] = []
    // The events are collected first: reporting one changes the model, whose
    // pieces and file the walk reads.
    let walked = model.withSettingPieces(id) { file, pieces in
      LegacyDatabase.forEachEvent(inPieces: pieces, of: file, types: isDatabase) {
        events.append($0)
      }
    }
    guard walked == true else { return false }
    for event in events { try register(event, scopeIndex: nil, model: &model) }
    return true
  }

  // Whether a `type:` names a client database: a long list value names a
  // table (`hash:...`) on every line, and the walk reports only client
  // database types. A type whose first byte starts none is passed over at
  // once; the others are compared by length first and then with one memcmp.
  private mutating func databaseTypeFilter() -> LegacyDatabase.TypeFilter {
    if databaseTypes == nil {
      let types = inputs.catalog.legacyDatabaseTypes.map { Array($0.utf8) }
      var initials = [Bool](repeating: false, count: 256)
      for type in types { if let first = type.first { initials[Int(first)] = true } }
      databaseTypes = (types, initials)
    }
    let (databaseTypes, initials) = databaseTypes ?? ([], [])
    return { type in
      guard let first = type.first, initials[Int(first)] else { return false }
      return databaseTypes.contains { known in
        known.count == type.count
          && known.withUnsafeBufferPointer { known in known.hasSameBytes(as: type) }
      }
    }
  }

  // What one event of the walk does.
  private mutating func register(
    _ event: LegacyDatabase.Event, scopeIndex: Int?, model: inout ParameterModel
  ) throws {
    switch event {
    case .braceError(let text):
      let source =
        scopeIndex.map { model.scope(at: $0) }.map { "master.cf:\($0.service)/\($0.type)" }
        ?? "main.cf"
      warn("\(source): \(Printable.sanitize(text))")
    case .legacy(let type, let prefix):
      let suffixes = inputs.catalog.legacyDatabaseSuffixes(
        type: String(decoding: type, as: UTF8.self))
      for suffix in suffixes {
        let name = Array(prefix) + [UInt8(ascii: "_")] + Array(suffix.utf8)
        // A name nothing sets or knows was never interned, and is left alone.
        guard let id = model.serviceAwareID(name) else { continue }
        flagUser(id: id, scopeIndex: scopeIndex, model: &model, warnUndefined: false)
      }
    case .clientFile(let type, let path):
      let typeName = String(decoding: type, as: UTF8.self)
      try checkDatabaseClientFile(
        DatabaseClientFile(type: typeName, path: Array(path)), model: &model)
    }
  }

  /// postconf's `pcf_check_dbms_client`: reads the file the first time it
  /// is named and reports what ``DatabaseClientFile/problems(in:knownNames:)`` finds.
  mutating func checkDatabaseClientFile(_ file: DatabaseClientFile, model: inout ParameterModel)
    throws
  {
    guard model.databaseClientFileSet.insert(file).inserted else { return }
    model.databaseClientFiles.append(file)
    guard let read = inputs.databaseClientFileReader else { return }
    let problems = file.problems(
      in: read(file.path), knownNames: inputs.catalog.legacyDatabaseSuffixes(type: file.type))
    for problem in problems {
      if problem.diagnostic.severity == .fatal {
        throw PostconfFatal(message: problem.diagnostic.message)
      }
      warn(problem.diagnostic.message)
    }
  }
}
