import PostfixConfig

#if canImport(Glibc)
import Glibc
#endif

/// Which running Postfix a reload, restart or stop would act on.
///
/// `postfix -c DIR reload|stop` signals the master whose PID is in
/// `queue_directory/pid/master.pid`: two configuration directories that share
/// a queue directory (a `cp -a` of `/etc/postfix`) share that master. Acting
/// on a copy would stop the live master and start one running the copy. So
/// before any of these, the master of DIR's queue directory is identified from
/// its pid file and `/proc`, and pfharden acts only when it runs DIR's
/// configuration, or when none runs.
public enum InstanceIdentity {
  /// What the check found.
  public enum Verdict: Sendable, Equatable {
    /// No master runs for the queue directory: starting uses DIR.
    case notRunning
    /// The master with this PID runs DIR's configuration.
    case running(pid: Int32)
    /// The master with this PID runs another configuration directory.
    case otherInstance(pid: Int32, configDirectory: String)
  }

  /// Identifies the master serving `queueDirectory`.
  /// - Parameters:
  ///   - configDirectory: The directory about to be reloaded.
  ///   - queueDirectory: Its `queue_directory`.
  ///   - proc: The proc file system (a test passes a directory of its own).
  ///   - canonical: Resolves symbolic links (nil: `realpath`; a test passes its own).
  /// - Returns: The verdict.
  public static func identify(
    configDirectory: String, queueDirectory: String, proc: String = "/proc",
    canonical: ((String) -> String)? = nil
  ) -> Verdict {
    let canonical = canonical ?? HostFiles.canonical
    let pidText = HostFiles.read(queueDirectory + "/pid/master.pid", from: 0, limit: 64)
    let digits = pidText.filter { $0 != 0x20 && $0 != 0x0A && $0 != 0x09 }
    guard !digits.isEmpty, digits.count <= 10, digits.allSatisfy({ (0x30...0x39).contains($0) }),
      let pid = Int32(String(decoding: digits, as: UTF8.self)), pid > 0
    else { return .notRunning }
    let command = HostFiles.read("\(proc)/\(pid)/comm", from: 0, limit: 64)
    // A stale pid file, or a PID reused by another program.
    guard command.starts(with: Array("master".utf8)) else { return .notRunning }
    let running = Self.configDirectory(ofProcess: pid, proc: proc)
    if canonical(running) == canonical(configDirectory) { return .running(pid: pid) }
    return .otherInstance(pid: pid, configDirectory: running)
  }

  /// The configuration directory a master process runs: its `-c DIR`
  /// argument, else `MAIL_CONFIG` from its environment (set by the `postfix`
  /// command), else Postfix's default `/etc/postfix`.
  /// - Parameters:
  ///   - pid: The process.
  ///   - proc: The proc file system.
  /// - Returns: The directory.
  public static func configDirectory(ofProcess pid: Int32, proc: String = "/proc") -> String {
    let arguments = HostFiles.read("\(proc)/\(pid)/cmdline", from: 0, limit: 1 << 16)
      .split(separator: 0, omittingEmptySubsequences: false).map {
        String(decoding: $0, as: UTF8.self)
      }
    if let index = arguments.firstIndex(of: "-c"), index + 1 < arguments.count {
      return arguments[index + 1]
    }
    let environment = HostFiles.read("\(proc)/\(pid)/environ", from: 0, limit: 1 << 20)
    let prefix = Array("MAIL_CONFIG=".utf8)
    for entry in environment.split(separator: 0) where entry.starts(with: prefix) {
      return String(decoding: entry.dropFirst(prefix.count), as: UTF8.self)
    }
    return "/etc/postfix"
  }

  /// Refuses to act on another instance's master.
  /// - Parameters:
  ///   - configDirectory: The directory about to be reloaded.
  ///   - configuration: Its configuration (for `queue_directory` and the
  ///     multi-instance settings).
  ///   - proc: The proc file system.
  /// - Returns: The verdict when pfharden may act.
  /// - Throws: ``PostfixHardeningError`` `configuration` naming which
  ///   instance runs where, and `postmulti` when multi-instance settings exist.
  public static func requireSameInstance(
    configDirectory: String, configuration: PostfixConfiguration, proc: String = "/proc"
  ) throws -> Verdict {
    let queue = configuration.setting("queue_directory").text
    let verdict = identify(configDirectory: configDirectory, queueDirectory: queue, proc: proc)
    guard case .otherInstance(let pid, let running) = verdict else { return verdict }
    var message =
      "the Postfix master serving \(Printable.sanitize(queue.utf8)) (pid \(pid)) runs the "
      + "configuration in \(Printable.sanitize(running.utf8)), not "
      + "\(Printable.sanitize(configDirectory.utf8)): reloading or restarting from here would act "
      + "on that instance; nothing was written"
    let directories = configuration.setting("multi_instance_directories").words
    if !directories.isEmpty || configuration.setting("multi_instance_enable").isYes {
      message +=
        "; this host runs several instances (multi_instance_directories: "
        + "\(Printable.sanitize(directories.joined(separator: " ").utf8))): use postmulti -i NAME"
    }
    throw PostfixHardeningError(.configuration, message)
  }
}
