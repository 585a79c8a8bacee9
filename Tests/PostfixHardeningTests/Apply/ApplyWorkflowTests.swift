import Foundation
import PostfixConfig
import Testing

@testable import PostfixHardening

/// `ApplyWorkflow` as a library caller drives it, on copies of the Debian example.
///
/// Prepare (lock, read, plan) and commit (backup, write, validate).
/// The embedded defaults are used, so no installed Postfix is asked or validates.
struct ApplyWorkflowTests {
  static func request(_ directory: String, _ intent: ApplyWorkflow.Intent) throws
    -> ApplyWorkflow.Request
  {
    ApplyWorkflow.Request(
      profile: .sendOnly, configDirectory: directory,
      sources: ConfigurationDirectory.Options(
        defaults: .embedded, postfixVersion: try ApplySupport.version()),
      intent: intent)
  }

  /// A directory only this user can write to, for backups.
  static func backupDirectory() throws -> String {
    let path = FileManager.default.temporaryDirectory
      .appendingPathComponent("pfharden-workflow-backups-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(
      atPath: path, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
    return path
  }

  /// A copy of the Debian example and a backup directory only this user can
  /// write to; `remove()` deletes both.
  struct Workspace {
    let directory: String
    let backups: String

    init() throws {
      directory = try ApplySupport.temporaryCopy(of: ApplySupport.debian)
      do {
        backups = try ApplyWorkflowTests.backupDirectory()
      } catch {
        ApplySupport.remove(directory)
        throw error
      }
    }

    func remove() {
      ApplySupport.remove(directory)
      ApplySupport.remove(backups)
    }
  }

  static func files(_ directory: String) throws -> [[UInt8]] {
    try ["main.cf", "master.cf"].map { try ApplySupport.read(directory + "/" + $0) }
  }

  @Test func aPlanOnlyRequestTakesNoLockAndCannotBeCommitted() throws {
    let space = try Workspace()
    defer { space.remove() }
    let (directory, backups) = (space.directory, space.backups)
    let before = try Self.files(directory)
    var events: [ApplyWorkflow.Event] = []
    let prepared = try ApplyWorkflow.prepare(
      try Self.request(directory, .plan), events: { events.append($0) })
    #expect(events == [.began(.reading(directory)), .ended(.reading(directory))])
    #expect(prepared.plan.hasChanges)
    #expect(prepared.version.description == "3.7.11")
    // No lock is held: a writing run may prepare meanwhile.
    _ = try ApplyWorkflow.prepare(try Self.request(directory, .write))
    #expect(throws: PostfixHardeningError(.invalidRequest, "")) {
      try ApplyWorkflow.commit(prepared, backupDestination: backups)
    }
    #expect(try Self.files(directory) == before)
  }

  @Test func aWritingPlanHoldsTheDirectoryUntilItIsReleased() throws {
    let space = try Workspace()
    defer { space.remove() }
    let (directory, backups) = (space.directory, space.backups)
    do {
      let first = try ApplyWorkflow.prepare(try Self.request(directory, .write))
      let second = #expect(throws: PostfixHardeningError.self) {
        try ApplyWorkflow.prepare(try Self.request(directory, .write))
      }
      #expect(second?.reason.contains("another pfharden run is changing") == true)
      first.releaseLock()
      // A released plan is never written.
      let refused = #expect(throws: PostfixHardeningError.self) {
        try ApplyWorkflow.commit(first, backupDestination: backups)
      }
      #expect(refused?.reason.contains("lock was released") == true)
    }
    _ = try ApplyWorkflow.prepare(try Self.request(directory, .write))
  }

  @Test func commitBacksUpThenWritesAndSaysSoInOrder() throws {
    let space = try Workspace()
    defer { space.remove() }
    let (directory, backups) = (space.directory, space.backups)
    let prepared = try ApplyWorkflow.prepare(try Self.request(directory, .write))
    var events: [ApplyWorkflow.Event] = []
    let committed = try ApplyWorkflow.commit(
      prepared, backupDestination: backups, events: { events.append($0) })
    #expect(
      events == [
        .began(.backingUp(directory)), .ended(.backingUp(directory)),
        .backedUp(committed.backup), .began(.writing(validating: false)),
        .ended(.writing(validating: false)),
      ])
    #expect(!committed.validated)
    #expect(committed.outcome == .written([directory + "/main.cf"]))
    #expect(try ApplySupport.read(directory + "/main.cf") == prepared.plan.mainCF.updated)
    #expect(FileManager.default.fileExists(atPath: committed.backup.archive))
    #expect(committed.backup.archive.hasPrefix(backups + "/"))
    // The journal is gone once the write is validated.
    #expect(!FileManager.default.fileExists(atPath: directory + "/" + ApplyJournal.fileName))
    // Until released, no other run may change the directory.
    #expect(prepared.holdsLock)
    prepared.releaseLock()
    #expect(!prepared.holdsLock)
    // A second run finds nothing to change.
    let again = try ApplyWorkflow.run(
      try Self.request(directory, .write), backupDestination: backups)
    #expect(!again.prepared.plan.hasChanges)
    #expect(again.committed == nil)
  }

  @Test func debrisAndAnInterruptedApplyAreReportedBeforeReading() throws {
    let space = try Workspace()
    defer { space.remove() }
    let directory = space.directory
    let debris = directory + "/.main.cf.k3x9.tmp"
    #expect(FileManager.default.createFile(atPath: debris, contents: Data("half".utf8)))
    let plan = try ApplyWorkflow.prepare(try Self.request(directory, .plan)).plan
    try ApplyJournal.begin(plan, backup: "/var/backups/pfharden/postfix-2026-12-02.tar.gz")
    var events: [ApplyWorkflow.Event] = []
    _ = try ApplyWorkflow.prepare(
      try Self.request(directory, .write), events: { events.append($0) })
    #expect(events.first == .removedDebris(path: debris))
    #expect(!FileManager.default.fileExists(atPath: debris))
    guard events.count > 1, case .interrupted(let interrupted) = events[1] else {
      Issue.record("no interrupted apply reported: \(events)")
      return
    }
    #expect(interrupted.backup == "/var/backups/pfharden/postfix-2026-12-02.tar.gz")
    #expect(events.dropFirst(2).first == .began(.reading(directory)))
  }

  @Test func anUnusableCertificateStopsTheRunBeforeAnythingIsWritten() throws {
    let space = try Workspace()
    defer { space.remove() }
    let (directory, backups) = (space.directory, space.backups)
    let before = try Self.files(directory)
    var request = try Self.request(directory, .write)
    request.profile = .mx
    request.options.domains = ["example.test"]
    request.options.certificate = Transform.Certificate(
      certificateFile: directory + "/missing.pem", keyFile: directory + "/missing.key")
    let error = #expect(throws: PostfixHardeningError.self) {
      try ApplyWorkflow.run(request, backupDestination: backups)
    }
    guard case .certificateUnusable(let reason)? = error?.underlying as? ProfileRequirement else {
      Issue.record("not a certificate requirement: \(String(describing: error))")
      return
    }
    #expect(reason.hasSuffix("; nothing was written"))
    #expect(try Self.files(directory) == before)
  }

  @Test func aFailedWriteHasNamedItsBackupAndLeavesTheFiles() throws {
    let space = try Workspace()
    defer { space.remove() }
    let (directory, backups) = (space.directory, space.backups)
    let before = try Self.files(directory)
    struct DiskFull: Error {}
    let prepared = try ApplyWorkflow.prepare(try Self.request(directory, .write))
    var events: [ApplyWorkflow.Event] = []
    #expect(throws: (any Error).self) {
      try ApplyWorkflow.commit(
        prepared, backupDestination: backups,
        makeExecutor: { ApplyExecutor(write: { _, _, _ in throw DiskFull() }, validate: $0) },
        events: { events.append($0) })
    }
    #expect(events.contains { if case .backedUp = $0 { true } else { false } })
    #expect(try Self.files(directory) == before)
    #expect(!FileManager.default.fileExists(atPath: directory + "/" + ApplyJournal.fileName))
  }
}

extension ApplyWorkflowTests {
  @Test func oneCallLeavesTheDirectoryUnlocked() throws {
    let space = try Workspace()
    defer { space.remove() }
    let (directory, backups) = (space.directory, space.backups)
    let result = try ApplyWorkflow.run(
      try Self.request(directory, .write), backupDestination: backups)
    #expect(result.committed != nil)
    #expect(!result.prepared.holdsLock)
    // Another run may start while the caller still holds the result.
    let next = try ApplyWorkflow.prepare(try Self.request(directory, .write))
    #expect(next.holdsLock)
    withExtendedLifetime(result) {}
  }
}

extension ApplyWorkflowTests {
  @Test func aRefusedConfigurationKeepsPostconfsErrorAsTheUnderlyingOne() throws {
    let main = Array("inet_protocols = ipv5\n".utf8)
    let configuration = ApplySupport.configuration(main, nil)
    let planner = ApplyPlanner(
      version: try ApplySupport.version(), catalog: .embedded, host: ApplySupport.host)
    let error = #expect(throws: PostfixHardeningError.self) {
      try planner.plan([], for: configuration)
    }
    let underlying = error?.underlying as? PostfixConfigError
    #expect(underlying?.code == .fatalConfiguration)
    #expect(underlying?.reason == configuration.fatal)
  }
}
