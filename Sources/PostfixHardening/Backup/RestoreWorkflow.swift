import PostfixConfig

/// Putting a configuration directory back from a backup archive, as
/// `pfharden restore` does, with the safety of ``ApplyWorkflow``.
///
/// ``prepare(_:events:)`` takes the directory's lock (when the request
/// writes), removes what an interrupted write left, compares the archive's
/// files with the current ones (``Restore/plan(archive:configDirectory:limit:)``)
/// and, for a request that reloads, makes sure the instance running the
/// directory is the one a reload signals. ``commit(_:backupDestination:makeExecutor:events:)``
/// backs up the current files (so a restore can itself be undone), writes the
/// archive's bytes and validates them. ``activate(_:committed:options:events:)``
/// reloads and verifies as an apply does (``ActivationWorkflow``).
///
/// ```swift
/// let prepared = try RestoreWorkflow.prepare(
///   RestoreWorkflow.Request(
///     archive: "/var/backups/pfharden/postfix-2026-12-02.tar.gz",
///     configDirectory: "/etc/postfix", intent: .write))
/// print(String(decoding: prepared.plan.unifiedDiff(), as: UTF8.self))
/// let committed = try RestoreWorkflow.commit(prepared)
/// print(committed.result.written)
/// ```
public enum RestoreWorkflow {
  /// An archive to restore into a directory.
  public struct Request: Sendable {
    /// The backup archive (`postfix-YYYY-MM-DD[-N].tar.gz`).
    public var archive: String
    /// The configuration directory.
    public var configDirectory: String
    /// Where the defaults and `postconf` come from (validation and snapshot).
    public var sources: ConfigurationDirectory.Options
    /// Plan only, write, or write and reload.
    public var intent: ApplyWorkflow.Intent

    /// Creates a request.
    /// - Parameters:
    ///   - archive: The backup archive.
    ///   - configDirectory: The configuration directory.
    ///   - sources: Where the defaults and `postconf` come from.
    ///   - intent: Plan only, write, or write and reload.
    public init(
      archive: String, configDirectory: String,
      sources: ConfigurationDirectory.Options = ConfigurationDirectory.Options(),
      intent: ApplyWorkflow.Intent = .plan
    ) {
      self.archive = archive
      self.configDirectory = configDirectory
      self.sources = sources
      self.intent = intent
    }
  }

  /// The restore's plan and what it needs to be written.
  ///
  /// It holds the directory's lock (for requests that write) until it is released.
  public struct Prepared: Sendable {
    /// The request.
    public let request: Request
    /// The files before and after.
    public let plan: Restore.Plan
    /// The installed `postconf`, or nil (no validation then).
    public let postconf: String?
    /// The parameter catalogue.
    public let catalog: ParameterCatalog
    /// The host's facts.
    public let host: HostEnvironment
    /// The directory's lock, nil for plan-only requests.
    let lock: ConfigDirectoryLock?

    /// Whether this plan holds the directory's lock (and so can be committed).
    public var holdsLock: Bool { lock?.isHeld ?? false }

    /// Releases the directory's lock now; the plan can then no longer be committed.
    public func releaseLock() { lock?.release() }
  }

  /// What a commit did.
  public struct Committed: Sendable {
    /// The backup of the files as they were, and the files written.
    public let result: Restore.Result
    /// Whether `postconf` validated the result.
    public let validated: Bool
    /// The executor that wrote (a rollback writes through it too).
    public let executor: ApplyExecutor
  }

  /// Reads the archive and the current files; writes nothing.
  /// - Parameters:
  ///   - request: The archive, directory and intent.
  ///   - events: Called with each event as it happens.
  /// - Returns: The plan, holding the directory's lock for requests that write.
  /// - Throws: ``PostfixHardeningError`` `configuration` when another run
  ///   holds the lock, the archive is refused, a file cannot be read, or
  ///   another instance runs this directory.
  public static func prepare(_ request: Request, events: (ApplyWorkflow.Event) -> Void = { _ in })
    throws -> Prepared
  {
    let directory = request.configDirectory
    var lock: ConfigDirectoryLock?
    if request.intent != .plan {
      lock = try ConfigDirectoryLock.acquire(directory)
      for path in ConfigDirectoryLock.removeDebris(in: directory) {
        events(.removedDebris(path: path))
      }
    }
    let plan = try Restore.plan(archive: request.archive, configDirectory: directory)
    let writes = request.intent != .plan && plan.hasChanges
    let postconf = writes ? request.sources.installedPostconf() : nil
    let catalog = writes ? request.sources.catalog() : ParameterCatalog.embedded
    let host = request.sources.host()
    if writes && request.intent == .writeAndActivate {
      // Only the instance whose master runs this directory is ever signalled.
      let current = PostfixConfiguration(
        mainCF: MainCF(bytes: plan.files.mainCF.original),
        masterCF: plan.files.masterCF.map { MasterCF(bytes: $0.original) }, catalog: catalog,
        host: host, configDirectory: directory)
      _ = try InstanceIdentity.requireSameInstance(
        configDirectory: directory, configuration: current)
    }
    return Prepared(
      request: request, plan: plan, postconf: postconf, catalog: catalog, host: host, lock: lock)
  }

  /// Backs up the current files, writes the archive's and validates them.
  /// - Parameters:
  ///   - prepared: A plan prepared for a request that writes.
  ///   - backupDestination: Where the backup of the current files goes.
  ///   - makeExecutor: Builds the executor from the `postconf` validator.
  ///   - events: Called with each event as it happens.
  /// - Returns: The backup and the files written.
  /// - Throws: ``PostfixHardeningError`` `invalidRequest` when the request was
  ///   plan-only, its lock was released or nothing changes; `configuration`
  ///   as ``Restore/execute(_:backupDestination:postconf:host:executor:date:)``
  ///   throws.
  public static func commit(
    _ prepared: Prepared, backupDestination: String = Backup.defaultDestination,
    makeExecutor: (ApplyExecutor.Validator?) -> ApplyExecutor = { ApplyExecutor(validate: $0) },
    events: (ApplyWorkflow.Event) -> Void = { _ in }
  ) throws -> Committed {
    guard prepared.holdsLock else {
      throw PostfixHardeningError(
        .invalidRequest, "this restore was not prepared to write, or its lock was released")
    }
    guard prepared.plan.hasChanges else {
      throw PostfixHardeningError(.invalidRequest, "nothing to write: the files are the archive's")
    }
    let executor = makeExecutor(
      prepared.postconf.map { PostconfValidation.validator(postconf: $0) })
    let stage = ApplyWorkflow.Stage.backingUpAndWriting(validating: executor.validate != nil)
    events(.began(stage))
    defer { events(.ended(stage)) }
    let result = try Restore.execute(
      prepared.plan, backupDestination: backupDestination, postconf: prepared.postconf,
      host: prepared.host, executor: executor)
    if let backup = result.backup { events(.backedUp(backup)) }
    return Committed(result: result, validated: executor.validate != nil, executor: executor)
  }

  /// Reloads or restarts after a commit and verifies it; a failure puts the
  /// files the restore replaced back.
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
      prepared.plan.files, configDirectory: prepared.request.configDirectory,
      catalog: prepared.catalog, host: prepared.host, executor: committed.executor,
      options: options, events: events)
  }
}
