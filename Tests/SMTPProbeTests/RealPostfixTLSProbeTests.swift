import Foundation
import Testing

@testable import SMTPProbe

/// The SMTP checks inside TLS against real Postfix instances on 127.0.0.1: an open relay
/// behind `smtpd_tls_security_level = encrypt`, an open relay on an implicit-TLS listener
/// (`smtpd_tls_wrappermode = yes`), and a TLS 1.3-only server with an expired certificate.
///
/// swaks and `openssl s_client` are the ground truth. `203.0.113.5` exists only inside the
/// SMTP dialogue (XCLIENT); only 127.0.0.1 is ever connected to.
@Suite(.serialized, .enabled(if: TLSProbeGate.shouldRun, TLSProbeGate.skipComment))
struct RealPostfixTLSProbeTests {
  /// The checks that are an SMTP dialogue after the greeting and EHLO.
  static let dialogueChecks = ["vrfy", "expn", "helo-required", "rcpt-enumeration", "open-relay"]

  func probe(
    port: UInt16, xclient: String? = "203.0.113.5",
    configure: (inout ProbeOptions) -> Void = { _ in }
  ) -> ProbeReport {
    var options = ProbeOptions()
    options.xclientAddress = xclient
    options.stepTimeout = .seconds(5)
    options.initialBackoff = .milliseconds(100)
    configure(&options)
    return Prober.probe(host: "127.0.0.1", port: port, options: options)
  }

  func context(_ report: ProbeReport, _ instance: PostfixInstance) -> Comment {
    Comment(
      rawValue: report.json() + "\nmaillog:\n" + instance.log())
  }

  func transport(_ report: ProbeReport, _ check: String) -> SessionTransport? {
    report.checks.first { $0.check == check }?.transport
  }

  /// swaks's dialogue up to RCPT; `tls` is `--tls` (STARTTLS) or `--tlsc` (implicit TLS).
  func swaks(_ port: UInt16, tls: String?) throws -> String {
    let arguments =
      [
        "20", TLSProbeGate.swaks, "--server", "127.0.0.1:\(port)", "--helo", "example.com",
        "--to", "user@remote.example", "--from", "x@y.example", "--quit-after", "RCPT",
      ] + (tls.map { [$0] } ?? [])
    let run = try TLSTools.run("/usr/bin/timeout", arguments)
    return run.stdout + run.stderr
  }

  /// The first reply line swaks shows after the command that starts with `command`.
  func swaksReply(_ transcript: String, after command: String) -> String? {
    let lines = transcript.split(separator: "\n").map(String.init)
    // swaks marks what it sends `->` in plaintext and `~>` inside TLS, replies `<-` and
    // `<~`, and a reply it takes for an error `<**` (`<~*` inside TLS).
    guard
      let sent = lines.firstIndex(where: {
        $0.contains("-> \(command)") || $0.contains("~> \(command)")
      })
    else { return nil }
    guard let reply = lines.dropFirst(sent + 1).first(where: { $0.contains("<") }) else {
      return nil
    }
    return String(reply.drop { !$0.isNumber })
  }

  /// smtpd's `connect from` lines once the start-up check's connection is logged.
  func settledConnections(_ instance: PostfixInstance) -> Int {
    for _ in 0..<20 where instance.loggedConnections() == 0 { usleep(100_000) }
    usleep(200_000)
    return instance.loggedConnections()
  }

  @Test func openRelayBehindEncryptIsFoundInsideTLS() throws {
    try TLSProbeGate.require()
    let certs = TLSFixtures.certs
    let instance = try PostfixInstance(
      posture: .open,
      tls: PostfixInstance.TLSSettings(
        certificate: "\(certs)/rsa2048.pem", key: "\(certs)/rsa2048.key", level: "encrypt"))
    defer { instance.stop() }
    try instance.start()

    let before = settledConnections(instance)
    let report = probe(port: instance.port)
    let why = context(report, instance)
    #expect(report.failure == nil, why)
    #expect(report.tlsMode == .starttls, why)
    #expect(report.smtpTransport == .startTLS, why)
    #expect(report.smtpTransportReason?.contains("530 5.7.0") == true, why)
    #expect(report.openRelay?.verdict == .open, why)
    #expect(report.openRelay?.vantage.kind == .xclient, why)
    #expect(report.findings.contains { $0.id == "open-relay" && $0.severity == .error }, why)
    #expect(!report.findings.contains { $0.id == "relay-inconclusive" }, why)
    #expect(report.openRelay?.attempts.allSatisfy { $0.outcome != .notTested } == true, why)
    // Banner and the first EHLO are plaintext; everything after them ran inside TLS.
    #expect(transport(report, "banner") == .plaintext, why)
    #expect(transport(report, "ehlo") == .plaintext, why)
    #expect(transport(report, "ehlo-tls") == .startTLS, why)
    for check in Self.dialogueChecks {
      #expect(transport(report, check) == .startTLS, "\(check)")
      #expect(report.checks.first { $0.check == check }?.state == .ran, "\(check)")
    }
    #expect(report.vrfy?.verdict == .leaksUsers, why)
    #expect(report.heloRequired?.required == false, why)
    #expect(report.authInsideTLS == false, why)
    #expect(report.smtpTLSSession?.hasPrefix("TLSv1.3 ") == true, why)
    #expect(report.json().contains("\"transport\": \"starttls\""))
    // Every relay session went through STARTTLS before its MAIL; no DATA, nothing queued.
    let transcript = report.transcript.transcriptLines.joined(separator: "\n")
    #expect(transcript.contains(" T: TLSv1.3 "), why)
    #expect(!report.transcript.contains { $0.command?.uppercased().hasPrefix("DATA") ?? false })
    #expect(!instance.log().contains("queued as"), why)
    #expect(!instance.log().contains("too many errors"), why)
    // The report counts every connection smtpd saw, the TLS analysis's included.
    let logged = settledConnections(instance) - before
    #expect(report.connections == logged, why)

    // Ground truth: swaks is refused in plaintext and relays inside TLS.
    let plain = try swaks(instance.port, tls: nil)
    let secure = try swaks(instance.port, tls: "--tls")
    let plainMail = swaksReply(plain, after: "MAIL FROM")
    let secureRCPT = swaksReply(secure, after: "RCPT TO")
    #expect(plainMail?.hasPrefix("530") == true, Comment(rawValue: plain))
    #expect(secureRCPT?.hasPrefix("250") == true, Comment(rawValue: secure))
    let accepted = report.openRelay?.attempts.first { $0.id == "plain" }?.reply?.summary
    #expect(accepted?.hasPrefix("250") == true, why)
    print(
      "encrypt 127.0.0.1:\(instance.port): swaks plaintext MAIL: \(plainMail ?? "-"); "
        + "swaks --tls RCPT: \(secureRCPT ?? "-"); probe: \(report.openRelay?.accepted.count ?? 0) "
        + "of 16 forms accepted inside TLS, first reply \(accepted ?? "-"), "
        + "\(report.connections) connections (smtpd logged \(logged))")
  }

  @Test(arguments: [false, true])
  func openRelayOnAnImplicitTLSPortIsFoundInsideTLS(flagged: Bool) throws {
    try TLSProbeGate.require()
    let certs = TLSFixtures.certs
    let instance = try PostfixInstance(
      posture: .open,
      tls: PostfixInstance.TLSSettings(
        certificate: "\(certs)/rsa2048.pem", key: "\(certs)/rsa2048.key",
        implicitTLSListener: true))
    defer { instance.stop() }
    try instance.start()
    let port = try #require(instance.implicitTLSPort)

    // flagged: as on port 465 (`--implicit-tls`); otherwise detected: no greeting within
    // the listening window, and the port answers a ClientHello.
    let before = settledConnections(instance)
    let report = probe(port: port) { $0.implicitTLS = flagged }
    let why = context(report, instance)
    #expect(report.failure == nil, why)
    #expect(report.tlsMode == .implicit, why)
    #expect(report.implicitTLSExpected == flagged, why)
    #expect(report.smtpTransport == .implicitTLS, why)
    #expect(report.checks.first { $0.check == "implicit-tls" }?.state == .ran, why)
    for check in ["banner", "ehlo"] + Self.dialogueChecks {
      #expect(transport(report, check) == .implicitTLS, "\(check)")
    }
    #expect(report.banner?.software == "Postfix", why)
    #expect(report.openRelay?.verdict == .open, why)
    #expect(report.findings.contains { $0.id == "open-relay" && $0.severity == .error }, why)
    #expect(report.findings.contains { $0.id == "implicit-tls" }, why)
    #expect(!report.findings.contains { $0.id == "implicit-tls-expected" }, why)
    #expect(report.tls?.protocols["TLSv1.3"] == true, why)
    #expect(!instance.log().contains("queued as"), why)
    let logged = settledConnections(instance) - before
    #expect(report.connections == logged, why)

    let secure = try swaks(port, tls: "--tlsc")
    let rcpt = swaksReply(secure, after: "RCPT TO")
    #expect(rcpt?.hasPrefix("250") == true, Comment(rawValue: secure))
    print(
      "implicit TLS 127.0.0.1:\(port) (\(flagged ? "--implicit-tls" : "detected")): "
        + "swaks --tlsc RCPT: \(rcpt ?? "-"); probe: "
        + "\(report.openRelay?.accepted.count ?? 0) of 16 forms accepted, "
        + "\(report.connections) connections (smtpd logged \(logged))")
  }

  @Test func expiredCertificateOfATLS13OnlyServerIsFound() throws {
    try TLSProbeGate.require()
    // Valid only during 2020.
    let keys = try BackdatedCertificate(
      newkey: ["-newkey", "rsa:2048"], start: "20200101000000Z", end: "20210101000000Z")
    let instance = try PostfixInstance(
      posture: .stock,
      tls: PostfixInstance.TLSSettings(
        certificate: keys.certificate, key: keys.key,
        parameters: ["smtpd_tls_protocols = >=TLSv1.3"]))
    defer { instance.stop() }
    try instance.start()

    let before = settledConnections(instance)
    let report = probe(port: instance.port, xclient: nil) { $0.tlsOnly = true }
    let why = context(report, instance)
    #expect(report.failure == nil, why)
    #expect(report.tls?.protocols["TLSv1.3"] == true, why)
    #expect(report.tls?.protocols["TLSv1.2"] == false, why)
    let certificate = report.tls?.certificate
    #expect(certificate?.seenWith == "TLSv1.3", why)
    #expect(certificate?.notAfter == "2021-01-01T00:00:00Z", why)
    #expect(certificate?.subjectAltNames == ["mail.example.test"], why)
    #expect(certificate?.keyBits == 2048, why)
    #expect(report.findings.contains { $0.id == "tls-certificate-expired" }, why)
    #expect(!report.findings.contains { $0.id == "tls-certificate-not-seen" }, why)
    let logged = settledConnections(instance) - before
    #expect(report.connections == logged, why)

    // Ground truth: openssl s_client negotiates TLS 1.3 only and reports the expiry.
    let tls13 = try sClient(instance.port, "-tls1_3")
    let tls12 = try sClient(instance.port, "-tls1_2")
    #expect(tls13.contains("TLSv1.3"), Comment(rawValue: tls13))
    #expect(tls13.contains("certificate has expired"), Comment(rawValue: tls13))
    #expect(tls13.contains("NotAfter: Jan  1 00:00:00 2021 GMT"), Comment(rawValue: tls13))
    #expect(!tls12.contains("Cipher is TLS_") && !tls12.contains("New, TLSv1.2"))
    print(
      "TLS 1.3 only 127.0.0.1:\(instance.port): openssl s_client -tls1_3: "
        + "\(tls13.contains("certificate has expired") ? "certificate has expired" : "?"), "
        + "NotAfter Jan  1 00:00:00 2021 GMT; -tls1_2: no session; probe: certificate from a "
        + "\(certificate?.seenWith ?? "-") handshake, notAfter \(certificate?.notAfter ?? "-")")
  }

  /// `openssl s_client -starttls smtp` with `-showcerts`, nothing on stdin, at most 20 s.
  func sClient(_ port: UInt16, _ version: String) throws -> String {
    let run = try TLSTools.run(
      "/usr/bin/timeout",
      [
        "20", TLSProbeGate.openssl, "s_client", "-starttls", "smtp", version, "-showcerts",
        "-connect", "127.0.0.1:\(port)",
      ])
    return run.stdout + run.stderr
  }
}

/// The gate of ``RealPostfixTLSProbeTests``: real Postfix instances (root), openssl, swaks.
enum TLSProbeGate {
  static let openssl = "/usr/bin/openssl"
  static let swaks = "/usr/bin/swaks"

  static var hasTools: Bool {
    FileManager.default.isExecutableFile(atPath: openssl)
      && FileManager.default.isExecutableFile(atPath: swaks)
  }

  static var shouldRun: Bool {
    (RealPostfix.isInstalled && RealPostfix.isRoot && hasTools) || RealPostfix.isRequired
  }

  static let skipComment: Comment =
    "needs root, /usr/sbin/postfix, /usr/bin/openssl and /usr/bin/swaks (apt-get install postfix openssl swaks); set PFHARDEN_REQUIRE_POSTFIX=1 to fail instead of skipping"

  /// Throws when a required run lacks Postfix, root, openssl or swaks.
  static func require() throws {
    try RealPostfix.requireInstances()
    for tool in [openssl, swaks] where !FileManager.default.isExecutableFile(atPath: tool) {
      throw RealPostfix.Missing(description: "PFHARDEN_REQUIRE_POSTFIX=1 but \(tool) is missing")
    }
  }
}
