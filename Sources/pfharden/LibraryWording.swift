import PostfixHardening

/// The libraries' structured notes, errors and role origins in pfharden's
/// words: where the library states a fact neutrally, the command names the
/// option that changes it.
enum LibraryWording {
  /// A profile's note.
  /// - Parameter note: The note.
  /// - Returns: The text after `pfharden apply: note: `.
  static func note(_ note: ProfileNote) -> String {
    switch note.kind {
    case .serverTLSUnchanged(let reason):
      return "server TLS left as it is: \(reason); give --cert FILE --key FILE"
    default:
      return note.description
    }
  }

  /// A line of what a profile kept, naming the option that changes it.
  /// - Parameter line: The library's line.
  /// - Returns: The text after `  ` under `Kept:`.
  static func kept(_ line: String) -> String {
    let neutral = "(a SASL path given with the profile replaces it)"
    guard line.hasSuffix(neutral) else { return line }
    return String(line.dropLast(neutral.count)) + "(give --sasl-path to change it)"
  }

  /// A profile's notes, in order.
  /// - Parameter build: What the profile resolved to.
  /// - Returns: The notes as text.
  static func notes(_ build: Profile.Build) -> [String] {
    build.notes.map(note)
  }

  /// An error's reason, naming the option when a profile requirement was not met.
  /// - Parameter error: The error.
  /// - Returns: The text after `pfharden COMMAND: error: `.
  static func reason(of error: PostfixHardeningError) -> String {
    switch error.underlying as? ProfileRequirement {
    case .networksMissing:
      return "the relay profile needs --network CIDR (repeatable) for the systems it relays for"
    case .certificateUnusable(let reason):
      return "not using --cert/--key: \(reason)"
    case nil:
      return error.reason
    }
  }

  /// What an interrupted apply left, with the command that undoes it.
  /// - Parameter apply: The interrupted apply.
  /// - Returns: The text after `pfharden apply: warning: `.
  static func interrupted(_ apply: InterruptedApply) -> String {
    "an earlier apply was interrupted before it finished: \(apply.states); its backup is "
      + "\(apply.backup) (pfharden restore \(apply.backup) -c \(apply.configDirectory) --yes "
      + "puts the old files back; this run plans from the files as they are now)"
  }

  /// The report with each given role's reason naming `--role`.
  /// - Parameter report: The audit report.
  /// - Returns: The report to print.
  static func roles(_ report: AuditReport) -> AuditReport {
    var report = report
    for index in report.services.indices {
      let service = report.services[index]
      switch service.roleOrigin {
      case .givenForService(let key):
        report.services[index].reason = "set with --role \(key)=\(service.role.rawValue)"
      case .givenForPortTwentyFive:
        report.services[index].reason = "set with --role"
      case .inferred:
        break
      }
    }
    return report
  }
}
