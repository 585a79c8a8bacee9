import Foundation
import Testing

@testable import pfharden

@Suite struct BackupCommandTests {
  @Test func helpMatchesTheSnapshot() throws {
    let result = ApplyCLIFixture.run(BackupCommand.run, ["--help"])
    #expect(result.status == 0)
    try ApplyCLIFixture.assertSnapshot(result.stdout, named: "backup-help.txt")
  }

  @Test func backupTwiceNeverOverwrites() throws {
    let directory = try ApplyCLIFixture.stockCopy()
    let backups = try ApplyCLIFixture.temporaryDirectory("backups")
    defer {
      try? FileManager.default.removeItem(atPath: directory)
      try? FileManager.default.removeItem(atPath: backups)
    }
    let first = ApplyCLIFixture.run(BackupCommand.run, ["-c", directory, "--to", backups])
    let second = ApplyCLIFixture.run(BackupCommand.run, ["-c", directory, "--to", backups])
    #expect(first.status == 0 && second.status == 0)
    #expect(first.stdout != second.stdout)
    let names = try FileManager.default.contentsOfDirectory(atPath: backups)
    #expect(names.count == 4)
    #expect(names.filter { $0.hasSuffix(".tar.gz") }.count == 2)
    #expect(
      names.contains {
        $0.range(of: #"^postconf-\d{4}-\d\d-\d\d-1$"#, options: .regularExpression) != nil
      })
  }

  @Test func usageAndFailures() {
    let usage = ApplyCLIFixture.run(BackupCommand.run, ["--too", "/tmp"])
    #expect(usage.status == 64)
    #expect(usage.stderr.contains("Did you mean '--to'?"))
    let missing = ApplyCLIFixture.run(
      BackupCommand.run, ["-c", "/nonexistent/pfharden", "--to", "/tmp/x"])
    #expect(missing.status == 2)
  }

  @Test func refusesADestinationOthersCanWrite() throws {
    let directory = try ApplyCLIFixture.stockCopy()
    let backups = try ApplyCLIFixture.temporaryDirectory("backups")
    defer {
      try? FileManager.default.removeItem(atPath: directory)
      try? FileManager.default.removeItem(atPath: backups)
    }
    chmod(backups, 0o777)
    let result = ApplyCLIFixture.run(BackupCommand.run, ["-c", directory, "--to", backups])
    #expect(result.status == 2)
    #expect(
      result.stderr.contains(
        "refusing backup directory \(backups): it is writable by group or others (mode 0777)"))
    #expect(try FileManager.default.contentsOfDirectory(atPath: backups).isEmpty)
  }
}
