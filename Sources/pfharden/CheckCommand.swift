import PostfixConfig
import PostfixHardening

#if canImport(Glibc)
import Glibc
#endif

/// `pfharden check`: audits the effective Postfix configuration per service.
enum CheckCommand {
  static let help = """
    OVERVIEW: Audit what Postfix will actually do: main.cf, each master.cf service
    with its own -o overrides, and the defaults, judged by each smtpd service's
    role (send-only, relay, mx, submission).

    USAGE: pfharden check [-c DIR] [--role ROLE] [--role SERVICE=ROLE]
                          [--postfix-version V] [--format text|json|sarif]
                          [--min-severity info|warning|error] [--live] [--config-only]

    OPTIONS:
      -c DIR                  The configuration directory (default: $MAIL_CONFIG,
                              else /etc/postfix).
      --role ROLE             The role of the port-25 service: send-only, relay, mx or
                              submission (default: inferred and stated in the report).
      --role SERVICE=ROLE     The role of another smtpd service (submission=submission,
                              or name/type such as 127.0.0.1:10025/inet=relay).
                              Repeatable.
      --postfix-version V     The Postfix release the configuration is for: reports
                              parameters it does not have yet (default: the installed
                              release's defaults, or the embedded 3.7.11 catalogue).
      --format text|json|sarif
                              Output format (default: text). JSON is documented in
                              docs/check-json-schema.md (schemaVersion 1); SARIF is
                              2.1.0, for CI code scanning.
      --min-severity info|warning|error
                              The lowest severity reported; any finding left makes
                              the exit status 1 (default: warning).
      --live                  Also compare the TCP sockets listening now
                              (/proc/net/tcp, /proc/net/tcp6) with the configuration.
      --config-only           Audit the files' text only: no file ownership, key or
                              DH parameter checks (for a copy from another host).
      -h, --help              Show this help.

    ROLES: no inet smtpd service, or inet_interfaces loopback-only: send-only; port
    587 and 465: submission; port 25: relay when mynetworks holds non-loopback
    networks, else mx. Behind postscreen the smtpd pass service's settings apply.

    SUPPRESSION: a comment directly above a main.cf entry (or a master.cf service),
      # pfharden: ignore banner-disclosure
    silences that rule for that entry; the report counts what was suppressed.

    EXIT STATUS: 0 no finding at or above --min-severity, 1 findings, 2 the
    configuration could not be read or the audit is incomplete (master.cf exists
    but cannot be read), 64 usage error.

    """

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

  static let valueOptions = ["-c", "--role", "--postfix-version", "--format", "--min-severity"]
  static let flagOptions = ["--live", "--config-only", "--help", "-h"]

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
    let report = Audit.run(configuration: configuration, options: options)
    switch invocation.format {
    case "json": console.out(JSONReport.render(report))
    case "sarif": console.out(SARIFReport.render(report))
    default:
      let colour =
        console.stdoutIsTerminal
        && console.environment["NO_COLOR"] == nil
      console.out(PostfixHardening.TextReport.render(report, colour: colour))
    }
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
    var index = 0
    while index < arguments.count {
      let (argument, inlineValue) = CLI.splitLongOption(arguments[index])
      index += 1
      if flagOptions.contains(argument) {
        if inlineValue != nil { return .usage("option '\(argument)' takes no value") }
        switch argument {
        case "--live": invocation.live = true
        case "--config-only": invocation.configOnly = true
        default: return .help
        }
        continue
      }
      guard valueOptions.contains(argument) else {
        if argument.hasPrefix("-") {
          var message = "unknown option '\(argument)'."
          if let guess = Suggest.closest(to: argument, among: valueOptions + flagOptions) {
            message += " Did you mean '\(guess)'?"
          }
          return .usage(message)
        }
        return .usage("unexpected argument '\(argument)'")
      }
      let value: String
      if let inlineValue {
        value = inlineValue
      } else {
        guard index < arguments.count else { return .usage("option '\(argument)' needs a value") }
        value = arguments[index]
        index += 1
      }
      switch argument {
      case "-c":
        guard !value.isEmpty else { return .usage("-c needs a directory") }
        invocation.directory = value
      case "--format":
        guard ["text", "json", "sarif"].contains(value) else {
          return .usage("--format must be text, json or sarif")
        }
        invocation.format = value
      case "--min-severity":
        guard let severity = Severity(rawValue: value) else {
          return .usage("--min-severity must be info, warning or error")
        }
        invocation.minimumSeverity = severity
      case "--postfix-version":
        guard let version = PostfixVersion(value) else {
          return .usage("--postfix-version must be a release such as 3.7.11")
        }
        invocation.targetVersion = version
      default:
        let roles = Role.allCases.map(\.rawValue).joined(separator: ", ")
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
    }
    return .run(invocation)
  }
}
