import Foundation
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

  @Test func usageAndUnreadable() {
    #expect(ApplyCLIFixture.run(DiffCommand.run, ["only-one"]).status == 64)
    #expect(ApplyCLIFixture.run(DiffCommand.run, ["/nonexistent/a", "/nonexistent/b"]).status == 2)
  }
}
