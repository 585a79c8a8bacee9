import PostfixConfig

/// Reloads or restarts a Postfix instance after its files were written, proves
/// with real connections that it serves, and puts the previous files back when
/// it does not.
///
/// The steps, each reported as an ``Event`` while it happens:
/// 1. `postfix -c DIR check` (as root); a problem other than a warning stops
///    here, before anything is signalled.
/// 2. The log is watched from now on (``LogWatch``).
/// 3. `postfix reload` or a restart, through systemd when it runs the
///    instance (``ServiceControl``).
/// 4. A connection to every smtpd and postscreen listener of the new
///    configuration (``ListenerCheckTarget``) through the caller's
///    ``Verifier``, up to ``Options/attempts`` times each, a pause apart (an
///    smtpd started before the reload may answer once more with old settings).
/// 5. The log's warnings and fatal errors of the next ``Options/logWatchSeconds``.
/// 6. The sockets listening now against those declared (a restart that was
///    needed but not done shows here).
///
/// A failed connection or a fatal log line rolls back: the previous files are
/// written again (through the same ``ApplyExecutor``), activated, and their
/// listeners checked.
///
/// ```swift
/// import PostfixHardening
/// import SMTPProbe
///
/// let outcome = try ActivationWorkflow.run(
///   plan, configDirectory: "/etc/postfix", catalog: loaded.catalog, host: loaded.host,
///   executor: committed.executor,
///   options: .init(verifier: { target in
///     ListenerCheck.failure(
///       address: target.address, port: target.port,
///       tls: target.tls.map { $0 == .implicit ? .implicit : .startTLS })
///   }),
///   events: { print($0) })
/// ```
public enum ActivationWorkflow {
  /// Connects to one listener; nil when it answers as configured, else why not.
  public typealias Verifier = @Sendable (ListenerCheckTarget) -> String?

  /// What the workflow is doing, for progress.
  public enum Stage: Sendable, Equatable {
    /// `postfix check`.
    case postfixCheck
    /// The reload or restart.
    case activating(Transform.Activation, ServiceControl.Manager)
    /// A connection to a listener (each attempt).
    case connecting(ListenerCheckTarget)
    /// Watching the log.
    case watchingLog(seconds: Int)
  }

  /// What happened, in order.
  public enum Event: Sendable, Equatable {
    /// A stage began.
    case began(Stage)
    /// The stage that began last ended.
    case ended(Stage)
    /// A line `postfix check` printed (warnings too).
    case postfixCheck(String)
    /// The reload or restart was done.
    case activated(Transform.Activation, ServiceControl.Manager)
    /// A listener that was not connected to, and why.
    case notVerified(String)
    /// A listener answered as configured.
    case verified(ListenerCheckTarget)
    /// A listener did not answer as configured: `place: reason`.
    case verificationFailed(String)
    /// A warning, error, fatal or panic line of the log.
    case log(String)
    /// A declared listener not listening, or the reverse.
    case socketMismatch(String)
    /// The new configuration failed; the previous files are being put back
    /// (the text says which were restored).
    case rollingBack(restored: String)
  }

  /// How it ended when something was activated.
  public enum Outcome: Sendable, Equatable {
    /// Activated; every listener checked answered and the log shows no fatal error.
    case verified
    /// The new configuration failed and was rolled back; whether the previous
    /// one answers again.
    case rolledBack(previousAnswers: Bool)
    /// The new configuration failed, its files were put back, but activating
    /// them failed.
    case rollBackFailed(PostfixHardeningError)

    /// Whether the new configuration runs and answers.
    public var succeeded: Bool { self == .verified }
  }

  /// How connections are checked and the log watched.
  public struct Options: Sendable {
    /// The connection check; nil checks nothing, and says so for each listener.
    public var verifier: Verifier?
    /// How long the log is watched after the connections.
    public var logWatchSeconds: Int
    /// How many times a listener is tried before it counts as failed (1 to 10).
    public var attempts: Int
    /// The pause between attempts, in milliseconds.
    public var pauseMilliseconds: Int

    /// Creates options.
    /// - Parameters:
    ///   - verifier: The connection check.
    ///   - logWatchSeconds: How long the log is watched (0 to 60).
    ///   - attempts: Tries per listener (1 to 10).
    ///   - pauseMilliseconds: The pause between tries (0 to 10,000).
    public init(
      verifier: Verifier?, logWatchSeconds: Int = 3, attempts: Int = 4,
      pauseMilliseconds: Int = 1000
    ) {
      self.verifier = verifier
      self.logWatchSeconds = min(max(logWatchSeconds, 0), 60)
      self.attempts = min(max(attempts, 1), 10)
      self.pauseMilliseconds = min(max(pauseMilliseconds, 0), 10_000)
    }
  }

  /// Activates the files `plan` wrote, verifies, and rolls back on failure.
  /// - Parameters:
  ///   - plan: The plan whose files are in place (an apply's, or a restore's
  ///     ``Restore/Plan/files``); its originals are what a rollback writes.
  ///   - configDirectory: The instance's configuration directory.
  ///   - catalog: The parameter catalogue.
  ///   - host: The host's facts.
  ///   - executor: The executor that wrote the files (it writes the rollback).
  ///   - options: The connection check and limits.
  ///   - events: Called with each event as it happens.
  /// - Returns: How it ended.
  /// - Throws: ``PostfixHardeningError`` `configuration` when nothing was
  ///   activated: Postfix is not installed, `postfix check` failed, or the
  ///   reload or restart command failed. The new files stay in place.
  public static func run(
    _ plan: ApplyPlan, configDirectory: String, catalog: ParameterCatalog,
    host: HostEnvironment, executor: ApplyExecutor, options: Options,
    events: (Event) -> Void = { _ in }
  ) throws -> Outcome {
    guard let manager = ServiceControl.manager(configDirectory: configDirectory) else {
      throw PostfixHardeningError(.configuration, "cannot reload: Postfix is not installed")
    }
    let applied = PostfixConfiguration(
      mainCF: MainCF(bytes: plan.mainCF.updated),
      masterCF: plan.masterCF.map { MasterCF(bytes: $0.updated) }, catalog: catalog, host: host,
      configDirectory: configDirectory)
    events(.began(.postfixCheck))
    let checked = ServiceControl.check(configDirectory: configDirectory)
    events(.ended(.postfixCheck))
    for line in checked { events(.postfixCheck(line)) }
    if checked.contains(where: { !$0.contains("warning:") }) {
      throw PostfixHardeningError(
        .configuration,
        "not reloaded: postfix check failed; the new files are in place and the backup holds "
          + "the old ones")
    }
    let watch = LogWatch.start(
      maillogFile: applied.setting("maillog_file").text, manager: manager)
    let activating = Stage.activating(plan.activation, manager)
    events(.began(activating))
    do {
      try ServiceControl.activate(
        plan.activation, manager: manager, configDirectory: configDirectory)
    } catch {
      events(.ended(activating))
      throw error
    }
    events(.ended(activating))
    events(.activated(plan.activation, manager))
    // Real connections, inside the log watch, so per-connection errors are seen.
    let failures = verify(applied, options: options, events: events)
    let watching = Stage.watchingLog(seconds: options.logWatchSeconds)
    events(.began(watching))
    let problems = watch?.collect(seconds: options.logWatchSeconds) ?? []
    events(.ended(watching))
    for line in problems { events(.log(line)) }
    let mismatches = ListeningSockets.mismatches(
      ListeningSockets.current(), configuration: applied)
    for line in mismatches { events(.socketMismatch(line)) }
    let fatal = problems.contains { $0.contains("fatal: ") || $0.contains("panic: ") }
    guard !failures.isEmpty || fatal else { return .verified }
    let restored = executor.restore(
      [plan.mainCF, plan.masterCF].compactMap { $0 }.filter(\.isChanged))
    events(.rollingBack(restored: restored))
    do {
      try ServiceControl.activate(
        plan.activation, manager: manager, configDirectory: configDirectory)
    } catch let error as PostfixHardeningError {
      return .rollBackFailed(error)
    } catch {
      return .rollBackFailed(
        PostfixHardeningError(.configuration, "\(error)", underlying: error))
    }
    let previous = PostfixConfiguration(
      mainCF: MainCF(bytes: plan.mainCF.original),
      masterCF: plan.masterCF.map { MasterCF(bytes: $0.original) }, catalog: catalog,
      host: host, configDirectory: configDirectory)
    let again = verify(previous, options: options, events: events)
    return .rolledBack(previousAnswers: again.isEmpty)
  }

  /// Connects to every listener of `configuration`; returns the failures.
  /// - Parameters:
  ///   - configuration: The configuration as it runs.
  ///   - options: The connection check and limits.
  ///   - events: Called with each listener's result.
  /// - Returns: One `place: reason` per listener that did not answer.
  public static func verify(
    _ configuration: PostfixConfiguration, options: Options, events: (Event) -> Void = { _ in }
  ) -> [String] {
    let (targets, skipped) = ListenerCheckTarget.targets(in: configuration)
    for line in skipped { events(.notVerified(line)) }
    guard let verifier = options.verifier else {
      for target in targets { events(.notVerified("\(target.place): no connection check given")) }
      return []
    }
    var failures: [String] = []
    // Bounded: at most `attempts` checks per declared listener, a pause apart.
    for target in targets {
      events(.began(.connecting(target)))
      var result = verifier(target)
      for _ in 1..<options.attempts where result != nil {
        HostFiles.sleep(milliseconds: options.pauseMilliseconds)
        result = verifier(target)
      }
      events(.ended(.connecting(target)))
      if let failure = result {
        let line = "\(target.place): \(failure)"
        failures.append(line)
        events(.verificationFailed(line))
      } else {
        events(.verified(target))
      }
    }
    return failures
  }
}
