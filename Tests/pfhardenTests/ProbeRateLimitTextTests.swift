import Foundation
import Testing

@testable import SMTPProbe
@testable import pfharden

/// The text and JSON reports of a TLS analysis that waited out a connection rate limit,
/// from a scripted result (no network).
@Suite struct ProbeRateLimitTextTests {
  func report(resumes: Int, wait: Duration) -> ProbeReport {
    var tls = ProbeCommandTests.sampleTLS
    tls.resumes = resumes
    tls.resumeWait = wait
    tls.connections += 3 * resumes
    var report = ProbeReport(
      host: "127.0.0.1", port: 25, address: "127.0.0.1:25", role: .mx,
      connections: 1 + tls.connections, failure: nil, banner: nil, capabilities: nil,
      tlsMode: .starttls, authBeforeStartTLS: nil, vrfy: nil, expn: nil, rcptEnumeration: nil,
      heloRequired: nil, openRelay: nil, submission: nil, findings: [], transcript: [])
    report.tls = tls
    report.checks = [CheckStatus(check: "tls", state: .ran)]
    report.findings = FindingsBuilder.findings(for: report)
    return report
  }

  func run(_ report: ProbeReport, _ arguments: [String]) -> String {
    var console = Console.capturing()
    _ = ProbeCommand.run(arguments: ["127.0.0.1"] + arguments, console: &console) { _, _, _ in
      report
    }
    return String(decoding: console.stdout, as: UTF8.self)
  }

  @Test func theTextSaysHowOftenAndHowLongTheScanWaited() {
    let text = run(report(resumes: 2, wait: .milliseconds(122_500)), [])
    #expect(
      text.contains("\ntls rate limit        waited 2 times (122.5 s in all), then resumed\n"),
      "\(text)")
    #expect(
      text.contains(
        "127.0.0.1:25: info: [tls-analysis-resumed] The TLS analysis met a connection rate "
          + "limit and waited 2 times (122.5 s in all) before it resumed: its results came "
          + "after waiting."),
      "\(text)")
    // The row comes right after the protocols it qualifies.
    let lines = text.split(separator: "\n")
    let index = lines.firstIndex { $0.hasPrefix("tls rate limit") }
    #expect(index.map { lines[$0 - 1].hasPrefix("tls protocols") } == true, "\(text)")

    let once = run(report(resumes: 1, wait: .seconds(61)), [])
    #expect(once.contains("tls rate limit        waited once (61 s in all), then resumed"))
  }

  @Test func aScanThatNeverWaitedHasNoRow() {
    let text = run(report(resumes: 0, wait: .zero), [])
    #expect(!text.contains("tls rate limit"), "\(text)")
    #expect(!text.contains("tls-analysis-resumed"), "\(text)")
  }

  @Test func theJSONCarriesTheCountAndTheTotal() throws {
    let text = run(report(resumes: 2, wait: .milliseconds(122_500)), ["--format", "json"])
    let object = try JSONSerialization.jsonObject(with: Data(text.utf8))
    let json = try #require(object as? [String: Any])
    let tls = try #require(json["tls"] as? [String: Any])
    #expect(tls["resumes"] as? Int == 2)
    #expect(tls["resumeWaitMilliseconds"] as? Int == 122_500)
    let findings = try #require(json["findings"] as? [[String: Any]])
    let resumed = try #require(findings.first { $0["id"] as? String == "tls-analysis-resumed" })
    #expect(resumed["severity"] as? String == "info")
  }

  @Test func secondsAreWholeOrKeepTheirMilliseconds() {
    #expect(ProbeTextReport.secondsText(.seconds(61)) == "61")
    #expect(ProbeTextReport.secondsText(.milliseconds(4_050)) == "4.05")
    #expect(ProbeTextReport.secondsText(.milliseconds(7)) == "0.007")
    #expect(ProbeTextReport.secondsText(.zero) == "0")
  }
}
