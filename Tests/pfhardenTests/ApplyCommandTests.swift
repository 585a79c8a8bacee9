import Foundation
import PostfixConfig
import PostfixHardening
import Testing

@testable import pfharden

/// Helpers shared by the apply, backup, diff and version command tests.
enum ApplyCLIFixture {
  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().path
  static let debian = root + "/Examples/debian"

  struct Result {
    var status: Int32
    var stdout: String
    var stderr: String
  }

  /// Runs a command in process; `embedded` hides the installed Postfix.
  static func run(
    _ command: (_ arguments: [String], _ console: inout Console) -> Int32, _ arguments: [String],
    embedded: Bool = true
  ) -> Result {
    var environment = ProcessInfo.processInfo.environment
    if embedded { environment["PFHARDEN_DEFAULTS"] = "embedded" }
    var console = Console.capturing(environment: environment)
    let status = command(arguments, &console)
    return Result(
      status: status, stdout: String(decoding: console.stdout, as: UTF8.self),
      stderr: String(decoding: console.stderr, as: UTF8.self))
  }

  static func temporaryDirectory(_ label: String) throws -> String {
    let path = FileManager.default.temporaryDirectory
      .appendingPathComponent("pfharden-\(label)-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
  }

  /// A temporary copy of Debian's stock main.cf and master.cf.
  static func stockCopy() throws -> String {
    let directory = try temporaryDirectory("config")
    for name in ["main.cf", "master.cf"] {
      try FileManager.default.copyItem(atPath: debian + "/" + name, toPath: directory + "/" + name)
    }
    return directory
  }

  static func bytes(_ path: String) throws -> Data {
    try Data(contentsOf: URL(fileURLWithPath: path))
  }

  static func assertSnapshot(
    _ text: String, named name: String, sourceLocation: SourceLocation = #_sourceLocation
  ) throws {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .appendingPathComponent("Snapshots/apply/\(name)")
    if ProcessInfo.processInfo.environment["PFHARDEN_RECORD_SNAPSHOTS"] == "1" {
      try Data(text.utf8).write(to: url)
      return
    }
    let expected = try String(contentsOf: url, encoding: .utf8)
    #expect(text == expected, "snapshot \(name) differs", sourceLocation: sourceLocation)
  }
}

@Suite struct ApplyCommandTests {
  func apply(_ arguments: [String], embedded: Bool = true) -> ApplyCLIFixture.Result {
    ApplyCLIFixture.run(ApplyCommand.run, arguments, embedded: embedded)
  }

  @Test func helpMatchesTheSnapshot() throws {
    let result = apply(["--help"])
    #expect(result.status == 0)
    try ApplyCLIFixture.assertSnapshot(result.stdout, named: "apply-help.txt")
  }

  /// The README's command: works without Postfix and writes nothing.
  @Test func readmeDryRunOnTheStockConfigurationWritesNothing() throws {
    let before = try ApplyCLIFixture.bytes(ApplyCLIFixture.debian + "/main.cf")
    let masterBefore = try ApplyCLIFixture.bytes(ApplyCLIFixture.debian + "/master.cf")
    let backups = try ApplyCLIFixture.temporaryDirectory("no-backup")
    defer { try? FileManager.default.removeItem(atPath: backups) }
    let result = apply([
      "--profile", "relay", "--network", "192.0.2.0/24", "-c", ApplyCLIFixture.debian,
      "--dry-run", "--backup-dir", backups + "/b",
    ])
    #expect(result.status == 0)
    #expect(try ApplyCLIFixture.bytes(ApplyCLIFixture.debian + "/main.cf") == before)
    #expect(try ApplyCLIFixture.bytes(ApplyCLIFixture.debian + "/master.cf") == masterBefore)
    #expect(!FileManager.default.fileExists(atPath: backups + "/b"))
    #expect(result.stderr.contains("note: server TLS left as it is"))
    let stable = result.stdout.replacingOccurrences(of: ApplyCLIFixture.debian, with: "DIR")
    try ApplyCLIFixture.assertSnapshot(stable, named: "relay-dry-run.txt")
  }

  @Test func checkReportsDriftThenApplyThenClean() throws {
    let directory = try ApplyCLIFixture.stockCopy()
    let backups = try ApplyCLIFixture.temporaryDirectory("backups")
    defer {
      try? FileManager.default.removeItem(atPath: directory)
      try? FileManager.default.removeItem(atPath: backups)
    }
    let arguments = ["--profile", "send-only", "-c", directory, "--backup-dir", backups]
    let original = try ApplyCLIFixture.bytes(directory + "/main.cf")
    let check = apply(arguments + ["--check"])
    #expect(check.status == 1)
    #expect(
      check.stdout.contains("main.cf: inet_interfaces: all -> loopback-only  [loopback-only]"))
    #expect(check.stdout.contains("Needs: a full restart"))
    #expect(try ApplyCLIFixture.bytes(directory + "/main.cf") == original)
    let applied = apply(arguments + ["--yes"])
    #expect(applied.status == 0, "\(applied.stderr)")
    #expect(applied.stdout.contains("Applied the send-only profile"))
    #expect(try ApplyCLIFixture.bytes(directory + "/main.cf") != original)
    let written = try FileManager.default.contentsOfDirectory(atPath: backups).sorted()
    #expect(written.count == 2)
    #expect(written.contains { $0.hasPrefix("postfix-") && $0.hasSuffix(".tar.gz") })
    #expect(written.contains { $0.hasPrefix("postconf-") })
    let again = apply(arguments + ["--check"])
    #expect(again.status == 0)
    #expect(again.stdout.contains("Nothing to change"))
    let second = apply(arguments + ["--yes"])
    #expect(second.status == 0)
    #expect(second.stdout.contains("Nothing to change"))
    #expect(try FileManager.default.contentsOfDirectory(atPath: backups).count == 2)
  }

  @Test func checkListsChangesWithTheirTransforms() throws {
    let tricky = ApplyCLIFixture.root + "/Tests/PostfixHardeningTests/Fixtures/apply-tricky"
    let result = apply(["--profile", "mx", "--domain", "example.test", "-c", tricky, "--check"])
    #expect(result.status == 1)
    #expect(result.stderr.contains("server TLS left as it is"))
    #expect(!result.stderr.contains("port 25 keeps compatible"))
    try ApplyCLIFixture.assertSnapshot(
      result.stdout.replacingOccurrences(of: tricky, with: "DIR"), named: "mx-check.txt")
  }

  @Test func aWriteThatFailsHalfWayLeavesTheOriginalAndTheBackup() throws {
    let directory = try ApplyCLIFixture.stockCopy()
    let backups = try ApplyCLIFixture.temporaryDirectory("backups")
    defer {
      try? FileManager.default.removeItem(atPath: directory)
      try? FileManager.default.removeItem(atPath: backups)
    }
    let main = try ApplyCLIFixture.bytes(directory + "/main.cf")
    let master = try ApplyCLIFixture.bytes(directory + "/master.cf")
    var environment = ProcessInfo.processInfo.environment
    environment["PFHARDEN_DEFAULTS"] = "embedded"
    var console = Console.capturing(environment: environment)
    let pair = try LiveApplyTests.certificate(in: backups, name: "mail")
    let status = ApplyCommand.run(
      arguments: [
        "--profile", "submission", "-c", directory, "--cert", pair.certificate, "--key",
        pair.key, "--yes", "--backup-dir", backups,
      ], console: &console,
      executor: { validator in
        ApplyExecutor(
          write: { bytes, path, expected in
            // master.cf fails half way: the disk is full.
            if path.hasSuffix("/master.cf") && expected == Array(master) {
              throw PostfixConfigError(.io, "write \(path): No space left on device")
            }
            try AtomicWriter.writePreserving(bytes, to: path, expectedOriginal: expected)
          }, validate: validator)
      })
    let stderr = String(decoding: console.stderr, as: UTF8.self)
    #expect(status == 2)
    #expect(stderr.contains("No space left on device"), "\(stderr)")
    #expect(stderr.contains("the previous files were restored"), "\(stderr)")
    #expect(try ApplyCLIFixture.bytes(directory + "/main.cf") == main)
    #expect(try ApplyCLIFixture.bytes(directory + "/master.cf") == master)
    let names = try FileManager.default.contentsOfDirectory(atPath: backups)
    #expect(names.contains { $0.hasSuffix(".tar.gz") })
    #expect(names.contains { $0.hasPrefix("postconf-") })
  }

  @Test func withoutYesOffATerminalNothingIsWritten() throws {
    let directory = try ApplyCLIFixture.stockCopy()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let original = try ApplyCLIFixture.bytes(directory + "/main.cf")
    let result = apply(["--profile", "mx", "-c", directory])
    #expect(result.status == 64)
    #expect(result.stderr.contains("add --yes"))
    #expect(try ApplyCLIFixture.bytes(directory + "/main.cf") == original)
  }

  @Test(arguments: [
    (["--profile", "rely", "--network", "10.0.0.0/8"], "did you mean 'relay'?"),
    (["--profile", "relay"], "needs --network CIDR"),
    (["--profile", "relay", "--network", "10.0.0.0/33"], "bad network '10.0.0.0/33'"),
    (["--profile", "relay", "--network", "10.1.2.3/8"], "did you mean '10.0.0.0/8'?"),
    (["--profile", "mx", "--cert", "/x.pem"], "--cert and --key go together"),
    (["--profile", "mx", "--tls", "strong"], "--tls must be compatible, intermediate or modern"),
    (["--profile", "mx", "--dry-rn"], "Did you mean '--dry-run'?"),
    (["--network", "10.0.0.0/8"], "missing --profile"),
    (["--profile", "mx", "--domain", "bad domain"], "bad domain"),
    (["--profile", "mx", "extra"], "unexpected argument 'extra'"),
    (["--profile", "mx", "--dry-run", "--check"], "exclude each other"),
  ])
  func usageErrorsExit64(arguments: [String], message: String) {
    let result = apply(arguments)
    #expect(result.status == 64)
    #expect(result.stderr.contains(message), "\(result.stderr)")
    #expect(result.stdout.isEmpty)
  }

  @Test func anUnreadableDirectoryFailsWithStatus2() {
    let result = apply(["--profile", "mx", "-c", "/nonexistent/pfharden", "--dry-run"])
    #expect(result.status == 2)
    #expect(result.stderr.contains("open /nonexistent/pfharden/main.cf: No such file or directory"))
  }

  @Test func aCertificateThatIsNoCertificateIsRefused() throws {
    let directory = try ApplyCLIFixture.stockCopy()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let before = try ApplyCLIFixture.bytes(directory + "/main.cf")
    let result = apply([
      "--profile", "mx", "-c", directory, "--cert", directory + "/main.cf", "--key",
      directory + "/main.cf", "--yes", "--backup-dir", directory + "/backups",
    ])
    #expect(result.status == 2, "\(result.stderr)")
    #expect(result.stderr.contains("holds no PEM certificate"), "\(result.stderr)")
    #expect(try ApplyCLIFixture.bytes(directory + "/main.cf") == before)
  }

  @Test func aCertificateAndKeyEnableServerTLS() throws {
    let directory = try ApplyCLIFixture.stockCopy()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let (certificate, key) = try LiveApplyTests.certificate(in: directory, name: "mail")
    let result = apply([
      "--profile", "mx", "-c", directory, "--cert", certificate, "--key", key, "--dry-run",
    ])
    #expect(result.status == 0)
    #expect(result.stdout.contains("+smtpd_tls_cert_file = \(certificate)\n"))
    #expect(result.stdout.contains("+smtpd_tls_security_level = may\n"))
    #expect(!result.stderr.contains("server TLS left as it is"))
  }

  @Test func aRunKilledBetweenTheTwoWritesIsReportedByTheNext() throws {
    let directory = try ApplyCLIFixture.stockCopy()
    let backups = try ApplyCLIFixture.temporaryDirectory("backups")
    defer {
      try? FileManager.default.removeItem(atPath: directory)
      try? FileManager.default.removeItem(atPath: backups)
    }
    let pair = try LiveApplyTests.certificate(in: backups, name: "mail")
    // A run that wrote main.cf and died before master.cf: its journal stays.
    let crashed = ApplyCLIFixture.run(
      {
        ApplyCommand.run(
          arguments: $0, console: &$1,
          executor: { validator in
            ApplyExecutor(
              write: { bytes, path, expected in
                if path.hasSuffix("/master.cf") {
                  // What a kill -9 here leaves: nothing more happens, not even a restore.
                  let record = directory + "/" + ApplyJournal.fileName
                  try FileManager.default.copyItem(atPath: record, toPath: record + ".kept")
                  throw PostfixConfigError(.io, "killed")
                }
                try AtomicWriter.writePreserving(bytes, to: path, expectedOriginal: expected)
              }, validate: validator)
          })
      },
      [
        "--profile", "submission", "-c", directory, "--cert", pair.certificate, "--key", pair.key,
        "--yes", "--backup-dir", backups,
      ])
    #expect(crashed.status == 2, "\(crashed.stderr)")
    // The run above restored main.cf; put the interrupted state back by hand.
    let record = directory + "/" + ApplyJournal.fileName
    try FileManager.default.moveItem(atPath: record + ".kept", toPath: record)
    let planned = try #require(
      String(decoding: try ApplyCLIFixture.bytes(record), as: UTF8.self).split(separator: "\n")
        .first { $0.hasPrefix("backup ") })
    #expect(!planned.isEmpty)
    let next = apply(["--profile", "mx", "--domain", "example.test", "-c", directory, "--dry-run"])
    #expect(!next.stderr.contains("interrupted"), "a dry run takes no lock and reads no journal")
    let report = apply(
      ["--profile", "send-only", "-c", directory, "--yes", "--backup-dir", backups])
    #expect(report.status == 0, "\(report.stderr)")
    #expect(report.stderr.contains("an earlier apply was interrupted before it finished"))
    #expect(report.stderr.contains("main.cf still has the old content"), "\(report.stderr)")
    #expect(report.stderr.contains("pfharden restore "), "\(report.stderr)")
    #expect(!FileManager.default.fileExists(atPath: record))
  }

  @Test func aSecondRunWaitsForNothingAndChangesNothing() throws {
    let directory = try ApplyCLIFixture.stockCopy()
    let backups = try ApplyCLIFixture.temporaryDirectory("backups")
    defer {
      try? FileManager.default.removeItem(atPath: directory)
      try? FileManager.default.removeItem(atPath: backups)
    }
    let before = try ApplyCLIFixture.bytes(directory + "/main.cf")
    var held: ConfigDirectoryLock? = try ConfigDirectoryLock.acquire(directory)
    #expect(held != nil)
    let result = apply([
      "--profile", "send-only", "-c", directory, "--yes", "--backup-dir", backups,
    ])
    held = nil
    #expect(result.status == 2, "\(result.stderr)")
    #expect(result.stderr.contains("another pfharden run is changing"), "\(result.stderr)")
    #expect(try ApplyCLIFixture.bytes(directory + "/main.cf") == before)
    // The debris of an interrupted write is removed by the next run.
    let debris = directory + "/.main.cf.abc123.tmp"
    try Data("half".utf8).write(to: URL(fileURLWithPath: debris))
    let next = apply([
      "--profile", "send-only", "-c", directory, "--yes", "--backup-dir", backups,
    ])
    #expect(next.status == 0, "\(next.stderr)")
    #expect(next.stderr.contains("removed \(debris), left by an interrupted write"))
    #expect(!FileManager.default.fileExists(atPath: debris))
  }

  /// A duplicate the profile does not touch was refused after writing: real
  /// postconf words it differently when main.cf was just modified.
  @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/sbin/postconf")))
  func aFileWithADuplicateParameterIsApplied() throws {
    let directory = try ApplyCLIFixture.stockCopy()
    let backups = try ApplyCLIFixture.temporaryDirectory("backups")
    defer {
      try? FileManager.default.removeItem(atPath: directory)
      try? FileManager.default.removeItem(atPath: backups)
    }
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: directory + "/main.cf"))
    try handle.seekToEnd()
    try handle.write(contentsOf: Data("myorigin = a.example\nmyorigin = b.example\n".utf8))
    try handle.close()
    let result = apply(
      [
        "--profile", "mx", "--domain", "example.test", "-c", directory, "--yes", "--backup-dir",
        backups,
      ],
      embedded: false)
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout.contains("postconf reports no new warning"), "\(result.stdout)")
    let text = try String(contentsOfFile: directory + "/main.cf", encoding: .utf8)
    #expect(text.contains("myorigin = a.example\nmyorigin = b.example\n"))
  }

  @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/sbin/postconf")))
  func applyWithTheInstalledPostfixValidates() throws {
    let directory = try ApplyCLIFixture.stockCopy()
    let backups = try ApplyCLIFixture.temporaryDirectory("backups")
    defer {
      try? FileManager.default.removeItem(atPath: directory)
      try? FileManager.default.removeItem(atPath: backups)
    }
    let result = apply(
      [
        "--profile", "relay", "--network", "192.0.2.0/24", "-c", directory, "--yes",
        "--backup-dir", backups,
      ], embedded: false)
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout.contains("postconf reports no new warning"))
    #expect(result.stdout.contains("postqueue -f"))
  }
}
