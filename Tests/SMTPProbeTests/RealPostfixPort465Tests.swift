import Foundation
import Testing

@testable import SMTPProbe

/// A probe of the real port 465 without `implicitTLS` speaks TLS.
///
/// Postfix listens with `smtpd_tls_wrappermode = yes` on port 465 of a loopback address
/// of its own (127.0.46.x, the first one where 465 is free; binding it needs root, as
/// the Postfix tests do anyway). The probe runs with default options (no
/// `implicitTLS`): it hears no greeting, offers a TLS ClientHello on the same connection,
/// and goes on in TLS. `openssl s_client` without `-starttls` is the ground truth. Only
/// 127.0.0.0/8 is ever connected to.
@Suite(.serialized, .enabled(if: TLSProbeGate.shouldRun, TLSProbeGate.skipComment))
struct RealPostfixPort465Tests {
  /// The first address 127.0.46.1 to 127.0.46.30 where nothing listens on port 465.
  static func freeAddress() throws -> String {
    for last in 1...30 {
      let address = "127.0.46.\(last)"
      let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
      guard fd >= 0 else { continue }
      defer { close(fd) }
      var one: Int32 = 1
      setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
      var sin = sockaddr_in()
      sin.sin_family = sa_family_t(AF_INET)
      sin.sin_addr.s_addr = inet_addr(address)
      sin.sin_port = UInt16(465).bigEndian
      let bound = withUnsafePointer(to: &sin) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
          bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
      }
      if bound == 0 { return address }
    }
    throw PostfixInstance.Failure("port 465 is taken on 127.0.46.1 ... 127.0.46.30")
  }

  /// Whether `address`:465 accepts a TCP connection within a second.
  static func accepts(_ address: String) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    var sin = sockaddr_in()
    sin.sin_family = sa_family_t(AF_INET)
    sin.sin_addr.s_addr = inet_addr(address)
    sin.sin_port = UInt16(465).bigEndian
    return withUnsafePointer(to: &sin) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
      }
    }
  }

  @Test func port465IsProbedInTLSWithoutBeingTold() throws {
    try TLSProbeGate.require()
    let certs = TLSFixtures.certs
    let address = try Self.freeAddress()
    let instance = try PostfixInstance(
      posture: .stock,
      tls: PostfixInstance.TLSSettings(
        certificate: "\(certs)/rsa2048.pem", key: "\(certs)/rsa2048.key",
        implicitTLSListener: true))
    defer { instance.stop() }
    // Move the wrapper-mode listener to the real port 465 of its own address.
    let wrapper = try #require(instance.implicitTLSPort)
    let masterCf = instance.directory.appendingPathComponent("conf/master.cf")
    let text = try String(contentsOf: masterCf, encoding: .utf8)
    #expect(text.contains("127.0.0.1:\(wrapper) inet"))
    try text.replacingOccurrences(of: "127.0.0.1:\(wrapper) inet", with: "\(address):465 inet")
      .write(to: masterCf, atomically: true, encoding: .utf8)
    try FileManager.default.setAttributes(
      [.modificationDate: Date(timeIntervalSince1970: 1_577_836_800)], ofItemAtPath: masterCf.path)
    try instance.start()
    var listening = false
    for _ in 0..<50 where !listening {
      listening = Self.accepts(address)
      if !listening { usleep(100_000) }
    }
    try #require(listening, "nothing listens on \(address):465; log: \(instance.log())")

    var options = ProbeOptions()
    options.tlsOnly = true
    options.stepTimeout = .seconds(5)
    #expect(!options.implicitTLS)
    let report = Prober.probe(host: address, port: 465, options: options)
    let why = Comment(rawValue: report.json() + "\nmaillog:\n" + instance.log())
    #expect(report.failure == nil, why)
    #expect(report.tlsMode == .implicit, why)
    #expect(report.banner?.reply.code == 220, why)
    #expect(report.checks.first { $0.check == "implicit-tls" }?.state == .ran, why)
    #expect(report.smtpTransportReason?.contains("implicit TLS") == true, why)
    #expect(report.tls?.protocols["TLSv1.3"] == true, why)
    #expect(report.tls?.certificate?.keyBits == 2048, why)
    #expect(!report.findings.contains { $0.id == "starttls-not-offered" }, why)

    // Ground truth: TLS from the first byte.
    let run = try TLSTools.run(
      "/usr/bin/timeout",
      ["20", TLSProbeGate.openssl, "s_client", "-connect", "\(address):465", "-brief"])
    let sClient = run.stdout + run.stderr
    #expect(sClient.contains("Protocol version: TLSv1.3"), Comment(rawValue: sClient))
    print(
      "port 465 on \(address) without implicitTLS: \(report.tlsMode), "
        + "\(report.smtpTransportReason ?? "-"); openssl s_client without -starttls: "
        + "\(sClient.contains("Protocol version: TLSv1.3") ? "TLSv1.3" : "?")")
  }
}
