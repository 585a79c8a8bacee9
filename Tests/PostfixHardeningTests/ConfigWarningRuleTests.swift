import PostfixConfig
import Testing

@testable import PostfixHardening

@Suite struct ConfigWarningRuleTests {
  typealias F = AuditFixtures

  @Test func typosDuplicatesAndUndefinedNamesHaveLines() throws {
    let findings = F.run(ConfigWarningRule(), try F.configuration("typos"))
    let located = findings.map {
      "\($0.file ?? "-"):\($0.line.map(String.init) ?? "-") \($0.message)"
    }
    #expect(
      located.sorted() == [
        "main.cf:33 overriding earlier entry: mailbox_size_limit=0",
        "main.cf:34 undefined parameter: helo_required_setting",
        "main.cf:36 unused parameter: inet_interface=loopback-only; did you mean 'inet_interfaces'?",
        "master.cf:13 unused parameter: smtpd_tls_securty_level=may; did you mean 'smtpd_tls_security_level'?",
        "master.cf:14 undefined parameter: undefined_tag",
      ])
    #expect(findings.first { $0.file == "master.cf" }?.service == "smtp/inet")
    #expect(findings.allSatisfy { $0.severity == .warning })
  }

  @Test func cleanConfigurationsHaveNone() throws {
    #expect(F.run(ConfigWarningRule(), try F.configuration("hardened")).isEmpty)
    #expect(F.run(ConfigWarningRule(), try F.configuration("debian-pristine")).isEmpty)
  }

  @Test func suggestionsNeedACloseName() {
    let rule = ConfigWarningRule()
    #expect(rule.suggestion(for: "myhostnam", catalog: .embedded) == "myhostname")
    #expect(rule.suggestion(for: "completely_unrelated_thing", catalog: .embedded) == nil)
  }

  @Test func referencesMatchWholeNames() {
    let rule = ConfigWarningRule()
    #expect(rule.references("foo", in: Array("a $foo b".utf8)))
    #expect(rule.references("foo", in: Array("${foo?x}".utf8)))
    #expect(rule.references("foo", in: Array("$(foo)".utf8)))
    #expect(!rule.references("foo", in: Array("$foobar".utf8)))
  }

  @Test func parameterTooNew() throws {
    let main = try F.hardenedMain()
    let old = AuditOptions(targetVersion: PostfixVersion("3.7.5"))
    let failing = F.run(ParameterTooNewRule(), try F.configuration(main: main), options: old)
    #expect(failing.map(\.parameter) == ["smtpd_forbid_bare_newline"])
    #expect(failing.first?.line == 21)
    let current = AuditOptions(targetVersion: PostfixVersion("3.7.11"))
    #expect(F.run(ParameterTooNewRule(), try F.configuration(main: main), options: current).isEmpty)
    // Without --postfix-version there is nothing to compare with.
    #expect(F.run(ParameterTooNewRule(), try F.configuration(main: main)).isEmpty)
  }
}
