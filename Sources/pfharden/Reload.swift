import PostfixConfig
import PostfixHardening
import SMTPProbe

/// `--reload` of `apply` and `restore`: runs the library's activation with
/// SMTPProbe's connection check and words its events.
enum Reload {
  /// SMTPProbe's check of one listener: its greeting, and TLS where configured.
  static let verifier: ActivationWorkflow.Verifier = { target in
    ListenerCheck.failure(
      address: target.address, port: target.port,
      tls: target.tls.map { $0 == .implicit ? .implicit : .startTLS })
  }

  /// Reloads or restarts, verifies every listener, and rolls back on failure.
  /// - Parameters:
  ///   - plan: The plan whose files were written.
  ///   - directory: The configuration directory.
  ///   - catalog: The parameter catalogue.
  ///   - host: The host's facts.
  ///   - executor: The executor that wrote the files.
  ///   - tool: The command (`apply`, `restore`), for the prefix.
  ///   - progress: Where progress goes.
  ///   - console: Where output goes.
  /// - Returns: The exit status.
  static func run(
    plan: ApplyPlan, directory: String, catalog: ParameterCatalog, host: HostEnvironment,
    executor: ApplyExecutor, tool: String, progress: ProgressReporter?, console: inout Console
  ) -> Int32 {
    let seconds = Int(console.environment["PFHARDEN_LOG_WATCH_SECONDS"] ?? "") ?? 3
    let options = ActivationWorkflow.Options(verifier: verifier, logWatchSeconds: seconds)
    do {
      let outcome = try ActivationWorkflow.run(
        plan, configDirectory: directory, catalog: catalog, host: host, executor: executor,
        options: options,
        events: { show($0, tool: tool, progress: progress, console: &console) })
      switch outcome {
      case .verified:
        return CLI.ExitCode.clean
      case .rolledBack(let answers):
        console.err(
          answers
            ? "pfharden \(tool): the previous configuration is active again and answers.\n"
            : "pfharden \(tool): error: the previous configuration does not answer either.\n")
      case .rollBackFailed(let error):
        console.err(
          "pfharden \(tool): error: activating the previous files failed: "
            + "\(CLI.describe(error))\n")
      }
    } catch {
      progress?.end()
      console.err("pfharden \(tool): error: \(CLI.describe(error))\n")
    }
    return CLI.ExitCode.failure
  }

  /// Prints one event of the activation.
  static func show(
    _ event: ActivationWorkflow.Event, tool: String, progress: ProgressReporter?,
    console: inout Console
  ) {
    switch event {
    case .began(let stage): progress?.begin(words(stage))
    case .ended: progress?.end()
    case .postfixCheck(let line): console.err("pfharden \(tool): postfix check: \(line)\n")
    case .activated(let activation, let manager):
      console.out("Postfix: \(activation) done through \(manager).\n")
    case .notVerified(let line): console.err("pfharden \(tool): not verified: \(line)\n")
    case .verified(let target):
      let tls = target.tls.map { $0 == .implicit ? ", implicit TLS" : ", STARTTLS" } ?? ""
      console.out(
        "Verified: \(target.service) at \(target.address) port \(target.port) greets\(tls).\n")
    case .verificationFailed(let line):
      console.err("pfharden \(tool): verification failed: \(line)\n")
    case .log(let line): console.err("pfharden \(tool): log: \(line)\n")
    case .socketMismatch(let line): console.err("pfharden \(tool): warning: \(line)\n")
    case .rollingBack(let restored):
      console.err("pfharden \(tool): error: the new configuration failed; \(restored)\n")
    }
  }

  /// A stage in words, for progress.
  static func words(_ stage: ActivationWorkflow.Stage) -> String {
    switch stage {
    case .postfixCheck: return "postfix check"
    case .activating(let activation, let manager): return "\(activation) through \(manager)"
    case .connecting(let target):
      return "connecting to \(Printable.sanitize(target.service.utf8)) at \(target.address) port "
        + "\(target.port)"
    case .watchingLog(let seconds): return "watching the log for \(seconds) s"
    }
  }

  /// An apply stage in words, for progress.
  static func words(_ stage: ApplyWorkflow.Stage) -> String {
    switch stage {
    case .reading(let directory): return "reading \(Printable.sanitize(directory.utf8))"
    case .backingUp(let directory): return "backing up \(Printable.sanitize(directory.utf8))"
    case .writing(let validating):
      return validating ? "writing and validating with postconf" : "writing"
    case .backingUpAndWriting(let validating):
      return "backing up, writing" + (validating ? " and validating with postconf" : "")
    }
  }
}
