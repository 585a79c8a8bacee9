import Glibc
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
      throw PostfixHardeningError(.configuration, error.reason, underlying: error)
    }
  }

  /// The output of a finished program run by ``spawn(_:_:standardOutput:limit:)``.
  struct Output: Sendable {
    /// Everything written to standard output (empty when it went to a descriptor).
    var stdout: [UInt8]
    /// Everything written to standard error.
    var stderr: [UInt8]
    /// The exit status (128 + signal number when killed).
    var status: Int32
  }

  /// Runs `path` with `arguments`, standard output collected or sent to a descriptor.
  /// - Parameters:
  ///   - path: The program.
  ///   - arguments: The arguments after argv[0].
  ///   - standardOutput: An open descriptor the program writes its standard
  ///     output to (nothing is then collected), or `nil` to collect it.
  ///   - limit: The most bytes collected from standard output and error together.
  /// - Returns: What it printed and its exit status.
  /// - Throws: ``PostfixHardeningError`` `configuration` when it cannot be started
  ///   or prints more than `limit` bytes.
  static func spawn(
    _ path: String, _ arguments: [String], standardOutput: Int32? = nil,
    limit: Int = InstalledPostfix.outputLimit
  ) throws -> Output {
    do {
      let output = try ProcessRunner.run(
        path: path, arguments: arguments, standardOutput: standardOutput, limit: limit)
      return Output(stdout: output.stdout, stderr: output.stderr, status: output.status)
    } catch let error as PostfixConfigError {
      throw PostfixHardeningError(.configuration, error.reason, underlying: error)
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
