import Foundation
import PostfixConfig
import Testing

private func b(_ text: String) -> [UInt8] { Array(text.utf8) }
private func s(_ bytes: [UInt8]?) -> String? { bytes.map { String(decoding: $0, as: UTF8.self) } }

@Suite struct MasterCFStructureTests {
  @Test func debianStockEntries() throws {
    let document = MasterCF(bytes: try MasterCFFixtures.bytes("debian-stock.cf"))
    #expect(document.entries.count == 31)
    #expect(document.entries.allSatisfy { $0.isValid })
    let relay = try #require(document.entries.first { $0.service == b("relay") })
    #expect(relay.lineNumbers.count == 2)
    #expect(relay.lastLine == relay.firstLine + 1)
    #expect(
      relay.overrides == [
        MasterCF.Override(
          name: b("syslog_name"), value: b("postfix/$service_name"), line: relay.firstLine + 1)
      ])
    #expect(s(relay.command) == "smtp")
    let postlog = try #require(document.entries.first { $0.service == b("postlog") })
    #expect(s(postlog.type) == "unix-dgram")
    // Commented-out services (submission) are not entries.
    #expect(!document.entries.contains { $0.service == b("submission") })
    #expect(document.diagnostics().isEmpty)
  }

  @Test func commentedOptionInsideAnEntry() throws {
    let document = MasterCF(bytes: try MasterCFFixtures.bytes("commented-option.cf"))
    let submission = try #require(document.entries.first { $0.service == b("submission") })
    #expect(submission.firstLine == 3)
    #expect(submission.lastLine == 8)
    #expect(submission.lineNumbers == [3, 4, 6, 8])
    #expect(submission.commentLines == [5, 7])
    #expect(
      submission.overrides.map { s($0.name) ?? "" } == [
        "syslog_name", "smtpd_sasl_auth_enable", "smtpd_client_restrictions",
      ])
    #expect(submission.overrides.map(\.line) == [4, 6, 8])
    let level = document.effectiveValue(
      of: b("smtpd_tls_security_level"), service: b("submission"), type: b("inet")
    ) { name in name == b("smtpd_tls_security_level") ? b("may") : nil }
    #expect(s(level) == "may")
  }

  @Test func ipv6AndHostPortServiceNames() throws {
    let document = MasterCF(bytes: try MasterCFFixtures.bytes("ipv6-service.cf"))
    #expect(
      document.serviceCommands.map { s($0.service) ?? "" } == [
        "[::1]:2525", "127.0.0.1:10025",
      ])
    let overrides = document.overrides(service: b("127.0.0.1:10025"), type: b("inet"))
    #expect(overrides == [MasterCF.Override(name: b("content_filter"), value: [], line: 3)])
    let report = document.printEntries(patterns: [b("[::1]:2525/inet")])
    #expect(
      s(report.output)
        == "[::1]:2525 inet  n       -       n       -       -       smtpd -o syslog_name=postfix/ipv6\n"
    )
  }

  @Test func bracedOptionValues() throws {
    let document = MasterCF(bytes: try MasterCFFixtures.bytes("braced-option.cf"))
    let entry = try #require(document.entries.first)
    #expect(
      entry.overrides.map { "\(s($0.name) ?? "")=\(s($0.value) ?? "")" } == [
        "smtpd_client_restrictions=permit_mynetworks, reject", "a=b c",
      ])
    let report = document.printEntries(fold: true)
    #expect(
      s(report.output) == """
        filter     unix  -       n       n       -       4       smtp
            -o {smtpd_client_restrictions=permit_mynetworks, reject}
            -o {a=b c}

        """)
  }

  @Test func attachedOptionsAreSplitOnce() throws {
    let document = MasterCF(bytes: try MasterCFFixtures.bytes("attached-option.cf"))
    let entry = try #require(document.entries.first)
    #expect(
      entry.arguments.dropFirst(8).map { s($0) ?? "" } == [
        "-o", "smtpd_tls_security_level=may", "-o", "content_filter=smtp:[127.0.0.1]:10026", "-v",
        "-o", "syslog_name=postfix/10025",
      ])
    let report = document.printParameters()
    #expect(
      s(report.output) == """
        10025/inet/content_filter = smtp:[127.0.0.1]:10026
        10025/inet/smtpd_tls_security_level = may
        10025/inet/syslog_name = postfix/10025

        """)
  }

  @Test func crlfLines() throws {
    let bytes = try MasterCFFixtures.bytes("crlf.cf")
    let document = MasterCF(bytes: bytes)
    #expect(document.entries.count == 2)
    #expect(document.entries.map { s($0.command) ?? "" } == ["smtpd", "smtp"])
    #expect(document.entries[1].firstLine == 4)
    #expect(s(document.overrides(service: b("relay"), type: b("unix")).first?.value) == "5")
    // Editing one entry leaves the other's CRLF bytes alone.
    let result = document.edited(.setField, requests: [b("relay/unix/chroot=n")])
    #expect(!result.isFatal)
    #expect(
      s(result.document.serialized())
        == "smtp inet n - y - - smtpd\r\n  -o syslog_name=postfix/crlf\r\n# comment\r\n"
        + "relay      unix  -       -       n       -       -       smtp\n"
        + "    -o smtp_helo_timeout=5\n")
  }

  @Test func invalidEntriesAreKeptAndDiagnosed() {
    let text = """
      good unix - - n - - smtp
        -o { a = b
      short unix - -
      typo unixx - - n - - smtp
      late unix - - n - - smtp {x}y

      """
    let document = MasterCF(bytes: b(text))
    #expect(document.entries.count == 4)
    #expect(document.entries.map(\.isValid) == [true, false, false, true])
    #expect(document.entries.map(\.firstLine) == [1, 3, 4, 5])
    let messages = document.diagnostics(path: "/etc/postfix/master.cf").map {
      "\($0.severity.rawValue) \($0.line ?? 0) \($0.message)"
    }
    #expect(
      messages == [
        "warning 1 master.cf: missing '}' in \"{ a = b\"",
        "fatal 3 file /etc/postfix/master.cf: line 3: bad field count",
        "fatal 4 invalid type field \"unixx\" in \"typo unixx - - n - - smtp\"",
        "warning 5 master.cf: syntax error after '}' in \"{x}y\"",
      ])
    let reading = document.readingDiagnostics(path: "/etc/postfix/master.cf")
    #expect(reading.isFatal)
    #expect(reading.diagnostics.count == 2)
    let report = document.printEntries()
    #expect(report.isFatal)
    #expect(report.output.isEmpty)
    #expect(document.serialized() == b(text))
  }

  @Test func orphanTextBeforeTheFirstEntry() {
    let document = MasterCF(
      bytes: b("  -o foo=bar with a long tail of words\nsmtp inet n - y - - smtpd\n"))
    #expect(document.orphans.count == 1)
    #expect(document.entries.count == 1)
    #expect(
      document.diagnostics(path: "D/master.cf").map(\.message) == [
        "D/master.cf: logical line must not start with whitespace: \"  -o foo=bar with a long tail ...\""
      ])
  }

  @Test func nulByteEndsTheLogicalLine() throws {
    let document = MasterCF(bytes: b("smtp inet n - y - - smtpd\0 -o a=b\n  -o c=d\n"))
    let entry = try #require(document.entries.first)
    #expect(entry.arguments.count == 8)
    #expect(entry.overrides.isEmpty)
    #expect(entry.lineNumbers == [1, 2])
  }

  @Test func sanitisedDiagnostics() {
    let document = MasterCF(bytes: [0x78, 0x09, 0xC3, 0xA9, 0x0A])
    #expect(
      document.diagnostics(path: "D/master.cf").map(\.message) == [
        "file D/master.cf: line 1: bad field count"
      ])
    let bad = MasterCF(bytes: b("x\tbad\u{e9} - - - - - cmd\n"))
    #expect(
      bad.diagnostics().map(\.message) == [
        "invalid type field \"bad??\" in \"x?bad?? - - - - - cmd\""
      ])
  }

  /// As measured on postconf 3.7.11: `-F` moves a value that would pass
  /// column 80 to an indented line even without `-f`.
  @Test func longFieldValuesMoveToTheNextLine() {
    let name = String(repeating: "a", count: 70)
    let document = MasterCF(bytes: b("\(name) unix - - n - - smtp -o a=b\n"))
    let report = document.printFields(patterns: [b("\(name)/unix/command")])
    #expect(s(report.output) == "\(name)/unix/command = \n    smtp -o a=b\n")
    let short = document.printFields(patterns: [b("*/*/type")], hideName: true)
    #expect(s(short.output) == "unix\n")
  }

  @Test func effectiveSettings() {
    let text = """
      smtp inet n - y - - smtpd -o smtpd_tls_security_level=may
      smtp inet n - y - - smtpd
        -o smtpd_tls_security_level=encrypt
      relay unix - - y - - /usr/libexec/postfix/smtp

      """
    let document = MasterCF(bytes: b(text))
    let main: ([UInt8]) -> [UInt8]? = { $0 == b("relayhost") ? b("[mx.example]") : nil }
    #expect(
      s(
        document.effectiveValue(
          of: b("smtpd_tls_security_level"), service: b("smtp"), type: b("inet"), mainCF: main))
        == "encrypt")
    #expect(
      s(
        document.effectiveValue(
          of: b("relayhost"), service: b("smtp"), type: b("inet"), mainCF: main))
        == "[mx.example]")
    #expect(
      document.effectiveValue(of: b("nothing"), service: b("relay"), type: b("unix"), mainCF: main)
        == nil)
    #expect(document.overrides(service: b("smtp"), type: b("inet")).map(\.line) == [1, 3])
    let commands = document.serviceCommands
    #expect(commands.map { s($0.processName) ?? "" } == ["smtpd", "smtpd", "smtp"])
    #expect(commands.map(\.line) == [1, 2, 4])
  }

  @Test func unusedParameterWarningsFollowPostconfSharing() {
    let text = """
      dup unix - - n - - smtp
      dup unix - - n - - smtp -o zz=1
      dup unix - - n - - smtp

      """
    let document = MasterCF(bytes: b(text))
    let warnings = document.unusedParameterWarnings(path: "D/master.cf") { _, _ in false }
    // The first entry precedes the dictionary's creation; the third shares it.
    #expect(warnings.map(\.line) == [2, 3])
    #expect(warnings.first?.message == "D/master.cf: unused parameter: zz=1")
  }
}

@Suite struct MasterCFEditTests {
  let stock: MasterCF

  init() throws { stock = MasterCF(bytes: try MasterCFFixtures.bytes("commented-option.cf")) }

  @Test func setParameterMovesInnerCommentsBeforeTheEntry() {
    let result = stock.edited(
      .setParameter, requests: [b("submission/inet/smtpd_tls_security_level=encrypt")])
    #expect(result.diagnostics.isEmpty)
    #expect(
      s(result.document.serialized()) == """
        # submission with one option commented out
        smtp      inet  n       -       y       -       -       smtpd
        #  -o smtpd_tls_security_level=encrypt
          # -o smtpd_tls_auth_only=yes
        submission inet  n       -       y       -       -       smtpd
            -o syslog_name=postfix/submission
            -o smtpd_sasl_auth_enable=yes
            -o smtpd_client_restrictions=$mua_client_restrictions
            -o smtpd_tls_security_level=encrypt
        pickup    unix  n       -       y       60      1       pickup

        """)
  }

  @Test func removeParameterRemovesEveryOccurrence() throws {
    let document = MasterCF(bytes: b("x unix - - n - - smtp -o a=1 -v -o a=2 -o b=3 arg\n"))
    let result = document.edited(.removeParameter, requests: [b("x/unix/a")])
    let entry = try #require(result.document.entries.first)
    #expect(entry.arguments.dropFirst(8).map { s($0) ?? "" } == ["-v", "-o", "b=3", "arg"])
  }

  @Test func setEntryReplacesByNewNameAndRemovesDuplicates() {
    let document = MasterCF(
      bytes: b("a unix - - n - - smtp\nb unix - - n - - smtp\n  -o x=1\na unix - - n - - smtp\n"))
    let result = document.edited(.setEntry, requests: [b("zz/unix=b unix - - y - - smtp")])
    #expect(
      s(result.document.serialized())
        == "a unix - - n - - smtp\nb          unix  -       -       y       -       -       smtp\na unix - - n - - smtp\n"
    )
    let replaced = document.edited(.setEntry, requests: [b("a/unix=a unix - - y - - smtpd")])
    #expect(
      s(replaced.document.serialized())
        == "a          unix  -       -       y       -       -       smtpd\nb unix - - n - - smtp\n  -o x=1\n"
    )
  }

  @Test func commentOutAndRemove() {
    let commented = stock.edited(.commentOutEntry, requests: [b("submission/inet")])
    let lines = s(commented.document.serialized())?.split(separator: "\n").map(String.init) ?? []
    #expect(lines[2] == "#submission inet n       -       y       -       -       smtpd")
    #expect(lines[4] == "#  -o smtpd_tls_security_level=encrypt")
    #expect(lines[5] == "#  -o smtpd_sasl_auth_enable=yes")
    #expect(lines[6] == "  # -o smtpd_tls_auth_only=yes")
    let removed = stock.edited(.removeEntry, requests: [b("submission/inet")])
    #expect(removed.document.entries.map { s($0.service) ?? "" } == ["smtp", "pickup"])
  }

  @Test func fatalEditsLeaveTheDocumentAlone() {
    let cases: [(MasterCF.EditOperation, String, String)] = [
      (.setParameter, "submission/inet/a=b c", "-Pe does not accept whitespace in parameter value"),
      (.setField, "submission/inet/type=bogus", "invalid type field \"bogus\" in \"bogus\""),
      (.setField, "submission/inet/bogus=1", "invalid service attribute name: \"bogus\""),
      (.setEntry, "x=x unix - - n - - smtp", "-Me, -MX or -M# requires service_name/type"),
      (.removeEntry, "x/unix=1", "-X or -# requires names without value"),
      (.setEntry, "x/unix=x unix -", "bad field count: \"x/unix=x unix -\""),
      (.setParameter, "#x/unix/a=b", "-Me, -Fe, -Pe, -X, or -# accept no comment input"),
    ]
    for (operation, request, message) in cases {
      let result = stock.edited(operation, requests: [b(request)])
      #expect(result.isFatal)
      #expect(result.diagnostics.last?.message == message)
      #expect(result.document == stock)
    }
  }

  /// DEVIATION: postconf 3.7.11 crashes (SIGSEGV) on an empty command field.
  @Test func emptyCommandFieldIsRefused() {
    let result = stock.edited(.setField, requests: [b("smtp/inet/command=")])
    #expect(result.isFatal)
    #expect(result.diagnostics.last?.message == "-Fe requires a non-empty command field")
    #expect(result.document == stock)
  }

  @Test func unmatchedWarnings() {
    let result = stock.edited(.setParameter, requests: [b("nosuch/inet/a=b")])
    #expect(!result.isFatal)
    #expect(
      result.diagnostics.map(\.message) == ["unmatched service_name/type: \"nosuch/inet/a=b\""])
    #expect(result.document == stock)
  }
}
