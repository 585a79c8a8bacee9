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
      throw PostfixHardeningError(.configuration, error.reason)
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
    try Spawn.run(path: path, arguments: arguments, standardOutput: standardOutput, limit: limit)
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

// posix_spawn plus a poll loop that drains the pipes together.
private enum Spawn {
  static func run(
    path: String, arguments: [String], standardOutput: Int32?, limit: Int,
    timeoutSeconds: Int = Spawn.timeoutSeconds
  ) throws
    -> SystemCommand.Output
  {
    var errPipe: [Int32] = [-1, -1]
    guard pipe(&errPipe) == 0 else { throw failure("pipe", path) }
    var outPipe: [Int32] = [-1, -1]
    if standardOutput == nil {
      guard pipe(&outPipe) == 0 else {
        let error = failure("pipe", path)
        for fd in errPipe { _ = close(fd) }
        throw error
      }
    }
    // Only the dup2'd copies may reach the child.
    for fd in outPipe + errPipe where fd >= 0 { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
    let readers = [outPipe[0], errPipe[0]]
    var writers = [outPipe[1], errPipe[1]]
    defer {
      for fd in readers + writers where fd >= 0 { _ = close(fd) }
    }
    // dup2 onto itself would keep close-on-exec: give the child a copy above 2.
    var output = standardOutput ?? outPipe[1]
    if output <= 2 {
      output = fcntl(output, F_DUPFD_CLOEXEC, 3)
      guard output >= 0 else { throw failure("dup", path) }
      writers.append(output)
    }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_adddup2(&actions, output, 1)
    posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)

    let argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
    defer { for pointer in argv { free(pointer) } }
    var pid: pid_t = 0
    var spawned: Int32 = 0
    // A program being replaced (a package upgrade) is briefly "text file
    // busy": at most 20 tries, 10 ms apart.
    for _ in 0..<20 {
      spawned = posix_spawn(&pid, path, &actions, nil, argv, environ)
      guard spawned == ETXTBSY else { break }
      HostFiles.sleep(milliseconds: 10)
    }
    for fd in writers where fd >= 0 { _ = close(fd) }
    writers = []
    guard spawned == 0 else {
      throw PostfixHardeningError(
        .configuration, "cannot run \(path): \(String(cString: strerror(spawned)))")
    }

    var stdout: [UInt8] = []
    var stderr: [UInt8] = []
    var tooLarge = false
    var timedOut = false
    let deadline = monotonicMilliseconds() + timeoutSeconds * 1000
    var fds = readers.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
    var buffer = [UInt8](repeating: 0, count: 65536)
    // Each iteration reads from a ready pipe or closes one at end of file.
    while fds.contains(where: { $0.fd >= 0 }) {
      let left = deadline - monotonicMilliseconds()
      if left <= 0 {
        // A child that hangs (a FIFO it reads, a stuck lookup) is stopped.
        _ = kill(pid, SIGKILL)
        timedOut = true
        break
      }
      let ready = poll(&fds, nfds_t(fds.count), Int32(min(left, 60_000)))
      if ready < 0 {
        if errno == EINTR { continue }
        break
      }
      for index in fds.indices where fds[index].fd >= 0 && fds[index].revents != 0 {
        let count = buffer.withUnsafeMutableBytes { read(fds[index].fd, $0.baseAddress, $0.count) }
        if count < 0, errno == EINTR { continue }
        if count <= 0 {
          fds[index].fd = -1
          continue
        }
        if stdout.count + stderr.count + count > limit {
          tooLarge = true
          continue
        }
        if index == 0 {
          stdout += buffer[0..<count]
        } else {
          stderr += buffer[0..<count]
        }
      }
    }

    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 {
      guard errno == EINTR else { throw failure("waitpid", path) }
    }
    if timedOut {
      throw PostfixHardeningError(
        .configuration, "\(path) did not finish within \(timeoutSeconds) s and was stopped")
    }
    if tooLarge {
      throw PostfixHardeningError(.configuration, "\(path) printed more than \(limit) bytes")
    }
    let signal = status & 0x7F
    let exit = signal == 0 ? (status >> 8) & 0xFF : 128 + signal
    return SystemCommand.Output(stdout: stdout, stderr: stderr, status: exit)
  }

  /// How long any program pfharden runs may take before it is stopped.
  static let timeoutSeconds = 300

  static func monotonicMilliseconds() -> Int {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return now.tv_sec * 1000 + now.tv_nsec / 1_000_000
  }

  static func failure(_ call: String, _ path: String) -> PostfixHardeningError {
    PostfixHardeningError(
      .configuration, "\(call) for \(path) failed: \(String(cString: strerror(errno)))")
  }
}
