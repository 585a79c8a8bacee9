extension PostconfSession {
  /// `postconf -e|-X|-# name[=value] ...` on main.cf.
  mutating func editMain() throws {
    let editMode: PostconfAdapters.EditMode
    if mode.contains(.edit) {
      editMode = .set
    } else if mode.contains(.exclude) {
      editMode = .remove
    } else {
      editMode = .commentOut
    }
    let request = try PostconfAdapters.parseEdit(mode: editMode, arguments: options.operands)
    for warning in request.warnings { warn(warning) }
    guard let bytes = inputs.mainCF.bytes else {
      if case .unreadable(let reason) = inputs.mainCF {
        throw PostconfFatal(message: "open \(mainPath) for reading: \(reason)")
      }
      return
    }
    let result = PostconfAdapters.applyEdit(request.edit, to: bytes, path: mainPath)
    for warning in result.warnings { warn(warning) }
    outcome.mainCFReplacement = result.bytes
  }
}
