import PostfixConfig

/// Watches Postfix's log for warnings and fatal errors after a reload.
public struct LogWatch: Sendable, Equatable {
  /// Where the log is read.
  public enum Source: Sendable, Equatable {
    /// `maillog_file`, read from this offset on.
    case file(path: String, offset: Int)
    /// The journal of a systemd unit, since this time (seconds since the epoch).
    case journal(journalctl: String, unit: String, since: Int)
  }

  /// The log being watched.
  public var source: Source

  /// Starts watching: remembers where the log ends now.
  /// - Parameters:
  ///   - maillogFile: The effective `maillog_file` (empty when unset).
  ///   - manager: Who manages the instance.
  /// - Returns: A watch, or `nil` when there is no log to read.
  public static func start(maillogFile: String, manager: ServiceControl.Manager) -> LogWatch? {
    if !maillogFile.isEmpty, maillogFile.hasPrefix("/") {
      return LogWatch(source: .file(path: maillogFile, offset: HostFiles.size(maillogFile) ?? 0))
    }
    if case .systemd(_, let unit) = manager,
      let journalctl = SystemCommand.find(SystemCommand.journalctlCandidates)
    {
      return LogWatch(
        source: .journal(journalctl: journalctl, unit: unit, since: HostFiles.now() - 1))
    }
    return nil
  }

  /// Waits `seconds`, then returns the warning, error, fatal and panic lines logged.
  /// - Parameter seconds: How long to watch.
  /// - Returns: The lines, sanitized.
  public func collect(seconds: Int) -> [String] {
    HostFiles.sleep(milliseconds: seconds * 1000)
    let bytes: [UInt8]
    switch source {
    case .file(let path, let offset):
      bytes = HostFiles.read(path, from: offset)
    case .journal(let journalctl, let unit, let since):
      bytes =
        (try? SystemCommand.run(
          journalctl, ["-u", unit, "--since", "@\(since)", "--no-pager", "-o", "cat"]))?.stdout
        ?? []
    }
    return Self.problems(in: bytes)
  }

  /// The lines of `log` that report a warning, error, fatal error or panic.
  /// - Parameter log: Log text.
  /// - Returns: Those lines, sanitized.
  public static func problems(in log: [UInt8]) -> [String] {
    let markers = ["warning: ", "error: ", "fatal: ", "panic: "]
    return log.split(separator: 0x0A).map { Printable.sanitize($0) }.filter { line in
      markers.contains { line.contains($0) }
    }
  }
}
