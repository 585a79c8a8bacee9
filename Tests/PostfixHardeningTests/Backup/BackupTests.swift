import Foundation
import Testing

@testable import PostfixHardening

@Suite struct BackupTests {
  @Test func namesNeverRepeat() {
    #expect(
      Backup.names(date: "2026-01-02", existing: []) == (
        "postfix-2026-01-02.tar.gz", "postconf-2026-01-02"
      ))
    #expect(
      Backup.names(date: "2026-01-02", existing: ["postfix-2026-01-02.tar.gz"])
        == ("postfix-2026-01-02-1.tar.gz", "postconf-2026-01-02-1"))
    #expect(
      Backup.names(date: "2026-01-02", existing: ["postconf-2026-01-02", "postconf-2026-01-02-1"])
        == ("postfix-2026-01-02-2.tar.gz", "postconf-2026-01-02-2"))
  }

  @Test func createsListableArchivesWithoutOverwriting() throws {
    let config = try ApplySupport.temporaryCopy(of: ApplySupport.debian)
    let destination = FileManager.default.temporaryDirectory
      .appendingPathComponent("pfharden-backup-\(UUID().uuidString)/nested").path
    defer {
      ApplySupport.remove(config)
      ApplySupport.remove((destination as NSString).deletingLastPathComponent)
    }
    let first = try Backup.create(
      configDirectory: config, destination: destination, snapshot: Array("a = 1\n".utf8),
      date: "2026-03-04")
    let second = try Backup.create(
      configDirectory: config, destination: destination, snapshot: Array("a = 2\n".utf8),
      date: "2026-03-04")
    #expect(first.archive.hasSuffix("/postfix-2026-03-04.tar.gz"))
    #expect(second.archive.hasSuffix("/postfix-2026-03-04-1.tar.gz"))
    #expect(second.snapshot.hasSuffix("/postconf-2026-03-04-1"))
    #expect(try ApplySupport.read(first.snapshot) == Array("a = 1\n".utf8))
    #expect(try ApplySupport.read(second.snapshot) == Array("a = 2\n".utf8))
    let listing = try SystemCommand.run("/usr/bin/tar", ["tzf", first.archive])
    #expect(listing.status == 0)
    let names = String(decoding: listing.stdout, as: UTF8.self)
    let base = (config as NSString).lastPathComponent
    #expect(names.contains("\(base)/main.cf"))
    #expect(names.contains("\(base)/master.cf"))
    let attributes = try FileManager.default.attributesOfItem(atPath: destination)
    #expect((attributes[.posixPermissions] as? Int) == 0o700)
  }

  @Test func refusesADestinationInsideTheConfiguration() throws {
    let config = try ApplySupport.temporaryCopy(of: ApplySupport.debian)
    defer { ApplySupport.remove(config) }
    #expect(throws: PostfixHardeningError(.invalidRequest, "")) {
      try Backup.create(configDirectory: config, destination: config + "/backups", snapshot: [])
    }
  }

  @Test func aMissingConfigurationDirectoryFails() {
    #expect(throws: PostfixHardeningError(.configuration, "")) {
      try Backup.create(
        configDirectory: "/nonexistent/pfharden", destination: "/tmp/unused", snapshot: [])
    }
  }

  @Test func snapshotInProcessMatchesParse() throws {
    let snapshot = try SettingsSnapshot.take(
      configDirectory: ApplySupport.debian, postconf: nil, host: ApplySupport.host)
    let settings = SettingsSnapshot.settings(snapshot)
    #expect(settings["myhostname"] == "vm")
    #expect(settings["inet_interfaces"] == "all")
    #expect(settings["mail_version"] == "3.7.11")
    #expect(settings.count > 500)
  }
}

@Suite struct SnapshotDiffTests {
  @Test func reportsAddedRemovedAndChangedByName() {
    let changes = SnapshotDiff.compare(
      ["a": "1", "b": "x  y", "c": "gone", "process_id": "1"],
      ["a": "2", "b": "x y", "d": "new", "process_id": "2"])
    #expect(
      changes == [
        .changed(name: "a", old: "1", new: "2"), .removed(name: "c", value: "gone"),
        .added(name: "d", value: "new"),
      ])
    #expect(SnapshotDiff.compare(["a": "1"], ["a": "1"]).isEmpty)
  }
}
