import Foundation
import Testing

@testable import pfharden

@Suite struct BackupCommandTests {
  @Test func helpMatchesTheSnapshot() throws {
    let result = CommandFixture.run(BackupCommand.run, ["--help"])
    #expect(result.status == 0)
    try CommandFixture.assertSnapshot(result.stdout, named: "backup-help.txt")
  }

  @Test func backupTwiceNeverOverwrites() throws {
    let directory = try CommandFixture.stockCopy()
    let backups = try CommandFixture.temporaryDirectory("backups")
    defer {
      try? FileManager.default.removeItem(atPath: directory)
      try? FileManager.default.removeItem(atPath: backups)
    }
    let first = CommandFixture.run(BackupCommand.run, ["-c", directory, "--to", backups])
    let second = CommandFixture.run(BackupCommand.run, ["-c", directory, "--to", backups])
    #expect(first.status == 0 && second.status == 0)
    #expect(first.stdout != second.stdout)
    let names = try FileManager.default.contentsOfDirectory(atPath: backups)
    #expect(names.count == 4)
    #expect(names.filter { $0.hasSuffix(".tar.gz") }.count == 2)
    #expect(names.contains { $0.range(of: #"^postconf-\d{4}-\d\d-\d\d-1$"#, options: .regularExpression) != nil })
  }

  @Test func usageAndFailures() {
    let usage = CommandFixture.run(BackupCommand.run, ["--too", "/tmp"])
    #expect(usage.status == 64)
    #expect(usage.stderr.contains("Did you mean '--to'?"))
    let missing = CommandFixture.run(BackupCommand.run, ["-c", "/nonexistent/pfharden", "--to", "/tmp/x"])
    #expect(missing.status == 2)
  }
}

@Suite struct DiffCommandTests {
  @Test func helpMatchesTheSnapshot() throws {
    let result = CommandFixture.run(DiffCommand.run, ["--help"])
    #expect(result.status == 0)
    try CommandFixture.assertSnapshot(result.stdout, named: "diff-help.txt")
  }

  @Test func snapshotAgainstTheAppliedDirectory() throws {
    let directory = try CommandFixture.stockCopy()
    let backups = try CommandFixture.temporaryDirectory("backups")
    defer {
      try? FileManager.default.removeItem(atPath: directory)
      try? FileManager.default.removeItem(atPath: backups)
    }
    #expect(CommandFixture.run(BackupCommand.run, ["-c", directory, "--to", backups]).status == 0)
    let snapshot = try #require(
      try FileManager.default.contentsOfDirectory(atPath: backups).first { $0.hasPrefix("postconf-") })
    let same = CommandFixture.run(DiffCommand.run, [backups + "/" + snapshot, directory])
    #expect(same.status == 0, "\(same.stdout)")
    #expect(same.stdout == "No difference.\n")
    let applied = CommandFixture.run(
      ApplyCommand.run, ["--profile", "send-only", "-c", directory, "--yes", "--backup-dir", backups])
    #expect(applied.status == 0)
    let diff = CommandFixture.run(DiffCommand.run, [backups + "/" + snapshot, directory])
    #expect(diff.status == 1)
    #expect(diff.stdout.contains("changed: disable_vrfy_command\n  was: no\n  now: yes\n"))
    #expect(diff.stdout.contains("changed: inet_interfaces\n  was: all\n  now: loopback-only\n"))
  }

  @Test func addedAndRemovedBetweenSnapshots() throws {
    let directory = try CommandFixture.temporaryDirectory("snapshots")
    defer { try? FileManager.default.removeItem(atPath: directory) }
    try Data("a = 1\nb = 2\n".utf8).write(to: URL(fileURLWithPath: directory + "/one"))
    try Data("b = 2\nc = 3\n".utf8).write(to: URL(fileURLWithPath: directory + "/two"))
    let result = CommandFixture.run(DiffCommand.run, [directory + "/one", directory + "/two"])
    #expect(result.status == 1)
    #expect(result.stdout == "removed: a = 1\nadded: c = 3\n")
  }

  @Test func usageAndUnreadable() {
    #expect(CommandFixture.run(DiffCommand.run, ["only-one"]).status == 64)
    #expect(CommandFixture.run(DiffCommand.run, ["/nonexistent/a", "/nonexistent/b"]).status == 2)
  }
}

@Suite struct VersionCommandTests {
  @Test func helpMatchesTheSnapshot() throws {
    let result = CommandFixture.run(VersionCommand.run, ["--help"])
    #expect(result.status == 0)
    try CommandFixture.assertSnapshot(result.stdout, named: "version-help.txt")
  }

  @Test func fromASnapshot() throws {
    let directory = try CommandFixture.temporaryDirectory("version")
    defer { try? FileManager.default.removeItem(atPath: directory) }
    try Data("mail_name = Postfix\nmail_version = 3.8.6\n".utf8)
      .write(to: URL(fileURLWithPath: directory + "/postconf-2026-01-01"))
    let result = CommandFixture.run(VersionCommand.run, [directory + "/postconf-2026-01-01"])
    #expect(result.status == 0)
    #expect(result.stdout.hasPrefix("Postfix 3.8.6 (snapshot "))
    try Data("mail_name = Postfix\n".utf8).write(to: URL(fileURLWithPath: directory + "/bad"))
    #expect(CommandFixture.run(VersionCommand.run, [directory + "/bad"]).status == 2)
  }

  @Test func withoutPostfixItSaysSo() {
    let result = CommandFixture.run(VersionCommand.run, [])
    #expect(result.status == 2)
    #expect(result.stderr.contains("Postfix is not installed"))
  }

  @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/sbin/postconf")))
  func installed() {
    let result = CommandFixture.run(VersionCommand.run, [], embedded: false)
    #expect(result.status == 0)
    #expect(result.stdout.hasPrefix("Postfix 3."))
    #expect(result.stdout.contains("(installed: /usr/sbin/postconf)"))
  }
}
