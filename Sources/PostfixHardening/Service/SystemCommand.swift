import PostfixConfig

/// Runs a program and collects its output (stdin `/dev/null`, environment inherited).
public enum SystemCommand {
  /// Runs `path` with `arguments`.
  /// - Parameters:
  ///   - path: The program.
  ///   - arguments: The arguments after argv[0].
  /// - Returns: What it printed and its exit status.
  /// - Throws: ``PostfixHardeningError`` `configuration` when it cannot be started.
  public static func run(_ path: String, _ arguments: [String]) throws -> InstalledPostfix.Output {
    do {
      // InstalledPostfix.run spawns any program; postconf is just its usual one.
      return try InstalledPostfix.run(postconf: path, arguments: arguments)
    } catch let error as PostfixConfigError {
      throw PostfixHardeningError(.configuration, error.reason)
    }
  }

  /// The first executable among `candidates`.
  /// - Parameter candidates: Paths to try, in order.
  /// - Returns: The path, or `nil`.
  public static func find(_ candidates: [String]) -> String? {
    candidates.first { HostFiles.isExecutable($0) }
  }

  /// Where `tar` is looked for.
  public static let tarCandidates = ["/usr/bin/tar", "/bin/tar", "/usr/local/bin/tar"]
  /// Where `postfix` is looked for.
  public static let postfixCandidates = ["/usr/sbin/postfix", "/usr/local/sbin/postfix"]
  /// Where `systemctl` is looked for.
  public static let systemctlCandidates = ["/usr/bin/systemctl", "/bin/systemctl"]
  /// Where `journalctl` is looked for.
  public static let journalctlCandidates = ["/usr/bin/journalctl", "/bin/journalctl"]
}
