import Testing

@testable import SMTPProbe

/// Every server byte is hostile: each case ends within its deadline, reads a bounded
/// number of bytes, and gives a clear result.
@Suite struct HostileServerTests {
  let clock = VirtualClock()
  let step: UInt64 = 5_000_000_000

  func session(_ transport: ScriptedTransport, limits: ReplyLimits = ReplyLimits()) -> SMTPSession {
    SMTPSession(
      transport: transport, connection: 1, clock: clock, stepNanoseconds: step,
      sessionDeadline: Deadline.after(nanoseconds: 60_000_000_000, clock: clock), limits: limits)
  }

  func server(
    _ greeting: [ServerAction], respond: @escaping (String) -> [ServerAction] = { _ in [] }
  )
    -> ScriptedTransport
  {
    ScriptedTransport(clock: clock, greeting: greeting, respond: respond)
  }

  @Test func multiLineRepliesAreJoined() throws {
    let transport = server([.text("220-mail.example.test first\r\n220-second\r\n220 third\r\n")]) {
      _ in [.text("250-mail.example.test\r\n250-PIPELINING\r\n250-SIZE 1000\r\n250 STARTTLS\r\n")]
    }
    let smtp = session(transport)
    let greeting = try smtp.greeting()
    #expect(greeting.code == 220)
    #expect(greeting.lines.count == 3)
    let ehlo = try smtp.command("EHLO example.com")
    let capabilities = Capabilities(reply: ehlo, extended: true)
    #expect(capabilities.keywords == ["PIPELINING", "SIZE", "STARTTLS"])
    #expect(capabilities.size == 1000)
    #expect(capabilities.serverName == "mail.example.test")
  }

  @Test func bareLineFeedsAreAccepted() throws {
    let transport = server([.text("220 mail.example.test ESMTP\n")]) { _ in
      [.text("250-mail.example.test\n250 VRFY\n")]
    }
    let smtp = session(transport)
    #expect(try smtp.greeting().lines == [Array("mail.example.test ESMTP".utf8)])
    let capabilities = Capabilities(reply: try smtp.command("EHLO example.com"), extended: true)
    #expect(capabilities.vrfy)
  }

  @Test func eightBitAndControlBytesAreEscapedInReports() throws {
    let transport = server([
      .send(Array("220 mail \u{1B}[31m".utf8) + [0xFF, 0xC3, 0x5C, 0x0D, 0x0A])
    ])
    let greeting = try session(transport).greeting()
    #expect(greeting.code == 220)
    #expect(greeting.summary == "220 mail \\x1b[31m\\xff\\xc3\\\\")
    #expect(greeting.summary.utf8.allSatisfy { (0x20...0x7E).contains($0) })
  }

  @Test func tenMegabyteLineIsCutOffAtTheLineLimit() {
    let transport = server([.text("220 "), .repeating(Array("x".utf8), total: 10 * 1024 * 1024)])
    let smtp = session(transport)
    #expect(throws: SMTPProbeError(.protocolViolation, "")) { try smtp.greeting() }
    #expect(transport.bytesSent <= 2048 + 2 * ReplyReader.chunk)
    #expect(transport.largestRead <= ReplyReader.chunk)
    #expect(!smtp.isOpen)
    #expect(smtp.endedBy?.reason.contains("longer than 2048") == true)
  }

  @Test func endlessContinuationLinesStopAtTheLineCountLimit() {
    let transport = server([.repeating(Array("220-more\r\n".utf8), total: nil)])
    let smtp = session(transport)
    #expect(throws: SMTPProbeError(.protocolViolation, "")) { try smtp.greeting() }
    #expect(transport.bytesSent < 101 * 10 + 2 * ReplyReader.chunk)
    #expect(smtp.endedBy?.reason.contains("more than 100 lines") == true)
  }

  @Test func longReplyStopsAtTheByteLimit() {
    let line = "220-" + String(repeating: "y", count: 1000) + "\r\n"
    let transport = server([.repeating(Array(line.utf8), total: nil)])
    let smtp = session(transport, limits: ReplyLimits(maxReplyBytes: 8192))
    #expect(throws: SMTPProbeError(.protocolViolation, "")) { try smtp.greeting() }
    #expect(transport.bytesSent < 8192 + 2 * ReplyReader.chunk)
  }

  @Test func silenceTimesOutAtTheStepDeadline() {
    let start = clock.now()
    let smtp = session(server([.silence]))
    #expect(throws: SMTPProbeError(.timeout, "")) { try smtp.greeting() }
    #expect(clock.now() - start == step)
  }

  @Test func slowDripTimesOutAtTheStepDeadlineNotPerByte() {
    let start = clock.now()
    let greeting = Array("220 mail.example.test ESMTP Postfix\r\n".utf8)
    let transport = server([.drip(greeting, interval: 1_000_000_000)])
    let smtp = session(transport)
    #expect(throws: SMTPProbeError(.timeout, "")) { try smtp.greeting() }
    #expect(clock.now() - start == step)
    #expect(transport.bytesSent == 5)
  }

  @Test func fastDripCompletes() throws {
    let greeting = Array("220 ok\r\n".utf8)
    let smtp = session(server([.drip(greeting, interval: 10_000_000)]))
    #expect(try smtp.greeting().code == 220)
  }

  @Test func earlyCloseIsReportedAsClosed() throws {
    let smtp = session(
      server([.text("220 mail ESMTP\r\n")]) { _ in [.text("250-mail\r\n"), .close] })
    try smtp.greeting()
    #expect(throws: SMTPProbeError(.closed, "")) { try smtp.command("EHLO example.com") }
    #expect(smtp.endedBy?.reason.contains("inside a reply line") == false)
    #expect(throws: SMTPProbeError(.closed, "")) { try smtp.command("NOOP") }
  }

  @Test func garbageIsNotSMTP() {
    let smtp = session(server([.text("SSH-2.0-OpenSSH_9.2\r\n")]))
    #expect(throws: SMTPProbeError(.protocolViolation, "")) { try smtp.greeting() }
    #expect(smtp.endedBy?.reason.contains("not an SMTP reply line") == true)
  }

  @Test func codeChangeInsideAReplyIsAViolation() {
    let smtp = session(server([.text("220-a\r\n250 b\r\n")]))
    #expect(throws: SMTPProbeError(.protocolViolation, "")) { try smtp.greeting() }
  }

  @Test func sessionDeadlineBoundsManySlowSteps() throws {
    let transport = server([.text("220 ok\r\n")]) { _ in
      [.drip(Array("250 ok\r\n".utf8), interval: 500_000_000)]
    }
    let smtp = SMTPSession(
      transport: transport, connection: 1, clock: clock, stepNanoseconds: step,
      sessionDeadline: Deadline.after(nanoseconds: 10_000_000_000, clock: clock),
      limits: ReplyLimits())
    let start = clock.now()
    try smtp.greeting()
    var completed = 0
    while (try? smtp.command("NOOP")) != nil { completed += 1 }
    #expect(completed == 2)  // 4 s per reply: the third would pass 10 s
    #expect(clock.now() - start <= 10_000_000_000)
  }

  @Test func commandsWithLineBreaksOrDataAreRefusedUnsent() throws {
    let transport = server([.text("220 ok\r\n")]) { _ in [.text("250 ok\r\n")] }
    let smtp = session(transport)
    try smtp.greeting()
    for bad in ["DATA", "data", "BDAT 10 LAST", "RCPT TO:<a>\r\nDATA", "VRFY \u{7F}", ""] {
      #expect(throws: SMTPProbeError(.invalidRequest, "")) { try smtp.command(bad) }
    }
    #expect(transport.receivedBytes.isEmpty)
    #expect(smtp.isOpen)
  }

  @Test func serviceClosingEndsTheSession() throws {
    let smtp = session(
      server([.text("220 ok\r\n")]) { _ in [.text("421 4.7.0 Too many errors\r\n")] })
    try smtp.greeting()
    #expect(try smtp.command("VRFY x").code == 421)
    #expect(smtp.sawServiceClosing)
    #expect(!smtp.isOpen)
  }
}

@Suite struct ReplyAndCapabilityTests {
  @Test func enhancedCodes() {
    #expect(
      Reply(code: 554, lines: [Array("5.7.1 <a>: Relay access denied".utf8)]).enhancedCode
        == "5.7.1")
    #expect(Reply(code: 250, lines: [Array("2.1.5 Ok".utf8)]).enhancedCode == "2.1.5")
    #expect(Reply(code: 250, lines: [Array("mail.example.test".utf8)]).enhancedCode == nil)
    #expect(Reply(code: 250, lines: [Array("1.2.3 x".utf8)]).enhancedCode == nil)
    #expect(Reply(code: 250, lines: [Array("2.1234.5 x".utf8)]).enhancedCode == nil)
    #expect(Reply(code: 250, lines: []).enhancedCode == nil)
  }

  @Test func authMechanismsIncludingTheOldEqualsForm() {
    let reply = Reply(
      code: 250,
      lines: ["mail.example.test", "AUTH PLAIN LOGIN", "AUTH=LOGIN CRAM-MD5", "SIZE abc"].map {
        Array($0.utf8)
      })
    let capabilities = Capabilities(reply: reply, extended: true)
    #expect(capabilities.authMechanisms == ["PLAIN", "LOGIN"])
    #expect(capabilities.size == nil)
    #expect(!capabilities.startTLS)
  }

  @Test func escapeKeepsPrintableASCIIOnly() {
    #expect(Escape.text(Array("a\\b".utf8)) == "a\\\\b")
    #expect(Escape.text([0x00, 0x0D, 0x0A, 0x7F, 0x80]) == "\\x00\\x0d\\x0a\\x7f\\x80")
  }

  @Test func jsonStringsAreEscaped() {
    let value = JSONValue.object([("k\"", .string("a\u{1}\\\n")), ("n", .null)])
    #expect(value.rendered(indent: nil) == #"{"k\"":"a\u0001\\\n","n":null}"#)
  }
}
