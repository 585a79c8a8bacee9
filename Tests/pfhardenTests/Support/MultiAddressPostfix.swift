import Foundation
import PostfixHardening
import Testing

/// One throw-away Postfix instance listening on several loopback addresses, one port.
///
/// Addresses 127.0.0.2, 127.0.0.3, ... each get one master.cf `smtpd` line. Linux routes all of 127/8 to lo, so nothing leaves the host. (`inet_interfaces`
/// listing the addresses does not work: Postfix refuses an address that no interface
/// carries, and lo carries only 127.0.0.1; a master.cf `host:port` binds all the same.)
/// Its own config, queue, data and spool directories; no chroot; every delivery
/// deferred and `relayhost` a closed loopback port; no TLS.
final class MultiAddressPostfix: @unchecked Sendable {
  static let postfixPath = "/usr/sbin/postfix"

  let directory: String
  let port: UInt16
  let addresses: [String]
  var configDirectory: String { directory + "/conf" }
  private var started = false

  struct Failure: Error, CustomStringConvertible {
    var description: String
  }

  /// Installed and root, or demanded by `PFHARDEN_REQUIRE_POSTFIX=1` (then it fails).
  static var shouldRun: Bool {
    (FileManager.default.isExecutableFile(atPath: postfixPath) && getuid() == 0)
      || RealPostfix.isRequired
  }

  static let skipComment: Comment =
    "needs root and /usr/sbin/postfix to start a test instance (apt-get install postfix); set PFHARDEN_REQUIRE_POSTFIX=1 to fail instead of skipping"

  /// Throws when Postfix is missing or the tests are not root, so a required test fails
  /// with a clear reason.
  static func require() throws {
    guard FileManager.default.isExecutableFile(atPath: postfixPath) else {
      throw Failure(description: "PFHARDEN_REQUIRE_POSTFIX=1 but \(postfixPath) is missing")
    }
    guard getuid() == 0 else {
      throw Failure(description: "PFHARDEN_REQUIRE_POSTFIX=1 but starting Postfix needs root")
    }
  }

  /// Writes the instance's files for `count` addresses from 127.0.0.2 on.
  init(addresses count: Int) throws {
    precondition((1...200).contains(count), "127.0.0.2 ... 127.0.0.201 at most")
    addresses = (0..<count).map { "127.0.0.\($0 + 2)" }
    port = try ApplyInstance.freeLoopbackPort()
    directory =
      FileManager.default.temporaryDirectory
      .appendingPathComponent("pfharden-fleet-\(port)-\(UUID().uuidString.prefix(8))").path
    let files = FileManager.default
    for sub in ["conf", "queue", "data", "spool"] {
      try files.createDirectory(atPath: directory + "/" + sub, withIntermediateDirectories: true)
    }
    guard let user = getpwnam("postfix") else { throw Failure(description: "no postfix user") }
    chown(directory + "/data", user.pointee.pw_uid, user.pointee.pw_gid)
    chmod(directory + "/data", 0o700)
    chmod(directory, 0o755)
    let main = """
      compatibility_level = 3.6
      queue_directory = \(directory)/queue
      data_directory = \(directory)/data
      mail_spool_directory = \(directory)/spool
      maillog_file = \(directory)/maillog
      maillog_file_prefixes = \(directory)
      myhostname = mail.fleet-\(port).test
      mydomain = fleet-\(port).test
      mydestination = $myhostname, localhost
      inet_interfaces = all
      inet_protocols = ipv4
      smtpd_peername_lookup = no
      smtp_dns_support_level = disabled
      defer_transports = smtp, relay, local, virtual, lmtp, error, retry, discard
      relayhost = [127.0.0.1]:9
      allow_mail_to_commands =
      allow_mail_to_files =
      alias_maps =
      alias_database =
      smtpd_banner = $myhostname ESMTP
      disable_vrfy_command = yes
      smtpd_helo_required = yes
      smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
      smtpd_error_sleep_time = 0
      in_flow_delay = 0

      """
    let listeners = addresses.map { "\($0):\(port) inet n - n - - smtpd\n" }.joined()
    let master =
      listeners + """
        pickup    unix  n       -       n       60      1       pickup
        cleanup   unix  n       -       n       -       0       cleanup
        qmgr      unix  n       -       n       300     1       qmgr
        rewrite   unix  -       -       n       -       -       trivial-rewrite
        bounce    unix  -       -       n       -       0       bounce
        defer     unix  -       -       n       -       0       bounce
        trace     unix  -       -       n       -       0       bounce
        verify    unix  -       -       n       -       1       verify
        flush     unix  n       -       n       1000?   0       flush
        proxymap  unix  -       -       n       -       -       proxymap
        smtp      unix  -       -       n       -       -       smtp
        relay     unix  -       -       n       -       -       smtp
        showq     unix  n       -       n       -       -       showq
        error     unix  -       -       n       -       -       error
        retry     unix  -       -       n       -       -       error
        discard   unix  -       -       n       -       -       discard
        local     unix  -       n       n       -       -       local
        virtual   unix  -       n       n       -       -       virtual
        lmtp      unix  -       -       n       -       -       lmtp
        anvil     unix  -       -       n       -       1       anvil
        scache    unix  -       -       n       -       1       scache
        postlog   unix-dgram n  -       n       -       1       postlogd

        """
    try main.write(toFile: configDirectory + "/main.cf", atomically: true, encoding: .utf8)
    try master.write(toFile: configDirectory + "/master.cf", atomically: true, encoding: .utf8)
  }

  /// `postfix -c DIR start`, then waits (at most 15 s) until every address greets.
  func start() throws {
    let run = try SystemCommand.run(Self.postfixPath, ["-c", configDirectory, "start"])
    guard run.status == 0 else {
      throw Failure(
        description: "postfix start: \(String(decoding: run.stderr, as: UTF8.self)) \(log())")
    }
    started = true
    let deadline = Date().addingTimeInterval(15)
    var waiting = addresses
    while Date() < deadline, !waiting.isEmpty {
      waiting.removeAll { ApplyInstance.greets(address: $0, port: port) }
      if !waiting.isEmpty { usleep(100_000) }
    }
    guard waiting.isEmpty else {
      throw Failure(description: "no 220 greeting on \(waiting) port \(port); log: \(log())")
    }
  }

  /// Stops the instance and removes its directory; safe to call twice.
  func stop() {
    if started {
      _ = try? SystemCommand.run(Self.postfixPath, ["-c", configDirectory, "stop"])
      started = false
      usleep(200_000)
    }
    try? FileManager.default.removeItem(atPath: directory)
  }

  deinit { stop() }

  func log() -> String {
    (try? String(contentsOfFile: directory + "/maillog", encoding: .utf8)) ?? ""
  }
}
