/// `pfharden completion bash|zsh`: prints a completion script made from the
/// commands' declarations.
enum CompletionCommand {
  /// The command line of `pfharden completion`.
  static let spec = CommandSpec(
    name: "completion",
    summary: "Print the bash or zsh completion script for pfharden.",
    overview: """
      Print a shell completion script for pfharden's commands, options and
      option values, made from the same declarations as --help.
      """,
    usage: "pfharden completion bash|zsh",
    preamble: [
      HelpSection(
        "ARGUMENTS",
        """

          bash|zsh                The shell the script is for.
        """)
    ],
    options: [],
    sections: [
      HelpSection(
        "EXAMPLES",
        """

          pfharden completion bash > /usr/share/bash-completion/completions/pfharden
          pfharden completion zsh > /usr/local/share/zsh/site-functions/_pfharden
        """),
      HelpSection("EXIT STATUS", "0 script printed, 64 usage error."),
    ],
    arguments: .choices(["bash", "zsh"]))

  /// `--help`.
  static var help: String { HelpText.render(spec) }

  /// Runs the command.
  /// - Parameters:
  ///   - arguments: The arguments after `completion`.
  ///   - console: Where output goes.
  /// - Returns: The exit status.
  static func run(arguments: [String], console: inout Console) -> Int32 {
    let shells: [String]
    switch spec.scan(arguments) {
    case .help:
      console.out(help)
      return CLI.ExitCode.clean
    case .usage(let message):
      return CLI.usageError("completion", message, console: &console)
    case .scanned(let scanned):
      shells = scanned.positionals
    }
    switch shells {
    case ["bash"]: console.out(Completions.bash(CLI.specs))
    case ["zsh"]: console.out(Completions.zsh(CLI.specs))
    case []: return CLI.usageError("completion", "missing SHELL (bash or zsh)", console: &console)
    default:
      var message = "not a shell: '\(ScannedArguments.sanitized(shells[0]))' (bash or zsh)"
      if shells.count > 1 { message = ScannedArguments.unexpected(shells[1]) }
      return CLI.usageError("completion", message, console: &console)
    }
    return CLI.ExitCode.clean
  }
}
