import Foundation
import PostfixConfig
import Testing

@testable import PostfixHardening

/// A configuration copy, a backup of it and a place for further backups.
private struct RestoreScene {
  let config: String
  let backups: String
  let archive: String
  let snapshot: String
  let main: [UInt8]
  let master: [UInt8]

  init() throws {
    config = try ApplySupport.temporaryCopy(of: ApplySupport.debian)
    backups =
      FileManager.default.temporaryDirectory
      .appendingPathComponent("pfharden-restore-\(UUID().uuidString)").path
    let made = try Backup.create(
      configDirectory: config, destination: backups, snapshot: Array("a = 1\n".utf8),
      date: "2026-03-04")
    archive = made.archive
    snapshot = made.snapshot
    main = try ApplySupport.read(config + "/main.cf")
    master = try ApplySupport.read(config + "/master.cf")
  }

  func remove() {
    ApplySupport.remove(config)
    ApplySupport.remove(backups)
  }

  /// Changes both files the way a hand edit or `apply` would.
  func change() throws {
    try Data(main + Array("smtpd_banner = changed\r\n\u{0}tail".utf8))
      .write(to: URL(fileURLWithPath: config + "/main.cf"))
    try Data(Array(master.dropLast(40)))
      .write(to: URL(fileURLWithPath: config + "/master.cf"))
  }

  /// Every name and its bytes in the configuration directory.
  func state() throws -> [String: [UInt8]] {
    var result: [String: [UInt8]] = [:]
    for name in try FileManager.default.contentsOfDirectory(atPath: config) {
      result[name] = try ApplySupport.read(config + "/" + name)
    }
    return result
  }
}

private let noValidation = ApplyExecutor(validate: nil)

@Suite struct RestoreTests {
  @Test func restoringOverChangedFilesGivesTheArchivedBytes() throws {
    let scene = try RestoreScene()
    defer { scene.remove() }
    try scene.change()
    chmod(scene.config + "/main.cf", 0o640)
    let changed = try ApplySupport.read(scene.config + "/main.cf")
    let plan = try Restore.plan(archive: scene.archive, configDirectory: scene.config)
    #expect(plan.hasChanges)
    #expect(plan.activation == .reload)
    #expect(plan.archiveDirectory == (scene.config as NSString).lastPathComponent)
    let diff = String(decoding: plan.unifiedDiff(), as: UTF8.self)
    #expect(diff.contains("--- \(scene.config)/main.cf\n"))
    #expect(diff.contains("-smtpd_banner = changed"))
    #expect(diff.contains("+++ \(scene.config)/master.cf\n"))

    let result = try Restore.execute(
      plan, backupDestination: scene.backups, postconf: nil, host: ApplySupport.host,
      executor: noValidation, date: "2026-03-04")
    #expect(try ApplySupport.read(scene.config + "/main.cf") == scene.main)
    #expect(try ApplySupport.read(scene.config + "/master.cf") == scene.master)
    #expect(result.written == [scene.config + "/main.cf", scene.config + "/master.cf"])
    let attributes = try FileManager.default.attributesOfItem(atPath: scene.config + "/main.cf")
    #expect((attributes[.posixPermissions] as? Int) == 0o640)

    // The restore backed up what it replaced: restoring that backup undoes it.
    let backup = try #require(result.backup)
    #expect(backup.archive.hasSuffix("/postfix-2026-03-04-1.tar.gz"))
    #expect(try BackupArchive.read(backup.archive).mainCF == changed)
    let undo = try Restore.plan(archive: backup.archive, configDirectory: scene.config)
    _ = try Restore.execute(
      undo, backupDestination: scene.backups, postconf: nil, host: ApplySupport.host,
      executor: noValidation)
    #expect(try ApplySupport.read(scene.config + "/main.cf") == changed)
  }

  @Test func restoringWhatIsThereChangesNothing() throws {
    let scene = try RestoreScene()
    defer { scene.remove() }
    let plan = try Restore.plan(archive: scene.archive, configDirectory: scene.config)
    #expect(!plan.hasChanges)
    #expect(plan.unifiedDiff().isEmpty)
    let result = try Restore.execute(
      plan, backupDestination: scene.backups, postconf: nil, host: ApplySupport.host,
      executor: noValidation)
    #expect(result.backup == nil)
    #expect(try FileManager.default.contentsOfDirectory(atPath: scene.backups).count == 2)
  }

  @Test func symbolicLinksToTheFilesAreKept() throws {
    let scene = try RestoreScene()
    defer { scene.remove() }
    let real = scene.config + "/real-main.cf"
    try FileManager.default.moveItem(atPath: scene.config + "/main.cf", toPath: real)
    try FileManager.default.createSymbolicLink(
      atPath: scene.config + "/main.cf", withDestinationPath: "real-main.cf")
    try Data("changed = yes\n".utf8).write(to: URL(fileURLWithPath: real))
    let plan = try Restore.plan(archive: scene.archive, configDirectory: scene.config)
    _ = try Restore.execute(
      plan, backupDestination: scene.backups, postconf: nil, host: ApplySupport.host,
      executor: noValidation)
    #expect(
      try FileManager.default.destinationOfSymbolicLink(atPath: scene.config + "/main.cf")
        == "real-main.cf")
    #expect(try ApplySupport.read(real) == scene.main)
  }

  @Test func aRestoreWithInetInterfacesNeedsARestart() throws {
    let scene = try RestoreScene()
    defer { scene.remove() }
    try Data(scene.main + Array("inet_interfaces = loopback-only\n".utf8))
      .write(to: URL(fileURLWithPath: scene.config + "/main.cf"))
    let plan = try Restore.plan(archive: scene.archive, configDirectory: scene.config)
    #expect(plan.activation == .restart)
  }

  @Test func aFileChangedAfterPlanningIsRefused() throws {
    let scene = try RestoreScene()
    defer { scene.remove() }
    try scene.change()
    let plan = try Restore.plan(archive: scene.archive, configDirectory: scene.config)
    let meanwhile = Array("meanwhile = 1\n".utf8)
    try Data(meanwhile).write(to: URL(fileURLWithPath: scene.config + "/main.cf"))
    #expect(throws: PostfixHardeningError(.configuration, "")) {
      try Restore.execute(
        plan, backupDestination: scene.backups, postconf: nil, host: ApplySupport.host,
        executor: noValidation)
    }
    #expect(try ApplySupport.read(scene.config + "/main.cf") == meanwhile)
    #expect(try FileManager.default.contentsOfDirectory(atPath: scene.backups).count == 2)
  }

  @Test func aChangeBetweenBackupAndWriteIsRefusedByTheWriter() throws {
    let scene = try RestoreScene()
    defer { scene.remove() }
    try scene.change()
    let plan = try Restore.plan(archive: scene.archive, configDirectory: scene.config)
    let meanwhile = Array("meanwhile = 1\n".utf8)
    let path = scene.config + "/main.cf"
    // The file changes after the check, right before the atomic write.
    let executor = ApplyExecutor(
      write: { bytes, target, expected in
        if target == path { try Data(meanwhile).write(to: URL(fileURLWithPath: path)) }
        try AtomicWriter.writePreserving(bytes, to: target, expectedOriginal: expected)
      }, validate: nil)
    #expect(throws: PostfixHardeningError(.configuration, "")) {
      try Restore.execute(
        plan, backupDestination: scene.backups, postconf: nil, host: ApplySupport.host,
        executor: executor)
    }
    #expect(try ApplySupport.read(path) == meanwhile)
  }

  @Test func aDryRunWritesNothing() throws {
    let scene = try RestoreScene()
    defer { scene.remove() }
    try scene.change()
    let before = try scene.state()
    let modified =
      try FileManager.default.attributesOfItem(atPath: scene.config + "/main.cf")[
        .modificationDate] as? Date
    let plan = try Restore.plan(archive: scene.archive, configDirectory: scene.config)
    #expect(plan.hasChanges)
    #expect(try scene.state() == before)
    #expect(
      try FileManager.default.attributesOfItem(atPath: scene.config + "/main.cf")[
        .modificationDate] as? Date == modified)
    #expect(try FileManager.default.contentsOfDirectory(atPath: scene.backups).count == 2)
  }

  @Test func anArchiveWithoutMasterCFLeavesItAlone() throws {
    let scene = try RestoreScene()
    defer { scene.remove() }
    var tar = TarFixture()
    tar.directory("postfix")
    tar.file("postfix/main.cf", Array("restored = yes\n".utf8))
    let path = scene.backups + "/only-main.tar"
    try tar.write(to: path)
    let plan = try Restore.plan(archive: path, configDirectory: scene.config)
    #expect(plan.files.masterCF == nil)
    #expect(plan.notes.first?.contains("has no master.cf") == true)
    _ = try Restore.execute(
      plan, backupDestination: scene.backups, postconf: nil, host: ApplySupport.host,
      executor: noValidation)
    #expect(try ApplySupport.read(scene.config + "/main.cf") == Array("restored = yes\n".utf8))
    #expect(try ApplySupport.read(scene.config + "/master.cf") == scene.master)
  }

  static let unsafe: [(String, @Sendable (inout TarFixture) -> Void, String)] = [
    (
      "symbolic link", { $0.special("postfix/main.cf", type: "2", link: "/etc/shadow") },
      "postfix/main.cf is a symbolic link"
    ),
    (
      "hard link",
      {
        $0.file("postfix/other", Array("x = 1\n".utf8))
        $0.special("postfix/main.cf", type: "1", link: "postfix/other")
      }, "postfix/main.cf is a hard link"
    ),
    (
      "parent", { $0.file("postfix/../x", Array("x = 1\n".utf8)) },
      "member postfix/../x contains '..'"
    ),
    (
      "absolute", { $0.file("/etc/cron.d/x", Array("x = 1\n".utf8)) },
      "member /etc/cron.d/x has an absolute name"
    ),
    ("device", { $0.special("postfix/null", type: "3") }, "member postfix/null is a device"),
    (
      "oversized", { $0.file("postfix/main.cf", [UInt8](repeating: 0x23, count: 5000)) },
      "postfix/main.cf is larger than 4096 bytes"
    ),
    (
      "duplicate",
      {
        $0.file("postfix/main.cf", Array("x = 1\n".utf8))
        $0.special("postfix/main.cf", type: "2", link: "/etc/shadow")
      }, "postfix/main.cf appears more than once"
    ),
    ("two tops", { $0.file("other/main.cf", Array("x = 1\n".utf8)) }, "more than one top-level"),
    ("directory", { $0.directory("postfix/main.cf") }, "postfix/main.cf is a directory"),
  ]

  @Test(arguments: 0..<unsafe.count)
  func unsafeArchivesAreRefusedWithNothingWritten(case index: Int) throws {
    let (label, build, reason) = Self.unsafe[index]
    let scene = try RestoreScene()
    defer { scene.remove() }
    try scene.change()
    let before = try scene.state()
    var tar = TarFixture()
    tar.directory("postfix")
    build(&tar)
    if !tar.members.contains(where: { $0.name.hasPrefix("postfix/main.cf") }) {
      tar.file("postfix/main.cf", Array("x = 1\n".utf8))
    }
    let path = scene.backups + "/unsafe.tar"
    try tar.write(to: path)
    do {
      _ = try Restore.plan(archive: path, configDirectory: scene.config, limit: 4096)
      Issue.record("\(label): not refused")
    } catch let error as PostfixHardeningError {
      #expect(error.reason.contains(reason), "\(label): \(error.reason)")
    }
    #expect(try scene.state() == before, "\(label)")
    #expect(try FileManager.default.contentsOfDirectory(atPath: scene.backups).count == 3)
  }

  @Test func anArchiveWithoutMainCFOrNotAnArchiveIsRefused() throws {
    let scene = try RestoreScene()
    defer { scene.remove() }
    var tar = TarFixture()
    tar.directory("postfix")
    tar.file("postfix/master.cf", Array("x\n".utf8))
    try tar.write(to: scene.backups + "/no-main.tar")
    #expect(throws: PostfixHardeningError(.configuration, "")) {
      try Restore.plan(archive: scene.backups + "/no-main.tar", configDirectory: scene.config)
    }
    #expect(throws: PostfixHardeningError(.configuration, "")) {
      try Restore.plan(archive: scene.snapshot, configDirectory: scene.config)
    }
    #expect(throws: PostfixHardeningError(.configuration, "")) {
      try Restore.plan(archive: scene.backups + "/missing.tar.gz", configDirectory: scene.config)
    }
  }
}

@Suite struct BackupArchiveTests {
  @Test func readsWhatBackupWrote() throws {
    let scene = try RestoreScene()
    defer { scene.remove() }
    let archive = try BackupArchive.read(scene.archive)
    #expect(archive.mainCF == scene.main)
    #expect(archive.masterCF == scene.master)
    #expect(BackupArchive.isArchive(scene.archive))
    #expect(!BackupArchive.isArchive(scene.snapshot))
    #expect(!BackupArchive.isArchive(scene.config))
    #expect(BackupArchive.snapshot(beside: scene.archive) == scene.snapshot)
    #expect(BackupArchive.snapshot(beside: scene.snapshot) == nil)
  }

  @Test func parsesGNUTarListings() throws {
    let listing = """
      drwxr-xr-x 0/0               0 2026-12-02 04:37 postfix/
      -rw-r--r-- 0/0               4 2026-12-02 04:37 postfix/main.cf
      -rw-r--r-- 0/0               1 2026-12-02 04:37 postfix/  two spaces
      lrwxrwxrwx 0/0               0 2026-12-02 04:37 postfix/link -> /etc/passwd
      hrw-r--r-- 0/0               0 2026-12-02 04:37 postfix/hard link to postfix/main.cf
      crw-r--r-- 0/0             1,3 2026-12-02 04:37 postfix/dev

      """
    let members = try BackupArchive.parseListing(Array(listing.utf8))
    #expect(
      members == [
        .init(type: UInt8(ascii: "d"), name: "postfix/", size: 0),
        .init(type: UInt8(ascii: "-"), name: "postfix/main.cf", size: 4),
        .init(type: UInt8(ascii: "-"), name: "postfix/  two spaces", size: 1),
        .init(type: UInt8(ascii: "l"), name: "postfix/link", size: 0),
        .init(type: UInt8(ascii: "h"), name: "postfix/hard", size: 0),
        .init(type: UInt8(ascii: "c"), name: "postfix/dev", size: nil),
      ])
    #expect(throws: PostfixHardeningError(.configuration, "")) {
      try BackupArchive.parseListing(Array("garbage\n".utf8))
    }
  }

  @Test func otherMembersAreNeverExtracted() throws {
    let scene = try RestoreScene()
    defer { scene.remove() }
    var tar = TarFixture()
    tar.directory("postfix")
    tar.file("postfix/main.cf", Array("a = 1\n".utf8))
    tar.special("postfix/makedefs.out", type: "2", link: "/usr/share/postfix/makedefs.out")
    tar.file("postfix/virtual", Array("x y\n".utf8))
    let path = scene.backups + "/debian-like.tar"
    try tar.write(to: path)
    let archive = try BackupArchive.read(path)
    #expect(archive.mainCF == Array("a = 1\n".utf8))
    #expect(archive.masterCF == nil)
  }
}

@Suite struct ArchiveSettingsTests {
  @Test func computedInProcessOrFromTheSnapshotBesideIt() throws {
    let scene = try RestoreScene()
    defer { scene.remove() }
    let direct = try SettingsSnapshot.take(
      configDirectory: scene.config, postconf: nil, host: ApplySupport.host)
    let beside = try SettingsSnapshot.take(
      archive: scene.archive, configDirectory: scene.config, host: ApplySupport.host)
    #expect(beside.source == .snapshot(scene.snapshot))
    #expect(beside.output == Array("a = 1\n".utf8))
    let computed = try SettingsSnapshot.take(
      archive: scene.archive, configDirectory: scene.config, host: ApplySupport.host,
      preferSnapshot: false)
    #expect(computed.source == .computed)
    #expect(SettingsSnapshot.settings(computed.output) == SettingsSnapshot.settings(direct))
    var pfharden = ApplySupport.host
    pfharden.processName = "pfharden"
    let named = try SettingsSnapshot.take(
      archive: scene.archive, configDirectory: scene.config, host: pfharden,
      preferSnapshot: false)
    #expect(SettingsSnapshot.settings(named.output)["process_name"] == "postconf")
    try FileManager.default.removeItem(atPath: scene.snapshot)
    let alone = try SettingsSnapshot.take(
      archive: scene.archive, configDirectory: scene.config, host: ApplySupport.host)
    #expect(alone.source == .computed)
  }
}
