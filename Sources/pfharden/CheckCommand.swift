import PostfixConfig
import PostfixHardening

#if canImport(Glibc)
import Glibc
#endif

/// `pfharden check`: audits the effective Postfix configuration per service.
enum CheckCommand {
  /// Parsed command line.
  struct Invocation: Equatable {
    var directory = "/etc/postfix"
    var format = "text"
    var minimumSeverity = Severity.warning
    var portTwentyFiveRole: Role?
    var serviceRoles: [String: Role] = [:]
    var targetVersion: PostfixVersion?
    var live = false
    var configOnly = false
  }

  enum Parsed: Equatable {
    case run(Invocation)
    case help
    case usage(String)
  }

  /// Runs the command.
  /// - Parameters:
  ///   - arguments: The arguments after `check`.
  ///   - console: Where output goes.
  /// - Returns: The exit status.
  static func run(arguments: [String], console: inout Console) -> Int32 {
    let invocation: Invocation
    switch parse(arguments, environment: console.environment) {
    case .help:
      console.out(help)
      return 0
    case .usage(let message):
      return CLI.usageError("check", message, console: &console)
    case .run(let parsed):
      invocation = parsed
    }
    let directory = invocation.directory
    var info = stat()
    guard stat(directory, &info) == 0 else {
      let reason = String(cString: strerror(errno))
      console.err(
        "pfharden check: error: cannot read configuration directory \(directory): \(reason)\n")
      return 2
    }
    guard info.st_mode & S_IFMT == S_IFDIR else {
      console.err("pfharden check: error: \(directory) is not a directory\n")
      return 2
    }
    let loaded: LoadedConfiguration
    do {
      loaded = try ConfigurationDirectory.open(
        directory, options: ConfigurationDirectory.Options(environment: console.environment))
    } catch {
      let reason = ConfigFile.failureReason(error, path: directory + "/main.cf")
      console.err("pfharden check: error: cannot read \(directory)/main.cf: \(reason)\n")
      return 2
    }
    // A missing master.cf is an error finding (Postfix cannot start without
    // it), not a guess; an unreadable one leaves the audit incomplete.
    if case .unreadable(let reason) = loaded.masterCFState {
      console.err(
        "pfharden check: error: cannot read \(directory)/master.cf: \(reason); the audit is incomplete\n"
      )
    }
    let configuration = loaded.configuration
    var options = AuditOptions(
      targetVersion: invocation.targetVersion, portTwentyFiveRole: invocation.portTwentyFiveRole,
      serviceRoles: invocation.serviceRoles, minimumSeverity: invocation.minimumSeverity,
      masterCF: loaded.masterCFState)
    if !invocation.configOnly || invocation.live {
      var facts = HostFactsReader.gather(configuration: configuration, live: invocation.live)
      if invocation.configOnly {
        facts = HostFacts(isRoot: facts.isRoot, listening: facts.listening)
      }
      options.host = facts
    }
    let report = LibraryWording.roles(Audit.run(configuration: configuration, options: options))
    switch invocation.format {
    case "json": JSONReport.render(report) { console.out($0) }
    case "sarif": console.out(SARIFReport.render(report))
    default:
      let colour =
        console.stdoutIsTerminal
        && console.environment["NO_COLOR"] == nil
      PostfixHardening.TextReport.render(report, colour: colour) { console.out($0) }
    }
    ProcessMemory.keepUntilExit((loaded, report), console: console)
    if !report.isComplete { return 2 }
    return report.findings.isEmpty ? 0 : 1
  }

  /// Parses the arguments after `check`.
  /// - Parameters:
  ///   - arguments: The arguments.
  ///   - environment: The environment (`MAIL_CONFIG` sets the default directory).
  /// - Returns: What to do.
  static func parse(_ arguments: [String], environment: [String: String] = [:]) -> Parsed {
    var invocation = Invocation()
    if let configured = environment["MAIL_CONFIG"], !configured.isEmpty {
      invocation.directory = configured
    }
    let scanned: ScannedArguments
    switch spec.scan(arguments) {
    case .help: return .help
    case .usage(let message): return .usage(message)
    case .scanned(let items): scanned = items
    }
    if let value = scanned.positionals.first { return .usage(ScannedArguments.unexpected(value)) }
    invocation.live = scanned.contains(Option.live)
    invocation.configOnly = scanned.contains(Option.configOnly)
    if let value = scanned.value(of: .configDirectory) {
      guard !value.isEmpty else { return .usage("-c needs a directory") }
      invocation.directory = value
    }
    if let value = scanned.value(of: Option.format) {
      guard ["text", "json", "sarif"].contains(value) else {
        return .usage("--format must be text, json or sarif")
      }
      invocation.format = value
    }
    if let value = scanned.value(of: Option.minSeverity) {
      guard let severity = Severity(rawValue: value) else {
        return .usage("--min-severity must be info, warning or error")
      }
      invocation.minimumSeverity = severity
    }
    if let value = scanned.value(of: Option.postfixVersion) {
      guard let version = PostfixVersion(value) else {
        return .usage("--postfix-version must be a release such as 3.7.11")
      }
      invocation.targetVersion = version
    }
    let roles = Role.allCases.map(\.rawValue).joined(separator: ", ")
    for value in scanned.values(of: Option.role) {
      if let equals = value.firstIndex(of: "=") {
        let service = String(value[..<equals])
        guard !service.isEmpty,
          let role = Role(rawValue: String(value[value.index(after: equals)...]))
        else { return .usage("--role SERVICE=ROLE needs a service and one of \(roles)") }
        invocation.serviceRoles[service] = role
      } else {
        guard let role = Role(rawValue: value) else {
          return .usage("--role must be one of \(roles), or SERVICE=ROLE")
        }
        invocation.portTwentyFiveRole = role
      }
    }
    return .run(invocation)
  }
}
