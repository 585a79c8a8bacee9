import Foundation
import Testing

@testable import pfharden

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
      try FileManager.default.contentsOfDirectory(atPath: backups).first {
        $0.hasPrefix("postconf-")
      })
    let same = CommandFixture.run(DiffCommand.run, [backups + "/" + snapshot, directory])
    #expect(same.status == 0, "\(same.stdout)")
    #expect(same.stdout == "No difference.\n")
    let applied = CommandFixture.run(
      ApplyCommand.run,
      ["--profile", "send-only", "-c", directory, "--yes", "--backup-dir", backups])
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
