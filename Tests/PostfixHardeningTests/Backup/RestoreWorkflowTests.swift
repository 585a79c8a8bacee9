import Foundation
import PostfixConfig
import Testing

@testable import PostfixHardening

/// `RestoreWorkflow`: an apply undone from its own backup, through the library.
struct RestoreWorkflowTests {
  @Test func anApplyIsUndoneFromItsBackup() throws {
    let space = try ApplyWorkflowTests.Workspace()
    defer { space.remove() }
    let (directory, backups) = (space.directory, space.backups)
    let before = try ApplyWorkflowTests.files(directory)
    let applied = try ApplyWorkflow.run(
      try ApplyWorkflowTests.request(directory, .write), backupDestination: backups)
    let archive = try #require(applied.committed?.backup.archive)
    #expect(try ApplyWorkflowTests.files(directory) != before)
    let sources = ConfigurationDirectory.Options(defaults: .embedded)
    // Plan only: nothing is locked or written, the diff is shown.
    let shown = try RestoreWorkflow.prepare(
      RestoreWorkflow.Request(archive: archive, configDirectory: directory, sources: sources))
    #expect(shown.plan.hasChanges)
    #expect(!shown.holdsLock)
    #expect(throws: PostfixHardeningError(.invalidRequest, "")) {
      try RestoreWorkflow.commit(shown, backupDestination: backups)
    }
    let prepared = try RestoreWorkflow.prepare(
      RestoreWorkflow.Request(
        archive: archive, configDirectory: directory, sources: sources, intent: .write))
    var events: [ApplyWorkflow.Event] = []
    let committed = try RestoreWorkflow.commit(
      prepared, backupDestination: backups, events: { events.append($0) })
    #expect(committed.result.written == [directory + "/main.cf"])
    #expect(!committed.validated)
    #expect(try ApplyWorkflowTests.files(directory) == before)
    // The restore is itself backed up, so it can be undone too.
    let backup = try #require(committed.result.backup)
    #expect(backup.archive != archive)
    #expect(
      events == [
        .began(.backingUpAndWriting(validating: false)), .backedUp(backup),
        .ended(.backingUpAndWriting(validating: false)),
      ])
  }
}
