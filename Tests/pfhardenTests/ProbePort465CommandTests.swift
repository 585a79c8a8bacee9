import Foundation
import Testing

@testable import pfharden

/// `pfharden probe --tls-only ADDRESS:465` in process against a real Postfix whose port
/// 465 speaks TLS from the first byte (`smtpd_tls_wrappermode = yes`).
///
/// The listener has a loopback address of its own (127.0.46.101 and up, the first one
/// where 465 is free; binding port 465 needs root, as starting Postfix does). The
/// SMTPProbe tests take 127.0.46.1 and up, so the two never race for one address when
/// they run at once. Only 127.0.0.0/8 is ever connected to.
@Suite(.serialized, .enabled(if: MismatchedKeyPostfix.shouldRun, MismatchedKeyPostfix.skipComment))
struct ProbePort465CommandTests {
  /// The stock instance with a certificate, plus an smtpd in wrapper mode on
  /// `address`:465.
  final class WrapperModePostfix {
    let instance: ApplyInstance
    let address: String

    init() throws {
      address = try Self.freeAddress()
      instance = try ApplyInstance()
      let made = try LiveApplyTests.certificate(in: instance.directory, name: "cert")
      let edit = try RealPostfix.run(
        ApplyInstance.postconfPath,
        [
          "-c", instance.configDirectory, "-e", "smtpd_tls_security_level=may",
          "smtpd_tls_cert_file=\(made.certificate)", "smtpd_tls_key_file=\(made.key)",
        ])
      guard edit.status == 0 else {
        throw ApplyInstance.Failure(
          description: "postconf -e: \(String(decoding: edit.stderr, as: UTF8.self))")
      }
      let masterCf = instance.configDirectory + "/master.cf"
      var master = try String(contentsOfFile: masterCf, encoding: .utf8)
      if !master.hasSuffix("\n") { master += "\n" }
      master += """
        \(address):465 inet n - n - - smtpd
          -o syslog_name=postfix/submissions
          -o smtpd_tls_wrappermode=yes

        """
      try master.write(toFile: masterCf, atomically: true, encoding: .utf8)
      try FileManager.default.setAttributes(
        [.modificationDate: Date(timeIntervalSince1970: 1_577_836_800)], ofItemAtPath: masterCf)
    }

    /// Starts Postfix and waits (at most 5 s) until `address`:465 accepts connections.
    func start() throws {
      try instance.start()
      for _ in 0..<50 {
        if Self.accepts(address) { return }
        usleep(100_000)
      }
      throw ApplyInstance.Failure(
        description: "nothing listens on \(address):465; log: \(instance.log())")
    }

    func stop() { instance.stop() }

    /// The first address 127.0.46.101 to 127.0.46.130 where nothing listens on port 465.
    static func freeAddress() throws -> String {
      for last in 101...130 {
        let address = "127.0.46.\(last)"
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { continue }
        defer { close(fd) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var sin = Self.socketAddress(address)
        let bound = withUnsafePointer(to: &sin) {
          $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
          }
        }
        if bound == 0 { return address }
      }
      throw ApplyInstance.Failure(
        description: "port 465 is taken on 127.0.46.101 ... 127.0.46.130")
    }

    /// Whether `address`:465 accepts a TCP connection.
    static func accepts(_ address: String) -> Bool {
      let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
      guard fd >= 0 else { return false }
      defer { close(fd) }
      var sin = Self.socketAddress(address)
      return withUnsafePointer(to: &sin) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
          connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
        }
      }
    }

    static func socketAddress(_ address: String) -> sockaddr_in {
      precondition(address.hasPrefix("127."), "loopback only")
      var sin = sockaddr_in()
      sin.sin_family = sa_family_t(AF_INET)
      sin.sin_addr.s_addr = inet_addr(address)
      sin.sin_port = UInt16(465).bigEndian
      return sin
    }
  }

  @Test func tlsOnlyProbeOfPort465UsesImplicitTLSAndAnalysesTLS13() throws {
    try MismatchedKeyPostfix.require()
    let postfix = try WrapperModePostfix()
    defer { postfix.stop() }
    try postfix.start()

    var console = Console.capturing()
    let status = ProbeCommand.run(
      arguments: ["--tls-only", "\(postfix.address):465", "--timeout", "5"], console: &console)
    let text = String(decoding: console.stdout, as: UTF8.self)
    let why = Comment(
      rawValue: text + String(decoding: console.stderr, as: UTF8.self) + "\nmaillog:\n"
        + postfix.instance.log())
    #expect(status == 0 || status == 1, why)
    let lines = text.split(separator: "\n").map(String.init)
    func row(_ name: String) -> String? {
      lines.first { $0.hasPrefix(name.padding(toLength: 22, withPad: " ", startingAt: 0)) }
    }
    #expect(text.hasPrefix("probe \(postfix.address):465 (role mx): "), why)
    // Implicit TLS: TLS before the greeting, the SMTP dialogue inside it.
    #expect(row("tls")?.contains("implicit TLS before the greeting; analysed over ") == true, why)
    #expect(row("smtp checks")?.contains("inside implicit TLS") == true, why)
    #expect(row("banner")?.contains("220 ") == true, why)
    #expect(row("banner")?.hasSuffix("[implicit-tls]") == true, why)
    #expect(text.contains(": info: [implicit-tls] The port speaks TLS before the greeting"), why)
    #expect(!text.contains("[starttls-not-offered]"), why)
    #expect(!text.contains("[implicit-tls-broken]"), why)
    // TLS 1.3 analysed: accepted, its suites and groups listed.
    let protocols = try #require(row("tls protocols"), why)
    let accepted = protocols.dropFirst(22).prefix { $0 != "(" }.split(separator: " ")
    #expect(accepted.contains("TLSv1.3"), why)
    #expect(lines.contains { $0.hasPrefix("    TLSv1.3 0x1302 TLS_AES_256_GCM_SHA384") }, why)
    #expect(row("tls groups")?.contains("X25519") == true, why)
    #expect(row("tls certificate")?.contains("RSA 2048 bits") == true, why)
    #expect(!text.contains("scan stopped"), why)
    print(
      "pfharden probe --tls-only \(postfix.address):465: exit \(status); "
        + "\(row("tls") ?? "-"); \(protocols)")
  }
}
