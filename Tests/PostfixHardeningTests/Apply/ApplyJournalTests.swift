import Foundation
import PostfixConfig
import Testing

@testable import PostfixHardening

/// A run killed between its writes is reported by the next, file by file.
@Suite struct ApplyJournalTests {
  @Test func halfAppliedFilesAreToldApart() throws {
    let directory = try ApplySupport.temporaryCopy(of: ApplySupport.debian)
    defer { ApplySupport.remove(directory) }
    let main = try ApplySupport.read(directory + "/main.cf")
    let master = try ApplySupport.read(directory + "/master.cf")
    let plan = try ApplySupport.plan(
      .submission, options: try ApplySupport.options(.submission), main: main, master: master,
      directory: directory)
    #expect(plan.mainCF.isChanged && plan.masterCF?.isChanged == true)
    #expect(ApplyJournal.interrupted(configDirectory: directory) == nil)
    try ApplyJournal.begin(plan, backup: "/var/backups/pfharden/postfix-2026-12-02.tar.gz")
    // Killed after main.cf was replaced, before master.cf.
    try Data(plan.mainCF.updated).write(to: URL(fileURLWithPath: directory + "/main.cf"))
    let report = try #require(ApplyJournal.interrupted(configDirectory: directory))
    #expect(
      report.files == [
        InterruptedApply.File(path: "\(directory)/main.cf", state: .new),
        InterruptedApply.File(path: "\(directory)/master.cf", state: .old),
      ])
    #expect(report.backup == "/var/backups/pfharden/postfix-2026-12-02.tar.gz")
    #expect(report.configDirectory == directory)
    #expect("\(report)".contains("\(directory)/main.cf has the new content"))
    #expect("\(report)".contains("\(directory)/master.cf still has the old content"))
    #expect("\(report)".contains("its backup is /var/backups/pfharden/postfix-2026-12-02.tar.gz"))
    #expect(!"\(report)".contains("pfharden restore"), "the library names no command")
    // Read once: the record is gone.
    #expect(ApplyJournal.interrupted(configDirectory: directory) == nil)
    // A finished run leaves nothing.
    try ApplyJournal.begin(plan, backup: "/b.tar.gz")
    ApplyJournal.end(configDirectory: directory)
    #expect(!FileManager.default.fileExists(atPath: directory + "/" + ApplyJournal.fileName))
  }
}
