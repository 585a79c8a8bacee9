import Glibc

/// The Postfix installed on this machine, reached through its `postconf`.
public enum InstalledPostfix {
  /// Where `postconf` is looked for, in order.
  public static let postconfCandidates = [
    "/usr/sbin/postconf", "/usr/local/sbin/postconf", "/opt/local/sbin/postconf",
    "/usr/local/bin/postconf", "/usr/bin/postconf", "/sbin/postconf",
  ]

  /// The largest output accepted from one postconf run.
  public static let outputLimit = 16 << 20

  /// The first executable ``postconfCandidates`` entry, or `nil`.
  public static func postconfPath() -> String? {
    postconfCandidates.first { access($0, X_OK) == 0 }
  }

  /// Whether `path` is this very executable (a program installed as
  /// `postconf` that reads configurations itself).
  /// - Parameter path: A program path.
  /// - Returns: Whether its real path is that of `/proc/self/exe`.
  public static func isThisProgram(_ path: String) -> Bool {
    guard let mine = realpath("/proc/self/exe", nil) else { return false }
    defer { free(mine) }
    guard let theirs = realpath(path, nil) else { return false }
    defer { free(theirs) }
    return strcmp(mine, theirs) == 0
  }

  /// The output of a finished program.
  public struct Output: Sendable {
    /// Everything written to standard output.
    public var stdout: [UInt8]
    /// Everything written to standard error.
    public var stderr: [UInt8]
    /// The exit status (128 + signal number when killed).
    public var status: Int32
  }

  /// Runs `postconf` with `arguments` (stdin `/dev/null`, environment inherited).
  /// - Parameters:
  ///   - postconf: The program path.
  ///   - arguments: The arguments after argv[0].
  /// - Returns: What it printed and its exit status.
  /// - Throws: ``PostfixConfigError`` `.postfixTool` when it cannot be started,
  ///   `.fileTooLarge` when it prints more than ``outputLimit`` bytes.
  public static func run(postconf: String, arguments: [String]) throws -> Output {
    try ProcessRunner.run(path: postconf, arguments: arguments, limit: outputLimit)
  }

  /// Runs a program with a time limit of its own (tests use a short one);
  /// past it the program is killed and `.postfixTool` thrown.
  static func run(program: String, arguments: [String], timeoutSeconds: Int) throws -> Output {
    try ProcessRunner.run(
      path: program, arguments: arguments, limit: outputLimit, timeoutSeconds: timeoutSeconds)
  }

  /// `postconf -d` (all defaults) of the installed Postfix.
  /// - Parameters:
  ///   - postconf: The program path.
  ///   - configDirectory: A directory for `-c` (its master.cf decides the
  ///     service-dependent names), or `nil` for the installed configuration.
  /// - Returns: Standard output of `postconf -d`.
  /// - Throws: ``PostfixConfigError`` `.postfixTool` when postconf fails.
  public static func defaultsOutput(postconf: String, configDirectory: String? = nil) throws
    -> [UInt8]
  {
    let arguments = (configDirectory.map { ["-c", $0] } ?? []) + ["-d"]
    return try checked(postconf: postconf, arguments: arguments)
  }

  /// The installed release, from `postconf -d -h mail_version`.
  ///
  /// `-d` because main.cf may set `mail_version` (postconf accepts that silently).
  /// - Parameter postconf: The program path.
  /// - Returns: The version.
  /// - Throws: ``PostfixConfigError`` `.postfixTool` when postconf fails,
  ///   `.invalidVersion` when its answer is not a version.
  public static func version(postconf: String) throws -> PostfixVersion {
    let output = try checked(postconf: postconf, arguments: ["-d", "-h", "mail_version"])
    let text = PostconfOutput.parseValues(output).first.map { String(decoding: $0, as: UTF8.self) }
    guard let text, let version = PostfixVersion(text) else {
      throw PostfixConfigError(
        .invalidVersion, "postconf -d -h mail_version printed \(Printable.sanitize(output))")
    }
    return version
  }

  /// A catalogue whose defaults come from the installed Postfix.
  ///
  /// With a cache directory, the `postconf -d` output is cached (see `DefaultsCache`)
  /// and so is the catalogue built on ``ParameterCatalog/embedded``, as a table read back
  /// in one pass: a later run parses neither the embedded table nor the output.
  /// - Parameters:
  ///   - postconf: The program path.
  ///   - base: Where flags and history come from; nil for ``ParameterCatalog/embedded``.
  ///   - cacheDirectory: Where `DefaultsCache` keeps `postconf -d` output,
  ///     or `nil` to run postconf every time.
  /// - Returns: `ParameterCatalog(postconfDefaultsOutput:base:)` of `postconf -d`.
  /// - Throws: ``PostfixConfigError`` `.postfixTool` when postconf fails.
  public static func catalog(
    postconf: String, base: ParameterCatalog? = nil, cacheDirectory: String? = nil
  ) throws -> ParameterCatalog {
    guard let cacheDirectory else {
      return ParameterCatalog(
        postconfDefaultsOutput: try defaultsOutput(postconf: postconf), base: base ?? .embedded)
    }
    func build() throws -> ParameterCatalog {
      let output = try DefaultsCache.defaultsOutput(
        postconf: postconf, cacheDirectory: cacheDirectory)
      return ParameterCatalog(postconfDefaultsOutput: output, base: base ?? .embedded)
    }
    guard base == nil else { return try build() }
    var built: ParameterCatalog?
    let table = try DefaultsCache.derived(
      postconf: postconf, cacheDirectory: cacheDirectory, tag: ParameterCatalog.embeddedCacheTag
    ) {
      let catalog = try build()
      built = catalog
      return catalog.table()
    }
    if let built { return built }
    if let cached = ParameterCatalog(table: table) { return cached }
    return try build()
  }

  private static func checked(postconf: String, arguments: [String]) throws -> [UInt8] {
    let output = try run(postconf: postconf, arguments: arguments)
    guard output.status == 0 else {
      throw PostfixConfigError(
        .postfixTool,
        "\(postconf) \(arguments.joined(separator: " ")) exited with status \(output.status): "
          + Printable.sanitize(output.stderr.prefix(1000)))
    }
    return output.stdout
  }
}

// posix_spawn plus a poll loop that drains the pipes together: the one
// process runner of the package (PostfixHardening's SystemCommand uses it).
package enum ProcessRunner {
  /// How long a program may take before it is stopped.
  package static let timeoutSeconds = 300

  static func monotonicMilliseconds() -> Int {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return now.tv_sec * 1000 + now.tv_nsec / 1_000_000
  }

  /// Runs `path` with `arguments` (stdin `/dev/null`, environment inherited).
  /// - Parameters:
  ///   - path: The program.
  ///   - arguments: The arguments after argv[0].
  ///   - standardOutput: An open descriptor the program writes its standard
  ///     output to (nothing is then collected), or nil to collect it.
  ///   - limit: The most bytes collected from standard output and error together.
  ///   - timeoutSeconds: Past this the program is killed.
  /// - Returns: What it printed and its exit status.
  /// - Throws: ``PostfixConfigError`` `.postfixTool` when it cannot be started
  ///   or runs too long, `.fileTooLarge` when it prints more than `limit` bytes.
  package static func run(
    path: String, arguments: [String], standardOutput: Int32? = nil, limit: Int,
    timeoutSeconds: Int = ProcessRunner.timeoutSeconds
  ) throws -> InstalledPostfix.Output {
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
    // A program being replaced (a package upgrade), or a script another
    // thread has just written while a third forked, is briefly "text file
    // busy": at most 20 tries, 10 ms apart.
    for _ in 0..<20 {
      spawned = posix_spawn(&pid, path, &actions, nil, argv, environ)
      guard spawned == ETXTBSY else { break }
      var pause = timespec(tv_sec: 0, tv_nsec: 10_000_000)
      _ = nanosleep(&pause, nil)
    }
    for fd in writers where fd >= 0 { _ = close(fd) }
    writers = []
    guard spawned == 0 else {
      throw PostfixConfigError(
        .postfixTool, "cannot run \(path): \(String(cString: strerror(spawned)))")
    }

    var stdout: [UInt8] = []
    var stderr: [UInt8] = []
    var tooLarge = false
    var timedOut = false
    let deadline = monotonicMilliseconds() + timeoutSeconds * 1000
    var fds = readers.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
    var buffer = [UInt8](repeating: 0, count: 65536)
    // Each iteration reads from a ready pipe, closes one at end of file, or
    // ends the loop at the deadline.
    while fds.contains(where: { $0.fd >= 0 }) {
      let left = deadline - monotonicMilliseconds()
      if left <= 0 {
        // A child that hangs (a FIFO it reads, a stuck lookup) is stopped.
        _ = kill(pid, SIGKILL)
        timedOut = true
        break
      }
      let ready = Syscall.poll(&fds, milliseconds: Int32(min(left, 60_000)))
      if ready < 0 { break }
      for index in fds.indices where fds[index].fd >= 0 && fds[index].revents != 0 {
        let count = buffer.withUnsafeMutableBytes { Syscall.read(fds[index].fd, into: $0) }
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
    if Syscall.waitpid(pid, &status, 0) < 0 { throw failure("waitpid", path) }
    if timedOut {
      throw PostfixConfigError(
        .postfixTool, "\(path) did not finish within \(timeoutSeconds) s and was stopped")
    }
    if tooLarge {
      throw PostfixConfigError(.fileTooLarge, "\(path) printed more than \(limit) bytes")
    }
    let signal = status & 0x7F
    let exit = signal == 0 ? (status >> 8) & 0xFF : 128 + signal
    return InstalledPostfix.Output(stdout: stdout, stderr: stderr, status: exit)
  }

  static func failure(_ call: String, _ path: String) -> PostfixConfigError {
    PostfixConfigError(
      .postfixTool, "\(call) for \(path) failed: \(String(cString: strerror(errno)))")
  }
}
