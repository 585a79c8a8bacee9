import PostfixConfig
import Testing

@testable import PostfixHardening

/// postconf names the file and line before the first ": " of a warning; the
/// rest quotes a value, which may hold ", line N:" or ": " itself.
@Suite struct ConfigWarningLocationTests {
  typealias F = AuditFixtures

  static let master = "smtp      inet  n       -       y       -       -       smtpd\n"

  @Test func aValueThatLooksLikeALocationDoesNotMoveTheFinding() throws {
    let main = "myhostname = mail.example.com\nzz_note = see x, line 99: here\n"
    let findings = F.run(
      ConfigWarningRule(), try F.configuration(main: main, master: Self.master))
    let unused = try #require(findings.first { $0.message.hasPrefix("unused parameter: ") })
    #expect(unused.file == "main.cf")
    #expect(unused.line == 2)
    #expect(unused.parameter == "zz_note")
    #expect(unused.message == "unused parameter: zz_note=see x, line 99: here")
  }

  @Test func anOverriddenEntryKeepsItsLine() throws {
    let main = "myhostname = a.example\nmyhostname = b, line 7: c\n"
    let findings = F.run(
      ConfigWarningRule(), try F.configuration(main: main, master: Self.master))
    let overriding = try #require(findings.first { $0.message.hasPrefix("overriding") })
    #expect(overriding.line == 2)
    #expect(overriding.parameter == "myhostname")
  }

  @Test func everyWarningOfALargeFileBecomesOneFinding() throws {
    var main = "myhostname = mail.example.com\n"
    for index in 0..<3000 { main += "zz_unused_\(index) = value \(index)\n" }
    let configuration = try F.configuration(main: main, master: Self.master)
    #expect(configuration.warningCount == 3000)
    #expect(configuration.warnings.count == 3000)
    let findings = F.run(ConfigWarningRule(), configuration)
    #expect(findings.filter { $0.message.hasPrefix("unused parameter: ") }.count == 3000)
    #expect(findings.first?.line == 2)
  }
}
