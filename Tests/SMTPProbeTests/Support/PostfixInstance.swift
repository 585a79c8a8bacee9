import Foundation

/// A throw-away Postfix instance on a loopback port: its own config, queue, data and
/// spool directories under a temporary directory, no chroot, every delivery deferred
/// and `relayhost` pointing at a closed loopback port, so nothing can leave.
final class PostfixInstance {
  /// The security posture of the instance.
  enum Posture {
    /// VRFY on, HELO not required, open relay via `mynetworks = 0.0.0.0/0`.
    case open
    /// VRFY off, HELO required, relay restrictions ending in `reject_unauth_destination`.
    case hardened
    /// Postfix's defaults: relaying deferred (`defer_unauth_destination`, 454 4.7.1).
    case stock
  }

  /// TLS for the instance's smtpd: a certificate, its key and extra main.cf lines.
  struct TLSSettings {
    /// The certificate file (PEM).
    var certificate: String
    /// The private key file (PEM).
    var key: String
    /// Further `name = value` lines (protocols, ciphers, DH file).
    var parameters: [String] = []
    /// `smtpd_tls_security_level`: `may`, or `encrypt` (commands other than EHLO,
    /// STARTTLS, XCLIENT, NOOP and QUIT refused with `530` before TLS).
    var level = "may"
    /// A second smtpd on ``PostfixInstance/implicitTLSPort`` that speaks TLS from the
    /// first byte (`smtpd_tls_wrappermode = yes`, as on port 465).
    var implicitTLSListener = false
  }

  let directory: URL
  let port: UInt16
  let tls: TLSSettings?
  /// Further `name = value` main.cf lines, after the posture's (a later line wins).
  let parameters: [String]
  /// Whether postscreen listens on ``port`` and hands clients that pass its tests to an
  /// smtpd `pass` service (with `dnsblog` and `tlsproxy`).
  let postscreen: Bool
  /// The implicit-TLS listener's port, when ``TLSSettings/implicitTLSListener`` is set.
  let implicitTLSPort: UInt16?
  var configDirectory: String { directory.appendingPathComponent("conf").path }
  var hostname: String { "mail.test-\(port).test" }
  private var started = false

  /// Writes the instance's files (nothing runs yet).
  init(
    posture: Posture, tls: TLSSettings? = nil, parameters: [String] = [], postscreen: Bool = false
  ) throws {
    self.tls = tls
    self.parameters = parameters
    self.postscreen = postscreen
    port = try PostfixInstance.freeLoopbackPort()
    var second = try PostfixInstance.freeLoopbackPort()
    while second == port { second = try PostfixInstance.freeLoopbackPort() }
    implicitTLSPort = tls?.implicitTLSListener == true ? second : nil
    directory = FileManager.default.temporaryDirectory
      .appendingPathComponent("pfharden-probe-\(port)-\(UUID().uuidString.prefix(8))")
    let fm = FileManager.default
    for sub in ["conf", "queue", "data", "spool"] {
      try fm.createDirectory(
        at: directory.appendingPathComponent(sub), withIntermediateDirectories: true)
    }
    // data_directory belongs to postfix (mode 700), or master cannot lock.
    let data = directory.appendingPathComponent("data").path
    guard let user = getpwnam("postfix") else { throw Failure("no postfix user") }
    chown(data, user.pointee.pw_uid, user.pointee.pw_gid)
    chmod(data, 0o700)
    chmod(directory.path, 0o755)
    try masterCf.write(
      to: directory.appendingPathComponent("conf/master.cf"), atomically: true, encoding: .utf8)
    try mainCf(posture).write(
      to: directory.appendingPathComponent("conf/main.cf"), atomically: true, encoding: .utf8)
    // Backdate so postconf/postfix do not re-read and warn twice.
    for name in ["main.cf", "master.cf"] {
      let path = directory.appendingPathComponent("conf/\(name)").path
      try fm.setAttributes(
        [.modificationDate: Date(timeIntervalSince1970: 1_577_836_800)], ofItemAtPath: path)
    }
  }

  struct Failure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
  }

  /// `postfix -c DIR start`, then waits for a 220 greeting (the master listens even when
  /// smtpd cannot start, so a TCP connect proves nothing).
  func start() throws {
    let run = try RealPostfix.run(RealPostfix.postfixPath, ["-c", configDirectory, "start"])
    guard run.status == 0 else {
      throw Failure(
        "postfix start failed: \(String(decoding: run.stderr, as: UTF8.self)) \(log())")
    }
    started = true
    let deadline = Date().addingTimeInterval(15)
    while Date() < deadline {
      if PostfixInstance.greets(port: port) { return }
      usleep(100_000)
    }
    throw Failure("no 220 greeting on 127.0.0.1:\(port) within 15 s; log: \(log())")
  }

  /// Stops the instance (`postfix -c DIR stop`) and removes its directory.
  ///
  /// Safe to call twice.
  func stop() {
    if started {
      _ = try? RealPostfix.run(RealPostfix.postfixPath, ["-c", configDirectory, "stop"])
      started = false
      // Give master a moment to let go of its lock files before removing them.
      usleep(200_000)
    }
    try? FileManager.default.removeItem(at: directory)
  }

  deinit { stop() }

  /// How many connections smtpd logged (`connect from` lines).
  func loggedConnections() -> Int {
    log().split(separator: "\n").filter { $0.contains(": connect from ") }.count
  }

  /// The instance's maillog (for failure messages).
  func log() -> String {
    (try? String(contentsOf: directory.appendingPathComponent("maillog"), encoding: .utf8)) ?? ""
  }

  /// A loopback port nobody listens on right now (the kernel picks it).
  static func freeLoopbackPort() throws -> UInt16 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw Failure("socket failed") }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    let bound = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
      }
    }
    guard bound == 0 else { throw Failure("bind failed") }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    return UInt16(bigEndian: address.sin_port)
  }

  /// Whether 127.0.0.1:port answers with a 220 line within a second.
  static func greets(port: UInt16) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    var timeout = timeval(tv_sec: 1, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = port.bigEndian
    let connected = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
      }
    }
    guard connected == 0 else { return false }
    var buffer = [UInt8](repeating: 0, count: 512)
    let count = recv(fd, &buffer, buffer.count, 0)
    let ok = count >= 4 && buffer[0...3] == Array("220 ".utf8)[0...3]
    _ = "QUIT\r\n".withCString { send(fd, $0, 6, Int32(MSG_NOSIGNAL)) }
    return ok || (count >= 4 && buffer[0...3] == Array("220-".utf8)[0...3])
  }

  private var masterCf: String {
    // Every service unchrooted (column 5 = n): the chroot files only exist for the
    // default instance. With postscreen, it owns the port and hands clients that pass
    // its tests to the smtpd `pass` service.
    let front =
      postscreen
      ? """
      127.0.0.1:\(port) inet n - n - 1 postscreen
      smtpd     pass  -       -       n       -       -       smtpd
      dnsblog   unix  -       -       n       -       0       dnsblog
      tlsproxy  unix  -       -       n       -       0       tlsproxy

      """
      : "127.0.0.1:\(port) inet n - n - - smtpd\n"
    return front
      + """
      \(implicitTLSPort.map { "127.0.0.1:\($0) inet n - n - - smtpd -o smtpd_tls_wrappermode=yes" } ?? "")
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

      """ + (tls == nil ? "" : "tlsmgr    unix  -       -       n       1000?   1       tlsmgr\n")
  }

  private func mainCf(_ posture: Posture) -> String {
    let d = directory.path
    var text = """
      compatibility_level = 3.6
      queue_directory = \(d)/queue
      data_directory = \(d)/data
      mail_spool_directory = \(d)/spool
      maillog_file = \(d)/maillog
      maillog_file_prefixes = \(d)
      myhostname = \(hostname)
      mydomain = test-\(port).test
      mydestination = $myhostname, localhost
      inet_interfaces = 127.0.0.1
      inet_protocols = ipv4
      smtpd_peername_lookup = no
      smtp_dns_support_level = disabled
      defer_transports = smtp, relay, local, virtual, lmtp, error, retry, discard
      relayhost = [127.0.0.1]:9
      allow_mail_to_commands =
      allow_mail_to_files =
      alias_maps =
      alias_database =
      smtpd_authorized_xclient_hosts = 127.0.0.1

      """
    switch posture {
    case .open:
      text += """
        mynetworks = 0.0.0.0/0
        disable_vrfy_command = no
        smtpd_helo_required = no

        """
    case .hardened:
      text += """
        smtpd_banner = $myhostname ESMTP
        disable_vrfy_command = yes
        smtpd_helo_required = yes
        smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination

        """
    case .stock:
      break
    }
    if let tls {
      text += """
        smtpd_tls_security_level = \(tls.level)
        smtpd_tls_cert_file = \(tls.certificate)
        smtpd_tls_key_file = \(tls.key)

        """
      text += tls.parameters.map { $0 + "\n" }.joined()
    }
    text += parameters.map { $0 + "\n" }.joined()
    return text
  }
}
