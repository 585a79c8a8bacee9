import Foundation
import Testing

@testable import PostfixConfig

// Serialized: two tests change the process umask.
@Suite(.serialized) struct AtomicWriterTests {
  @Test func theTemporaryNamesItMakesAreTheOnesItRecognises() throws {
    let scratch = try IOScratch()
    for _ in 0..<50 {
      let (descriptor, path) = try AtomicWriter.createTemporary(
        directory: scratch.path(""), base: "main.cf", mode: 0o600)
      close(descriptor)
      let name = String(path.split(separator: "/").last ?? "")
      #expect(AtomicWriter.isTemporaryName(name, for: "main.cf"), "\(name)")
      #expect(!AtomicWriter.isTemporaryName(name, for: "master.cf"), "\(name)")
      unlink(path)
    }
    for name in [".main.cf.tmp", ".main.cf.ABC.tmp", "main.cf.abc.tmp", ".main.cf.a b.tmp"] {
      #expect(!AtomicWriter.isTemporaryName(name, for: "main.cf"), "\(name)")
    }
  }

  @Test func postconfStyleWritesANew0644File() throws {
    // edit_e_file_mode: mode 0600 before, 0644 after, new inode, no main.cf.tmp left.
    let scratch = try IOScratch()
    try scratch.write("main.cf", "relayhost = old\n", mode: 0o600)
    let inode = try scratch.inode("main.cf")
    try AtomicWriter.writePostconfStyle(Array("relayhost = x\n".utf8), to: scratch.path("main.cf"))
    #expect(try scratch.read("main.cf") == "relayhost = x\n")
    #expect(try scratch.mode("main.cf") == 0o644)
    #expect(try scratch.inode("main.cf") != inode)
    #expect(try scratch.names() == ["main.cf"])
  }

  @Test func postconfStyleIgnoresTheUmask() throws {
    let scratch = try IOScratch()
    let old = umask(0o077)
    defer { umask(old) }
    try AtomicWriter.writePostconfStyle(Array("a = 1\n".utf8), to: scratch.path("main.cf"))
    #expect(try scratch.mode("main.cf") == 0o644)
  }

  @Test func postconfStyleReplacesASymlink() throws {
    // edit_e_file_symlink: main.cf becomes a regular file, real.cf is unchanged.
    let scratch = try IOScratch()
    try scratch.write("real.cf", "relayhost = old\n")
    try FileManager.default.createSymbolicLink(
      atPath: scratch.path("main.cf"), withDestinationPath: "real.cf")
    try AtomicWriter.writePostconfStyle(Array("relayhost = x\n".utf8), to: scratch.path("main.cf"))
    #expect(try scratch.type("main.cf") == .typeRegular)
    #expect(try scratch.read("main.cf") == "relayhost = x\n")
    #expect(try scratch.read("real.cf") == "relayhost = old\n")
  }

  @Test func postconfStyleFailureLeavesNoTemporaryFile() throws {
    let scratch = try IOScratch()
    // Renaming over a non-empty directory fails after the temporary file was written.
    try FileManager.default.createDirectory(
      atPath: scratch.path("main.cf/sub"), withIntermediateDirectories: true)
    let error = try #require(throws: PostfixConfigError.self) {
      try AtomicWriter.writePostconfStyle(Array("a = 1\n".utf8), to: scratch.path("main.cf"))
    }
    #expect(error.code == .io)
    #expect(error.reason.hasPrefix("rename \(scratch.path("main.cf.tmp"))"))
    #expect(try scratch.names() == ["main.cf"])
  }

  @Test func postconfStyleReportsAnUnwritableDirectory() throws {
    let path = "/nonexistent-pfharden-dir/main.cf"
    let error = try #require(throws: PostfixConfigError.self) {
      try AtomicWriter.writePostconfStyle([], to: path)
    }
    #expect(error.reason == "open \(path).tmp: No such file or directory")
  }

  @Test func preservingKeepsModeInodeOfLinkAndTarget() throws {
    let scratch = try IOScratch()
    try FileManager.default.createDirectory(
      atPath: scratch.path("etc"), withIntermediateDirectories: true)
    try scratch.write("etc/real.cf", "relayhost = old\n", mode: 0o640)
    try FileManager.default.createSymbolicLink(
      atPath: scratch.path("main.cf"), withDestinationPath: "etc/real.cf")
    try AtomicWriter.writePreserving(
      Array("relayhost = new\n".utf8), to: scratch.path("main.cf"),
      expectedOriginal: Array("relayhost = old\n".utf8))
    #expect(try scratch.type("main.cf") == .typeSymbolicLink)
    #expect(try scratch.read("etc/real.cf") == "relayhost = new\n")
    #expect(try scratch.mode("etc/real.cf") == 0o640)
    #expect(try scratch.names() == ["etc", "main.cf"])
    #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path("etc")) == ["real.cf"])
  }

  @Test func preservingKeepsTheOwner() throws {
    let scratch = try IOScratch()
    try scratch.write("main.cf", "a = 1\n", mode: 0o600)
    let before = try scratch.attributes("main.cf")
    try AtomicWriter.writePreserving(
      Array("a = 2\n".utf8), to: scratch.path("main.cf"), expectedOriginal: nil)
    let after = try scratch.attributes("main.cf")
    #expect((after[.ownerAccountID] as? NSNumber) == (before[.ownerAccountID] as? NSNumber))
    #expect(
      (after[.groupOwnerAccountID] as? NSNumber) == (before[.groupOwnerAccountID] as? NSNumber))
    #expect(try scratch.mode("main.cf") == 0o600)
  }

  @Test func preservingRefusesAConcurrentModification() throws {
    let scratch = try IOScratch()
    try scratch.write("main.cf", "relayhost = changed meanwhile\n")
    let error = try #require(throws: PostfixConfigError.self) {
      try AtomicWriter.writePreserving(
        Array("relayhost = new\n".utf8), to: scratch.path("main.cf"),
        expectedOriginal: Array("relayhost = old\n".utf8))
    }
    #expect(error.code == .concurrentModification)
    #expect(try scratch.read("main.cf") == "relayhost = changed meanwhile\n")
    #expect(try scratch.names() == ["main.cf"])
  }

  @Test func preservingRefusesAFileThatGrew() throws {
    let scratch = try IOScratch()
    try scratch.write("main.cf", "a = 1\n")
    #expect(throws: PostfixConfigError(.concurrentModification, "")) {
      try AtomicWriter.writePreserving([], to: scratch.path("main.cf"), expectedOriginal: [])
    }
    #expect(try scratch.read("main.cf") == "a = 1\n")
    #expect(try scratch.names() == ["main.cf"])
  }

  @Test func preservingRefusesWhenTheFileVanished() throws {
    let scratch = try IOScratch()
    #expect(throws: PostfixConfigError(.concurrentModification, "")) {
      try AtomicWriter.writePreserving([], to: scratch.path("main.cf"), expectedOriginal: [])
    }
    #expect(try scratch.names().isEmpty)
  }

  @Test func preservingCreatesAMissingFileWithTheUmask() throws {
    let scratch = try IOScratch()
    let old = umask(0o027)
    defer { umask(old) }
    try AtomicWriter.writePreserving(
      Array("a = 1\n".utf8), to: scratch.path("main.cf"), expectedOriginal: nil)
    #expect(try scratch.read("main.cf") == "a = 1\n")
    #expect(try scratch.mode("main.cf") == 0o640)
  }

  @Test func preservingFailureRemovesTheTemporaryFile() throws {
    let scratch = try IOScratch()
    // The target is a non-empty directory: rename fails after writing.
    try FileManager.default.createDirectory(
      atPath: scratch.path("main.cf/sub"), withIntermediateDirectories: true)
    #expect(throws: PostfixConfigError(.io, "")) {
      try AtomicWriter.writePreserving(
        Array("a\n".utf8), to: scratch.path("main.cf"), expectedOriginal: nil)
    }
    #expect(try scratch.names() == ["main.cf"])
  }

  @Test func preservingRefusesADanglingSymlink() throws {
    let scratch = try IOScratch()
    try FileManager.default.createSymbolicLink(
      atPath: scratch.path("main.cf"), withDestinationPath: "nowhere.cf")
    #expect(throws: PostfixConfigError(.io, "")) {
      try AtomicWriter.writePreserving([], to: scratch.path("main.cf"), expectedOriginal: nil)
    }
    #expect(try scratch.names() == ["main.cf"])
  }
}
