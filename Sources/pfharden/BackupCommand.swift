import PostfixConfig
import PostfixHardening

/// `pfharden backup`: archives the configuration directory and snapshots every
/// effective setting.
enum BackupCommand {
  static let help = """
    OVERVIEW: Back up a Postfix configuration: postfix-YYYY-MM-DD[-N].tar.gz of the
    configuration directory (list it with 'tar tzf') and postconf-YYYY-MM-DD[-N],
    every effective setting as postconf prints it. Never overwrites a backup.

    USAGE: pfharden backup [-c DIR] [--to DIR]

    OPTIONS:
      -c DIR                  The configuration directory (default: $MAIL_CONFIG,
                              else /etc/postfix).
      --to DIR                Where to put the backup, outside the configuration
                              directory (default: /var/backups/pfharden; created
                              with mode 0700).
      -h, --help              Show this help.

    Put the files back with 'pfharden restore ARCHIVE'.

    EXIT STATUS: 0 backup written, 2 could not complete, 64 usage error.

    """

  /// Runs the command.
  /// - Parameters:
  ///   - arguments: The arguments after `backup`.
  ///   - console: Where output goes.
  /// - Returns: The exit status.
  static func run(arguments: [String], console: inout Console) -> Int32 {
    var directory = CLI.defaultConfigDirectory(environment: console.environment)
    var destination = Backup.defaultDestination
    switch OptionScanner.scan(arguments, values: ["-c", "--to"], flags: ["--help", "-h"]) {
    case .failure(let message):
      return usage(message, console: &console)
    case .success(let items):
      for item in items {
        switch item {
        case .flag:
          console.out(help)
          return CLI.ExitCode.clean
        case .value("-c", let value): directory = value
        case .value(_, let value): destination = value
        case .positional(let value):
          return usage("unexpected argument '\(Printable.sanitize(value.utf8))'", console: &console)
        }
      }
    }
    do {
      let sources = ConfigurationDirectory.Options(environment: console.environment)
      let snapshot = try SettingsSnapshot.take(
        configDirectory: directory, postconf: sources.installedPostconf(), host: sources.host())
      let result = try Backup.create(
        configDirectory: directory, destination: destination, snapshot: snapshot)
      console.out("Archive: \(result.archive)\nSnapshot: \(result.snapshot)\n")
      return CLI.ExitCode.clean
    } catch let error as PostfixHardeningError where error.code == .invalidRequest {
      return usage(error.reason, console: &console)
    } catch {
      console.err("pfharden backup: error: \(CLI.describe(error))\n")
      return CLI.ExitCode.failure
    }
  }

  static func usage(_ message: String, console: inout Console) -> Int32 {
    CLI.usageError("backup", message, console: &console)
  }
}
