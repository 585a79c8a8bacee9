import Foundation

/// A Dovecot that only authenticates, for Postfix's `smtpd_sasl_type = dovecot`.
///
/// Everything lives under `directory`: the configuration file, `base_dir`
/// (`run/`), `state_dir` (`state/`), the log file and a passwd-file of users with
/// `{PLAIN}` passwords. `protocols` is empty, so Dovecot opens no IMAP, POP3 or
/// LMTP listener and no TCP port at all; the one socket Postfix uses is
/// ``authSocket`` (mode 0660, user and group `postfix`). The instance is stopped
/// with `doveadm stop` and waited for (the master removes its pid file when it
/// exits), with a deadline and SIGKILL as the last resort.
final class DovecotInstance: @unchecked Sendable {
  static let dovecotPath = "/usr/sbin/dovecot"
  static let doveadmPath = "/usr/bin/doveadm"

  let directory: String
  var configFile: String { directory + "/dovecot.conf" }
  /// The socket `smtpd_sasl_path` names.
  var authSocket: String { directory + "/run/smtpd-auth" }
  var logFile: String { directory + "/dovecot.log" }
  private var pidFile: String { directory + "/run/master.pid" }
  private var started = false

  struct Failure: Error, CustomStringConvertible {
    var description: String
  }

  /// Writes the configuration and the users file; starts nothing.
  /// - Parameters:
  ///   - directory: A directory that does not exist yet, readable by `postfix`.
  ///   - users: Names and clear-text passwords.
  /// - Throws: ``Failure`` when a user Dovecot or Postfix needs is missing, or
  ///   a file cannot be written.
  init(directory: String, users: [(name: String, password: String)]) throws {
    self.directory = directory
    let files = FileManager.default
    try files.createDirectory(atPath: directory, withIntermediateDirectories: true)
    chmod(directory, 0o755)
    guard getpwnam("postfix") != nil, getpwnam("dovecot") != nil, getpwnam("dovenull") != nil
    else {
      throw Failure(description: "the postfix, dovecot and dovenull users must exist")
    }
    let passwd = users.map { "\($0.name):{PLAIN}\($0.password)\n" }.joined()
    try passwd.write(toFile: directory + "/users", atomically: true, encoding: .utf8)
    let instanceName = "pfharden-sasl-" + UUID().uuidString.prefix(8).lowercased()
    let configuration = """
      # Authentication only, for one Postfix test instance.
      instance_name = \(instanceName)
      base_dir = \(directory)/run
      state_dir = \(directory)/state
      protocols =
      ssl = no
      disable_plaintext_auth = no
      auth_mechanisms = plain login
      log_path = \(logFile)
      default_internal_user = dovecot
      default_login_user = dovenull
      passdb {
        driver = passwd-file
        args = \(directory)/users
      }
      userdb {
        driver = static
        args = uid=dovecot gid=dovecot home=/nonexistent
      }
      service auth {
        unix_listener smtpd-auth {
          mode = 0660
          user = postfix
          group = postfix
        }
      }

      """
    try configuration.write(toFile: configFile, atomically: true, encoding: .utf8)
  }

  /// `dovecot -n`: the configuration as Dovecot understands it.
  /// - Throws: ``Failure`` when Dovecot refuses the configuration.
  func checkedConfiguration() throws -> String {
    let run = try RealPostfix.run(Self.dovecotPath, ["-n", "-c", configFile])
    let text =
      String(decoding: run.stdout, as: UTF8.self) + String(decoding: run.stderr, as: UTF8.self)
    guard run.status == 0 else { throw Failure(description: "dovecot -n: \(text)") }
    return text
  }

  /// Starts Dovecot and waits (at most 10 s) for the auth socket.
  func start() throws {
    _ = try checkedConfiguration()
    let output = directory + "/dovecot.start.out"
    let status = try Self.spawnDaemon(Self.dovecotPath, ["-c", configFile], output: output)
    guard status == 0 else {
      let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
      throw Failure(description: "dovecot start: exit \(status) \(text) \(log())")
    }
    started = true
    let deadline = Date().addingTimeInterval(10)
    while Date() < deadline {
      if FileManager.default.fileExists(atPath: authSocket) { return }
      usleep(50_000)
    }
    throw Failure(description: "no auth socket at \(authSocket); log: \(log())")
  }

  /// Stops Dovecot and waits (at most 5 s) for its master to exit.
  func stop() {
    guard started else { return }
    started = false
    _ = try? RealPostfix.run(Self.doveadmPath, ["-c", configFile, "stop"])
    let deadline = Date().addingTimeInterval(5)
    while Date() < deadline {
      if !FileManager.default.fileExists(atPath: pidFile) { return }
      usleep(50_000)
    }
    if let text = try? String(contentsOfFile: pidFile, encoding: .utf8),
      let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 1
    {
      kill(pid, SIGKILL)
    }
  }

  deinit { stop() }

  /// Runs a program that daemonizes and waits (at most 10 s) for it to return.
  ///
  /// Not `Process`: the daemon would keep its stdout and stderr pipes open, so
  /// reading them never ends, and it would inherit the test runner's blocked
  /// signals (Dovecot's master never unblocks SIGTERM, so `doveadm stop` would
  /// do nothing). Here the child starts with an empty signal mask and default
  /// signal actions, stdin from /dev/null and its output appended to `output`.
  /// - Returns: The exit status, or 128 plus the signal that ended it.
  /// - Throws: ``Failure`` when it cannot be started or does not return in time.
  static func spawnDaemon(_ path: String, _ arguments: [String], output: String) throws -> Int32 {
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var noSignals = sigset_t()
    sigemptyset(&noSignals)
    posix_spawnattr_setsigmask(&attributes, &noSignals)
    var allSignals = sigset_t()
    sigfillset(&allSignals)
    posix_spawnattr_setsigdefault(&attributes, &allSignals)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_APPEND, 0o600)
    posix_spawn_file_actions_adddup2(&actions, 1, 2)
    let argv = ([path] + arguments).map { strdup($0) } + [nil]
    defer { for pointer in argv { free(pointer) } }
    var pid = pid_t()
    let spawned = posix_spawn(&pid, path, &actions, &attributes, argv, environ)
    guard spawned == 0 else {
      throw Failure(description: "posix_spawn \(path): \(String(cString: strerror(spawned)))")
    }
    let deadline = Date().addingTimeInterval(10)
    var status: Int32 = 0
    while true {
      let reaped = waitpid(pid, &status, WNOHANG)
      if reaped == pid { break }
      if reaped < 0 && errno != EINTR {
        throw Failure(description: "waitpid \(path): \(String(cString: strerror(errno)))")
      }
      if Date() >= deadline {
        kill(pid, SIGKILL)
        _ = waitpid(pid, &status, 0)
        throw Failure(description: "\(path) did not return within 10 s")
      }
      usleep(20_000)
    }
    let signal = status & 0x7f
    return signal == 0 ? (status >> 8) & 0xff : 128 + signal
  }

  func log() -> String {
    (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? ""
  }
}
