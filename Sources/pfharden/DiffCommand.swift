import PostfixConfig
import PostfixHardening

/// `pfharden diff A B`: compares effective settings parameter by parameter.
enum DiffCommand {
  static let help = """
    OVERVIEW: Compare two snapshots (postconf output, as 'pfharden backup' writes
    them), or a snapshot and a configuration directory, parameter by parameter.

    USAGE: pfharden diff A B

    ARGUMENTS:
      A, B                    A snapshot file or a configuration directory.

    OPTIONS:
      -h, --help              Show this help.

    OUTPUT: one block per parameter: "changed: NAME" with the old ("was:") and
    new ("now:") value, "added: NAME = VALUE" (only in B), "removed: NAME = VALUE"
    (only in A).

    EXIT STATUS: 0 no difference, 1 differences, 2 could not read, 64 usage error.

    """

  /// Runs the command.
  /// - Parameters:
  ///   - arguments: The arguments after `diff`.
  ///   - console: Where output goes.
  /// - Returns: The exit status.
  static func run(arguments: [String], console: inout Console) -> Int32 {
    var paths: [String] = []
    switch OptionScanner.scan(arguments, values: [], flags: ["--help", "-h"]) {
    case .failure(let message):
      return usage(message, console: &console)
    case .success(let items):
      for item in items {
        switch item {
        case .positional(let value): paths.append(value)
        default:
          console.out(help)
          return CLI.ExitCode.clean
        }
      }
    }
    guard paths.count == 2 else {
      return usage("expected two snapshots or configuration directories", console: &console)
    }
    do {
      let old = try settings(paths[0], environment: console.environment)
      let new = try settings(paths[1], environment: console.environment)
      let changes = SnapshotDiff.compare(old, new)
      for change in changes {
        switch change {
        case .added(let name, let value): console.out("added: \(name) = \(value)\n")
        case .removed(let name, let value): console.out("removed: \(name) = \(value)\n")
        case .changed(let name, let before, let after):
          console.out("changed: \(name)\n  was: \(before)\n  now: \(after)\n")
        }
      }
      if changes.isEmpty { console.out("No difference.\n") }
      return changes.isEmpty ? CLI.ExitCode.clean : CLI.ExitCode.findings
    } catch {
      console.err("pfharden diff: error: \(ApplyCommand.describe(error))\n")
      return CLI.ExitCode.failure
    }
  }

  /// The settings of a snapshot file or a configuration directory.
  static func settings(_ path: String, environment: [String: String]) throws -> [String: String] {
    if HostFiles.isDirectory(path) {
      return SettingsSnapshot.settings(
        try SettingsSnapshot.take(
          configDirectory: path, postconf: ApplyCommand.installedPostconf(environment: environment),
          host: SystemFiles.host(processName: "pfharden")))
    }
    let bytes = try ConfigFile.read(path: path, limit: InstalledPostfix.outputLimit)
    let settings = SettingsSnapshot.settings(bytes)
    if settings.isEmpty && !bytes.isEmpty {
      throw PostfixHardeningError(
        .configuration, "\(Printable.sanitize(path.utf8)) is not a postconf snapshot")
    }
    return settings
  }

  static func usage(_ message: String, console: inout Console) -> Int32 {
    CLI.usageError("diff", message, console: &console)
  }
}
