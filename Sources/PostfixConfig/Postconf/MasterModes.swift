extension PostconfSession {
  /// `postconf -M|-F|-P [-f] [-x] [-h|-H] [pattern ...]`.
  mutating func showMaster() throws {
    // postconf reads master.cf before main.cf here: its reading warnings
    // come first, and its fatal error wins over one in main.cf.
    guard let master = try readMaster(failOnOpenError: true) else { return }
    var model = ParameterModel(inputs: inputs, mode: mode)
    try readMain(into: &model, masterNames: master.serviceParameterCount)
    try applyOverrides(into: &model)
    registerBuiltins(into: &model)
    registerServices(master, into: &model)
    try registerUserParameters(into: &model, master: master)
    let expansionWarnings = ParameterModel.ExpansionWarnings()
    let expand = mode.contains(.expand) ? model.masterExpander(warnings: expansionWarnings) : nil
    if expand == nil && options.operands.isEmpty && !mode.contains(.masterFields)
      && !mode.contains(.masterParameters)
    {
      // Plain `-M [-f]`: nothing can fail or warn once the listing starts,
      // so it goes out as it is formatted instead of being held whole.
      // The unused-parameter warnings, which follow the listing, are found
      // meanwhile: both only read the model and the document.
      flush()
      let (_, unused) = TwoThreads.alongside(
        other: {
          Self.unusedMasterParameters(model, master: master)
        },
        mine: {
          // Nothing can fail or warn until the listing is out: each piece is
          // written as it is, not cut to postconf's buffer size (which matters
          // only when output is lost).
          master.document.printEntries(fold: mode.contains(.fold), pieceSize: 1 << 16) {
            write(.stdout($0))
          }
        })
      emitUnusedMaster(unused, of: master)
      Self.releaseTables(consume master, consume model)
      return
    }
    let report = PostconfAdapters.showMaster(
      master, options: options, path: masterPath, expand: expand)
    // The printers repeat the reading diagnostics, already reported above.
    // What postconf warns while it expands the listing's values comes
    // before what ends the listing (a value that does not expand) and what
    // follows it (patterns that matched nothing).
    for warning in expansionWarnings.take() { warn(warning) }
    for diagnostic in report.diagnostics.dropFirst(master.diagnostics.count) {
      if diagnostic.severity == .fatal { throw PostconfFatal(message: diagnostic.message) }
      warn(diagnostic.message)
    }
    // Handed over, not shared: the listing is written without a copy.
    printAndDrain((consume report).output)
    flagUnusedMaster(model, master: master)
  }

  /// `postconf -Me|-MX|-M#|-Fe|-Pe|-PX ...` on master.cf.
  mutating func editMaster() throws {
    guard let bytes = inputs.masterCF.bytes else {
      if case .unreadable(let reason) = inputs.masterCF {
        throw PostconfFatal(message: "open \(masterPath) for reading: \(reason)")
      }
      return
    }
    let result = PostconfAdapters.editMaster(bytes, options: options, path: masterPath)
    for diagnostic in result.diagnostics {
      if diagnostic.severity == .fatal { throw PostconfFatal(message: diagnostic.message) }
      warn(diagnostic.message)
    }
    outcome.masterCFReplacement = result.document.serialized()
  }
}
