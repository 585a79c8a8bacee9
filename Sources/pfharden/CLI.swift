import PostfixConfig
import PostfixHardening
import SMTPProbe

/// The pfharden command line: parses the subcommand and dispatches.
enum CLI {
  /// Exit statuses shared by every pfharden command (`postconf` keeps postconf's own).
  enum ExitCode {
    /// Nothing to report.
    static let clean: Int32 = 0
    /// Findings, or changes pending.
    static let findings: Int32 = 1
    /// Could not read or complete.
    static let failure: Int32 = 2
    /// Usage error.
    static let usage: Int32 = 64
  }

  /// pfharden's own version (`pfharden --version`).
  static let version = "0.5.0"

  /// Reports a usage error of `pfharden COMMAND` the same way for every command.
  /// - Parameters:
  ///   - command: The subcommand (`apply`, `check`, ...).
  ///   - message: What is wrong.
  ///   - console: Where the message goes.
  /// - Returns: ``ExitCode/usage``.
  static func usageError(_ command: String, _ message: String, console: inout Console) -> Int32 {
    console.err(
      "pfharden \(command): error: \(message)\nRun 'pfharden \(command) --help' for usage.\n")
    return ExitCode.usage
  }

  /// An error as a command prints it: the reason of the libraries' errors
  /// (their description also names the code), anything else as it describes itself.
  /// - Parameter error: The error.
  /// - Returns: The text after `pfharden COMMAND: error: `.
  static func describe(_ error: any Error) -> String {
    if let error = error as? PostfixHardeningError { return LibraryWording.reason(of: error) }
    if let error = error as? PostfixConfigError { return error.reason }
    if let error = error as? SMTPProbeError { return error.reason }
    return "\(error)"
  }

  /// The configuration directory when `-c` is not given: `MAIL_CONFIG` when
  /// set and not empty (as Postfix's own commands do), else `/etc/postfix`.
  /// - Parameter environment: The environment the command sees.
  /// - Returns: The directory.
  static func defaultConfigDirectory(environment: [String: String]) -> String {
    if let configured = environment["MAIL_CONFIG"], !configured.isEmpty { return configured }
    return "/etc/postfix"
  }

  /// Splits `--name=value` into the option and its attached value.
  /// - Parameter argument: One command-line argument.
  /// - Returns: The option, and the value after `=` for a long option that has one.
  static func splitLongOption(_ argument: String) -> (option: String, value: String?) {
    guard argument.hasPrefix("--"), let equals = argument.firstIndex(of: "=") else {
      return (argument, nil)
    }
    return (String(argument[..<equals]), String(argument[argument.index(after: equals)...]))
  }

  /// Runs pfharden with the given command line.
  /// - Parameters:
  ///   - arguments: The full argument vector, program name first.
  ///   - console: Where output goes and what environment the command sees.
  /// - Returns: The process exit status.
  static func run(arguments: [String], console: inout Console) -> Int32 {
    let program = arguments.first ?? "pfharden"
    let base = program.split(separator: "/").last.map(String.init) ?? program
    if base == "postconf" {
      return PostconfCommand.run(
        programName: program, arguments: Array(arguments.dropFirst()), console: &console)
    }
    var rest = Array(arguments.dropFirst())
    guard let sub = rest.first else {
      console.err(overview)
      return ExitCode.usage
    }
    rest.removeFirst()
    switch sub {
    case "postconf":
      return PostconfCommand.run(
        programName: PostconfCommand.subcommandProgramName, arguments: rest, console: &console)
    case "apply":
      return ApplyCommand.run(arguments: rest, console: &console)
    case "backup":
      return BackupCommand.run(arguments: rest, console: &console)
    case "restore":
      return RestoreCommand.run(arguments: rest, console: &console)
    case "diff":
      return DiffCommand.run(arguments: rest, console: &console)
    case "version":
      return VersionCommand.run(arguments: rest, console: &console)
    case "check":
      return CheckCommand.run(arguments: rest, console: &console)
    case "probe":
      return ProbeCommand.run(arguments: rest, console: &console)
    case "completion":
      return CompletionCommand.run(arguments: rest, console: &console)
    case "help":
      return help(rest, program: program, console: &console)
    case "--help", "-h":
      console.out(overview)
      return ExitCode.clean
    case "--version", "-V":
      console.out(
        "pfharden \(version) (postconf emulation of Postfix "
          + "\(ParameterCatalog.embeddedVersion.map { "\($0)" } ?? "3.7"))\n")
      return ExitCode.clean
    default:
      return unknown(sub, console: &console)
    }
  }

  /// The subcommands.
  static var known: [String] { specs.map(\.name) }

  /// Reports an unknown subcommand (shown sanitised) with the closest one.
  /// - Parameters:
  ///   - sub: What was typed.
  ///   - console: Where the message goes.
  /// - Returns: ``ExitCode/usage``.
  static func unknown(_ sub: String, console: inout Console) -> Int32 {
    var message = "pfharden: unknown subcommand '\(Printable.sanitize(sub.utf8))'."
    if let guess = Suggest.closest(to: sub, among: known + versionOption.names) {
      message += " Did you mean '\(guess)'?"
    }
    console.err(message + "\nRun 'pfharden help' for usage.\n")
    return ExitCode.usage
  }
}

/// "Did you mean ...?" by edit distance.
enum Suggest {
  /// The candidate closest to `word`, if it is close enough to be a plausible typo.
  /// - Parameters:
  ///   - word: What the user typed.
  ///   - candidates: The valid words.
  /// - Returns: The best candidate, or nil when none is close.
  static func closest(to word: String, among candidates: [String]) -> String? {
    var best: (String, Int)?
    for candidate in candidates {
      let distance = EditDistance.between(Array(word.utf8), Array(candidate.utf8))
      if distance <= max(2, candidate.utf8.count / 3), best == nil || distance < best?.1 ?? .max {
        best = (candidate, distance)
      }
    }
    return best?.0
  }
}
