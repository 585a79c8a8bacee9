import PostfixConfig
import PostfixHardening

#if canImport(Glibc)
import Glibc
#endif

/// `pfharden apply --profile P`: hardens a configuration with a profile.
enum ApplyCommand {
  static let help = """
    OVERVIEW: Harden a Postfix configuration with a profile: edit main.cf and
    master.cf (comments and layout kept), back up first, write atomically,
    validate with postconf, and optionally reload Postfix.

    USAGE: pfharden apply --profile PROFILE [options]

    PROFILES:
      send-only     The host only sends (web apps, system mail): loopback only.
      relay         Relays for internal systems: needs --network CIDR.
      mx            Receives mail from the internet for --domain.
      submission    Authenticated mail on 587 (STARTTLS) and 465 (implicit TLS).

    OPTIONS:
      --profile PROFILE       The profile to apply (required).
      -c DIR                  The configuration directory (default: $MAIL_CONFIG,
                              else /etc/postfix).
      --network CIDR          An internal network a relay serves (repeatable;
                              required for relay), e.g. 192.0.2.0/24.
      --relay-domain DOMAIN   A domain a relay forwards mail for (repeatable;
                              default: none).
      --domain DOMAIN         A domain an MX receives mail for (repeatable).
      --tls compatible|intermediate|modern
                              TLS strength where the role allows it
                              (default: intermediate).
      --cert FILE --key FILE  The server certificate and key (default: the ones
                              the configuration names), checked with openssl
                              first: readable, matching, not expired, RSA keys
                              of 2048 bits or more. Without any certificate,
                              server TLS is left as it is.
      --sasl dovecot|cyrus    SASL for submission (default: dovecot).
      --sasl-path PATH        smtpd_sasl_path (default: private/auth for dovecot).
      --postfix-version V     Plan for this Postfix release (default: the
                              installed one, else 3.7.11).
      --dry-run               Show the unified diff and what Postfix needs;
                              write nothing.
      --check                 Write nothing; exit 1 when changes are pending.
      --format text|json      Output format (default: text). JSON is one object
                              on standard output: the plan, the diff and what
                              was done (docs/apply-json-schema.md, schemaVersion
                              1). It never asks: a real run needs --yes.
      -y, --yes               Do not ask before writing.
      --backup-dir DIR        Where the backup goes (default:
                              /var/backups/pfharden).
      --reload                Reload or restart Postfix as the changes need
                              (only the instance that runs DIR), connect to
                              each listener (greeting, TLS handshake), watch
                              the log; put the old files back when that fails.
      -h, --help              Show this help.

    EXAMPLES:
      pfharden apply --profile relay --network 192.0.2.0/24 -c /etc/postfix --dry-run
      pfharden apply --profile mx --domain example.org \\
          --cert /etc/ssl/certs/mx.pem --key /etc/ssl/private/mx.key --yes --reload

    EXIT STATUS: 0 done or nothing to change, 1 changes pending (--check),
    2 could not complete (nothing changed), 64 usage error.

    """

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
  }

  /// What `--format` chooses.
  enum Format: String {
    /// The diff, the plan and progress as text.
    case text
    /// One JSON object (``ApplyReport``); the text goes nowhere, or to
    /// standard error when the run fails.
    case json
  }

  static let valueOptions = [
    "--profile", "-c", "--network", "--relay-domain", "--domain", "--tls", "--cert", "--key",
    "--sasl", "--sasl-path", "--postfix-version", "--backup-dir", "--format",
  ]
  static let flagOptions = ["--dry-run", "--check", "--yes", "-y", "--reload", "--help", "-h"]

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
    guard invocation.format == .json else {
      return run(invocation, console: &console, executor: executor, report: &report)
    }
    // The text account is kept aside: standard output carries only the object.
    var text = Console.capturing(environment: console.environment)
    let status = run(invocation, console: &text, executor: executor, report: &report)
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
    executor: (ApplyExecutor.Validator?) -> ApplyExecutor, report: inout ApplyReport
  ) -> Int32 {
    do {
      return try execute(invocation, console: &console, executor: executor, report: &report)
    } catch let error as PostfixHardeningError where error.code == .invalidRequest {
      return usage(error.reason, console: &console)
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
    report: inout ApplyReport
  ) throws -> Int32 {
    let directory = invocation.directory
    // From reading to validating, no other run may change the directory.
    var lock: ConfigDirectoryLock?
    if !invocation.dryRun && !invocation.check {
      lock = try ConfigDirectoryLock.acquire(directory)
      for path in ConfigDirectoryLock.removeDebris(in: directory) {
        console.err(
          "pfharden apply: note: removed \(Printable.sanitize(path.utf8)), left by an interrupted write\n"
        )
      }
    }
    defer { withExtendedLifetime(lock) {} }
    if lock != nil, let report = ApplyJournal.interrupted(configDirectory: directory) {
      console.err("pfharden apply: warning: \(report)\n")
    }
    let loaded = try ConfigurationDirectory.open(
      directory,
      options: ConfigurationDirectory.Options(
        environment: console.environment, postfixVersion: invocation.version))
    // Unlike check, apply never plans without a master.cf that is there.
    if let error = loaded.masterCFError { throw error }
    let catalog = loaded.catalog
    let postconf = loaded.postconf
    guard let version = loaded.postfixVersion else {
      throw PostfixHardeningError(.configuration, "cannot tell the Postfix version")
    }
    let host = loaded.host
    let current = loaded.configuration
    if let given = invocation.options.certificate {
      // smtpd reads them only at the first handshake: check them now.
      let problems = TLSMaterial.problems(
        certificate: given.certificateFile, key: given.keyFile, openssl: TLSMaterial.openssl())
      if !problems.isEmpty {
        throw PostfixHardeningError(
          .configuration,
          "not using --cert/--key: " + problems.map(\.description).joined(separator: "; ")
            + "; nothing was written")
      }
    }
    if invocation.reload {
      // Only the instance whose master runs this directory is ever signalled.
      _ = try InstanceIdentity.requireSameInstance(
        configDirectory: directory, configuration: current)
    }
    let build = try invocation.profile.build(
      options: invocation.options, configuration: current, isReadable: HostFiles.isReadable)
    let planner = ApplyPlanner(version: version, catalog: catalog, host: host)
    let plan = try planner.plan(build.transforms, for: current)
    let name = invocation.profile.rawValue
    for note in build.notes + plan.skipped { console.err("pfharden apply: note: \(note)\n") }
    report.record(plan: plan, build: build, version: version)
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
    let snapshot = try SettingsSnapshot.take(
      configDirectory: directory, postconf: postconf, host: host)
    let backup = try Backup.create(
      configDirectory: directory, destination: invocation.backupDirectory, snapshot: snapshot)
    console.out("Backup: \(backup.archive)\nSnapshot: \(backup.snapshot)\n")
    report.backup = backup
    let executor = makeExecutor(postconf.map { PostconfValidation.validator(postconf: $0) })
    // Left behind only when this run dies between the first write and validation.
    try ApplyJournal.begin(plan, backup: backup.archive)
    do {
      _ = try executor.execute(plan)
    } catch {
      ApplyJournal.end(configDirectory: directory)
      throw error
    }
    ApplyJournal.end(configDirectory: directory)
    report.applied = true
    report.validated = postconf != nil
    console.out(
      "To undo: pfharden restore \(Printable.sanitize(backup.archive.utf8)) -c "
        + "\(Printable.sanitize(directory.utf8)) --yes, then \(plan.activation.instruction).\n")
    console.out(
      "Applied the \(name) profile (\(plan.changes.count) change(s)); "
        + (postconf == nil
          ? "not validated: postconf is not installed.\n" : "postconf reports no new warning.\n"))
    if plan.relayChanged && postconf != nil {
      console.out("Relay settings changed: deferred mail can be retried with 'postqueue -f'.\n")
    }
    guard invocation.reload else {
      console.out("Next: \(plan.activation.instruction) (or run again with --reload).\n")
      return CLI.ExitCode.clean
    }
    let status = reload(
      plan: plan, directory: directory, catalog: catalog, host: host, executor: executor,
      console: &console)
    report.reloaded = status == CLI.ExitCode.clean
    return status
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
    for line in kept { console.out("  " + Printable.sanitize(line.utf8) + "\n") }
  }

  /// Reloads or restarts the instance, verifies every listener, and puts the
  /// previous files back when that fails (shared by apply and restore).
  static func reload(
    plan: ApplyPlan, directory: String, catalog: ParameterCatalog, host: HostEnvironment,
    executor: ApplyExecutor, tool: String = "apply", console: inout Console
  ) -> Int32 {
    guard let manager = ServiceControl.manager(configDirectory: directory) else {
      console.err("pfharden \(tool): error: cannot reload: Postfix is not installed\n")
      return CLI.ExitCode.failure
    }
    let applied = PostfixConfiguration(
      mainCF: MainCF(bytes: plan.mainCF.updated),
      masterCF: plan.masterCF.map { MasterCF(bytes: $0.updated) }, catalog: catalog, host: host,
      configDirectory: directory)
    let checked = ServiceControl.check(configDirectory: directory)
    for line in checked { console.err("pfharden \(tool): postfix check: \(line)\n") }
    if checked.contains(where: { !$0.contains("warning:") }) {
      console.err(
        "pfharden \(tool): error: not reloaded: postfix check failed; the new files are in place "
          + "and the backup holds the old ones\n")
      return CLI.ExitCode.failure
    }
    let watch = LogWatch.start(
      maillogFile: applied.setting("maillog_file").text, manager: manager)
    do {
      try ServiceControl.activate(plan.activation, manager: manager, configDirectory: directory)
    } catch {
      console.err("pfharden \(tool): error: \(CLI.describe(error))\n")
      return CLI.ExitCode.failure
    }
    console.out("Postfix: \(plan.activation) done through \(manager).\n")
    // Real connections, inside the log watch, so per-connection errors are seen.
    let failures = verify(applied, tool: tool, console: &console)
    let seconds = Int(console.environment["PFHARDEN_LOG_WATCH_SECONDS"] ?? "") ?? 3
    let problems = watch?.collect(seconds: seconds) ?? []
    for line in problems { console.err("pfharden \(tool): log: \(line)\n") }
    let mismatches = ListeningSockets.mismatches(
      ListeningSockets.current(), configuration: applied)
    for line in mismatches { console.err("pfharden \(tool): warning: \(line)\n") }
    let fatal = problems.contains { $0.contains("fatal: ") || $0.contains("panic: ") }
    guard failures.isEmpty && !fatal else {
      return rollBack(
        plan: plan, directory: directory, manager: manager, executor: executor, tool: tool,
        previous: PostfixConfiguration(
          mainCF: MainCF(bytes: plan.mainCF.original),
          masterCF: plan.masterCF.map { MasterCF(bytes: $0.original) }, catalog: catalog,
          host: host, configDirectory: directory), console: &console)
    }
    return CLI.ExitCode.clean
  }

  /// Connects to every listener; prints each socket verified; returns the failures.
  static func verify(
    _ configuration: PostfixConfiguration, tool: String, console: inout Console
  ) -> [String] {
    let (targets, skipped) = ReloadVerification.targets(configuration)
    for line in skipped { console.err("pfharden \(tool): not verified: \(line)\n") }
    var failures: [String] = []
    // Bounded: at most four checks per declared listener, a second apart,
    // each a few seconds at most. An smtpd started before the reload may
    // still answer one more connection with the old settings.
    for target in targets {
      var result = ReloadVerification.check(target)
      for _ in 0..<3 where result != nil {
        sleep(1)
        result = ReloadVerification.check(target)
      }
      if let failure = result {
        failures.append(failure)
        console.err("pfharden \(tool): verification failed: \(failure)\n")
      } else {
        let tls = target.tls.map { $0 == .implicit ? ", implicit TLS" : ", STARTTLS" } ?? ""
        console.out(
          "Verified: \(target.service) at \(target.address) port \(target.port) greets\(tls).\n")
      }
    }
    return failures
  }

  /// Puts the previous files back, activates them again and verifies that.
  static func rollBack(
    plan: ApplyPlan, directory: String, manager: ServiceControl.Manager, executor: ApplyExecutor,
    tool: String, previous: PostfixConfiguration, console: inout Console
  ) -> Int32 {
    let restored = executor.restore(
      [plan.mainCF, plan.masterCF].compactMap { $0 }.filter(\.isChanged))
    console.err("pfharden \(tool): error: the new configuration failed; \(restored)\n")
    do {
      try ServiceControl.activate(plan.activation, manager: manager, configDirectory: directory)
    } catch {
      console.err(
        "pfharden \(tool): error: activating the previous files failed: \(CLI.describe(error))\n")
      return CLI.ExitCode.failure
    }
    let again = verify(previous, tool: tool, console: &console)
    console.err(
      again.isEmpty
        ? "pfharden \(tool): the previous configuration is active again and answers.\n"
        : "pfharden \(tool): error: the previous configuration does not answer either.\n")
    return CLI.ExitCode.failure
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
    var profile: String?
    var certificate: String?
    var key: String?
    let scanned: [OptionScanner.Item]
    switch OptionScanner.scan(arguments, values: valueOptions, flags: flagOptions) {
    case .failure(let message): return .usage(message)
    case .success(let items): scanned = items
    }
    for item in scanned {
      switch item {
      case .positional(let value):
        return .usage("unexpected argument '\(Printable.sanitize(value.utf8))'")
      case .flag(let flag):
        switch flag {
        case "--help", "-h": return .help
        case "--dry-run": invocation.dryRun = true
        case "--check": invocation.check = true
        case "--yes", "-y": invocation.yes = true
        default: invocation.reload = true
        }
      case .value(let option, let value):
        switch option {
        case "--profile": profile = value
        case "-c": invocation.directory = value
        case "--network":
          do {
            invocation.options.networks.append(try Network(value))
          } catch {
            return .usage(CLI.describe(error))
          }
        case "--relay-domain":
          guard isDomain(value) else {
            return .usage("bad domain '\(Printable.sanitize(value.utf8))'")
          }
          invocation.options.relayDomains.append(value)
        case "--domain":
          guard isDomain(value) else {
            return .usage("bad domain '\(Printable.sanitize(value.utf8))'")
          }
          invocation.options.domains.append(value)
        case "--tls":
          guard let strength = TLSStrength(rawValue: value) else {
            return .usage("--tls must be compatible, intermediate or modern")
          }
          invocation.options.tls = strength
        case "--cert": certificate = value
        case "--key": key = value
        case "--sasl":
          guard let sasl = Transform.SASL(rawValue: value) else {
            return .usage("--sasl must be dovecot or cyrus")
          }
          invocation.options.sasl = sasl
        case "--sasl-path":
          guard isWord(value) else { return .usage("bad --sasl-path") }
          invocation.options.saslPath = value
        case "--postfix-version":
          guard let version = PostfixVersion(value) else {
            return .usage("not a Postfix version: '\(Printable.sanitize(value.utf8))'")
          }
          invocation.version = version
        case "--format":
          guard let format = Format(rawValue: value) else {
            return .usage("--format must be text or json")
          }
          invocation.format = format
        default: invocation.backupDirectory = value
        }
      }
    }
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
    if invocation.dryRun && invocation.check {
      return .usage("--dry-run and --check exclude each other")
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

/// Splits a command line into flags, options with values and positionals.
enum OptionScanner {
  enum Item: Equatable {
    case flag(String)
    case value(String, String)
    case positional(String)
  }

  enum Outcome {
    case success([Item])
    case failure(String)
  }

  static func scan(_ arguments: [String], values: [String], flags: [String]) -> Outcome {
    var items: [Item] = []
    var index = 0
    var positionalOnly = false
    while index < arguments.count {
      let word = arguments[index]
      index += 1
      if positionalOnly || word == "-" || !word.hasPrefix("-") {
        items.append(.positional(word))
        continue
      }
      if word == "--" {
        positionalOnly = true
        continue
      }
      let (argument, inline) = CLI.splitLongOption(word)
      if flags.contains(argument) {
        if inline != nil { return .failure("option '\(argument)' takes no value") }
        items.append(.flag(argument))
      } else if values.contains(argument) {
        if let inline {
          items.append(.value(argument, inline))
        } else {
          guard index < arguments.count else {
            return .failure("option '\(argument)' needs a value")
          }
          items.append(.value(argument, arguments[index]))
          index += 1
        }
      } else {
        var message = "unknown option '\(Printable.sanitize(argument.utf8))'."
        if let guess = Suggest.closest(to: argument, among: values + flags) {
          message += " Did you mean '\(guess)'?"
        }
        return .failure(message)
      }
    }
    return .success(items)
  }
}
