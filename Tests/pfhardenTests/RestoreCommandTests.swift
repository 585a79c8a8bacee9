import Foundation
import PostfixHardening
import Testing

@testable import pfharden

extension ApplyCLIFixture {
  /// Runs a command in process with `extra` added to the environment
  /// (`MAIL_CONFIG` removed unless `extra` sets it).
  static func run(
    _ command: (_ arguments: [String], _ console: inout Console) -> Int32, _ arguments: [String],
    environment extra: [String: String], embedded: Bool = true
  ) -> Result {
    var environment = ProcessInfo.processInfo.environment
    environment.removeValue(forKey: "MAIL_CONFIG")
    if embedded { environment["PFHARDEN_DEFAULTS"] = "embedded" }
    environment.merge(extra) { _, new in new }
    var console = Console.capturing(environment: environment)
    let status = command(arguments, &console)
    return Result(
      status: status, stdout: String(decoding: console.stdout, as: UTF8.self),
      stderr: String(decoding: console.stderr, as: UTF8.self))
  }

  /// The archives in a backup directory, oldest first.
  static func archives(in directory: String) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: directory)
      .filter { $0.hasSuffix(".tar.gz") }
      .sorted { $0.count == $1.count ? $0 < $1 : $0.count < $1.count }
      .map { directory + "/" + $0 }
  }
}

/// A copy of Debian's stock configuration, a backup of it, and a hand edit.
private struct RestoreCLIScene {
  let directory: String
  let backups: String
  let archive: String
  let main: Data
  let master: Data

  init() throws {
    directory = try ApplyCLIFixture.stockCopy()
    backups = try ApplyCLIFixture.temporaryDirectory("backups")
    let made = ApplyCLIFixture.run(BackupCommand.run, ["-c", directory, "--to", backups])
    guard made.status == 0, let first = try ApplyCLIFixture.archives(in: backups).first else {
      throw Failure(made.stderr)
    }
    archive = first
    main = try ApplyCLIFixture.bytes(directory + "/main.cf")
    master = try ApplyCLIFixture.bytes(directory + "/master.cf")
  }

  struct Failure: Error {
    var text: String
    init(_ text: String) { self.text = text }
  }

  func edit() throws {
    try (main + Data("smtpd_banner = $myhostname ESMTP edited\n".utf8))
      .write(to: URL(fileURLWithPath: directory + "/main.cf"))
  }

  func isOriginal() throws -> Bool {
    try ApplyCLIFixture.bytes(directory + "/main.cf") == main
      && ApplyCLIFixture.bytes(directory + "/master.cf") == master
  }

  func remove() {
    try? FileManager.default.removeItem(atPath: directory)
    try? FileManager.default.removeItem(atPath: backups)
  }
}

@Suite struct RestoreCommandTests {
  @Test func helpMatchesTheSnapshot() throws {
    let result = ApplyCLIFixture.run(RestoreCommand.run, ["--help"])
    #expect(result.status == 0)
    try ApplyCLIFixture.assertSnapshot(result.stdout, named: "restore-help.txt")
    #expect(result.stdout.contains("postfix reload"))
  }

  @Test func theTopLevelHelpListsRestore() {
    var console = Console.capturing()
    #expect(CLI.run(arguments: ["pfharden", "help"], console: &console) == 0)
    #expect(String(decoding: console.stdout, as: UTF8.self).contains("  restore "))
    var dispatched = Console.capturing()
    #expect(CLI.run(arguments: ["pfharden", "restore", "--help"], console: &dispatched) == 0)
    #expect(String(decoding: dispatched.stdout, as: UTF8.self) == RestoreCommand.help)
  }

  @Test func dryRunPrintsTheDiffAndWritesNothing() throws {
    let scene = try RestoreCLIScene()
    defer { scene.remove() }
    try scene.edit()
    let edited = try ApplyCLIFixture.bytes(scene.directory + "/main.cf")
    let result = ApplyCLIFixture.run(
      RestoreCommand.run,
      [scene.archive, "-c", scene.directory, "--dry-run", "--backup-dir", scene.backups])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(
      result.stdout.contains("--- \(scene.directory)/main.cf\n+++ \(scene.directory)/main.cf\n"))
    #expect(result.stdout.contains("\n-smtpd_banner = $myhostname ESMTP edited\n"))
    #expect(result.stdout.contains("Needs: postfix reload.\n"))
    #expect(result.stdout.hasSuffix("Dry run: nothing written.\n"))
    #expect(try ApplyCLIFixture.bytes(scene.directory + "/main.cf") == edited)
    #expect(try FileManager.default.contentsOfDirectory(atPath: scene.backups).count == 2)
  }

  @Test func yesRestoresWhatApplyChanged() throws {
    let scene = try RestoreCLIScene()
    defer { scene.remove() }
    let applied = ApplyCLIFixture.run(
      ApplyCommand.run,
      ["--profile", "send-only", "-c", scene.directory, "--yes", "--backup-dir", scene.backups])
    #expect(applied.status == 0, "\(applied.stderr)")
    #expect(try !scene.isOriginal())
    let result = ApplyCLIFixture.run(
      RestoreCommand.run,
      [scene.archive, "-c", scene.directory, "--yes", "--backup-dir", scene.backups])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(try scene.isOriginal())
    #expect(result.stdout.contains("\nBackup: \(scene.backups)/postfix-"))
    #expect(
      result.stdout.contains("Restored \(scene.directory)/main.cf from \(scene.archive); "))
    #expect(result.stdout.contains("not validated: postconf is not installed"))
    #expect(
      result.stdout.hasSuffix(
        "Next: a full restart (postfix stop; postfix start): "
          + "inet_interfaces or inet_protocols changed (or run again with --reload).\n"))
    // apply's backup, then restore's: three archives; the last holds the applied files.
    #expect(try ApplyCLIFixture.archives(in: scene.backups).count == 3)
    let again = ApplyCLIFixture.run(
      RestoreCommand.run,
      [scene.archive, "-c", scene.directory, "--yes", "--backup-dir", scene.backups])
    #expect(again.status == 0)
    #expect(again.stdout.hasPrefix("Nothing to change: "))
  }

  @Test func withoutYesOffATerminalItIsAUsageError() throws {
    let scene = try RestoreCLIScene()
    defer { scene.remove() }
    try scene.edit()
    let edited = try ApplyCLIFixture.bytes(scene.directory + "/main.cf")
    let result = ApplyCLIFixture.run(
      RestoreCommand.run, [scene.archive, "-c", scene.directory, "--backup-dir", scene.backups])
    #expect(result.status == 64)
    #expect(result.stderr.contains("add --yes"))
    #expect(try ApplyCLIFixture.bytes(scene.directory + "/main.cf") == edited)
    #expect(try FileManager.default.contentsOfDirectory(atPath: scene.backups).count == 2)
  }

  @Test func anUnsafeArchiveIsRefusedWithStatus2() throws {
    let scene = try RestoreCLIScene()
    defer { scene.remove() }
    let staging = try ApplyCLIFixture.temporaryDirectory("staging")
    defer { try? FileManager.default.removeItem(atPath: staging) }
    try FileManager.default.createDirectory(
      atPath: staging + "/postfix", withIntermediateDirectories: true)
    try FileManager.default.createSymbolicLink(
      atPath: staging + "/postfix/main.cf", withDestinationPath: "/etc/hostname")
    let archive = scene.backups + "/postfix-2020-01-01.tar.gz"
    let tar = try SystemCommand.run("/usr/bin/tar", ["-czf", archive, "-C", staging, "postfix"])
    #expect(tar.status == 0)
    try scene.edit()
    let result = ApplyCLIFixture.run(
      RestoreCommand.run, [archive, "-c", scene.directory, "--yes", "--backup-dir", scene.backups])
    #expect(result.status == 2)
    #expect(result.stderr.contains("postfix/main.cf is a symbolic link"), "\(result.stderr)")
    #expect(try ApplyCLIFixture.bytes(scene.directory + "/main.cf") != scene.main)
  }

  @Test(arguments: [
    ([String](), "missing BACKUP"),
    (["a.tar.gz", "b.tar.gz"], "unexpected argument 'b.tar.gz'"),
    (["a.tar.gz", "--dry-rn"], "Did you mean '--dry-run'?"),
    (["a.tar.gz", "-c"], "option '-c' needs a value"),
  ])
  func usageErrorsExit64(arguments: [String], message: String) {
    let result = ApplyCLIFixture.run(RestoreCommand.run, arguments)
    #expect(result.status == 64)
    #expect(result.stderr.contains(message), "\(result.stderr)")
  }

  @Test func aMissingArchiveFailsWithStatus2() {
    let result = ApplyCLIFixture.run(
      RestoreCommand.run, ["/nonexistent/postfix-2020-01-01.tar.gz", "-c", "/tmp", "--dry-run"])
    #expect(result.status == 2)
    #expect(result.stderr.contains("is not a readable file"))
  }
}

/// `MAIL_CONFIG` names the configuration directory of every command with
/// `-c`, and `-c` wins.
@Suite struct MailConfigTests {
  @Test func restoreUsesMailConfigAndCWins() throws {
    let scene = try RestoreCLIScene()
    defer { scene.remove() }
    try scene.edit()
    let viaEnvironment = ApplyCLIFixture.run(
      RestoreCommand.run, [scene.archive, "--dry-run"],
      environment: ["MAIL_CONFIG": scene.directory])
    #expect(viaEnvironment.status == 0, "\(viaEnvironment.stderr)")
    #expect(viaEnvironment.stdout.contains("--- \(scene.directory)/main.cf\n"))
    let overridden = ApplyCLIFixture.run(
      RestoreCommand.run,
      [scene.archive, "-c", scene.directory, "--yes", "--backup-dir", scene.backups],
      environment: ["MAIL_CONFIG": "/nonexistent/pfharden"])
    #expect(overridden.status == 0, "\(overridden.stderr)")
    #expect(try scene.isOriginal())
  }

  @Test func applyParsingUsesMailConfigAndCWins() throws {
    guard
      case .run(let fromEnvironment) = ApplyCommand.parse(
        ["--profile", "mx"], environment: ["MAIL_CONFIG": "/srv/postfix-out"])
    else { throw RestoreCLIScene.Failure("not parsed") }
    #expect(fromEnvironment.directory == "/srv/postfix-out")
    guard
      case .run(let given) = ApplyCommand.parse(
        ["--profile", "mx", "-c", "/etc/postfix-in"],
        environment: ["MAIL_CONFIG": "/srv/postfix-out"])
    else { throw RestoreCLIScene.Failure("not parsed") }
    #expect(given.directory == "/etc/postfix-in")
    guard
      case .run(let empty) = ApplyCommand.parse(
        ["--profile", "mx"], environment: ["MAIL_CONFIG": ""])
    else { throw RestoreCLIScene.Failure("not parsed") }
    #expect(empty.directory == "/etc/postfix")

    let directory = try ApplyCLIFixture.stockCopy()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let result = ApplyCLIFixture.run(
      ApplyCommand.run, ["--profile", "send-only", "--dry-run"],
      environment: ["MAIL_CONFIG": directory])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout.contains("--- \(directory)/main.cf\n"))
  }

  @Test func backupUsesMailConfigAndCWins() throws {
    let directory = try ApplyCLIFixture.stockCopy()
    let backups = try ApplyCLIFixture.temporaryDirectory("backups")
    defer {
      try? FileManager.default.removeItem(atPath: directory)
      try? FileManager.default.removeItem(atPath: backups)
    }
    let viaEnvironment = ApplyCLIFixture.run(
      BackupCommand.run, ["--to", backups], environment: ["MAIL_CONFIG": directory])
    #expect(viaEnvironment.status == 0, "\(viaEnvironment.stderr)")
    let archive = try #require(try ApplyCLIFixture.archives(in: backups).first)
    #expect(
      try BackupArchive.read(archive).directoryName == (directory as NSString).lastPathComponent)
    let missing = ApplyCLIFixture.run(
      BackupCommand.run, ["--to", backups], environment: ["MAIL_CONFIG": "/nonexistent/pfharden"])
    #expect(missing.status == 2)
    #expect(missing.stderr.contains("/nonexistent/pfharden"))
    let overridden = ApplyCLIFixture.run(
      BackupCommand.run, ["-c", directory, "--to", backups],
      environment: ["MAIL_CONFIG": "/nonexistent/pfharden"])
    #expect(overridden.status == 0, "\(overridden.stderr)")
  }

  @Test(.enabled(if: RealPostfix.shouldRun, RealPostfix.skipComment))
  func versionUsesMailConfigAndCWins() throws {
    try RealPostfix.requirePostconf()
    let directory = try ApplyCLIFixture.stockCopy()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let viaEnvironment = ApplyCLIFixture.run(
      VersionCommand.run, [], environment: ["MAIL_CONFIG": directory], embedded: false)
    #expect(viaEnvironment.status == 0, "\(viaEnvironment.stderr)")
    #expect(viaEnvironment.stdout.hasSuffix("(installed: /usr/sbin/postconf -c \(directory))\n"))
    let overridden = ApplyCLIFixture.run(
      VersionCommand.run, ["-c", "/etc/postfix"], environment: ["MAIL_CONFIG": directory],
      embedded: false)
    #expect(overridden.stdout.hasSuffix("(installed: /usr/sbin/postconf -c /etc/postfix)\n"))
  }
}

/// Apply, then restore from apply's backup, with the installed Postfix.
///
/// `apply --yes` and `restore --yes` are both validated by postconf; the files
/// are the originals again, byte for byte. No instance runs.
@Suite(
  .enabled(
    if: RealPostfix.isRequired
      || (FileManager.default.isExecutableFile(atPath: ApplyInstance.postfixPath) && getuid() == 0),
    "needs root and /usr/sbin/postfix; set PFHARDEN_REQUIRE_POSTFIX=1 to fail instead of skipping"))
struct RestoreEndToEndTests {
  @Test func applyThenRestoreFromItsBackupGivesTheOriginalBytes() throws {
    guard getuid() == 0, FileManager.default.isExecutableFile(atPath: ApplyInstance.postfixPath),
      FileManager.default.isExecutableFile(atPath: ApplyInstance.postconfPath)
    else {
      Issue.record("PFHARDEN_REQUIRE_POSTFIX=1 but not root or no /usr/sbin/postfix")
      return
    }
    let directory = try ApplyCLIFixture.stockCopy()
    let backups = try ApplyCLIFixture.temporaryDirectory("backups")
    defer {
      try? FileManager.default.removeItem(atPath: directory)
      try? FileManager.default.removeItem(atPath: backups)
    }
    let main = try ApplyCLIFixture.bytes(directory + "/main.cf")
    let master = try ApplyCLIFixture.bytes(directory + "/master.cf")
    let applied = ApplyCLIFixture.run(
      ApplyCommand.run,
      [
        "--profile", "relay", "--network", "192.0.2.0/24", "-c", directory, "--yes",
        "--backup-dir", backups,
      ], environment: [:], embedded: false)
    #expect(applied.status == 0, "\(applied.stdout)\(applied.stderr)")
    #expect(applied.stdout.contains("postconf reports no new warning"))
    #expect(try ApplyCLIFixture.bytes(directory + "/main.cf") != main)
    let archive = try #require(try ApplyCLIFixture.archives(in: backups).first)

    let restored = ApplyCLIFixture.run(
      RestoreCommand.run, [archive, "-c", directory, "--yes", "--backup-dir", backups],
      environment: [:], embedded: false)
    #expect(restored.status == 0, "\(restored.stdout)\(restored.stderr)")
    #expect(restored.stdout.contains("postconf reports no new warning"))
    #expect(try ApplyCLIFixture.bytes(directory + "/main.cf") == main)
    #expect(try ApplyCLIFixture.bytes(directory + "/master.cf") == master)
    let check = try SystemCommand.run(ApplyInstance.postconfPath, ["-c", directory, "-n"])
    #expect(check.status == 0)
    #expect(check.stderr.isEmpty, "\(String(decoding: check.stderr, as: UTF8.self))")
  }
}
