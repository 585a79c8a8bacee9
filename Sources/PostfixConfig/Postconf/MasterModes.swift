extension PostconfSession {
  /// `postconf -M|-F|-P [-f] [-x] [-h|-H] [pattern ...]`.
  mutating func showMaster() throws {
    guard let master = try readMaster(failOnOpenError: true) else { return }
    var model = ParameterModel(inputs: inputs, mode: mode)
    try readMain(into: &model)
    try applyOverrides(into: &model)
    registerBuiltins(into: &model)
    registerServices(master, into: &model)
    try registerUserParameters(into: &model)
    let expand: (([UInt8], Int) -> [UInt8]?)? =
      mode.contains(.expand)
      ? { [model] value, serviceIndex in
        let scope =
          model.services.indices.contains(serviceIndex) ? model.services[serviceIndex] : nil
        return try? model.expand(value, mode: [.expand], scope: scope)
      } : nil
    let shown = PostconfAdapters.showMaster(master, options: options, expand: expand)
    for warning in shown.warnings { warn(warning) }
    if let fatal = shown.fatal { throw PostconfFatal(message: fatal) }
    pending += shown.output
    flagUnusedMaster(model)
  }

  /// `postconf -Me|-MX|-M#|-Fe|-Pe|-PX ...` on master.cf.
  mutating func editMaster() throws {
    let edited = PostconfAdapters.editMaster(
      inputs.masterCF, options: options, path: masterPath)
    for warning in edited.warnings { warn(warning) }
    if let fatal = edited.fatal { throw PostconfFatal(message: fatal) }
    outcome.masterCFReplacement = edited.bytes
  }
}
