import Foundation
import Testing

@testable import SMTPProbe
@testable import pfharden

/// `pfharden probe` in process, against small SMTP servers on 127.0.0.1 only.
@Suite(.serialized) struct ProbeCommandTests {
  struct Result {
    var status: Int32
    var stdout: String
    var stderr: String
  }

  func probe(_ arguments: [String]) -> Result { probeCommand(arguments) }

  func probeCommand(_ arguments: [String]) -> Result {
    var console = Console.capturing()
    let status = ProbeCommand.run(arguments: arguments, console: &console)
    return Result(
      status: status, stdout: String(decoding: console.stdout, as: UTF8.self),
      stderr: String(decoding: console.stderr, as: UTF8.self))
  }

  // MARK: Usage

  @Test func helpExitsZeroAndMatchesTheSnapshot() throws {
    let result = probeCommand(["--help"])
    #expect(result.status == 0)
    #expect(result.stdout.hasPrefix("OVERVIEW:"))
    try Snapshot.assert(result.stdout, named: "help.txt")
  }

  @Test(arguments: [
    ([], "missing HOST[:PORT]"),
    (["127.0.0.1", "--xclient-adr", "203.0.113.5"], "Did you mean '--xclient-addr'?"),
    (["127.0.0.1", "--role", "smarthost"], "--role must be mx, relay or submission"),
    (["127.0.0.1:0"], "not a HOST[:PORT]"),
    (["127.0.0.1:70000"], "not a HOST[:PORT]"),
    (["[::1"], "not a HOST[:PORT]"),
    (["127.0.0.1", "127.0.0.2", "--format", "json"], "use --format jsonl for several targets"),
    (["127.0.0.1", "--timeout", "-1"], "--timeout must be"),
    (["127.0.0.1", "--total-timeout", "0"], "--total-timeout must be"),
    (["127.0.0.1", "--format", "xml"], "--format must be text or json"),
    (["127.0.0.1", "--xclient-addr", "outside"], "--xclient-addr must be"),
    (["127.0.0.1", "--source", "eth0"], "--source must be"),
    (["127.0.0.1", "--min-severity", "fatal"], "--min-severity must be"),
    (["127.0.0.1", "--helo"], "needs a value"),
    (["127.0.0.1", "--verbose=yes"], "takes no value"),
    (["127.0.0.1", "--no-tls", "--tls-only"], "--tls-only and --no-tls exclude each other"),
    (["127.0.0.1", "--max-tls-connections", "0"], "--max-tls-connections must be"),
    (["127.0.0.1", "--tls-onyl"], "Did you mean '--tls-only'?"),
  ])
  func usageErrorsExit64(arguments: [String], message: String) {
    let result = probeCommand(arguments)
    #expect(result.status == 64)
    #expect(result.stderr.contains(message), "\(result.stderr)")
    #expect(result.stdout.isEmpty)
  }

  @Test func timeoutNeverRaisesTheTotalLimitSilently() throws {
    guard case .run(let given) = ProbeCommand.parse(["127.0.0.1", "--timeout", "9.5"]) else {
      Issue.record("not parsed")
      return
    }
    #expect(given.options.totalTimeout == .seconds(300))
    #expect(given.options.stepTimeout == .milliseconds(9500))
    #expect(given.options.sessionTimeout == .seconds(60))
    guard
      case .run(let both) = ProbeCommand.parse([
        "127.0.0.1", "--total-timeout", "20", "--timeout", "5",
      ])
    else {
      Issue.record("not parsed")
      return
    }
    #expect(both.options.totalTimeout == .seconds(20))
    #expect(both.options.sessionTimeout == .seconds(20))
    let refused = probeCommand(["127.0.0.1", "--timeout", "30", "--total-timeout", "20"])
    #expect(refused.status == 64)
    #expect(refused.stderr.contains("must not exceed --total-timeout"), "\(refused.stderr)")
    let help = probeCommand(["--help"]).stdout
    #expect(help.contains("--total-timeout S"))
    #expect(help.contains("does not change"))
  }

  @Test func incompleteProbeExits2WithThePlainReason() throws {
    var report = ProbeReport(
      host: "127.0.0.1", port: 25, address: "127.0.0.1:25", role: .mx, connections: 1,
      failure: SMTPProbeError(
        .protocolViolation, "the server sent replies to commands never sent: 250 Ok"),
      banner: nil, capabilities: nil, tlsMode: .none, authBeforeStartTLS: nil, vrfy: nil,
      expn: nil, rcptEnumeration: nil, heloRequired: nil, openRelay: nil, submission: nil,
      findings: [], transcript: [])
    report.checks = [
      CheckStatus(check: "banner", state: .ran),
      CheckStatus(
        check: "vrfy", state: .notRun, reason: "the server sent replies to commands never sent"),
      CheckStatus(
        check: "open-relay", state: .partial, reason: "timeout", tried: 3, total: 16),
    ]
    report.findings = [
      ProbeFinding(
        id: "probe-incomplete", severity: .error, message: "The probe could not complete.",
        evidence: [])
    ]
    for format in ["text", "json"] {
      var console = Console.capturing()
      let status = ProbeCommand.run(
        arguments: ["127.0.0.1", "--format", format], console: &console,
        probe: { _, _, _ in report })
      let stdout = String(decoding: console.stdout, as: UTF8.self)
      let stderr = String(decoding: console.stderr, as: UTF8.self)
      #expect(status == 2)
      #expect(!stderr.contains("SMTPProbeError("), "\(stderr)")
      #expect(
        stderr
          == "pfharden probe: error: could not complete: "
          + "the server sent replies to commands never sent: 250 Ok\n")
      if format == "text" {
        #expect(stdout.contains("check open-relay"), "\(stdout)")
        #expect(stdout.contains("partial, 3 of 16 (timeout)"), "\(stdout)")
      } else {
        let json = try parse(stdout)
        #expect(json["completed"] as? Bool == false)
        let checks = try #require(json["checks"] as? [[String: Any]])
        #expect(checks.count == 3)
        #expect(checks[2]["tried"] as? Int == 3)
        #expect(checks[2]["total"] as? Int == 16)
        #expect(checks[1]["state"] as? String == "not-run")
      }
    }
  }

  @Test func targetsSplit() {
    #expect(ProbeCommand.splitTarget("127.0.0.1")! == ("127.0.0.1", nil))
    #expect(ProbeCommand.splitTarget("127.0.0.1:2525")! == ("127.0.0.1", 2525))
    #expect(ProbeCommand.splitTarget("[::1]:587")! == ("::1", 587))
    #expect(ProbeCommand.splitTarget("::1")! == ("::1", nil))
    #expect(ProbeCommand.splitTarget("mail.example.test:25")! == ("mail.example.test", 25))
    #expect(ProbeCommand.splitTarget("a:b:c") == nil)
    #expect(ProbeCommand.splitTarget("host:") == nil)
  }

  @Test func port587ImpliesSubmissionAnd465ImpliesImplicitTLS() {
    guard case .run(let submission) = ProbeCommand.parse(["127.0.0.1:587"]) else {
      Issue.record("587 did not parse")
      return
    }
    #expect(submission.options.role == .submission)
    guard case .run(let explicit) = ProbeCommand.parse(["127.0.0.1:587", "--role", "relay"]) else {
      Issue.record("587 with a role did not parse")
      return
    }
    #expect(explicit.options.role == .relay)
    guard case .run(let tls) = ProbeCommand.parse(["127.0.0.1:465"]) else {
      Issue.record("465 did not parse")
      return
    }
    #expect(tls.options.implicitTLS)
  }

  // MARK: Exit statuses against loopback servers

  @Test func connectionRefusedExits2WithAClearMessage() throws {
    let port = try FakeSMTPServer.freePort()
    let result = probe(["127.0.0.1:\(port)", "--timeout", "2"])
    #expect(result.status == 2)
    #expect(result.stderr.contains("could not complete"))
    #expect(result.stderr.contains("refused"))
  }

  @Test func silentServerExits2WithATimeout() throws {
    let server = try FakeSMTPServer(posture: .silent)
    defer { server.stop() }
    let start = Date()
    let result = probe(["127.0.0.1:\(server.port)", "--timeout", "0.3"])
    #expect(result.status == 2)
    #expect(result.stderr.contains("deadline"))
    #expect(Date().timeIntervalSince(start) < 3)
  }

  @Test func greeting421Exits2AndSaysItIsARefusal() throws {
    let server = try FakeSMTPServer(posture: .rateLimited)
    defer { server.stop() }
    let result = probe(["127.0.0.1:\(server.port)", "--timeout", "2", "--format", "json"])
    #expect(result.status == 2)
    #expect(result.stderr.contains("refused service at the greeting"))
    let json = try parse(result.stdout)
    #expect((json["banner"] as? [String: Any])?["refused"] as? Bool == true)
    #expect(json["completed"] as? Bool == false)
  }

  @Test func openServerFindingsExit1AndJSONHasTheSchemaFields() throws {
    let server = try FakeSMTPServer(posture: .open)
    defer { server.stop() }
    let result = probe([
      "127.0.0.1:\(server.port)", "--format", "json", "--xclient-addr", "203.0.113.5",
    ])
    #expect(result.status == 1, "\(result.stderr)")
    let json = try parse(result.stdout)
    #expect(json["schemaVersion"] as? Int == 2)
    #expect(json["connections"] as? Int == server.connections)
    let banner = try #require(json["banner"] as? [String: Any])
    #expect(banner["text"] as? String == "mail.example.test ESMTP Postfix (Debian/GNU)")
    #expect(banner["disclosesSoftware"] as? Bool == true)
    #expect((json["vrfy"] as? [String: Any])?["verdict"] as? String == "leaks-users")
    #expect(json["heloRequired"] as? Bool == false)
    let relay = try #require(json["openRelay"] as? [String: Any])
    #expect(relay["verdict"] as? String == "open")
    #expect((relay["accepted"] as? [String])?.contains("plain") == true)
    let vantage = try #require(relay["vantage"] as? [String: Any])
    #expect(vantage["kind"] as? String == "xclient")
    #expect(vantage["address"] as? String == "203.0.113.5")
    #expect((relay["variants"] as? [Any])?.count == 16)
    let starttls = try #require(json["starttls"] as? [String: Any])
    #expect(starttls["offered"] as? Bool == true)
    #expect(starttls["analysed"] == nil)
    // The fake server answers STARTTLS with 500: the analysis ran and says why it stopped.
    let tls = try #require(json["tls"] as? [String: Any])
    #expect(tls["connections"] as? Int == 1)
    #expect((tls["notes"] as? [String])?.first?.contains("500") == true)
    #expect(
      (tls["protocols"] as? [String: Any])?.keys.sorted() == [
        "SSLv3", "TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3",
      ])
    #expect(json["authBeforeStarttls"] as? Bool == false)
    // STARTTLS is advertised but refused with 500: broken, an error like the open relay.
    #expect(starttls["status"] as? String == "refused")
    #expect(starttls["refusal"] as? String == "500 5.5.2 Error: command not recognized")
    let findings = try #require(json["findings"] as? [[String: Any]])
    #expect(findings.prefix(2).compactMap { $0["severity"] as? String } == ["error", "error"])
    let broken = try #require(findings.first { $0["id"] as? String == "starttls-broken" })
    #expect((broken["message"] as? String)?.contains("500 5.5.2") == true)
    let relayFinding = try #require(findings.first { $0["id"] as? String == "open-relay" })
    #expect(relayFinding["severity"] as? String == "error")
    #expect((relayFinding["message"] as? String)?.isEmpty == false)
    #expect(
      (relayFinding["evidence"] as? [String])?.contains { $0.contains("RCPT TO:") } == true)
    #expect(!result.stdout.contains("DATA"))
  }

  @Test func noTLSSkipsTheAnalysisAndTLSOnlySkipsTheRest() throws {
    let server = try FakeSMTPServer(posture: .open)
    defer { server.stop() }
    let skipped = probe(["127.0.0.1:\(server.port)", "--no-tls", "--format", "json"])
    let json = try parse(skipped.stdout)
    #expect(json["tls"] is NSNull)
    #expect(json["connections"] as? Int == server.connections)
    let before = server.connections
    let only = probe(["127.0.0.1:\(server.port)", "--tls-only", "--format", "json"])
    let tlsOnly = try parse(only.stdout)
    // One SMTP session, one refused STARTTLS connection.
    #expect(server.connections - before == 2)
    #expect(tlsOnly["vrfy"] is NSNull)
    #expect(tlsOnly["openRelay"] is NSNull)
    #expect(tlsOnly["tls"] is [String: Any])
    #expect((tlsOnly["capabilities"] as? [String: Any])?["starttls"] as? Bool == true)
  }

  @Test func hardenedServerFromOutsideExits0() throws {
    let server = try FakeSMTPServer(posture: .hardened)
    defer { server.stop() }
    // The fake server cannot do TLS (STARTTLS gets 500): leave TLS out.
    let result = probe([
      "127.0.0.1:\(server.port)", "--xclient-addr", "203.0.113.5", "--no-tls",
    ])
    #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
    #expect(result.stdout.contains("open relay            closed"))
  }

  // MARK: Checks inside TLS

  @Test func checksInsideTLSAreMarkedInTextAndJSON() throws {
    func reply(_ text: String) -> Reply {
      Reply(code: Int(text.prefix(3)) ?? 0, lines: [Array(text.dropFirst(4).utf8)])
    }
    let refusal =
      "the server refused VRFY before STARTTLS: 530 5.7.0 Must issue a STARTTLS command first"
    let vrfy = [
      Exchange(connection: 1, command: "VRFY pfhcontrol", reply: reply("530 5.7.0 Must issue")),
      Exchange(connection: 1, command: "STARTTLS", reply: reply("220 2.0.0 Ready to start TLS")),
      Exchange(connection: 1, command: nil, reply: nil, tls: "TLSv1.3 TLS_AES_128_GCM_SHA256"),
    ]
    var report = ProbeReport(
      host: "127.0.0.1", port: 25, address: "127.0.0.1:25", role: .mx, connections: 3,
      failure: nil, banner: nil, capabilities: nil, tlsMode: .starttls, authBeforeStartTLS: false,
      vrfy: OracleResult(verdict: .leaksUsers, reason: nil, evidence: vrfy), expn: nil,
      rcptEnumeration: nil, heloRequired: nil, openRelay: nil, submission: nil, findings: [],
      transcript: vrfy)
    report.smtpTransport = .startTLS
    report.smtpTransportReason = refusal
    report.smtpTLSSession = "TLSv1.3 TLS_AES_128_GCM_SHA256"
    report.authInsideTLS = false
    report.checks = [
      CheckStatus(check: "banner", state: .ran), CheckStatus(check: "ehlo", state: .ran),
      CheckStatus(check: "ehlo-tls", state: .ran), CheckStatus(check: "vrfy", state: .ran),
    ]
    report.checks[0].transport = .plaintext
    report.checks[1].transport = .plaintext
    report.checks[2].transport = .startTLS
    report.checks[3].transport = .startTLS
    var console = Console.capturing()
    _ = ProbeCommand.run(
      arguments: ["127.0.0.1", "-v"], console: &console, probe: { _, _, _ in report })
    let text = String(decoding: console.stdout, as: UTF8.self)
    #expect(
      text.contains(
        "smtp checks           inside TLS after STARTTLS (TLSv1.3 TLS_AES_128_GCM_SHA256): "
          + refusal), "\(text)")
    #expect(text.contains("vrfy                  leaks-users [starttls]"), "\(text)")
    #expect(text.contains("auth inside tls       no"), "\(text)")
    #expect(text.contains("#1 T: TLSv1.3 TLS_AES_128_GCM_SHA256"), "\(text)")

    var jsonConsole = Console.capturing()
    _ = ProbeCommand.run(
      arguments: ["127.0.0.1", "--format", "json"], console: &jsonConsole,
      probe: { _, _, _ in report })
    let json = try parse(String(decoding: jsonConsole.stdout, as: UTF8.self))
    #expect(json["smtpTransport"] as? String == "starttls")
    #expect(json["smtpTransportReason"] as? String == refusal)
    #expect(json["authInsideTls"] as? Bool == false)
    let checks = try #require(json["checks"] as? [[String: Any]])
    #expect(
      checks.map { $0["transport"] as? String } == [
        "plaintext", "plaintext", "starttls", "starttls",
      ])
    #expect((json["transcript"] as? [String])?.last == "#1 T: TLSv1.3 TLS_AES_128_GCM_SHA256")
  }

  // MARK: STARTTLS advertised, TLS impossible

  /// The command in process with a short back-off after a `454` (the default waits 2 s,
  /// then 8 s, before it believes the refusal).
  func probeQuickly(_ arguments: [String]) -> Result {
    var console = Console.capturing()
    let status = ProbeCommand.run(
      arguments: arguments, console: &console,
      configure: { $0.initialBackoff = .milliseconds(50) },
      probe: { host, port, options in Prober.probe(host: host, port: port, options: options) })
    return Result(
      status: status, stdout: String(decoding: console.stdout, as: UTF8.self),
      stderr: String(decoding: console.stderr, as: UTF8.self))
  }

  @Test func startTLSRefusedWith454Exits1InTextAndJSON() throws {
    let server = try FakeSMTPServer(posture: .tlsUnavailable)
    defer { server.stop() }
    let target = "127.0.0.1:\(server.port)"
    let refusal = "454 4.7.0 TLS not available due to local problem"
    let text = probeQuickly([target, "--xclient-addr", "203.0.113.5"])
    #expect(text.status == 1, "\(text.stdout)\(text.stderr)")
    #expect(text.stdout.contains("STARTTLS offered but refused (\(refusal))"), "\(text.stdout)")
    #expect(
      text.stdout.contains(
        "\(target): error: [starttls-broken] STARTTLS is advertised but refused (\(refusal))"),
      "\(text.stdout)")
    #expect(!text.stdout.contains("[tls-analysis-incomplete]"))
    // The same server without the TLS analysis is clean: the exit status is that finding's.
    #expect(probe([target, "--xclient-addr", "203.0.113.5", "--no-tls"]).status == 0)

    let result = probeQuickly([target, "--tls-only", "--format", "json", "--min-severity", "error"])
    #expect(result.status == 1)
    let json = try parse(result.stdout)
    let starttls = try #require(json["starttls"] as? [String: Any])
    #expect(starttls["offered"] as? Bool == true)
    #expect(starttls["status"] as? String == "refused")
    #expect(starttls["refusal"] as? String == refusal)
    #expect((json["tls"] as? [String: Any])?["outcome"] as? String == "not-started")
    let findings = try #require(json["findings"] as? [[String: Any]])
    let first = try #require(findings.first)
    #expect(first["id"] as? String == "starttls-broken")
    #expect(first["severity"] as? String == "error")
    #expect((first["message"] as? String)?.contains(refusal) == true)
    #expect((first["reference"] as? String)?.contains("RFC 3207") == true)
    #expect((first["evidence"] as? [String])?.contains { $0.hasSuffix("S: 250-STARTTLS") } == true)
  }

  @Test(.enabled(if: MismatchedKeyPostfix.shouldRun, MismatchedKeyPostfix.skipComment))
  func realPostfixWithAKeyNotMatchingItsCertificateExits1() throws {
    try MismatchedKeyPostfix.require()
    let postfix = try MismatchedKeyPostfix()
    defer { postfix.stop() }
    try postfix.start()
    let target = "127.0.0.1:\(postfix.port)"
    // Exactly what a user runs (the default back-off after the 454 included).
    let result = probe([target])
    #expect(result.status == 1, "\(result.stdout)\(result.stderr)")
    #expect(
      result.stdout.contains(
        "error: [starttls-broken] STARTTLS is advertised but refused "
          + "(454 4.7.0 TLS not available due to local problem)"),
      "\(result.stdout)\n\(postfix.log())")
    let json = try parse(probeQuickly([target, "--tls-only", "--format", "json"]).stdout)
    #expect((json["starttls"] as? [String: Any])?["status"] as? String == "refused")
    // The ground truth: openssl cannot start TLS there either.
    let reference = try RealPostfix.run(
      "/usr/bin/timeout",
      ["20", MismatchedKeyPostfix.openssl, "s_client", "-starttls", "smtp", "-connect", target])
    #expect(reference.status != 0)
    #expect(String(decoding: reference.stdout, as: UTF8.self).contains("Cipher is (NONE)"))
  }

  @Test func minSeverityDecidesTheExitStatus() throws {
    let server = try FakeSMTPServer(posture: .open)
    defer { server.stop() }
    // From loopback, without the (broken) TLS: trusted-vantage (info) plus warnings.
    let target = "127.0.0.1:\(server.port)"
    #expect(probe([target, "--no-tls"]).status == 1)
    #expect(probe([target, "--no-tls", "--min-severity", "error"]).status == 0)
    #expect(probe([target, "--no-tls", "--min-severity", "info"]).status == 1)
    // With it, the refused STARTTLS is an error.
    #expect(probe([target, "--min-severity", "error"]).status == 1)
  }

  @Test func textReportMatchesTheSnapshot() throws {
    let server = try FakeSMTPServer(posture: .open)
    defer { server.stop() }
    let result = probe(["127.0.0.1:\(server.port)"])
    #expect(result.status == 1)
    let text = result.stdout.replacingOccurrences(of: ":\(server.port)", with: ":PORT")
    try Snapshot.assert(text, named: "open-loopback.txt")
  }

  @Test func textReportShowsTheTLSAnalysis() throws {
    let server = try FakeSMTPServer(posture: .hardened)
    defer { server.stop() }
    var console = Console.capturing()
    let status = ProbeCommand.run(
      arguments: ["127.0.0.1:\(server.port)", "--tls-only"], console: &console
    ) { host, port, options in
      // The fake server refuses STARTTLS; put a known analysis in its place.
      var report = Prober.probe(host: host, port: port, options: options)
      report.connections += Self.sampleTLS.connections - (report.tls?.connections ?? 0)
      report.tls = Self.sampleTLS
      // The spliced analysis ran to the end.
      report.checks = report.checks.map {
        $0.check == "tls" ? CheckStatus(check: "tls", state: .ran) : $0
      }
      report.findings = FindingsBuilder.findings(for: report)
      return report
    }
    #expect(status == 1)
    let text = String(decoding: console.stdout, as: UTF8.self)
      .replacingOccurrences(of: ":\(server.port)", with: ":PORT")
    try Snapshot.assert(text, named: "tls-loopback.txt")
  }

  /// A server with TLS 1.0, 1.2 and 1.3, Postfix's automatic DH sizes and no certificate
  /// seen (as if only anonymous suites were accepted).
  static let sampleTLS: TLSScanResult = {
    func row(_ version: String, _ id: UInt16, _ kex: String, _ bits: Int?, _ group: String?)
      -> TLSCipherResult
    {
      let info = CipherSuiteRegistry.suite(id)
      return TLSCipherResult(
        protocol: version, id: tlsHex16(id), name: info?.name ?? "?", kex: kex, kexBits: bits,
        group: group, suiteID: id, anonymous: info?.isAnonymous ?? false,
        forwardSecret: info?.forwardSecret ?? false)
    }
    var result = TLSScanResult()
    result.protocols = [
      "SSLv3": false, "TLSv1.0": true, "TLSv1.1": false, "TLSv1.2": true, "TLSv1.3": true,
    ]
    result.ciphers = [
      row("TLSv1.0", 0xC014, "ECDHE", 253, "X25519"),
      row("TLSv1.2", 0xC030, "ECDHE", 253, "X25519"),
      row("TLSv1.2", 0x009F, "DHE", 2048, nil),
      row("TLSv1.2", 0x00A6, "ADH", 1024, nil),
      row("TLSv1.3", 0x1302, "ECDHE", 253, "X25519"),
    ]
    result.serverPreference = false
    result.minDHBits = 2048
    result.minAnonDHBits = 1024
    result.tls13Groups = ["X25519", "P-256"]
    result.connections = 9
    result.handshakes = 9
    result.outcome = .accepted
    result.findings = TLSVerdicts.findings(for: result, role: .mx, now: 1_800_000_000)
    return result
  }()

  @Test func verboseTextShowsEvidence() throws {
    let server = try FakeSMTPServer(posture: .open)
    defer { server.stop() }
    let result = probe(["127.0.0.1:\(server.port)", "-v"])
    #expect(result.stdout.contains("#1 C: EHLO example.com"))
    #expect(result.stdout.contains("S: 252 2.0.0 root"))
    #expect(result.stdout.contains("1. null-sender: accepted"))
  }

  func parse(_ text: String) throws -> [String: Any] {
    let object = try JSONSerialization.jsonObject(with: Data(text.utf8))
    return try #require(object as? [String: Any])
  }
}

/// Snapshot files under `Snapshots/probe/`, re-recorded with `PFHARDEN_RECORD_SNAPSHOTS=1`.
enum Snapshot {
  static func assert(
    _ text: String, named name: String, sourceLocation: SourceLocation = #_sourceLocation
  ) throws {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .appendingPathComponent("Snapshots/probe/\(name)")
    if ProcessInfo.processInfo.environment["PFHARDEN_RECORD_SNAPSHOTS"] == "1" {
      try Data(text.utf8).write(to: url)
      return
    }
    let expected = try String(contentsOf: url, encoding: .utf8)
    #expect(text == expected, "snapshot \(name) differs", sourceLocation: sourceLocation)
  }
}

/// A small SMTP server on 127.0.0.1 that behaves like Postfix in a few postures.
final class FakeSMTPServer: @unchecked Sendable {
  enum Posture {
    /// `tlsUnavailable`: hardened, but STARTTLS is answered as Postfix does when its key
    /// does not match its certificate (`454 4.7.0`).
    case open, hardened, silent, rateLimited, tlsUnavailable
  }

  let port: UInt16
  private let listener: Int32
  private let lock = NSLock()
  private var stopped = false
  private var accepted = 0
  private let done = DispatchSemaphore(value: 0)
  let posture: Posture

  init(posture: Posture) throws {
    self.posture = posture
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let bound = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
      }
    }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    guard fd >= 0, bound == 0, listen(fd, 16) == 0 else {
      throw CocoaError(.fileWriteUnknown)
    }
    listener = fd
    port = UInt16(bigEndian: address.sin_port)
    Thread { [self] in self.loop() }.start()
  }

  static func freePort() throws -> UInt16 {
    let server = try FakeSMTPServer(posture: .silent)
    server.stop()
    return server.port
  }

  var connections: Int { lock.withLock { accepted } }

  func stop() {
    lock.withLock { stopped = true }
    done.wait()
    close(listener)
  }

  private func loop() {
    defer { done.signal() }
    while !lock.withLock({ stopped }) {
      var entry = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
      guard poll(&entry, 1, 50) > 0 else { continue }
      let client = accept(listener, nil, nil)
      guard client >= 0 else { continue }
      lock.withLock { accepted += 1 }
      serve(client)
      close(client)
    }
  }

  private func serve(_ fd: Int32) {
    switch posture {
    case .silent:
      _ = readLine(fd, seconds: 1)
      return
    case .rateLimited:
      write(fd, "421 4.7.0 mail.example.test Error: too many connections from 127.0.0.1\r\n")
      return
    case .open, .hardened, .tlsUnavailable:
      break
    }
    let hardened = posture != .open
    let banner =
      hardened ? "mail.example.test ESMTP" : "mail.example.test ESMTP Postfix (Debian/GNU)"
    write(fd, "220 \(banner)\r\n")
    var helo = false
    var outside = false
    while let line = readLine(fd, seconds: 5) {
      let upper = line.uppercased()
      if upper.hasPrefix("EHLO") {
        helo = true
        var lines = ["250-mail.example.test", "250-PIPELINING", "250-SIZE 10240000"]
        if !hardened { lines.append("250-VRFY") }
        if !outside { lines.append("250-XCLIENT NAME ADDR PROTO HELO") }
        lines.append("250-STARTTLS")
        lines.append("250 8BITMIME")
        write(fd, lines.joined(separator: "\r\n") + "\r\n")
      } else if upper.hasPrefix("XCLIENT") {
        outside = true
        helo = false
        write(fd, "220 \(banner)\r\n")
      } else if upper.hasPrefix("MAIL") {
        write(
          fd, hardened && !helo ? "503 5.5.1 Error: send HELO/EHLO first\r\n" : "250 2.1.0 Ok\r\n")
      } else if upper.hasPrefix("RCPT") {
        if line.contains("@mail.example.test>") && !line.contains("postmaster")
          && !line.contains("!") && !line.contains("%") && !line.contains("\"")
          && !line.contains("example.net@")
        {
          write(fd, "550 5.1.1 <x>: Recipient address rejected: User unknown\r\n")
        } else if line.contains("@mail.example.test>") && line.contains("postmaster") {
          write(fd, "250 2.1.5 Ok\r\n")
        } else if hardened && outside {
          write(fd, "554 5.7.1 <relaytest@example.net>: Relay access denied\r\n")
        } else {
          write(fd, "250 2.1.5 Ok\r\n")
        }
      } else if upper.hasPrefix("RSET") {
        write(fd, "250 2.0.0 Ok\r\n")
      } else if upper.hasPrefix("VRFY") {
        if hardened {
          write(fd, "502 5.5.1 VRFY command is disabled\r\n")
        } else if line.hasSuffix(" root") || line.hasSuffix(" postmaster") {
          write(fd, "252 2.0.0 \(line.dropFirst(5))\r\n")
        } else {
          write(
            fd, "550 5.1.1 <\(line.dropFirst(5))>: Recipient address rejected: User unknown\r\n")
        }
      } else if upper == "STARTTLS", posture == .tlsUnavailable {
        write(fd, "454 4.7.0 TLS not available due to local problem\r\n")
      } else if upper.hasPrefix("QUIT") {
        write(fd, "221 2.0.0 Bye\r\n")
        return
      } else {
        write(fd, "500 5.5.2 Error: command not recognized\r\n")
      }
    }
  }

  private func write(_ fd: Int32, _ text: String) {
    let bytes = Array(text.utf8)
    _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
  }

  private func readLine(_ fd: Int32, seconds: Int) -> String? {
    var timeout = timeval(tv_sec: seconds, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    var line: [UInt8] = []
    var byte: UInt8 = 0
    while recv(fd, &byte, 1, 0) == 1 {
      if byte == UInt8(ascii: "\n") {
        if line.last == UInt8(ascii: "\r") { line.removeLast() }
        return String(decoding: line, as: UTF8.self)
      }
      line.append(byte)
      if line.count > 4096 { return nil }
    }
    return nil
  }
}

/// A Postfix instance on 127.0.0.1 with a key that does not match its certificate.
///
/// `smtpd_tls_key_file` is an RSA key other than the one `smtpd_tls_cert_file` was made
/// for (two keys made with openssl): STARTTLS is advertised and answered
/// `454 4.7.0 TLS not available due to local problem`. Its own config, queue and data
/// directories on a free port, no chroot, every delivery deferred.
final class MismatchedKeyPostfix {
  static let postfixPath = "/usr/sbin/postfix"
  static let openssl = "/usr/bin/openssl"

  static var isInstalled: Bool {
    FileManager.default.isExecutableFile(atPath: postfixPath)
      && FileManager.default.isExecutableFile(atPath: openssl)
  }

  /// Installed and root, or demanded by `PFHARDEN_REQUIRE_POSTFIX=1` (then it fails).
  static var shouldRun: Bool { (isInstalled && getuid() == 0) || RealPostfix.isRequired }

  static let skipComment: Comment =
    "needs root, /usr/sbin/postfix and /usr/bin/openssl to start a test instance (apt-get install postfix openssl); set PFHARDEN_REQUIRE_POSTFIX=1 to fail instead of skipping"

  struct Failure: Error, CustomStringConvertible {
    var description: String
  }

  static func require() throws {
    guard isInstalled else {
      throw Failure(description: "\(postfixPath) or \(openssl) is missing")
    }
    guard getuid() == 0 else { throw Failure(description: "starting Postfix needs root") }
  }

  /// The instance: Debian's stock configuration on a loopback port (``ApplyInstance``).
  let instance: ApplyInstance
  var directory: String { instance.directory }
  var port: UInt16 { instance.port }
  var configDirectory: String { instance.configDirectory }

  init() throws {
    instance = try ApplyInstance()
    // Two keys: the certificate is made for one, smtpd is given the other.
    let made = try LiveApplyTests.certificate(in: instance.directory, name: "cert")
    let other = try LiveApplyTests.certificate(in: instance.directory, name: "other")
    let edit = try RealPostfix.run(
      ApplyInstance.postconfPath,
      [
        "-c", configDirectory, "-e", "smtpd_tls_security_level=may",
        "smtpd_tls_cert_file=\(made.certificate)", "smtpd_tls_key_file=\(other.key)",
      ])
    guard edit.status == 0 else {
      throw Failure(description: "postconf -e: \(String(decoding: edit.stderr, as: UTF8.self))")
    }
  }

  /// Starts the instance and waits (at most 15 s) for a `220` greeting: the master
  /// listens even when smtpd cannot start.
  func start() throws { try instance.start() }

  /// Stops the instance and removes its directory; safe to call twice.
  func stop() { instance.stop() }

  func log() -> String { instance.log() }
}
