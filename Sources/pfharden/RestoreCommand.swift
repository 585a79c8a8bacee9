import PostfixConfig
import PostfixHardening

#if canImport(Glibc)
import Glibc
#endif

/// `pfharden restore BACKUP`: main.cf and master.cf back from a backup archive.
enum RestoreCommand {
  static let help = """
    OVERVIEW: Put main.cf and master.cf back, byte for byte, from a backup archive
    that 'pfharden backup' or 'pfharden apply' wrote. Shows the diff first, backs
    up the current files (so a restore can be undone the same way), writes
    atomically (mode, owner and symbolic links kept), validates with postconf
    and puts the current files back on any new warning. Only main.cf and
    master.cf are taken from the archive; nothing else is extracted.

    USAGE: pfharden restore BACKUP [-c DIR] [--dry-run] [--yes] [--reload]
                            [--backup-dir DIR]

    ARGUMENTS:
      BACKUP                  A postfix-YYYY-MM-DD[-N].tar.gz archive.

    OPTIONS:
      -c DIR                  The configuration directory (default: $MAIL_CONFIG,
                              else /etc/postfix).
      --dry-run               Show the unified diff; write nothing.
      -y, --yes               Do not ask before writing.
      --reload                Reload or restart Postfix as the restored files
                              need (only the instance that runs DIR), connect to
                              each listener, and put the current files back when
                              that fails.
      --backup-dir DIR        Where the backup of the current files goes
                              (default: /var/backups/pfharden).
      -h, --help              Show this help.

    NEXT STEP: without --reload, run 'postfix reload' afterwards (a full restart,
    'postfix stop; postfix start', when inet_interfaces or inet_protocols
    changed; restore says which).

    EXIT STATUS: 0 restored or nothing to change, 2 could not complete (nothing
    changed), 64 usage error.

    """

  struct Invocation: Equatable {
    var archive = ""
    var directory = "/etc/postfix"
    var dryRun = false
    var yes = false
    var reload = false
    var backupDirectory = Backup.defaultDestination
  }

  enum Parsed: Equatable {
    case run(Invocation)
    case help
    case usage(String)
  }

  /// Runs the command.
  /// - Parameters:
  ///   - arguments: The arguments after `restore`.
  ///   - console: Where output goes.
  /// - Returns: The exit status.
  static func run(arguments: [String], console: inout Console) -> Int32 {
    run(arguments: arguments, console: &console, executor: { ApplyExecutor(validate: $0) })
  }

  /// Runs the command with an injected executor (fault tests replace its writer).
  /// - Parameters:
  ///   - arguments: The arguments after `restore`.
  ///   - console: Where output goes.
  ///   - executor: Builds the executor from the validator.
  /// - Returns: The exit status.
  static func run(
    arguments: [String], console: inout Console,
    executor: (ApplyExecutor.Validator?) -> ApplyExecutor
  ) -> Int32 {
    switch parse(arguments, environment: console.environment) {
    case .help:
      console.out(help)
      return CLI.ExitCode.clean
    case .usage(let message):
      return CLI.usageError("restore", message, console: &console)
    case .run(let invocation):
      do {
        return try execute(invocation, console: &console, executor: executor)
      } catch let error as PostfixHardeningError where error.code == .invalidRequest {
        return CLI.usageError("restore", error.reason, console: &console)
      } catch {
        console.err("pfharden restore: error: \(CLI.describe(error))\n")
        return CLI.ExitCode.failure
      }
    }
  }

  static func execute(
    _ invocation: Invocation, console: inout Console,
    executor makeExecutor: (ApplyExecutor.Validator?) -> ApplyExecutor
  ) throws -> Int32 {
    let directory = invocation.directory
    let archive = Printable.sanitize(invocation.archive.utf8)
    // From reading to validating, no other run may change the directory.
    var lock: ConfigDirectoryLock?
    if !invocation.dryRun {
      lock = try ConfigDirectoryLock.acquire(directory)
      for path in ConfigDirectoryLock.removeDebris(in: directory) {
        console.err(
          "pfharden restore: note: removed \(Printable.sanitize(path.utf8)), left by an interrupted write\n"
        )
      }
    }
    defer { withExtendedLifetime(lock) {} }
    let plan = try Restore.plan(archive: invocation.archive, configDirectory: directory)
    for note in plan.notes { console.err("pfharden restore: note: \(note)\n") }
    guard plan.hasChanges else {
      console.out("Nothing to change: \(directory) already holds the files of \(archive).\n")
      return CLI.ExitCode.clean
    }
    console.out(plan.unifiedDiff())
    let needs = plan.activation.instruction
    console.out("Needs: \(needs).\n")
    if invocation.dryRun {
      console.out("Dry run: nothing written.\n")
      return CLI.ExitCode.clean
    }
    if !invocation.yes {
      guard console.stdoutIsTerminal, !console.isCapturing, isatty(0) == 1 else {
        return CLI.usageError(
          "restore", "not a terminal: add --yes to write the files", console: &console)
      }
      console.out("Restore these files in \(directory) from \(archive)? [y/N] ")
      let answer = readLine()?.lowercased() ?? ""
      guard answer == "y" || answer == "yes" else {
        console.out("Nothing written.\n")
        return CLI.ExitCode.clean
      }
    }
    let sources = ConfigurationDirectory.Options(environment: console.environment)
    let postconf = sources.installedPostconf()
    let catalog = sources.catalog()
    let host = sources.host()
    if invocation.reload {
      // Only the instance whose master runs this directory is ever signalled.
      let current = PostfixConfiguration(
        mainCF: MainCF(bytes: plan.files.mainCF.original),
        masterCF: plan.files.masterCF.map { MasterCF(bytes: $0.original) }, catalog: catalog,
        host: host, configDirectory: directory)
      _ = try InstanceIdentity.requireSameInstance(
        configDirectory: directory, configuration: current)
    }
    let executor = makeExecutor(postconf.map { PostconfValidation.validator(postconf: $0) })
    let result = try Restore.execute(
      plan, backupDestination: invocation.backupDirectory, postconf: postconf,
      host: host, executor: executor)
    for note in result.notes { console.err("pfharden restore: note: \(note)\n") }
    if let backup = result.backup {
      console.out("Backup: \(backup.archive)\nSnapshot: \(backup.snapshot)\n")
    }
    let names = result.written.map { Printable.sanitize($0.utf8) }.joined(separator: ", ")
    console.out(
      "Restored \(names) from \(archive); "
        + (postconf == nil
          ? "not validated: postconf is not installed.\n" : "postconf reports no new warning.\n"))
    guard invocation.reload else {
      console.out("Next: \(needs) (or run again with --reload).\n")
      return CLI.ExitCode.clean
    }
    return ApplyCommand.reload(
      plan: plan.files, directory: directory, catalog: catalog, host: host, executor: executor,
      tool: "restore", console: &console)
  }

  /// Parses the arguments after `restore`.
  /// - Parameters:
  ///   - arguments: The arguments.
  ///   - environment: The environment (`MAIL_CONFIG` sets the default directory).
  /// - Returns: What to do.
  static func parse(_ arguments: [String], environment: [String: String]) -> Parsed {
    var invocation = Invocation()
    invocation.directory = CLI.defaultConfigDirectory(environment: environment)
    var archive: String?
    let items: [OptionScanner.Item]
    switch OptionScanner.scan(
      arguments, values: ["-c", "--backup-dir"],
      flags: ["--dry-run", "--yes", "-y", "--reload", "--help", "-h"])
    {
    case .failure(let message): return .usage(message)
    case .success(let scanned): items = scanned
    }
    for item in items {
      switch item {
      case .flag("--help"), .flag("-h"): return .help
      case .flag("--dry-run"): invocation.dryRun = true
      case .flag("--reload"): invocation.reload = true
      case .flag: invocation.yes = true
      case .value("-c", let value): invocation.directory = value
      case .value(_, let value): invocation.backupDirectory = value
      case .positional(let value):
        guard archive == nil else {
          return .usage("unexpected argument '\(Printable.sanitize(value.utf8))'")
        }
        archive = value
      }
    }
    guard let archive, !archive.isEmpty else {
      return .usage("missing BACKUP (a postfix-YYYY-MM-DD[-N].tar.gz archive)")
    }
    invocation.archive = archive
    return .run(invocation)
  }
}
