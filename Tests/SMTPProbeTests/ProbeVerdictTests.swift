import Testing

@testable import SMTPProbe

/// The checks' verdicts against scripted servers that behave like Postfix postures.
@Suite struct ProbeVerdictTests {
  let clock = VirtualClock()

  func probe(
    _ server: FakePostfix, local: String = "127.0.0.1",
    configure: (inout ProbeOptions) -> Void = { _ in }
  )
    -> (ProbeReport, ScriptedConnector)
  {
    var options = ProbeOptions.scripted(clock)
    configure(&options)
    let connector = server.connector(clock: clock, local: local)
    let report = Prober(connector: connector, options: options).run(host: "127.0.0.1", port: 25)
    return (report, connector)
  }

  @Test func openPostureFromLoopbackIsTrustedVantage() {
    let (report, connector) = probe(FakePostfix())
    #expect(report.failure == nil)
    #expect(report.banner?.software == "Postfix")
    #expect(report.banner?.operatingSystem == "Debian")
    #expect(report.vrfy?.verdict == .leaksUsers)
    #expect(report.expn?.verdict == .disabled)
    #expect(report.heloRequired?.required == false)
    #expect(report.rcptEnumeration?.verdict == .leaksUsers)
    #expect(report.openRelay?.verdict == .trustedVantage)
    // The fake treats @mail.example.test as local: the three "-name" forms land there.
    #expect(report.openRelay?.accepted.count == 13)
    let local = report.openRelay?.attempts.filter { $0.outcome == .notRelayed }.map(\.id)
    #expect(local == ["percent-hack-name", "double-at-name", "bang-path-name"])
    #expect(report.openRelay?.vantage.kind == .direct)
    #expect(report.openRelay?.vantage.address == "127.0.0.1")
    #expect(report.tlsMode == .starttls)
    #expect(report.authBeforeStartTLS == false)
    #expect(report.connections == connector.transports.count)
    #expect(report.connections <= ProbeOptions().connectionBudget)
    let ids = report.findings.map(\.id)
    #expect(ids.contains("vrfy-leaks-users"))
    #expect(ids.contains("helo-not-required"))
    #expect(ids.contains("relay-trusted-vantage"))
    #expect(!ids.contains("open-relay"))
  }

  @Test func openPostureViaXCLIENTIsOpen() {
    let (report, connector) = probe(FakePostfix()) { $0.xclientAddress = "203.0.113.5" }
    #expect(report.openRelay?.verdict == .open)
    #expect(report.openRelay?.vantage.kind == .xclient)
    #expect(report.openRelay?.vantage.address == "203.0.113.5")
    #expect(report.findings.first?.id == "open-relay")
    #expect(report.findings.first?.severity == .error)
    #expect(connector.allCommands.contains("XCLIENT ADDR=203.0.113.5"))
    // After XCLIENT the client says EHLO again before anything else.
    for transport in connector.transports {
      if let index = transport.received.firstIndex(of: "XCLIENT ADDR=203.0.113.5") {
        #expect(transport.received[index + 1].hasPrefix("EHLO "))
      }
    }
  }

  @Test func publicVantageWithoutXCLIENTIsOpen() {
    let (report, _) = probe(FakePostfix(), local: "198.51.100.7")
    #expect(report.openRelay?.verdict == .open)
    #expect(report.openRelay?.vantage.likelyTrusted == false)
  }

  @Test func hardenedPostureViaXCLIENTIsClosed() {
    let server = FakePostfix(
      banner: "mail.example.test ESMTP", vrfy: false, heloRequired: true, relay: "trusted-only")
    let (report, _) = probe(server) { $0.xclientAddress = "203.0.113.5" }
    #expect(report.banner?.disclosesSoftware == false)
    #expect(report.vrfy?.verdict == .disabled)
    #expect(report.heloRequired?.required == true)
    #expect(report.openRelay?.verdict == .closed)
    #expect(report.openRelay?.accepted == [])
    let outcomes = report.openRelay?.attempts.map(\.outcome) ?? []
    #expect(outcomes.filter { $0 == .relayDenied }.count == 13)
    #expect(outcomes.filter { $0 == .notRelayed }.count == 3)
    #expect(!report.hasFindings(atLeast: .warning))
  }

  @Test func hardenedPostureFromLoopbackIsTrustedVantage() {
    let server = FakePostfix(vrfy: false, heloRequired: true, relay: "trusted-only")
    let (report, _) = probe(server)
    #expect(report.openRelay?.verdict == .trustedVantage)
  }

  @Test func deferUnauthDestinationIsClosedAndNoted() {
    let (report, _) = probe(FakePostfix(relay: "defer")) { $0.xclientAddress = "203.0.113.5" }
    #expect(report.openRelay?.verdict == .closed)
    #expect(report.openRelay?.defers == true)
    #expect(report.findings.contains { $0.id == "relay-deferred" })
  }

  @Test func heloFallbackWhenEHLOIsRefused() {
    let (report, connector) = probe(FakePostfix(ehlo: false))
    #expect(report.failure == nil)
    #expect(report.capabilities?.extended == false)
    #expect(report.capabilities?.serverName == "mail.example.test")
    #expect(connector.allCommands.contains("HELO example.com"))
    #expect(report.openRelay?.verdict == .trustedVantage)
  }

  @Test func serviceClosingMidRelayBacksOffAndContinues() {
    let start = clock.now()
    let server = FakePostfix(relay: "reject", serviceClosingAtRCPT: 4)
    let (report, connector) = probe(server) { $0.xclientAddress = "203.0.113.5" }
    // RCPT 1 is the RCPT enumeration's control; 4 falls in the first relay session.
    #expect(report.transcript.contains { $0.reply?.code == 421 })
    #expect(clock.now() - start >= ProbeOptions().initialBackoff.clampedNanoseconds)
    #expect(report.openRelay?.attempts.filter { $0.outcome == .notTested }.isEmpty == true)
    // The form that met the 421 was tried again in the next session.
    #expect(report.openRelay?.verdict == .closed)
    #expect(report.connections == connector.transports.count)
    #expect(report.connections <= ProbeOptions().connectionBudget)
  }

  @Test func greylistingMakesTheRelayTestInconclusive() {
    let (report, _) = probe(FakePostfix(relay: "greylist")) { $0.xclientAddress = "203.0.113.5" }
    #expect(report.openRelay?.verdict == .inconclusive)
    #expect(report.openRelay?.reason?.contains("Greylisted") == true)
    #expect(report.findings.contains { $0.id == "relay-inconclusive" })
  }

  @Test func xclientNotOfferedFallsBackToDirectWithANote() {
    let (report, _) = probe(FakePostfix(xclient: false)) { $0.xclientAddress = "203.0.113.5" }
    #expect(report.openRelay?.vantage.kind == .direct)
    #expect(report.openRelay?.vantage.note?.contains("does not offer XCLIENT") == true)
    #expect(report.openRelay?.verdict == .trustedVantage)
    #expect(report.findings.contains { $0.id == "xclient-unavailable" })
  }

  @Test func authBeforeStartTLSIsFlagged() {
    let (report, _) = probe(FakePostfix(auth: true))
    #expect(report.authBeforeStartTLS == true)
    #expect(report.findings.contains { $0.id == "auth-before-starttls" && $0.severity == .warning })
  }

  @Test func submissionAcceptingMailBeforeStartTLSIsAnError() {
    let (report, _) = probe(FakePostfix(auth: true)) { $0.role = .submission }
    #expect(report.submission?.mailRefusedBeforeStartTLS == false)
    #expect(report.findings.contains { $0.id == "mail-before-starttls" && $0.severity == .error })
    #expect(report.findings.contains { $0.id == "auth-before-starttls" && $0.severity == .error })
  }

  @Test func submissionRequiringTLSPassesAndOraclesAreNotGuessed() {
    let (report, connector) = probe(FakePostfix(tlsRequired: true)) { $0.role = .submission }
    #expect(report.submission?.mailRefusedBeforeStartTLS == true)
    #expect(report.vrfy?.verdict == nil)
    #expect(report.vrfy?.reason?.contains("STARTTLS") == true)
    #expect(report.openRelay?.verdict == .inconclusive)
    #expect(!report.findings.contains { $0.id == "mail-before-starttls" })
    #expect(report.connections <= 4)  // the relay test stops after three refused senders
    #expect(connector.allCommands.filter { $0.hasPrefix("MAIL") }.count <= 6)
  }

  @Test func greeting421IsReportedAsRefusalWithBackoff() {
    let server = FakePostfix(greeting: [
      .text("421 4.7.0 mail.example.test Error: too many connections\r\n"), .close,
    ])
    let start = clock.now()
    let (report, connector) = probe(server)
    #expect(report.failure?.code == .closed)
    #expect(report.failure?.reason.contains("rate limit") == true)
    #expect(report.banner?.refused == true)
    #expect(report.banner?.reply.code == 421)
    #expect(report.connections == 2)  // one retry after a back-off
    #expect(connector.transports.count == 2)
    #expect(clock.now() - start >= ProbeOptions().initialBackoff.clampedNanoseconds)
    #expect(report.findings.contains { $0.id == "greeting-refused" })
    #expect(
      !report.findings.contains {
        $0.message.contains("not SMTP") && !$0.message.contains("not a missing")
      })
  }

  @Test func postscreen554GreetingIsARefusal() {
    let server = FakePostfix(greeting: [
      .text("554 5.7.1 Service unavailable; Client host [127.0.0.1] blocked\r\n"), .close,
    ])
    let (report, _) = probe(server)
    #expect(report.banner?.refused == true)
    #expect(report.failure != nil)
  }

  @Test func silentServerFailsWithinTheDeadline() {
    let start = clock.now()
    let (report, _) = probe(FakePostfix(greeting: [.silence]))
    #expect(report.failure?.code == .timeout)
    #expect(report.connections == 1)
    #expect(clock.now() - start == ProbeOptions().stepTimeout.clampedNanoseconds)
  }

  @Test func connectionBudgetIsNeverExceeded() {
    for budget in 1...8 {
      let (report, connector) = probe(FakePostfix()) { $0.connectionBudget = budget }
      #expect(report.connections <= budget)
      #expect(connector.transports.count <= budget)
    }
    let (small, _) = probe(FakePostfix()) { $0.connectionBudget = 3 }
    #expect(small.openRelay?.verdict == .trustedVantage)  // variants 1-5 were accepted
    let (tiny, _) = probe(FakePostfix(relay: "reject")) { $0.connectionBudget = 3 }
    #expect(tiny.openRelay?.verdict == .inconclusive)
    #expect(tiny.openRelay?.reason?.contains("budget") == true)
  }

  @Test(arguments: ["reject", "defer", "accept"])
  func noSessionNearsTheSoftErrorLimit(relay: String) {
    let server = FakePostfix(vrfy: false, heloRequired: true, relay: relay)
    let (report, connector) = probe(server) { $0.xclientAddress = "203.0.113.5" }
    #expect(report.openRelay?.attempts.allSatisfy { $0.outcome != .notTested } == true)
    for number in 1...connector.transports.count {
      let negatives = report.transcript.filter {
        $0.connection == number && ($0.reply?.code ?? 0) >= 400
      }.count
      #expect(negatives <= 6, "connection \(number) got \(negatives) refusals")
    }
  }

  @Test func dataIsNeverSentEvenToAServerThatAcceptsEverything() {
    let (report, connector) = probe(FakePostfix()) { $0.xclientAddress = "203.0.113.5" }
    #expect(report.openRelay?.verdict == .open)
    let verbs = connector.allCommands.map {
      $0.split(separator: " ").first.map(String.init)?.uppercased() ?? ""
    }
    #expect(!verbs.contains("DATA"))
    #expect(!verbs.contains("BDAT"))
    // Every accepted RCPT is followed by RSET.
    for transport in connector.transports {
      for (index, command) in transport.received.enumerated() where command.hasPrefix("RCPT") {
        let next = transport.received[index + 1]
        #expect(next == "RSET" || next.hasPrefix("RCPT"))
      }
    }
  }

  @Test func implicitTLSPortIsReportedWithoutWaitingForAGreeting() {
    let start = clock.now()
    let (report, _) = probe(FakePostfix(greeting: [.silence])) { $0.implicitTLS = true }
    #expect(report.tlsMode == .implicit)
    #expect(report.connections == 1)
    #expect(report.findings.contains { $0.id == "implicit-tls" })
    // The SMTP checks go on inside TLS on the same connection; a port silent to the
    // ClientHello as well lets them run no further than the handshake's deadline.
    let options = ProbeOptions()
    #expect(
      clock.now() - start
        == (options.implicitTLSListen + options.stepTimeout).clampedNanoseconds)
    #expect(report.checks.first { $0.check == "banner" }?.state == .notRun)
    #expect(report.checks.first { $0.check == "implicit-tls" }?.state == .ran)
    #expect(!report.isComplete)
  }

  @Test func silentPortIsOfferedOneClientHelloWithinTheStepDeadline() {
    let start = clock.now()
    let (report, connector) = probe(FakePostfix(greeting: [.silence]))
    #expect(report.failure?.code == .timeout)
    #expect(report.failure?.reason.contains("no TLS answer to a ClientHello") == true)
    #expect(report.tlsMode == .none)
    #expect(report.connections == 1)
    #expect(clock.now() - start == ProbeOptions().stepTimeout.clampedNanoseconds)
    // The ClientHello is a TLS handshake record.
    #expect(connector.transports.first?.receivedBytes.first == 0x16)
  }

  @Test func plaintextGreetingOnImplicitTLSPortIsFlagged() {
    let (report, _) = probe(FakePostfix()) { $0.implicitTLS = true }
    #expect(report.tlsMode == .none)
    #expect(report.findings.contains { $0.id == "implicit-tls-expected" })
  }
}

@Suite struct RelayClassificationTests {
  func reply(_ text: String) -> Reply {
    let code = Int(text.prefix(3)) ?? 0
    return Reply(code: code, lines: [Array(text.dropFirst(4).utf8)])
  }

  @Test(arguments: [
    ("554 5.7.1 <relaytest@example.net>: Relay access denied", RelayAttempt.Outcome.relayDenied),
    ("454 4.7.1 <relaytest@example.net>: Relay access denied", .relayDenied),
    ("550 5.7.1 Unable to relay", .relayDenied),
    ("553 5.7.1 sorry, that domain isn't in my list of allowed rcpthosts", .relayDenied),
    ("550 5.1.1 <relaytest%example.net@mail.example.test>: User unknown", .notRelayed),
    ("501 5.1.3 Bad recipient address syntax", .notRelayed),
    ("450 4.7.1 <relaytest@example.net>: greylisted, try again later", .blocked),
    ("554 5.7.1 Service unavailable; Client host blocked", .blocked),
    ("421 4.7.0 too many errors", .blocked),
    ("250 2.1.5 Ok", .accepted),
  ])
  func rcptRepliesAreClassified(text: String, expected: RelayAttempt.Outcome) {
    #expect(RelayCheck.outcome(rcpt: reply(text)) == expected, "\(text)")
  }

  @Test func theSixteenVariantsFollowNmap() {
    let server = SocketAddress.numeric("127.0.0.1", port: 25)
    let variants = RelayCheck.variants(serverName: "mail.example.test", serverAddress: server)
    #expect(variants.count == 16)
    #expect(Set(variants.map(\.id)).count == 16)
    #expect(variants.map(\.number) == Array(1...16))
    #expect(variants[0].mailFrom == "")
    #expect(variants[4].rcptTo == "relaytest%example.net@[127.0.0.1]")
    #expect(variants[9].rcptTo == "\"relaytest@example.net\"@[127.0.0.1]")
    #expect(variants[11].rcptTo == "@[127.0.0.1]:relaytest@example.net")
    #expect(variants[15].rcptTo == "example.net!relaytest@mail.example.test")
    // Only reserved domains and the server itself appear.
    for variant in variants {
      for address in [variant.mailFrom, variant.rcptTo] where !address.isEmpty {
        #expect(
          address.contains("example.") || address.contains("[127.0.0.1]"), "\(address)")
      }
    }
    let v6 = RelayCheck.variants(
      serverName: "bad name\u{1B}", serverAddress: SocketAddress.numeric("::1", port: 25))
    #expect(v6[2].mailFrom == "probe@[IPv6:::1]")
  }

  @Test func vantageHeuristics() {
    let trusted = [
      "127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "::1", "fd00::1",
      "fe80::1", "::ffff:192.168.0.1", "100.64.0.1",
    ]
    for text in trusted {
      let address = SocketAddress.numeric(text, port: 0)
      #expect(address.map { VantageCheck.likelyTrusted($0, server: nil) } == true, "\(text)")
    }
    for text in ["203.0.113.5", "198.51.100.7", "2001:db8::5"] {
      let address = SocketAddress.numeric(text, port: 0)
      #expect(address.map { VantageCheck.likelyTrusted($0, server: nil) } == false, "\(text)")
    }
    let neighbour = SocketAddress.numeric("198.51.100.8", port: 0)
    let server = SocketAddress.numeric("198.51.100.7", port: 25)
    #expect(neighbour.map { VantageCheck.likelyTrusted($0, server: server) } == true)
  }

  @Test func oracleVerdicts() {
    let unknown = reply("550 5.1.1 <x>: Recipient address rejected: User unknown")
    let known = reply("252 2.0.0 root")
    #expect(OracleCheck.verdict(control: unknown, users: [known, known]) == .leaksUsers)
    #expect(OracleCheck.verdict(control: known, users: [known]) == .noOracle)
    let disabled = reply("502 5.5.1 VRFY command is disabled")
    #expect(OracleCheck.verdict(control: disabled, users: [disabled]) == .disabled)
    let expn = reply("500 5.5.2 Error: command not recognized")
    #expect(OracleCheck.verdict(control: expn, users: [expn]) == .disabled)
  }
}
