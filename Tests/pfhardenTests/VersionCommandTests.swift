import Foundation
import Testing

@testable import pfharden

@Suite struct VersionCommandTests {
  @Test func helpMatchesTheSnapshot() throws {
    let result = ApplyCLIFixture.run(VersionCommand.run, ["--help"])
    #expect(result.status == 0)
    try ApplyCLIFixture.assertSnapshot(result.stdout, named: "version-help.txt")
  }

  @Test func fromASnapshot() throws {
    let directory = try ApplyCLIFixture.temporaryDirectory("version")
    defer { try? FileManager.default.removeItem(atPath: directory) }
    try Data("mail_name = Postfix\nmail_version = 3.8.6\n".utf8)
      .write(to: URL(fileURLWithPath: directory + "/postconf-2026-01-01"))
    let result = ApplyCLIFixture.run(VersionCommand.run, [directory + "/postconf-2026-01-01"])
    #expect(result.status == 0)
    #expect(result.stdout.hasPrefix("Postfix 3.8.6 (snapshot "))
    try Data("mail_name = Postfix\n".utf8).write(to: URL(fileURLWithPath: directory + "/bad"))
    #expect(ApplyCLIFixture.run(VersionCommand.run, [directory + "/bad"]).status == 2)
  }

  @Test func withoutPostfixItSaysSo() {
    let result = ApplyCLIFixture.run(VersionCommand.run, [])
    #expect(result.status == 2)
    #expect(result.stderr.contains("Postfix is not installed"))
  }

  @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/sbin/postconf")))
  func installed() {
    let result = ApplyCLIFixture.run(VersionCommand.run, [], embedded: false)
    #expect(result.status == 0)
    #expect(result.stdout.hasPrefix("Postfix 3."))
    #expect(result.stdout.contains("(installed: /usr/sbin/postconf)"))
  }
}
