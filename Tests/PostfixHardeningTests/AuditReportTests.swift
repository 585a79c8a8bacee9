import PostfixConfig
import Testing

@testable import PostfixHardening

@Suite struct AuditReportTests {
  typealias F = AuditFixtures

  @Test func debianStockFindings() throws {
    let report = F.audit(try F.configuration("debian-pristine"))
    #expect(
      Set(report.findings.map(\.id)) == [
        RuleID.bannerDisclosure, RuleID.disableVRFY, RuleID.heloRequired, RuleID.tlsLogLevel,
        RuleID.serverTLS, RuleID.smtpSmuggling,
      ])
    #expect(report.hasFindings(atOrAbove: .warning))
    let snakeoil = F.audit(try F.configuration("debian-snakeoil"))
    #expect(!snakeoil.findings.contains { $0.id == RuleID.serverTLS })
    #expect(snakeoil.findings.contains { $0.id == RuleID.bannerDisclosure })
  }

  @Test func hardenedHasNothingAtOrAboveWarning() throws {
    let report = F.audit(
      try F.configuration("hardened"),
      options: AuditOptions(targetVersion: PostfixVersion("3.7.11")))
    #expect(!report.hasFindings(atOrAbove: .warning), "\(report.findings)")
  }

  @Test func suppressionCommentsSilenceOneRuleForOneEntry() throws {
    let report = F.audit(try F.configuration("suppressed"))
    #expect(report.suppressedCount == 1)
    #expect(!report.findings.contains { $0.id == RuleID.bannerDisclosure })
    #expect(Suppressions.parse("# pfharden: ignore a, b c") == ["a", "b", "c"])
    #expect(Suppressions.parse("# pfharden: ignored a").isEmpty)
    #expect(Suppressions.parse("# something else").isEmpty)
    // The comment must be directly above the entry.
    let main = try F.hardenedMain(
      appending: "# pfharden: ignore disable-vrfy\n\ndisable_vrfy_command = no\n")
    let apart = F.audit(try F.configuration(main: main))
    #expect(apart.suppressedCount == 0)
    #expect(apart.findings.contains { $0.id == RuleID.disableVRFY })
  }

  @Test func aSuppressionOfARuleThatReadsTheEntryIsNotReported() throws {
    let report = F.audit(try F.configuration("suppressed"))
    #expect(!report.findings.contains { $0.id == RuleID.ineffectiveSuppression })
  }

  @Test func aSuppressionThatSilencesNothingIsReported() throws {
    let main = try F.hardenedMain(
      appending: """
        # pfharden: ignore disable-vrfy, banner-disclosure
        smtpd_banner = $myhostname ESMTP $mail_name
        # pfharden: ignore disabel-vrfy
        disable_vrfy_command = no

        """)
    let lines = main.split(separator: "\n", omittingEmptySubsequences: false)
    let first = try #require(lines.firstIndex { $0.hasPrefix("# pfharden: ignore disable-") }) + 1
    let report = F.audit(try F.configuration(main: main))
    let ineffective = report.findings.filter { $0.id == RuleID.ineffectiveSuppression }
    #expect(
      ineffective.map(\.message) == [
        "'# pfharden: ignore disable-vrfy' is above smtpd_banner, which disable-vrfy does not read: it silences nothing",
        "'# pfharden: ignore disabel-vrfy' names no rule: it silences nothing",
      ])
    #expect(ineffective.map(\.line) == [first, first + 2])
    #expect(ineffective.allSatisfy { $0.severity == .warning && $0.file == "main.cf" })
    // The rule the comment does name still silences its finding; the typo silences nothing.
    #expect(!report.findings.contains { $0.id == RuleID.bannerDisclosure })
    #expect(report.findings.contains { $0.id == RuleID.disableVRFY })
  }

  @Test func aRestrictionClassCountsAsReadByTheRulesThatFollowClasses() throws {
    let main = try F.hardenedMain(
      appending: """
        smtpd_restriction_classes = relayers
        # pfharden: ignore open-relay
        relayers = permit_mynetworks, reject_unauth_destination
        # pfharden: ignore helo-required
        mynetworks_style = host

        """)
    let report = F.audit(try F.configuration(main: main))
    let ineffective = report.findings.filter { $0.id == RuleID.ineffectiveSuppression }
    #expect(ineffective.map(\.parameter) == ["mynetworks_style"], "\(ineffective)")
  }

  @Test func aMasterCFSuppressionMustNameARule() throws {
    let master = try F.hardenedMaster().replacingFirst(
      "\nsubmission inet", with: "\n# pfharden: ignore helo-required, no-such-rule\nsubmission inet"
    )
    let report = F.audit(try F.configuration(main: try F.hardenedMain(), master: master))
    let ineffective = report.findings.filter { $0.id == RuleID.ineffectiveSuppression }
    #expect(ineffective.count == 1)
    #expect(ineffective.first?.file == "master.cf")
    #expect(ineffective.first?.service == "submission/inet")
    #expect(ineffective.first?.message.contains("ignore no-such-rule' names no rule") == true)
  }

  @Test func masterCFSuppression() throws {
    let master = try F.hardenedMaster().replacingFirst(
      "\nsubmission inet", with: "\n# pfharden: ignore helo-required\nsubmission inet"
    ).replacingFirst(
      "  -o syslog_name=postfix/submission\n",
      with: "  -o syslog_name=postfix/submission\n  -o smtpd_helo_required=no\n")
    let report = F.audit(try F.configuration(main: try F.hardenedMain(), master: master))
    #expect(report.suppressedCount == 1)
    #expect(!report.findings.contains { $0.id == RuleID.heloRequired })
  }

  @Test func minimumSeverityFilters() throws {
    let report = F.audit(
      try F.configuration("send-only"), options: AuditOptions(minimumSeverity: .warning))
    #expect(report.findings.map(\.id) == [RuleID.tlsLogLevel])
  }

  @Test func sarifHasNoRegionWithoutALine() throws {
    let report = F.audit(try F.configuration("debian-pristine"))
    let sarif = SARIFReport.render(report)
    #expect(sarif.contains("\"version\": \"2.1.0\""))
    #expect(sarif.contains("\"startLine\": 9"))
    let regions = sarif.components(separatedBy: "\"region\"").count - 1
    #expect(regions == report.findings.filter { $0.line != nil }.count)
  }

  @Test func jsonEscapes() {
    #expect(JSONValue.quote("a\"b\\c\n\u{1}") == "\"a\\\"b\\\\c\\n\\u0001\"")
  }

  @Test func textColourOnlyWhenAsked() throws {
    let report = F.audit(try F.configuration("debian-pristine"))
    #expect(!TextReport.render(report).contains("\u{1B}["))
    #expect(TextReport.render(report, colour: true).contains("\u{1B}[1;33mwarning\u{1B}[0m"))
  }
}
