import Foundation
import PostfixHardening
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

  @Test func fromABackupArchive() throws {
    let directory = try ApplyCLIFixture.stockCopy()
    let backups = try ApplyCLIFixture.temporaryDirectory("backups")
    defer {
      try? FileManager.default.removeItem(atPath: directory)
      try? FileManager.default.removeItem(atPath: backups)
    }
    #expect(ApplyCLIFixture.run(BackupCommand.run, ["-c", directory, "--to", backups]).status == 0)
    let archive = try #require(try ApplyCLIFixture.archives(in: backups).first)
    let snapshot = try #require(BackupArchive.snapshot(beside: archive))
    let beside = ApplyCLIFixture.run(VersionCommand.run, [archive])
    #expect(beside.status == 0, "\(beside.stderr)")
    #expect(beside.stdout == "Postfix 3.7.11 (backup \(archive): snapshot \(snapshot))\n")
    try FileManager.default.removeItem(atPath: snapshot)
    let computed = ApplyCLIFixture.run(VersionCommand.run, [archive])
    #expect(computed.status == 0, "\(computed.stderr)")
    #expect(computed.stdout.hasPrefix("Postfix 3.7.11 (backup \(archive): computed in process;"))
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
