import Foundation
import PostfixConfig
import Testing

@testable import PostfixHardening

/// Writes, rollback and validation, with failures injected through the writer seam.
@Suite struct ApplyExecutorTests {
  struct Injected: Error {}

  /// A relay plan for a fresh copy of the tricky fixture.
  func planInCopy() throws -> (ApplyPlan, String) {
    let directory = try ApplySupport.temporaryCopy(of: ApplySupport.tricky)
    let plan = try ApplySupport.plan(
      .relay, options: try ApplySupport.options(.relay),
      main: try ApplySupport.read(directory + "/main.cf"),
      master: try ApplySupport.read(directory + "/master.cf"), directory: directory)
    #expect(plan.mainCF.isChanged)
    #expect(plan.masterCF?.isChanged == true)
    return (plan, directory)
  }

  func originals(_ directory: String) throws -> [[UInt8]] {
    [
      try ApplySupport.read(ApplySupport.tricky + "/main.cf"),
      try ApplySupport.read(ApplySupport.tricky + "/master.cf"),
    ]
  }

  func current(_ directory: String) throws -> [[UInt8]] {
    [
      try ApplySupport.read(directory + "/main.cf"),
      try ApplySupport.read(directory + "/master.cf"),
    ]
  }

  @Test func writesBothFilesAndKeepsTheMode() throws {
    let (plan, directory) = try planInCopy()
    defer { ApplySupport.remove(directory) }
    chmod(directory + "/main.cf", 0o640)
    let outcome = try ApplyExecutor(validate: nil).execute(plan)
    #expect(outcome == .written([directory + "/main.cf", directory + "/master.cf"]))
    #expect(try current(directory) == [plan.mainCF.updated, plan.masterCF?.updated ?? []])
    var info = stat()
    #expect(stat(directory + "/main.cf", &info) == 0)
    #expect(info.st_mode & 0o777 == 0o640)
    #expect(try ApplyExecutor(validate: nil).execute(plan.unchangedCopy()) == .unchanged)
  }

  @Test func aWriteThatFailsHalfWayRestoresTheFirstFile() throws {
    let (plan, directory) = try planInCopy()
    defer { ApplySupport.remove(directory) }
    let executor = ApplyExecutor(
      write: { bytes, path, expected in
        if path.hasSuffix("master.cf") && bytes == plan.masterCF?.updated { throw Injected() }
        try AtomicWriter.writePreserving(bytes, to: path, expectedOriginal: expected)
      }, validate: nil)
    do {
      _ = try executor.execute(plan)
      Issue.record("no error")
    } catch let error as PostfixHardeningError {
      #expect(error.reason.contains("could not write \(directory)/master.cf"))
      #expect(error.reason.contains("the previous files were restored"))
    }
    #expect(try current(directory) == originals(directory))
  }

  @Test func anUnwritableDirectoryChangesNothing() throws {
    let (plan, directory) = try planInCopy()
    defer { ApplySupport.remove(directory) }
    // Root may write anywhere: the writer reports what a read-only directory would.
    let executor = ApplyExecutor(
      write: { _, path, _ in
        throw PostfixConfigError(.io, "create temporary file in \(path): Permission denied")
      }, validate: nil)
    #expect(throws: PostfixHardeningError(.configuration, "")) { try executor.execute(plan) }
    #expect(try current(directory) == originals(directory))
  }

  @Test func aConcurrentModificationIsNotOverwritten() throws {
    let (plan, directory) = try planInCopy()
    defer { ApplySupport.remove(directory) }
    let edited = Array("# changed by someone else\n".utf8) + plan.mainCF.original
    try Data(edited).write(to: URL(fileURLWithPath: directory + "/main.cf"))
    do {
      _ = try ApplyExecutor(validate: nil).execute(plan)
      Issue.record("no error")
    } catch let error as PostfixHardeningError {
      #expect(error.reason.contains("changed since it was read"))
      #expect(error.reason.contains("nothing was changed"))
    }
    #expect(try ApplySupport.read(directory + "/main.cf") == edited)
    #expect(try ApplySupport.read(directory + "/master.cf") == originals(directory)[1])
  }

  @Test func aNewValidationWarningWritesNothing() throws {
    let (plan, directory) = try planInCopy()
    defer { ApplySupport.remove(directory) }
    let calls = ValidationCallCounter()
    let executor = ApplyExecutor(
      validate: { _ in
        calls.increment()
        return calls.value == 1
          ? .init(succeeded: true, messages: ["postconf: warning: main.cf, line 3: old one"])
          : .init(
            succeeded: true,
            messages: [
              "postconf: warning: main.cf, line 9: old one", "postconf: warning: brand new",
            ])
      })
    do {
      _ = try executor.execute(plan)
      Issue.record("no error")
    } catch let error as PostfixHardeningError {
      #expect(error.reason.contains("brand new"))
      #expect(!error.reason.contains("old one"))
      #expect(error.reason.contains("nothing was written"))
    }
    #expect(calls.value == 2)
    #expect(try current(directory) == originals(directory))
  }

  @Test func theNewFilesAreValidatedInAStageBeforeAnyWrite() throws {
    let (plan, directory) = try planInCopy()
    defer { ApplySupport.remove(directory) }
    try Data("user = x\n".utf8).write(to: URL(fileURLWithPath: directory + "/mysql-aliases.cf"))
    let seen = StageObservations()
    let executor = ApplyExecutor(
      validate: { validated in
        seen.record(validated)
        if validated == directory {
          return .init(succeeded: true, messages: [])
        }
        // The stage: new files, old enough that postconf reads them at once,
        // other names linked to the configuration directory; nothing written yet.
        var info = stat()
        let now = Int(Date().timeIntervalSince1970)
        seen.check(lstat(validated + "/main.cf", &info) == 0 && info.st_mtim.tv_sec < now - 2)
        seen.check((info.st_mode & S_IFMT) == S_IFREG)
        seen.check((try? ApplySupport.read(validated + "/main.cf")) == plan.mainCF.updated)
        seen.check((try? ApplySupport.read(validated + "/master.cf")) == plan.masterCF?.updated)
        seen.check(
          (try? FileManager.default.destinationOfSymbolicLink(
            atPath: validated + "/mysql-aliases.cf")) == directory + "/mysql-aliases.cf")
        seen.check((try? ApplySupport.read(directory + "/main.cf")) == plan.mainCF.original)
        return .init(
          succeeded: true, messages: ["postconf: warning: \(validated)/main.cf, line 2: seen"])
      })
    do {
      _ = try executor.execute(plan)
      Issue.record("no error")
    } catch let error as PostfixHardeningError {
      // Messages about the stage name the configuration directory.
      #expect(error.reason.contains("\(directory)/main.cf, line 2: seen"), "\(error.reason)")
      #expect(error.reason.contains("nothing was written"))
    }
    #expect(seen.directories.count == 2)
    #expect(seen.directories.first == directory)
    #expect(seen.failures == 0)
    // The stage is gone.
    #expect(seen.directories.last.map { !FileManager.default.fileExists(atPath: $0) } == true)
    #expect(try current(directory) == originals(directory))
  }

  @Test func writesThroughASymlinkedMainCF() throws {
    let (plan, directory) = try planInCopy()
    defer { ApplySupport.remove(directory) }
    try FileManager.default.moveItem(
      atPath: directory + "/main.cf", toPath: directory + "/real-main.cf")
    try FileManager.default.createSymbolicLink(
      atPath: directory + "/main.cf", withDestinationPath: "real-main.cf")
    _ = try ApplyExecutor(validate: nil).execute(plan)
    #expect(try ApplySupport.read(directory + "/real-main.cf") == plan.mainCF.updated)
    let link = try FileManager.default.destinationOfSymbolicLink(atPath: directory + "/main.cf")
    #expect(link == "real-main.cf")
  }

  @Test func lineNumbersDoNotMakeAWarningNew() {
    #expect(
      ApplyExecutor.withoutLineNumbers("x/main.cf, line 12: overriding earlier entry: a=b")
        == "x/main.cf, line N: overriding earlier entry: a=b")
    #expect(ApplyExecutor.withoutLineNumbers("line ") == "line ")
    #expect(ApplyExecutor.withoutLineNumbers("headline 7x") == "headline Nx")
  }
}

final class ValidationCallCounter: @unchecked Sendable {
  private let lock = NSLock()
  private var count = 0
  var value: Int { lock.withLock { count } }
  func increment() { lock.withLock { count += 1 } }
}

extension ApplyPlan {
  /// The same plan with nothing left to write.
  func unchangedCopy() -> ApplyPlan {
    var copy = self
    copy.mainCF.original = copy.mainCF.updated
    if var master = copy.masterCF {
      master.original = master.updated
      copy.masterCF = master
    }
    return copy
  }
}

/// What a validator saw of the directories it was given.
final class StageObservations: @unchecked Sendable {
  private let lock = NSLock()
  private(set) var directories: [String] = []
  private(set) var failures = 0

  func record(_ directory: String) { lock.withLock { directories.append(directory) } }

  func check(_ condition: Bool) { if !condition { lock.withLock { failures += 1 } } }
}
