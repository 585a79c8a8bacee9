import PostfixConfig
import PostfixHardening

#if canImport(Glibc)
import Glibc
#endif

/// `pfharden restore BACKUP`: main.cf and master.cf back from a backup archive.
enum RestoreCommand {
  /// The options of `pfharden restore`.
  enum Option {
    static let dryRun = CommandOption(
      names: ["--dry-run"], value: nil, help: "Show the unified diff; write nothing.")
    static let yes = CommandOption(
      names: ["-y", "--yes"], value: nil, help: "Do not ask before writing.")
    static let reload = CommandOption(
      names: ["--reload"], value: nil,
      help:
        "Reload or restart Postfix as the restored files need (only the instance that runs "
        + "DIR), connect to each listener, and put the current files back when that fails.")
    static let backupDir = CommandOption(
      names: ["--backup-dir"], value: "DIR",
      help: "Where the backup of the current files goes (default: /var/backups/pfharden).",
      completion: .directory)
  }

  /// The command line of `pfharden restore`.
  static let spec = CommandSpec(
    name: "restore",
    summary:
      "Put main.cf and master.cf back from a backup archive safely: diff, backup, atomic "
      + "writes, validation.",
    overview: """
      Put main.cf and master.cf back, byte for byte, from a backup archive
      that 'pfharden backup' or 'pfharden apply' wrote. Shows the diff first, backs
      up the current files (so a restore can be undone the same way), writes
      atomically (mode, owner and symbolic links kept), validates with postconf
      and puts the current files back on any new warning. Only main.cf and
      master.cf are taken from the archive; nothing else is extracted.
      """,
    usage: """
      pfharden restore BACKUP [-c DIR] [--dry-run] [--yes] [--reload]
                              [--backup-dir DIR] [--quiet]
      """,
    preamble: [
      HelpSection(
        "ARGUMENTS",
        """

          BACKUP                  A postfix-YYYY-MM-DD[-N].tar.gz archive.
        """)
    ],
    options: [
      .configDirectory, Option.dryRun, Option.yes, Option.reload, Option.backupDir, .quiet,
    ],
    sections: [
      HelpSection(
        "NEXT STEP",
        """
        without --reload, run 'postfix reload' afterwards (a full restart,
        'postfix stop; postfix start', when inet_interfaces or inet_protocols
        changed; restore says which).
        """),
      HelpSection(
        "EXIT STATUS",
        """
        0 restored or nothing to change, 2 could not complete (nothing
        changed), 64 usage error.
        """),
    ],
    conflicts: [
      OptionConflict(
        option: Option.dryRun, other: Option.yes,
        reason: "--dry-run writes nothing, so there is nothing to confirm"),
      OptionConflict(
        option: Option.dryRun, other: Option.reload,
        reason: "--dry-run writes nothing, so there is nothing to reload"),
    ],
    arguments: .file)

  /// `--help`.
  static var help: String { HelpText.render(spec) }

  struct Invocation: Equatable {
    var archive = ""
    var directory = "/etc/postfix"
    var dryRun = false
    var yes = false
    var reload = false
    var backupDirectory = Backup.defaultDestination
    /// `--quiet`: no progress on standard error.
    var quiet = false
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
    run(arguments: arguments, console: &console, executor: executor, terminal: nil)
  }

  /// Runs the command with an injected executor, told whether standard error is a
  /// terminal (progress tests).
  /// - Parameters:
  ///   - arguments: The arguments after `restore`.
  ///   - console: Where output goes.
  ///   - executor: Builds the executor from the validator.
  ///   - terminal: Whether standard error is a terminal; nil asks the console.
  /// - Returns: The exit status.
  static func run(
    arguments: [String], console: inout Console,
    executor: (ApplyExecutor.Validator?) -> ApplyExecutor, terminal: Bool?
  ) -> Int32 {
    switch parse(arguments, environment: console.environment) {
    case .help:
      console.out(help)
      return CLI.ExitCode.clean
    case .usage(let message):
      return CLI.usageError("restore", message, console: &console)
    case .run(let invocation):
      let progress = ProgressReporter(
        tool: "restore", console: console, quiet: invocation.quiet, terminal: terminal)
      defer { console.keep(progress) }
      do {
        defer { progress.end() }
        return try execute(
          invocation, console: &console, executor: executor, progress: progress)
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
    executor makeExecutor: (ApplyExecutor.Validator?) -> ApplyExecutor,
    progress: ProgressReporter? = nil
  ) throws -> Int32 {
    let directory = invocation.directory
    let archive = Printable.sanitize(invocation.archive.utf8)
    let request = RestoreWorkflow.Request(
      archive: invocation.archive, configDirectory: directory,
      sources: ConfigurationDirectory.Options(environment: console.environment),
      intent: invocation.dryRun ? .plan : invocation.reload ? .writeAndActivate : .write)
    let prepared = try RestoreWorkflow.prepare(
      request, events: { show($0, progress: progress, console: &console) })
    let plan = prepared.plan
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
    let committed = try RestoreWorkflow.commit(
      prepared, backupDestination: invocation.backupDirectory, makeExecutor: makeExecutor,
      events: { show($0, progress: progress, console: &console) })
    let result = committed.result
    for note in result.notes { console.err("pfharden restore: note: \(note)\n") }
    if let backup = result.backup {
      console.out("Backup: \(backup.archive)\nSnapshot: \(backup.snapshot)\n")
    }
    let names = result.written.map { Printable.sanitize($0.utf8) }.joined(separator: ", ")
    console.out(
      "Restored \(names) from \(archive); "
        + (committed.validated
          ? "postconf reports no new warning.\n" : "not validated: postconf is not installed.\n"))
    guard invocation.reload else {
      console.out("Next: \(needs) (or run again with --reload).\n")
      return CLI.ExitCode.clean
    }
    return Reload.run(
      plan: plan.files, directory: directory, catalog: prepared.catalog, host: prepared.host,
      executor: committed.executor, tool: "restore", progress: progress, console: &console)
  }

  /// Prints one event of the restore workflow (the backup is printed with the result).
  static func show(
    _ event: ApplyWorkflow.Event, progress: ProgressReporter?, console: inout Console
  ) {
    switch event {
    case .began(let stage): progress?.begin(Reload.words(stage))
    case .ended: progress?.end()
    case .removedDebris(let path):
      console.err(
        "pfharden restore: note: removed \(Printable.sanitize(path.utf8)), left by an interrupted write\n"
      )
    case .interrupted, .backedUp: break
    }
  }

  /// Parses the arguments after `restore`.
  /// - Parameters:
  ///   - arguments: The arguments.
  ///   - environment: The environment (`MAIL_CONFIG` sets the default directory).
  /// - Returns: What to do.
  static func parse(_ arguments: [String], environment: [String: String]) -> Parsed {
    var invocation = Invocation()
    invocation.directory = CLI.defaultConfigDirectory(environment: environment)
    let scanned: ScannedArguments
    switch spec.scan(arguments) {
    case .help: return .help
    case .usage(let message): return .usage(message)
    case .scanned(let items): scanned = items
    }
    let positionals = scanned.positionals
    if positionals.count > 1 { return .usage(ScannedArguments.unexpected(positionals[1])) }
    let archive = positionals.first
    invocation.directory = scanned.value(of: .configDirectory) ?? invocation.directory
    invocation.dryRun = scanned.contains(Option.dryRun)
    invocation.yes = scanned.contains(Option.yes)
    invocation.reload = scanned.contains(Option.reload)
    invocation.backupDirectory = scanned.value(of: Option.backupDir) ?? invocation.backupDirectory
    invocation.quiet = scanned.contains(.quiet)
    guard let archive, !archive.isEmpty else {
      return .usage("missing BACKUP (a postfix-YYYY-MM-DD[-N].tar.gz archive)")
    }
    invocation.archive = archive
    return .run(invocation)
  }
}
