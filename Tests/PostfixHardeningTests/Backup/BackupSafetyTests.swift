import Foundation
import Testing

@testable import PostfixHardening

/// A configuration copy and a scratch directory for destinations, removed together.
private struct BackupScene {
  let config: String
  let scratch: String

  init() throws {
    config = try ApplySupport.temporaryCopy(of: ApplySupport.debian)
    scratch =
      FileManager.default.temporaryDirectory
      .appendingPathComponent("pfharden-backup-safety-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
    chmod(scratch, 0o755)
  }

  func remove() {
    ApplySupport.remove(config)
    ApplySupport.remove(scratch)
  }

  /// Makes `scratch/relative` with `mode`.
  func directory(_ relative: String, mode: mode_t = 0o700) throws -> String {
    let path = scratch + "/" + relative
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    chmod(path, mode)
    return path
  }

  func names(_ path: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted()
  }

  func backup(to destination: String, date: String = "2026-03-04") throws -> Backup.Result {
    try Backup.create(
      configDirectory: config, destination: destination, snapshot: Array("a = 1\n".utf8),
      date: date)
  }
}

private struct Injected: Error {}

/// Whether the tests that change ownership run: as root, or required by CI.
private enum RootGate {
  static var isRoot: Bool { geteuid() == 0 }
  static var shouldRun: Bool { isRoot || ApplyRealPostfix.isRequired }
  static let comment: Comment =
    "needs root (chown to nobody); set PFHARDEN_REQUIRE_POSTFIX=1 to fail instead of skipping"
}

@Suite struct BackupSafetyTests {
  // MARK: - Destinations another user can change

  @Test(.enabled(if: RootGate.shouldRun, RootGate.comment))
  func refusesADestinationOwnedByAnotherUser() throws {
    guard RootGate.isRoot else {
      Issue.record("PFHARDEN_REQUIRE_POSTFIX=1 but not root")
      return
    }
    let scene = try BackupScene()
    defer { scene.remove() }
    let destination = try scene.directory("nobody")
    #expect(chown(destination, 65_534, 65_534) == 0)
    let error = #expect(throws: PostfixHardeningError.self) { try scene.backup(to: destination) }
    #expect(error?.code == .configuration)
    #expect(error?.reason.contains("refusing backup directory \(destination)") == true)
    #expect(error?.reason.contains("owned by uid 65534") == true)
    #expect(scene.names(destination).isEmpty)
  }

  @Test(.enabled(if: RootGate.shouldRun, RootGate.comment))
  func refusesAParentOwnedByAnotherUser() throws {
    guard RootGate.isRoot else {
      Issue.record("PFHARDEN_REQUIRE_POSTFIX=1 but not root")
      return
    }
    let scene = try BackupScene()
    defer { scene.remove() }
    let parent = try scene.directory("home", mode: 0o755)
    let destination = try scene.directory("home/backups")
    #expect(chown(parent, 65_534, 65_534) == 0)
    let error = #expect(throws: PostfixHardeningError.self) { try scene.backup(to: destination) }
    #expect(error?.reason.contains("\(parent) is owned by uid 65534") == true)
    #expect(scene.names(destination).isEmpty)
  }

  @Test func refusesADestinationWritableByOthers() throws {
    let scene = try BackupScene()
    defer { scene.remove() }
    for mode: mode_t in [0o777, 0o770, 0o1777] {
      let destination = try scene.directory("open-\(String(mode, radix: 8))", mode: mode)
      let error = #expect(throws: PostfixHardeningError.self) { try scene.backup(to: destination) }
      #expect(
        error?.reason
          == "refusing backup directory \(destination): it is writable by group or others "
          + "(mode 0\(String(mode, radix: 8)))")
      #expect(scene.names(destination).isEmpty)
    }
  }

  @Test func refusesAParentWritableByOthersAndCreatesNothingBelowIt() throws {
    let scene = try BackupScene()
    defer { scene.remove() }
    let parent = try scene.directory("shared", mode: 0o777)
    let existing = try scene.directory("shared/backups")
    for destination in [existing, parent + "/missing/backups"] {
      let error = #expect(throws: PostfixHardeningError.self) { try scene.backup(to: destination) }
      #expect(
        error?.reason
          == "refusing backup directory \(destination): \(parent) is writable by group or "
          + "others (mode 0777) and not sticky")
    }
    #expect(scene.names(parent) == ["backups"])
    #expect(scene.names(existing).isEmpty)
  }

  @Test func acceptsAStickyParentLikeTmp() throws {
    let scene = try BackupScene()
    defer { scene.remove() }
    let parent = try scene.directory("sticky", mode: 0o1777)
    let result = try scene.backup(to: parent + "/new/backups")
    #expect(result.archive == parent + "/new/backups/postfix-2026-03-04.tar.gz")
    let attributes = try FileManager.default.attributesOfItem(atPath: parent + "/new/backups")
    #expect((attributes[.posixPermissions] as? Int) == 0o700)
    for path in [result.archive, result.snapshot] {
      let file = try FileManager.default.attributesOfItem(atPath: path)
      #expect((file[.posixPermissions] as? Int) == 0o600)
    }
  }

  @Test func refusesADestinationThatIsAFile() throws {
    let scene = try BackupScene()
    defer { scene.remove() }
    let file = scene.scratch + "/file"
    try Data().write(to: URL(fileURLWithPath: file))
    let error = #expect(throws: PostfixHardeningError.self) { try scene.backup(to: file) }
    #expect(error?.reason.contains("is not a directory") == true)
  }

  // MARK: - Files created through the open directory

  @Test func aSymbolicLinkAtTheNameIsNeverFollowed() throws {
    let scene = try BackupScene()
    defer { scene.remove() }
    let destination = try scene.directory("backups")
    let victim = scene.scratch + "/victim"
    try Data("untouched\n".utf8).write(to: URL(fileURLWithPath: victim))
    let archiveLink = destination + "/postfix-2026-03-04.tar.gz"
    let snapshotLink = destination + "/postconf-2026-03-04"
    try FileManager.default.createSymbolicLink(atPath: archiveLink, withDestinationPath: victim)
    try FileManager.default.createSymbolicLink(atPath: snapshotLink, withDestinationPath: victim)

    let opened = try BackupDestination.open(try BackupDestination.resolve(destination))
    #expect(throws: PostfixHardeningError.self) {
      try opened.createNew("postfix-2026-03-04.tar.gz")
    }

    let result = try scene.backup(to: destination)
    #expect(result.archive == destination + "/postfix-2026-03-04-1.tar.gz")
    #expect(result.snapshot == destination + "/postconf-2026-03-04-1")
    #expect(try ApplySupport.read(victim) == Array("untouched\n".utf8))
    #expect(
      try FileManager.default.destinationOfSymbolicLink(atPath: archiveLink) == victim)
  }

  @Test func aConfigurationDirectoryNamedLikeAnOptionIsArchived() throws {
    let scene = try BackupScene()
    defer { scene.remove() }
    let marker = "pfharden-marker-\(UUID().uuidString)"
    let config = try scene.directory("--checkpoint-action=exec=touch \(marker)", mode: 0o755)
    for name in ["main.cf", "master.cf"] {
      try FileManager.default.copyItem(
        atPath: scene.config + "/" + name, toPath: config + "/" + name)
    }
    let destination = try scene.directory("backups")
    let result = try Backup.create(
      configDirectory: config, destination: destination, snapshot: [], date: "2026-03-04")
    let listing = try SystemCommand.run("/usr/bin/tar", ["-tzf", result.archive])
    let names = String(decoding: listing.stdout, as: UTF8.self).split(separator: "\n")
    let base = (config as NSString).lastPathComponent
    #expect(names.contains("\(base)/"))
    #expect(names.contains("\(base)/main.cf"))
    let current = FileManager.default.currentDirectoryPath
    for place in [current, scene.scratch, config, destination, NSTemporaryDirectory()] {
      #expect(!FileManager.default.fileExists(atPath: place + "/" + marker))
    }
    let archive = try BackupArchive.read(result.archive)
    #expect(archive.directoryName == base)
    #expect(archive.mainCF == (try ApplySupport.read(config + "/main.cf")))
  }

  // MARK: - Symbolic links apply writes through

  @Test func aSymlinkedMainCFIsArchivedWithItsContent() throws {
    let scene = try BackupScene()
    defer { scene.remove() }
    let real = try scene.directory("real", mode: 0o755)
    let original = try ApplySupport.read(scene.config + "/main.cf")
    for name in ["main.cf", "master.cf"] {
      try FileManager.default.moveItem(
        atPath: scene.config + "/" + name, toPath: real + "/" + name)
      try FileManager.default.createSymbolicLink(
        atPath: scene.config + "/" + name, withDestinationPath: real + "/" + name)
    }
    try FileManager.default.createSymbolicLink(
      atPath: scene.config + "/makedefs.out", withDestinationPath: "/nonexistent/makedefs.out")
    let destination = try scene.directory("backups")
    let result = try scene.backup(to: destination)

    let base = (scene.config as NSString).lastPathComponent
    let listing = try SystemCommand.run("/usr/bin/tar", ["-tvzf", result.archive])
    let lines = String(decoding: listing.stdout, as: UTF8.self).split(separator: "\n")
    let mainLines = lines.filter { $0.hasSuffix(" \(base)/main.cf") }
    #expect(mainLines.count == 1)
    #expect(mainLines.first?.hasPrefix("-rw-r--r--") == true)
    #expect(mainLines.first?.contains(" \(original.count) ") == true)
    #expect(lines.filter { $0.contains("\(base)/master.cf") }.count == 1)
    #expect(lines.contains { $0.hasPrefix("l") && $0.contains("\(base)/makedefs.out -> ") })

    let extracted = try scene.directory("extracted")
    let extract = try SystemCommand.run(
      "/usr/bin/tar", ["-xzf", result.archive, "-C", extracted, "\(base)/main.cf"])
    #expect(extract.status == 0)
    #expect(try ApplySupport.read(extracted + "/\(base)/main.cf") == original)

    // apply (or anyone) rewrites the target; restoring brings the content back.
    try Data("myhostname = changed\n".utf8).write(to: URL(fileURLWithPath: real + "/main.cf"))
    let plan = try Restore.plan(archive: result.archive, configDirectory: scene.config)
    #expect(plan.hasChanges)
    _ = try Restore.execute(
      plan, backupDestination: destination, postconf: nil, host: ApplySupport.host,
      executor: ApplyExecutor(validate: nil), date: "2026-03-05")
    #expect(try ApplySupport.read(real + "/main.cf") == original)
    #expect(
      try FileManager.default.destinationOfSymbolicLink(atPath: scene.config + "/main.cf")
        == real + "/main.cf")
  }

  // MARK: - Interrupted backups

  @Test(arguments: [Backup.Step.archiveWritten, .snapshotWritten, .archivePublished])
  func aFailureLeavesNoFiles(at step: Backup.Step) throws {
    let scene = try BackupScene()
    defer { scene.remove() }
    let destination = try scene.directory("backups")
    #expect(throws: Injected.self) {
      try Backup.create(
        configDirectory: scene.config, destination: destination, snapshot: Array("a = 1\n".utf8),
        date: "2026-03-04", interrupt: { if $0 == step { throw Injected() } })
    }
    #expect(scene.names(destination).isEmpty)
    let result = try scene.backup(to: destination)
    #expect(result.archive == destination + "/postfix-2026-03-04.tar.gz")
    #expect(scene.names(destination) == ["postconf-2026-03-04", "postfix-2026-03-04.tar.gz"])
  }

  @Test func aNameTakenMeanwhileMovesBothToTheNextPair() throws {
    let scene = try BackupScene()
    defer { scene.remove() }
    let destination = try scene.directory("backups")
    let result = try Backup.create(
      configDirectory: scene.config, destination: destination, snapshot: Array("a = 1\n".utf8),
      date: "2026-03-04",
      interrupt: { step in
        guard step == .archivePublished,
          !FileManager.default.fileExists(atPath: destination + "/postconf-2026-03-04")
        else { return }
        // Another backup takes the snapshot's name between the two renames.
        try Data("other\n".utf8).write(
          to: URL(fileURLWithPath: destination + "/postconf-2026-03-04"))
      })
    #expect(result.archive == destination + "/postfix-2026-03-04-1.tar.gz")
    #expect(result.snapshot == destination + "/postconf-2026-03-04-1")
    #expect(
      scene.names(destination) == [
        "postconf-2026-03-04", "postconf-2026-03-04-1", "postfix-2026-03-04-1.tar.gz",
      ])
    #expect(try ApplySupport.read(destination + "/postconf-2026-03-04") == Array("other\n".utf8))
    #expect(
      try BackupArchive.read(result.archive).mainCF
        == (try ApplySupport.read(scene.config + "/main.cf")))
  }

  @Test func staleTemporariesAreRemovedFreshOnesKept() throws {
    let scene = try BackupScene()
    defer { scene.remove() }
    let destination = try scene.directory("backups")
    let old = Date(timeIntervalSinceNow: -3600)
    func file(_ name: String, date: Date) throws {
      try Data("partial".utf8).write(to: URL(fileURLWithPath: destination + "/" + name))
      try FileManager.default.setAttributes(
        [.modificationDate: date], ofItemAtPath: destination + "/" + name)
    }
    try file(".pfharden-tmp-1-a-postfix.tar.gz", date: old)
    try file(".pfharden-tmp-1-a-postconf", date: old)
    try file(".pfharden-tmp-2-b-postfix.tar.gz", date: Date())
    try file("notes-postfix.tar.gz", date: old)
    try FileManager.default.createDirectory(
      atPath: destination + "/.pfharden-tmp-dir", withIntermediateDirectories: false)
    try FileManager.default.setAttributes(
      [.modificationDate: old], ofItemAtPath: destination + "/.pfharden-tmp-dir")

    _ = try scene.backup(to: destination)
    #expect(
      scene.names(destination) == [
        ".pfharden-tmp-2-b-postfix.tar.gz", ".pfharden-tmp-dir", "notes-postfix.tar.gz",
        "postconf-2026-03-04", "postfix-2026-03-04.tar.gz",
      ])
  }

  // MARK: - Size

  @Test func snapshotsLargerThan16MiBAreTaken() throws {
    let scene = try BackupScene()
    defer { scene.remove() }
    let size = 17 << 20
    let program = scene.scratch + "/postconf"
    try Data("#!/bin/sh\nhead -c \(size) /dev/zero | tr '\\000' a\n".utf8)
      .write(to: URL(fileURLWithPath: program))
    chmod(program, 0o755)
    let snapshot = try SettingsSnapshot.take(
      configDirectory: scene.config, postconf: program, host: ApplySupport.host)
    #expect(snapshot.count == size)
    #expect(SettingsSnapshot.sizeLimit == 64 << 20)
    let result = try Backup.create(
      configDirectory: scene.config, destination: try scene.directory("backups"),
      snapshot: Array("mail_version = 3.7.11\n".utf8) + snapshot, date: "2026-03-04")
    let taken = try SettingsSnapshot.take(
      archive: result.archive, configDirectory: scene.config, host: ApplySupport.host)
    #expect(taken.source == .snapshot(result.snapshot))
    #expect(taken.output.count == size + 22)
  }
}
