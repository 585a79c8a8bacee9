import Foundation
import PostfixHardening
import SMTPProbe
import Testing

@testable import pfharden

/// `apply --profile relay --reload` on a real Postfix instance.
///
/// The instance is built from Debian's stock configuration and checked with the
/// SMTP probe. Only 127.0.0.1 is ever connected to; 203.0.113.5 exists only
/// inside the dialogue (XCLIENT).
@Suite(
  .serialized,
  .enabled(
    if: RealPostfix.isRequired
      || (FileManager.default.isExecutableFile(atPath: ApplyInstance.postfixPath) && getuid() == 0),
    "needs root and /usr/sbin/postfix; set PFHARDEN_REQUIRE_POSTFIX=1 to fail instead of skipping"))
struct ApplyEndToEndTests {
  func startedInstance() throws -> ApplyInstance? { try ApplyInstance.started() }

  @Test func relayProfileAppliedWithReloadClosesTheServer() throws {
    guard let instance = try startedInstance() else { return }
    defer { instance.stop() }

    // Before: stock posture answers VRFY and accepts MAIL without HELO.
    let before = probe(instance)
    #expect(before.failure == nil, "\(instance.log())")
    #expect(before.vrfy?.verdict != .disabled)
    #expect(before.heloRequired?.required == false)

    let result = ApplyCLIFixture.run(
      ApplyCommand.run,
      [
        "--profile", "relay", "--network", "10.9.8.0/24", "-c", instance.configDirectory,
        "--yes", "--reload", "--backup-dir", instance.directory + "/backups",
      ], embedded: false)
    let why = Comment(rawValue: result.stdout + result.stderr + "\nmaillog:\n" + instance.log())
    #expect(result.status == 0, why)
    #expect(result.stdout.contains("Postfix: reload done through /usr/sbin/postfix"), why)
    // The reload is verified with a real connection to the listener.
    #expect(
      result.stdout.contains(
        "Verified: 127.0.0.1:\(instance.port)/inet at 127.0.0.1 port \(instance.port) greets."),
      why)
    #expect(result.stdout.contains("postqueue -f"), why)
    #expect(!result.stderr.contains("warning:"), why)
    let backups = try FileManager.default.contentsOfDirectory(
      atPath: instance.directory + "/backups")
    #expect(backups.count == 2, why)

    let outside = probe(instance, xclient: "203.0.113.5")
    let whyOutside = Comment(
      rawValue: outside.transcript.transcriptLines.joined(separator: "\n") + "\n" + instance.log())
    #expect(outside.failure == nil, whyOutside)
    #expect(outside.openRelay?.vantage.address == "203.0.113.5", whyOutside)
    #expect(outside.openRelay?.verdict == .closed, whyOutside)
    #expect(outside.vrfy?.verdict == .disabled, whyOutside)
    #expect(outside.heloRequired?.required == true, whyOutside)
    #expect(outside.banner?.software == nil, whyOutside)
    #expect(!instance.log().contains("queued as"))

    // A second run changes nothing.
    let again = ApplyCLIFixture.run(
      ApplyCommand.run,
      [
        "--profile", "relay", "--network", "10.9.8.0/24", "-c", instance.configDirectory, "--check",
      ],
      embedded: false)
    #expect(again.status == 0, Comment(rawValue: again.stdout + again.stderr))
  }

  @Test func sendOnlyRestartsAndStillListensOnLoopbackOnly() throws {
    guard let instance = try startedInstance() else { return }
    defer { instance.stop() }
    let result = ApplyCLIFixture.run(
      ApplyCommand.run,
      [
        "--profile", "send-only", "-c", instance.configDirectory, "--yes", "--reload",
        "--backup-dir", instance.directory + "/backups",
      ], embedded: false)
    let why = Comment(rawValue: result.stdout + result.stderr + "\nmaillog:\n" + instance.log())
    #expect(result.status == 0, why)
    #expect(result.stdout.contains("Postfix: restart done through /usr/sbin/postfix"), why)
    #expect(!result.stderr.contains("warning:"), why)
    var greeted = false
    for _ in 0..<50 where !greeted {
      greeted = ApplyInstance.greets(port: instance.port)
      if !greeted { usleep(100_000) }
    }
    #expect(greeted, why)
    let after = probe(instance)
    #expect(after.vrfy?.verdict == .disabled, why)
    #expect(after.heloRequired?.required == true, why)
  }

  func probe(_ instance: ApplyInstance, xclient: String? = nil) -> ProbeReport {
    var options = ProbeOptions()
    options.role = .relay
    options.xclientAddress = xclient
    options.stepTimeout = .seconds(5)
    return Prober.probe(host: "127.0.0.1", port: instance.port, options: options)
  }
}

/// A Postfix instance on a free 127.0.0.1 port from Debian's stock main.cf and
/// master.cf: own config, queue, data and spool directories; no chroot;
/// `maillog_file`; every delivery deferred and `relayhost` a closed loopback port.
final class ApplyInstance: @unchecked Sendable {
  static let postfixPath = "/usr/sbin/postfix"
  static let postconfPath = "/usr/sbin/postconf"

  let directory: String
  let port: UInt16
  var configDirectory: String { directory + "/conf" }
  private var started = false

  struct Failure: Error, CustomStringConvertible {
    var description: String
  }

  /// A running instance, or nil (recorded as an issue) where a suite was
  /// required to run but cannot: not root, or no Postfix.
  static func started() throws -> ApplyInstance? {
    guard getuid() == 0, FileManager.default.isExecutableFile(atPath: postfixPath) else {
      Issue.record("PFHARDEN_REQUIRE_POSTFIX=1 but not root or no /usr/sbin/postfix")
      return nil
    }
    let instance = try ApplyInstance()
    do {
      try instance.start()
    } catch {
      instance.stop()
      throw error
    }
    return instance
  }

  init() throws {
    port = try Self.freeLoopbackPort()
    directory =
      FileManager.default.temporaryDirectory
      .appendingPathComponent("pfharden-apply-e2e-\(port)-\(UUID().uuidString.prefix(8))").path
    let files = FileManager.default
    for sub in ["conf", "queue", "data", "spool"] {
      try files.createDirectory(atPath: directory + "/" + sub, withIntermediateDirectories: true)
    }
    guard let user = getpwnam("postfix") else { throw Failure(description: "no postfix user") }
    chown(directory + "/data", user.pointee.pw_uid, user.pointee.pw_gid)
    chmod(directory + "/data", 0o700)
    chmod(directory, 0o755)
    let stock = ApplyCLIFixture.debian
    try files.copyItem(atPath: stock + "/main.cf", toPath: configDirectory + "/main.cf")
    // master.cf: smtpd on 127.0.0.1:PORT, every chroot column n.
    let master = try String(contentsOfFile: stock + "/master.cf", encoding: .utf8)
    var lines: [String] = []
    for line in master.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
      var fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
      if line.hasPrefix("smtp ") && fields.count >= 8 && fields[1] == "inet" {
        lines.append("127.0.0.1:\(port) inet n - n - - smtpd")
      } else if let first = line.first, first != "#", first != " ", first != "\t",
        fields.count >= 8, fields[4] == "y"
      {
        fields[4] = "n"
        lines.append(fields.joined(separator: " "))
      } else {
        lines.append(line)
      }
    }
    try lines.joined(separator: "\n").write(
      toFile: configDirectory + "/master.cf", atomically: true, encoding: .utf8)
    let settings = [
      "queue_directory=\(directory)/queue", "data_directory=\(directory)/data",
      "mail_spool_directory=\(directory)/spool", "maillog_file=\(directory)/maillog",
      "maillog_file_prefixes=\(directory)", "myhostname=mail.test-\(port).test",
      "mydomain=test-\(port).test", "mydestination=$myhostname, localhost",
      // Every inet service names 127.0.0.1 itself, so "all" binds nothing
      // more; relay and mx refuse a host whose inet_interfaces is loopback.
      "inet_interfaces=all", "inet_protocols=ipv4", "smtpd_peername_lookup=no",
      "smtp_dns_support_level=disabled",
      "defer_transports=smtp, relay, local, virtual, lmtp, error, retry, discard",
      "relayhost=[127.0.0.1]:9", "allow_mail_to_commands=", "allow_mail_to_files=",
      "alias_maps=", "alias_database=", "smtpd_authorized_xclient_hosts=127.0.0.1",
    ]
    let edit = try SystemCommand.run(Self.postconfPath, ["-c", configDirectory, "-e"] + settings)
    guard edit.status == 0 else {
      throw Failure(description: "postconf -e: \(String(decoding: edit.stderr, as: UTF8.self))")
    }
    for name in ["main.cf", "master.cf"] {
      try files.setAttributes(
        [.modificationDate: Date(timeIntervalSince1970: 1_577_836_800)],
        ofItemAtPath: configDirectory + "/" + name)
    }
  }

  func start() throws {
    let run = try SystemCommand.run(Self.postfixPath, ["-c", configDirectory, "start"])
    guard run.status == 0 else {
      throw Failure(
        description: "postfix start: \(String(decoding: run.stderr, as: UTF8.self)) \(log())")
    }
    started = true
    let deadline = Date().addingTimeInterval(15)
    while Date() < deadline {
      if Self.greets(port: port) { return }
      usleep(100_000)
    }
    throw Failure(description: "no 220 greeting on 127.0.0.1:\(port); log: \(log())")
  }

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

  static func freeLoopbackPort() throws -> UInt16 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw Failure(description: "socket failed") }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let bound = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
      }
    }
    guard bound == 0 else { throw Failure(description: "bind failed") }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    return UInt16(bigEndian: address.sin_port)
  }

  /// Whether `address:port` (a 127/8 address) greets with 220 within a second.
  static func greets(address: String = "127.0.0.1", port: UInt16) -> Bool {
    precondition(address.hasPrefix("127."), "loopback only")
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    var timeout = timeval(tv_sec: 1, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    var socketAddress = sockaddr_in()
    socketAddress.sin_family = sa_family_t(AF_INET)
    socketAddress.sin_addr.s_addr = inet_addr(address)
    socketAddress.sin_port = port.bigEndian
    let connected = withUnsafePointer(to: &socketAddress) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
      }
    }
    guard connected == 0 else { return false }
    var buffer = [UInt8](repeating: 0, count: 512)
    let count = recv(fd, &buffer, buffer.count, 0)
    _ = "QUIT\r\n".withCString { send(fd, $0, 6, Int32(MSG_NOSIGNAL)) }
    return count >= 4 && buffer[0..<3] == [0x32, 0x32, 0x30]
  }
}
