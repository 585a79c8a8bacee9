import Foundation
import PostfixHardening
import Testing

@testable import pfharden

@Suite struct DiffCommandTests {
  @Test func helpMatchesTheSnapshot() throws {
    let result = ApplyCLIFixture.run(DiffCommand.run, ["--help"])
    #expect(result.status == 0)
    try ApplyCLIFixture.assertSnapshot(result.stdout, named: "diff-help.txt")
  }

  @Test func snapshotAgainstTheAppliedDirectory() throws {
    let directory = try ApplyCLIFixture.stockCopy()
    let backups = try ApplyCLIFixture.temporaryDirectory("backups")
    defer {
      try? FileManager.default.removeItem(atPath: directory)
      try? FileManager.default.removeItem(atPath: backups)
    }
    #expect(ApplyCLIFixture.run(BackupCommand.run, ["-c", directory, "--to", backups]).status == 0)
    let snapshot = try #require(
      try FileManager.default.contentsOfDirectory(atPath: backups).first {
        $0.hasPrefix("postconf-")
      })
    let same = ApplyCLIFixture.run(DiffCommand.run, [backups + "/" + snapshot, directory])
    #expect(same.status == 0, "\(same.stdout)")
    #expect(same.stdout == "No difference.\n")
    let applied = ApplyCLIFixture.run(
      ApplyCommand.run,
      ["--profile", "send-only", "-c", directory, "--yes", "--backup-dir", backups])
    #expect(applied.status == 0)
    let diff = ApplyCLIFixture.run(DiffCommand.run, [backups + "/" + snapshot, directory])
    #expect(diff.status == 1)
    #expect(diff.stdout.contains("changed: disable_vrfy_command\n  was: no\n  now: yes\n"))
    #expect(diff.stdout.contains("changed: inet_interfaces\n  was: all\n  now: loopback-only\n"))
  }

  @Test func addedAndRemovedBetweenSnapshots() throws {
    let directory = try ApplyCLIFixture.temporaryDirectory("snapshots")
    defer { try? FileManager.default.removeItem(atPath: directory) }
    try Data("a = 1\nb = 2\n".utf8).write(to: URL(fileURLWithPath: directory + "/one"))
    try Data("b = 2\nc = 3\n".utf8).write(to: URL(fileURLWithPath: directory + "/two"))
    let result = ApplyCLIFixture.run(DiffCommand.run, [directory + "/one", directory + "/two"])
    #expect(result.status == 1)
    #expect(result.stdout == "removed: a = 1\nadded: c = 3\n")
  }

  @Test func terminalEscapesInSnapshotValuesAreShownEscaped() throws {
    let directory = try ApplyCLIFixture.temporaryDirectory("snapshots")
    defer { try? FileManager.default.removeItem(atPath: directory) }
    try Data("smtpd_banner = a\n".utf8).write(to: URL(fileURLWithPath: directory + "/one"))
    try Data("smtpd_banner = \u{1B}]0;owned\u{07}\u{1B}[2J\n".utf8).write(
      to: URL(fileURLWithPath: directory + "/two"))
    let result = ApplyCLIFixture.run(DiffCommand.run, [directory + "/one", directory + "/two"])
    #expect(result.status == 1)
    #expect(!result.stdout.contains("\u{1B}"), "\(result.stdout.debugDescription)")
    #expect(!result.stdout.contains("\u{07}"))
    #expect(result.stdout.hasPrefix("changed: smtpd_banner\n  was: a\n  now: "))
  }

  @Test func aBackupArchiveAgainstTheDirectory() throws {
    let directory = try ApplyCLIFixture.stockCopy()
    let backups = try ApplyCLIFixture.temporaryDirectory("backups")
    defer {
      try? FileManager.default.removeItem(atPath: directory)
      try? FileManager.default.removeItem(atPath: backups)
    }
    #expect(ApplyCLIFixture.run(BackupCommand.run, ["-c", directory, "--to", backups]).status == 0)
    let archive = try #require(try ApplyCLIFixture.archives(in: backups).first)
    let snapshot = try #require(BackupArchive.snapshot(beside: archive))

    let beside = ApplyCLIFixture.run(DiffCommand.run, [archive, directory])
    #expect(beside.status == 0, "\(beside.stdout)\(beside.stderr)")
    #expect(beside.stdout == "No difference.\n")
    #expect(
      beside.stderr
        == "pfharden diff: note: A: \(archive): settings from the snapshot \(snapshot) next to it\n"
    )

    let applied = ApplyCLIFixture.run(
      ApplyCommand.run,
      ["--profile", "send-only", "-c", directory, "--yes", "--backup-dir", backups])
    #expect(applied.status == 0)
    try FileManager.default.removeItem(atPath: snapshot)
    let computed = ApplyCLIFixture.run(DiffCommand.run, [archive, directory])
    #expect(computed.status == 1)
    #expect(
      computed.stdout.contains("changed: inet_interfaces\n  was: all\n  now: loopback-only\n"))
    #expect(!computed.stdout.contains("config_directory"))
    #expect(
      computed.stderr
        == "pfharden diff: note: A: \(archive): settings computed in process from its main.cf "
        + "and master.cf (config_directory taken as \(directory))\n")
    let reversed = ApplyCLIFixture.run(DiffCommand.run, [directory, archive])
    #expect(
      reversed.stdout.contains("changed: inet_interfaces\n  was: loopback-only\n  now: all\n"))
    #expect(reversed.stderr.contains("note: B: "))
  }

  @Test(.enabled(if: RealPostfix.shouldRun, RealPostfix.skipComment))
  func anArchiveComputedInProcessMatchesTheInstalledPostconf() throws {
    try RealPostfix.requirePostconf()
    let directory = try ApplyCLIFixture.stockCopy()
    let backups = try ApplyCLIFixture.temporaryDirectory("backups")
    defer {
      try? FileManager.default.removeItem(atPath: directory)
      try? FileManager.default.removeItem(atPath: backups)
    }
    #expect(ApplyCLIFixture.run(BackupCommand.run, ["-c", directory, "--to", backups]).status == 0)
    let archive = try #require(try ApplyCLIFixture.archives(in: backups).first)
    try FileManager.default.removeItem(
      atPath: try #require(BackupArchive.snapshot(beside: archive)))
    let result = ApplyCLIFixture.run(DiffCommand.run, [archive, directory], embedded: false)
    #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
    #expect(result.stdout == "No difference.\n")
    #expect(result.stderr.contains("computed in process"))
  }

  @Test func anUnsafeArchiveIsRefused() throws {
    let staging = try ApplyCLIFixture.temporaryDirectory("staging")
    defer { try? FileManager.default.removeItem(atPath: staging) }
    try FileManager.default.createDirectory(
      atPath: staging + "/postfix", withIntermediateDirectories: true)
    try FileManager.default.createSymbolicLink(
      atPath: staging + "/postfix/main.cf", withDestinationPath: "/etc/hostname")
    let archive = staging + "/postfix-2020-01-01.tar.gz"
    #expect(
      try SystemCommand.run("/usr/bin/tar", ["-czf", archive, "-C", staging, "postfix"]).status == 0
    )
    let result = ApplyCLIFixture.run(DiffCommand.run, [archive, ApplyCLIFixture.debian])
    #expect(result.status == 2)
    #expect(result.stderr.contains("is a symbolic link"), "\(result.stderr)")
  }

  @Test func usageAndUnreadable() {
    #expect(ApplyCLIFixture.run(DiffCommand.run, ["only-one"]).status == 64)
    #expect(ApplyCLIFixture.run(DiffCommand.run, ["/nonexistent/a", "/nonexistent/b"]).status == 2)
  }
}
