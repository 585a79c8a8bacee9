import PostfixConfig

/// Hardening a configuration directory with a profile, as `pfharden apply`
/// does: plan, back up, write, validate, and (with ``ActivationWorkflow``)
/// reload and verify.
///
/// In two steps, so a caller can show the plan and ask before writing:
/// - ``prepare(_:events:)`` takes the directory's lock (when the request
///   writes), removes what an interrupted write left, reports an interrupted
///   earlier apply, reads the directory (`ConfigurationDirectory`), checks a
///   given certificate and key, makes sure a reload would reach the instance
///   that runs this directory (``InstanceIdentity``), and plans the profile.
///   Nothing is written.
/// - ``commit(_:backupDestination:makeExecutor:events:)`` backs up (archive
///   and `postconf` snapshot), writes the files atomically, and validates
///   them with the installed `postconf`, putting the previous files back on a
///   new warning. A journal in the directory marks the write until it is
///   validated, so an interrupted run is reported by the next one.
///
/// ``run(_:backupDestination:activation:events:activationEvents:)`` does all of it, the
/// reload included, in one call:
///
/// ```swift
/// import PostfixHardening
/// import SMTPProbe
///
/// var request = ApplyWorkflow.Request(profile: .sendOnly, configDirectory: "/etc/postfix")
/// request.intent = .writeAndActivate
/// let result = try ApplyWorkflow.run(
///   request, backupDestination: "/var/backups/pfharden",
///   activation: .init(verifier: { target in
///     ListenerCheck.failure(
///       address: target.address, port: target.port,
///       tls: target.tls.map { $0 == .implicit ? .implicit : .startTLS })
///   }))
/// print(result.prepared.plan.changes.count, result.committed?.backup.archive ?? "-")
/// ```
public enum ApplyWorkflow {
  /// What the caller means to do with the plan.
  public enum Intent: Sendable, Equatable {
    /// Plan only: no lock, nothing written.
    case plan
    /// Plan and write (``commit(_:backupDestination:makeExecutor:events:)``).
    case write
    /// Plan, write and reload: also checks, before anything is written, that
    /// the instance running this directory is the one a reload would signal.
    case writeAndActivate
  }

  /// A profile to apply to a directory.
  public struct Request: Sendable {
    /// The profile.
    public var profile: Profile
    /// The configuration directory.
    public var configDirectory: String
    /// The profile's options (networks, domains, certificate, TLS strength, SASL).
    public var options: ProfileOptions
    /// Where the defaults and the Postfix version come from (the installed
    /// Postfix's by default; `ConfigurationDirectory.Options.postfixVersion`
    /// comes first when set).
    public var sources: ConfigurationDirectory.Options
    /// Plan only, write, or write and reload.
    public var intent: Intent

    /// Creates a request.
    /// - Parameters:
    ///   - profile: The profile.
    ///   - configDirectory: The configuration directory.
    ///   - options: The profile's options.
    ///   - sources: Where the defaults and the Postfix version come from.
    ///   - intent: Plan only, write, or write and reload.
    public init(
      profile: Profile, configDirectory: String, options: ProfileOptions = ProfileOptions(),
      sources: ConfigurationDirectory.Options = ConfigurationDirectory.Options(),
      intent: Intent = .plan
    ) {
      self.profile = profile
      self.configDirectory = configDirectory
      self.options = options
      self.sources = sources
      self.intent = intent
    }
  }

  /// A step that may take a while, for progress.
  public enum Stage: Sendable, Equatable {
    /// Reading the directory and planning.
    case reading(String)
    /// Taking the backup.
    case backingUp(String)
    /// Writing the files, and validating them when `postconf` is installed.
    case writing(validating: Bool)
    /// A restore's backup and write, in one step (``RestoreWorkflow``).
    case backingUpAndWriting(validating: Bool)
  }

  /// What happened, in order.
  public enum Event: Sendable, Equatable {
    /// A stage began.
    case began(Stage)
    /// The stage that began last ended.
    case ended(Stage)
    /// A temporary file an interrupted write left was removed.
    case removedDebris(path: String)
    /// An earlier apply was interrupted between writing and validating.
    case interrupted(InterruptedApply)
    /// The backup was taken (before anything is written).
    case backedUp(Backup.Result)
  }

  /// The plan, and what was read to make it.
  ///
  /// It holds the directory's lock (for requests that write) until it is released.
  public struct Prepared: Sendable {
    /// The request.
    public let request: Request
    /// The directory as read: configuration, catalogue, host, `postconf`.
    public let loaded: LoadedConfiguration
    /// The Postfix release planned for.
    public let version: PostfixVersion
    /// What the profile resolved to: transforms, notes, what it kept.
    public let build: Profile.Build
    /// The plan: changes, diff, what Postfix needs afterwards.
    public let plan: ApplyPlan
    /// The directory's lock, nil for plan-only requests.
    let lock: ConfigDirectoryLock?

    /// Whether this plan holds the directory's lock (and so can be committed).
    public var holdsLock: Bool { lock?.isHeld ?? false }

    /// Releases the directory's lock now, as when a caller decides not to write.
    ///
    /// Afterwards the plan can no longer be committed. The lock is also
    /// released when the last copy of the plan is.
    public func releaseLock() { lock?.release() }
  }

  /// What a commit did.
  public struct Committed: Sendable {
    /// The backup of the files as they were.
    public let backup: Backup.Result
    /// What was written.
    public let outcome: ApplyExecutor.Outcome
    /// Whether `postconf` validated the result (false where it is not installed).
    public let validated: Bool
    /// The executor that wrote (a rollback writes through it too).
    public let executor: ApplyExecutor
  }

  /// What ``run(_:backupDestination:activation:events:activationEvents:)`` did.
  public struct Result: Sendable {
    /// The plan.
    public let prepared: Prepared
    /// The write, or nil when nothing changed or the intent was ``Intent/plan``.
    public let committed: Committed?
    /// The reload, or nil when not asked for or nothing was written.
    public let activation: ActivationWorkflow.Outcome?
  }

  /// Reads the directory and plans the profile; writes nothing.
  /// - Parameters:
  ///   - request: The profile, directory and intent.
  ///   - events: Called with each event as it happens.
  /// - Returns: The plan, holding the directory's lock for requests that write.
  /// - Throws: ``PostfixHardeningError``: `configuration` when another run
  ///   holds the lock, a file cannot be read (master.cf included), the Postfix
  ///   version is unknown, a given certificate or key is unusable (underlying
  ///   ``ProfileRequirement/certificateUnusable(reason:)``) or another instance
  ///   runs this directory; `invalidRequest` when the profile cannot work here.
  public static func prepare(_ request: Request, events: (Event) -> Void = { _ in }) throws
    -> Prepared
  {
    let directory = request.configDirectory
    // From reading to validating, no other run may change the directory.
    var lock: ConfigDirectoryLock?
    if request.intent != .plan {
      lock = try ConfigDirectoryLock.acquire(directory)
      for path in ConfigDirectoryLock.removeDebris(in: directory) {
        events(.removedDebris(path: path))
      }
      if let interrupted = ApplyJournal.interrupted(configDirectory: directory) {
        events(.interrupted(interrupted))
      }
    }
    let reading = Stage.reading(directory)
    events(.began(reading))
    defer { events(.ended(reading)) }
    let loaded = try ConfigurationDirectory.open(directory, options: request.sources)
    // Unlike an audit, a plan is never made without a master.cf that is there.
    if let error = loaded.masterCFError { throw error }
    guard let version = loaded.postfixVersion else {
      throw PostfixHardeningError(.configuration, "cannot tell the Postfix version")
    }
    if let given = request.options.certificate {
      // smtpd reads them only at the first handshake: check them now.
      let problems = TLSMaterial.problems(
        certificate: given.certificateFile, key: given.keyFile, openssl: TLSMaterial.openssl())
      if !problems.isEmpty {
        let why = problems.map(\.description).joined(separator: "; ") + "; nothing was written"
        throw PostfixHardeningError(
          .configuration, "not using the certificate and key given: \(why)",
          underlying: ProfileRequirement.certificateUnusable(reason: why))
      }
    }
    if request.intent == .writeAndActivate {
      // Only the instance whose master runs this directory is ever signalled.
      _ = try InstanceIdentity.requireSameInstance(
        configDirectory: directory, configuration: loaded.configuration)
    }
    let build = try request.profile.build(
      options: request.options, configuration: loaded.configuration,
      isReadable: HostFiles.isReadable)
    let planner = ApplyPlanner(version: version, catalog: loaded.catalog, host: loaded.host)
    let plan = try planner.plan(build.transforms, for: loaded.configuration)
    return Prepared(
      request: request, loaded: loaded, version: version, build: build, plan: plan, lock: lock)
  }

  /// Backs up the directory, writes the plan's files and validates them.
  /// - Parameters:
  ///   - prepared: A plan prepared for a request that writes.
  ///   - backupDestination: Where the archive and snapshot go (created when
  ///     missing; refused when another user could write there).
  ///   - makeExecutor: Builds the executor from the `postconf` validator (nil
  ///     where Postfix is not installed); a seam for fault tests.
  ///   - events: Called with each event as it happens.
  /// - Returns: The backup and what was written.
  /// - Throws: ``PostfixHardeningError`` `invalidRequest` when the request was
  ///   plan-only or nothing changes; `configuration` when the backup, a write
  ///   or the validation fails (the previous files are then in place again).
  public static func commit(
    _ prepared: Prepared, backupDestination: String = Backup.defaultDestination,
    makeExecutor: (ApplyExecutor.Validator?) -> ApplyExecutor = { ApplyExecutor(validate: $0) },
    events: (Event) -> Void = { _ in }
  ) throws -> Committed {
    guard prepared.lock != nil else {
      throw PostfixHardeningError(
        .invalidRequest, "this plan was prepared to be shown only; prepare it to write")
    }
    guard prepared.holdsLock else {
      throw PostfixHardeningError(
        .invalidRequest, "this plan's lock was released; prepare it again to write")
    }
    guard prepared.plan.hasChanges else {
      throw PostfixHardeningError(.invalidRequest, "nothing to write: the plan changes nothing")
    }
    let directory = prepared.request.configDirectory
    let postconf = prepared.loaded.postconf
    let backingUp = Stage.backingUp(directory)
    events(.began(backingUp))
    let backup: Backup.Result
    do {
      let snapshot = try SettingsSnapshot.take(
        configDirectory: directory, postconf: postconf, host: prepared.loaded.host)
      backup = try Backup.create(
        configDirectory: directory, destination: backupDestination, snapshot: snapshot)
    } catch {
      events(.ended(backingUp))
      throw error
    }
    events(.ended(backingUp))
    events(.backedUp(backup))
    let executor = makeExecutor(postconf.map { PostconfValidation.validator(postconf: $0) })
    // Left behind only when this run dies between the first write and validation.
    try ApplyJournal.begin(prepared.plan, backup: backup.archive)
    let writing = Stage.writing(validating: executor.validate != nil)
    events(.began(writing))
    defer { events(.ended(writing)) }
    let outcome: ApplyExecutor.Outcome
    do {
      outcome = try executor.execute(prepared.plan)
    } catch {
      ApplyJournal.end(configDirectory: directory)
      throw error
    }
    ApplyJournal.end(configDirectory: directory)
    return Committed(
      backup: backup, outcome: outcome, validated: executor.validate != nil, executor: executor)
  }

  /// Reloads or restarts the instance after a commit and verifies it
  /// (``ActivationWorkflow/run(_:configDirectory:catalog:host:executor:options:events:)``).
  /// - Parameters:
  ///   - prepared: The plan.
  ///   - committed: What the commit wrote.
  ///   - options: The connection check and limits.
  ///   - events: Called with each event as it happens.
  /// - Returns: How it ended.
  /// - Throws: ``PostfixHardeningError`` `configuration` when nothing was activated.
  public static func activate(
    _ prepared: Prepared, committed: Committed, options: ActivationWorkflow.Options,
    events: (ActivationWorkflow.Event) -> Void = { _ in }
  ) throws -> ActivationWorkflow.Outcome {
    try ActivationWorkflow.run(
      prepared.plan, configDirectory: prepared.request.configDirectory,
      catalog: prepared.loaded.catalog, host: prepared.loaded.host,
      executor: committed.executor, options: options, events: events)
  }

  /// Prepares, commits when the intent writes and something changes, and
  /// activates when the intent says so: the whole of `pfharden apply --yes
  /// [--reload]` in one call.
  /// - Parameters:
  ///   - request: The profile, directory and intent.
  ///   - backupDestination: Where the archive and snapshot go.
  ///   - activation: The connection check and limits of the reload.
  ///   - events: Called with the apply's events as they happen.
  ///   - activationEvents: Called with the reload's events as they happen.
  /// - Returns: What was planned, written and activated; the directory's lock
  ///   is released.
  /// - Throws: ``PostfixHardeningError`` as the steps do; when the reload
  ///   fails before anything is signalled, the new files stay in place and
  ///   the error says so.
  public static func run(
    _ request: Request, backupDestination: String = Backup.defaultDestination,
    activation: ActivationWorkflow.Options = ActivationWorkflow.Options(verifier: nil),
    events: (Event) -> Void = { _ in },
    activationEvents: (ActivationWorkflow.Event) -> Void = { _ in }
  ) throws -> Result {
    let prepared = try prepare(request, events: events)
    // The work is done when this returns: the result does not keep the directory locked.
    defer { prepared.releaseLock() }
    guard request.intent != .plan, prepared.plan.hasChanges else {
      return Result(prepared: prepared, committed: nil, activation: nil)
    }
    let committed = try commit(prepared, backupDestination: backupDestination, events: events)
    guard request.intent == .writeAndActivate else {
      return Result(prepared: prepared, committed: committed, activation: nil)
    }
    // The lock is held until the reload is verified or rolled back.
    let outcome = try activate(
      prepared, committed: committed, options: activation, events: activationEvents)
    return Result(prepared: prepared, committed: committed, activation: outcome)
  }
}
