import PostfixConfig
import PostfixHardening

/// `pfharden backup`: archives the configuration directory and snapshots every
/// effective setting.
enum BackupCommand {
  /// The options of `pfharden backup`.
  enum Option {
    static let to = CommandOption(
      names: ["--to"], value: "DIR",
      help:
        "Where to put the backup, outside the configuration directory (default: "
        + "/var/backups/pfharden; created with mode 0700).",
      completion: .directory)
  }

  /// The command line of `pfharden backup`.
  static let spec = CommandSpec(
    name: "backup",
    summary: "Archive the configuration directory and a postconf snapshot.",
    overview: """
      Back up a Postfix configuration: postfix-YYYY-MM-DD[-N].tar.gz of the
      configuration directory (list it with 'tar tzf') and postconf-YYYY-MM-DD[-N],
      every effective setting as postconf prints it. Never overwrites a backup.
      """,
    usage: "pfharden backup [-c DIR] [--to DIR] [--quiet]",
    options: [.configDirectory, Option.to, .quiet],
    sections: [
      HelpSection(paragraph: "Put the files back with 'pfharden restore ARCHIVE'."),
      HelpSection("EXIT STATUS", "0 backup written, 2 could not complete, 64 usage error."),
    ])

  /// `--help`.
  static var help: String { HelpText.render(spec) }

  /// Runs the command.
  /// - Parameters:
  ///   - arguments: The arguments after `backup`.
  ///   - console: Where output goes.
  /// - Returns: The exit status.
  static func run(arguments: [String], console: inout Console) -> Int32 {
    run(arguments: arguments, console: &console, terminal: nil)
  }

  /// Runs the command, told whether standard error is a terminal (tests).
  /// - Parameters:
  ///   - arguments: The arguments after `backup`.
  ///   - console: Where output goes.
  ///   - terminal: Whether standard error is a terminal; nil asks the console.
  /// - Returns: The exit status.
  static func run(arguments: [String], console: inout Console, terminal: Bool?) -> Int32 {
    let scanned: ScannedArguments
    switch spec.scan(arguments) {
    case .help:
      console.out(help)
      return CLI.ExitCode.clean
    case .usage(let message):
      return usage(message, console: &console)
    case .scanned(let items):
      scanned = items
    }
    if let value = scanned.positionals.first {
      return usage(ScannedArguments.unexpected(value), console: &console)
    }
    let directory =
      scanned.value(of: .configDirectory)
      ?? CLI.defaultConfigDirectory(environment: console.environment)
    let destination = scanned.value(of: Option.to) ?? Backup.defaultDestination
    let progress = ProgressReporter(
      tool: "backup", console: console, quiet: scanned.contains(.quiet), terminal: terminal)
    defer { console.keep(progress) }
    do {
      let sources = ConfigurationDirectory.Options(environment: console.environment)
      progress.begin("taking a snapshot of every setting")
      let snapshot = try SettingsSnapshot.take(
        configDirectory: directory, postconf: sources.installedPostconf(), host: sources.host())
      progress.begin("archiving \(Printable.sanitize(directory.utf8))")
      let result = try Backup.create(
        configDirectory: directory, destination: destination, snapshot: snapshot)
      progress.end()
      console.out("Archive: \(result.archive)\nSnapshot: \(result.snapshot)\n")
      return CLI.ExitCode.clean
    } catch let error as PostfixHardeningError where error.code == .invalidRequest {
      progress.end()
      return usage(error.reason, console: &console)
    } catch {
      progress.end()
      console.err("pfharden backup: error: \(CLI.describe(error))\n")
      return CLI.ExitCode.failure
    }
  }

  static func usage(_ message: String, console: inout Console) -> Int32 {
    CLI.usageError("backup", message, console: &console)
  }
}
