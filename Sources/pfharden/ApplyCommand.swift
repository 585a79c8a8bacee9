import PostfixConfig
import PostfixHardening

#if canImport(Glibc)
import Glibc
#endif

/// `pfharden apply --profile P`: hardens a configuration with a profile.
enum ApplyCommand {
  struct Invocation {
    var profile: Profile = .relay
    var directory = "/etc/postfix"
    var options = ProfileOptions()
    var version: PostfixVersion?
    var dryRun = false
    var check = false
    var yes = false
    var reload = false
    var backupDirectory = Backup.defaultDestination
    var format = Format.text
    /// `--quiet`: no progress on standard error.
    var quiet = false
  }

  /// What `--format` chooses.
  enum Format: String {
    /// The diff, the plan and progress as text.
    case text
    /// One JSON object (``ApplyReport``); the text goes nowhere, or to
    /// standard error when the run fails.
    case json
  }

  /// Runs the command.
  /// - Parameters:
  ///   - arguments: The arguments after `apply`.
  ///   - console: Where output goes.
  /// - Returns: The exit status.
  static func run(arguments: [String], console: inout Console) -> Int32 {
    run(arguments: arguments, console: &console, executor: { ApplyExecutor(validate: $0) })
  }

  /// Runs the command with an injected executor (fault tests replace its writer).
  /// - Parameters:
  ///   - arguments: The arguments after `apply`.
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
  ///   - arguments: The arguments after `apply`.
  ///   - console: Where output goes.
  ///   - executor: Builds the executor from the validator.
  ///   - terminal: Whether standard error is a terminal; nil asks the console.
  /// - Returns: The exit status.
  static func run(
    arguments: [String], console: inout Console,
    executor: (ApplyExecutor.Validator?) -> ApplyExecutor, terminal: Bool?
  ) -> Int32 {
    let invocation: Invocation
    switch parse(arguments, environment: console.environment) {
    case .help:
      console.out(help)
      return CLI.ExitCode.clean
    case .usage(let message):
      return usage(message, console: &console)
    case .run(let parsed):
      invocation = parsed
    }
    var report = ApplyReport(invocation)
    let progress = ProgressReporter(
      tool: "apply", console: console, quiet: invocation.quiet, terminal: terminal)
    defer { console.keep(progress) }
    guard invocation.format == .json else {
      return run(
        invocation, console: &console, executor: executor, report: &report, progress: progress)
    }
    // The text account is kept aside: standard output carries only the object.
    var text = Console.capturing(environment: console.environment)
    let status = run(
      invocation, console: &text, executor: executor, report: &report, progress: progress)
    guard status == CLI.ExitCode.clean || status == CLI.ExitCode.findings else {
      // A failed run prints no object; what it did (the backup, what was
      // restored) stays readable on standard error.
      console.err(text.stdout)
      console.err(text.stderr)
      return status
    }
    report.recordVerified(from: text.stdout)
    console.err(text.stderr)
    console.out(report.rendered)
    return status
  }

  /// Executes a parsed invocation and reports its errors.
  static func run(
    _ invocation: Invocation, console: inout Console,
    executor: (ApplyExecutor.Validator?) -> ApplyExecutor, report: inout ApplyReport,
    progress: ProgressReporter
  ) -> Int32 {
    do {
      defer { progress.end() }
      return try execute(
        invocation, console: &console, executor: executor, report: &report, progress: progress)
    } catch let error as PostfixHardeningError where error.code == .invalidRequest {
      return usage(CLI.describe(error), console: &console)
    } catch {
      console.err("pfharden apply: error: \(CLI.describe(error))\n")
      return CLI.ExitCode.failure
    }
  }

  static func usage(_ message: String, console: inout Console) -> Int32 {
    CLI.usageError("apply", message, console: &console)
  }

  static func execute(
    _ invocation: Invocation, console: inout Console,
    executor makeExecutor: (ApplyExecutor.Validator?) -> ApplyExecutor,
    report: inout ApplyReport, progress: ProgressReporter
  ) throws -> Int32 {
    let directory = invocation.directory
    let request = ApplyWorkflow.Request(
      profile: invocation.profile, configDirectory: directory, options: invocation.options,
      sources: ConfigurationDirectory.Options(
        environment: console.environment, postfixVersion: invocation.version),
      intent: invocation.dryRun || invocation.check
        ? .plan : invocation.reload ? .writeAndActivate : .write)
    let prepared = try ApplyWorkflow.prepare(
      request, events: { show($0, progress: progress, console: &console) })
    let plan = prepared.plan
    let build = prepared.build
    let name = invocation.profile.rawValue
    for note in LibraryWording.notes(build) + plan.skipped {
      console.err("pfharden apply: note: \(note)\n")
    }
    report.record(plan: plan, build: build, version: prepared.version)
    guard plan.hasChanges else {
      console.out("Nothing to change: \(directory) already follows the \(name) profile.\n")
      return CLI.ExitCode.clean
    }
    if invocation.check {
      console.out(
        "\(plan.changes.count) change(s) pending for the \(name) profile in \(directory):\n")
      for change in plan.changes { console.out("  " + describe(change) + "\n") }
      printReasons(plan, console: &console)
      printKept(build.kept, console: &console)
      console.out("Needs: \(plan.activation.instruction).\n")
      return CLI.ExitCode.findings
    }
    // The report holds the diff already: computed once.
    console.out(report.diff)
    printReasons(plan, console: &console)
    printKept(build.kept, console: &console)
    console.out("Needs: \(plan.activation.instruction).\n")
    if invocation.dryRun {
      console.out("Dry run: nothing written.\n")
      return CLI.ExitCode.clean
    }
    if !invocation.yes {
      guard console.stdoutIsTerminal, !console.isCapturing, isatty(0) == 1 else {
        return usage("not a terminal: add --yes to write the changes", console: &console)
      }
      console.out("Apply these changes to \(directory)? [y/N] ")
      let answer = readLine()?.lowercased() ?? ""
      guard answer == "y" || answer == "yes" else {
        console.out("Nothing written.\n")
        return CLI.ExitCode.clean
      }
    }
    let committed = try ApplyWorkflow.commit(
      prepared, backupDestination: invocation.backupDirectory, makeExecutor: makeExecutor,
      events: { show($0, progress: progress, console: &console) })
    let backup = committed.backup
    report.backup = backup
    report.applied = true
    report.validated = committed.validated
    console.out(
      "To undo: pfharden restore \(Printable.sanitize(backup.archive.utf8)) -c "
        + "\(Printable.sanitize(directory.utf8)) --yes, then \(plan.activation.instruction).\n")
    console.out(
      "Applied the \(name) profile (\(plan.changes.count) change(s)); "
        + (committed.validated
          ? "postconf reports no new warning.\n" : "not validated: postconf is not installed.\n"))
    if plan.relayChanged && committed.validated {
      console.out("Relay settings changed: deferred mail can be retried with 'postqueue -f'.\n")
    }
    guard invocation.reload else {
      console.out("Next: \(plan.activation.instruction) (or run again with --reload).\n")
      return CLI.ExitCode.clean
    }
    let status = Reload.run(
      plan: plan, directory: directory, catalog: prepared.loaded.catalog,
      host: prepared.loaded.host, executor: committed.executor, tool: "apply",
      progress: progress, console: &console)
    report.reloaded = status == CLI.ExitCode.clean
    return status
  }

  /// Prints one event of the apply workflow.
  static func show(
    _ event: ApplyWorkflow.Event, progress: ProgressReporter, console: inout Console
  ) {
    switch event {
    case .began(let stage): progress.begin(Reload.words(stage))
    case .ended: progress.end()
    case .removedDebris(let path):
      console.err(
        "pfharden apply: note: removed \(Printable.sanitize(path.utf8)), left by an interrupted write\n"
      )
    case .interrupted(let apply):
      console.err("pfharden apply: warning: \(LibraryWording.interrupted(apply))\n")
    case .backedUp(let backup):
      // Named as soon as it exists, before the write that may fail.
      console.out("Backup: \(backup.archive)\nSnapshot: \(backup.snapshot)\n")
    }
  }

  /// Why each change is made: one line per transform that changed something.
  static func printReasons(_ plan: ApplyPlan, console: inout Console) {
    let used = Set(plan.changes.map(\.transform))
    let reasons = plan.transforms.filter { used.contains($0.id) }
    guard !reasons.isEmpty else { return }
    console.out("Why:\n")
    for transform in reasons {
      console.out("  \(transform.id): " + Printable.sanitize(transform.summary.utf8) + "\n")
    }
  }

  /// What the profile deliberately left as the admin wrote it.
  static func printKept(_ kept: [String], console: inout Console) {
    guard !kept.isEmpty else { return }
    console.out("Kept:\n")
    for line in kept {
      console.out("  " + Printable.sanitize(LibraryWording.kept(line).utf8) + "\n")
    }
  }

  static func describe(_ change: ApplyPlan.ParameterChange) -> String {
    let place = change.scope == "main.cf" ? "main.cf" : "master.cf \(change.scope)"
    switch (change.old, change.new) {
    case (nil, let new?): return "\(place): \(change.name) = \(new)  [\(change.transform)]"
    case (let old?, nil): return "\(place): remove \(change.name) = \(old)  [\(change.transform)]"
    case (let old?, let new?):
      return "\(place): \(change.name): \(old) -> \(new)  [\(change.transform)]"
    case (nil, nil): return "\(place): \(change.name)"
    }
  }

  enum Parsed {
    case run(Invocation)
    case help
    case usage(String)
  }

  /// Parses the arguments after `apply`.
  /// - Parameters:
  ///   - arguments: The arguments.
  ///   - environment: The environment (`MAIL_CONFIG` sets the default directory).
  /// - Returns: What to do.
  static func parse(_ arguments: [String], environment: [String: String] = [:]) -> Parsed {
    var invocation = Invocation()
    invocation.directory = CLI.defaultConfigDirectory(environment: environment)
    let scanned: ScannedArguments
    switch spec.scan(arguments) {
    case .help: return .help
    case .usage(let message): return .usage(message)
    case .scanned(let items): scanned = items
    }
    if let value = scanned.positionals.first { return .usage(ScannedArguments.unexpected(value)) }
    invocation.directory = scanned.value(of: .configDirectory) ?? invocation.directory
    invocation.dryRun = scanned.contains(Option.dryRun)
    invocation.check = scanned.contains(Option.check)
    invocation.yes = scanned.contains(Option.yes)
    invocation.reload = scanned.contains(Option.reload)
    invocation.quiet = scanned.contains(.quiet)
    invocation.backupDirectory = scanned.value(of: Option.backupDir) ?? invocation.backupDirectory
    for value in scanned.values(of: Option.network) {
      do {
        invocation.options.networks.append(try Network(value))
      } catch {
        return .usage(CLI.describe(error))
      }
    }
    for (option, domains) in [
      (Option.relayDomain, \Invocation.options.relayDomains),
      (Option.domain, \Invocation.options.domains),
    ] {
      for value in scanned.values(of: option) {
        guard isDomain(value) else {
          return .usage("bad domain '\(Printable.sanitize(value.utf8))'")
        }
        invocation[keyPath: domains].append(value)
      }
    }
    if let value = scanned.value(of: Option.tls) {
      guard let strength = TLSStrength(rawValue: value) else {
        return .usage("--tls must be compatible, intermediate or modern")
      }
      invocation.options.tls = strength
    }
    if let value = scanned.value(of: Option.sasl) {
      guard let sasl = Transform.SASL(rawValue: value) else {
        return .usage("--sasl must be dovecot or cyrus")
      }
      invocation.options.sasl = sasl
    }
    if let value = scanned.value(of: Option.saslPath) {
      guard isWord(value) else { return .usage("bad --sasl-path") }
      invocation.options.saslPath = value
    }
    if let value = scanned.value(of: Option.postfixVersion) {
      guard let version = PostfixVersion(value) else {
        return .usage("not a Postfix version: '\(Printable.sanitize(value.utf8))'")
      }
      invocation.version = version
    }
    if let value = scanned.value(of: Option.format) {
      guard let format = Format(rawValue: value) else {
        return .usage("--format must be text or json")
      }
      invocation.format = format
    }
    let profile = scanned.value(of: Option.profile)
    let certificate = scanned.value(of: Option.cert)
    let key = scanned.value(of: Option.key)
    guard let profile else { return .usage("missing --profile (send-only, relay, mx, submission)") }
    do {
      invocation.profile = try Profile.named(profile)
    } catch {
      return .usage(CLI.describe(error))
    }
    switch (certificate, key) {
    case (let certificate?, let key?):
      guard isWord(certificate), isWord(key) else { return .usage("bad --cert or --key path") }
      invocation.options.certificate = Transform.Certificate(
        certificateFile: certificate, keyFile: key)
    case (nil, nil): break
    default: return .usage("--cert and --key go together")
    }
    if invocation.format == .json && !invocation.dryRun && !invocation.check && !invocation.yes {
      return .usage("--format json never asks: add --yes, --check or --dry-run")
    }
    if invocation.profile == .relay && invocation.options.networks.isEmpty {
      return .usage(
        "the relay profile needs --network CIDR (repeatable), e.g. --network 192.0.2.0/24")
    }
    return .run(invocation)
  }

  /// A value main.cf and master.cf can carry: printable, no blanks or commas.
  static func isWord(_ value: String) -> Bool {
    let bytes = Array(value.utf8)
    return !bytes.isEmpty && bytes.count <= 1024
      && bytes.allSatisfy { (0x21...0x7E).contains($0) && $0 != UInt8(ascii: ",") }
  }

  static func isDomain(_ value: String) -> Bool {
    let bytes = Array(value.utf8)
    return !bytes.isEmpty && bytes.count <= 253
      && bytes.allSatisfy {
        (0x30...0x39).contains($0) || (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0)
          || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".")
      } && bytes.first != UInt8(ascii: ".") && bytes.first != UInt8(ascii: "-")
  }
}
