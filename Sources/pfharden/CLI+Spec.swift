/// The subcommands' declarations, and the top-level help made from them.
extension CLI {
  /// Every subcommand, in the order the help and the man page list them.
  static var specs: [CommandSpec] {
    [
      PostconfCommand.spec, CheckCommand.spec, ApplyCommand.spec, BackupCommand.spec,
      RestoreCommand.spec, DiffCommand.spec, VersionCommand.spec, ProbeCommand.spec,
      CompletionCommand.spec, helpSpec,
    ]
  }

  /// `pfharden help --man`.
  static let manOption = CommandOption(
    names: ["--man"], value: nil,
    help: "Print the pfharden(8) manual page (roff) made from the same declarations as --help.")

  /// The `help` subcommand.
  static let helpSpec = CommandSpec(
    name: "help",
    summary:
      "Show this help; `pfharden help COMMAND` shows a command's, `pfharden help --man` "
      + "prints the manual page.",
    overview: "Show pfharden's help, a command's help, or the pfharden(8) manual page.",
    usage: """
      pfharden help [COMMAND]
             pfharden help --man > pfharden.8
      """,
    options: [manOption],
    arguments: .choices([
      "postconf", "check", "apply", "backup", "restore", "diff", "version", "probe",
      "completion",
    ]))

  /// `pfharden --version`.
  static let versionOption = CommandOption(
    names: ["-V", "--version"], value: nil,
    help: "Show pfharden's version (`pfharden version` shows Postfix's).")

  /// `pfharden help`: the subcommands and what each does.
  static var overview: String {
    let commands = specs.map { HelpText.entry(label: $0.name, text: $0.summary, column: 14) }
    return """
      OVERVIEW: Read, audit, harden and probe Postfix mail servers.

      USAGE: pfharden <subcommand> [options]

      SUBCOMMANDS:
      \(commands.joined(separator: "\n"))

      OPTIONS:
      \(HelpText.entry(label: "--version", text: versionOption.help, column: 14))

      Invoked under the name `postconf` (a symlink), pfharden behaves exactly
      as `pfharden postconf`, with diagnostics prefixed by that name.

      EXIT STATUS: 0 clean, 1 findings or changes pending, 2 could not read or
      complete, 64 usage error (`postconf` keeps postconf's own statuses).

      """
  }

  /// `pfharden help ...`: the overview, a command's help or the man page.
  /// - Parameters:
  ///   - arguments: The arguments after `help`.
  ///   - program: argv[0].
  ///   - console: Where output goes.
  /// - Returns: The exit status.
  static func help(_ arguments: [String], program: String, console: inout Console) -> Int32 {
    let scanned: ScannedArguments
    switch helpSpec.scan(arguments) {
    case .help:
      console.out(HelpText.render(helpSpec))
      return ExitCode.clean
    case .usage(let message):
      return usageError("help", message, console: &console)
    case .scanned(let items):
      scanned = items
    }
    let commands = scanned.positionals
    if commands.count > 1 || (scanned.contains(manOption) && !commands.isEmpty) {
      return usageError("help", ScannedArguments.unexpected(commands.last ?? ""), console: &console)
    }
    if scanned.contains(manOption) {
      console.out(ManPage.render(specs))
      return ExitCode.clean
    }
    guard let command = commands.first else {
      console.out(overview)
      return ExitCode.clean
    }
    guard known.contains(command), command != "help" else {
      return unknown(command, console: &console)
    }
    return run(arguments: [program, command, "--help"], console: &console)
  }
}
