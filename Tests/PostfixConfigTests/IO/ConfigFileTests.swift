import Foundation
import Testing

@testable import PostfixConfig

@Suite struct ConfigFileTests {
  @Test func readsWholeFilesAndTheirIdentity() throws {
    let scratch = try IOScratch()
    let text = String(repeating: "relayhost = a.example\r\n", count: 10_000)
    try scratch.write("main.cf", text)
    #expect(try ConfigFile.read(path: scratch.path("main.cf")) == Array(text.utf8))
    let snapshot = try ConfigFile.readSnapshot(path: scratch.path("main.cf"))
    #expect(snapshot.bytes == Array(text.utf8))
    #expect(snapshot.identity.size == text.utf8.count)
    #expect(snapshot.identity.inode == UInt64(try scratch.inode("main.cf")))
    #expect(try ConfigFile.identity(path: scratch.path("main.cf")) == snapshot.identity)
  }

  @Test func identityChangesWhenTheFileIsReplaced() throws {
    let scratch = try IOScratch()
    try scratch.write("main.cf", "a = 1\n")
    let before = try ConfigFile.identity(path: scratch.path("main.cf"))
    try AtomicWriter.writePostconfStyle(Array("a = 1\n".utf8), to: scratch.path("main.cf"))
    #expect(try ConfigFile.identity(path: scratch.path("main.cf")) != before)
  }

  @Test func missingFileUsesPostconfText() throws {
    // lex_missing_main_cf: "fatal: open $CONFDIR/main.cf: No such file or directory".
    let scratch = try IOScratch()
    let path = scratch.path("main.cf")
    let error = try #require(throws: PostfixConfigError.self) { try ConfigFile.read(path: path) }
    #expect(error.code == .io)
    #expect(error.reason == "open \(path): No such file or directory")
  }

  @Test func sizeIsCheckedBeforeReading() throws {
    let scratch = try IOScratch()
    try scratch.write("main.cf", "")
    // A sparse file far larger than the limit: reading it would take a long time.
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: scratch.path("main.cf")))
    try handle.truncate(atOffset: UInt64(MainCF.maximumSize) * 16)
    try handle.close()
    let error = try #require(throws: PostfixConfigError.self) {
      try ConfigFile.read(path: scratch.path("main.cf"))
    }
    #expect(error.code == .fileTooLarge)
    #expect(
      error.reason
        == "open \(scratch.path("main.cf")): file is larger than the limit of 67108864 bytes")
  }

  @Test func limitIsInclusive() throws {
    let scratch = try IOScratch()
    try scratch.write("main.cf", "12345")
    #expect(try ConfigFile.read(path: scratch.path("main.cf"), limit: 5).count == 5)
    #expect(throws: PostfixConfigError(.fileTooLarge, "")) {
      try ConfigFile.read(path: scratch.path("main.cf"), limit: 4)
    }
    #expect(MainCF.maximumSize == 64 * 1024 * 1024)
  }

  @Test func directoryIsAnError() throws {
    let scratch = try IOScratch()
    #expect(throws: PostfixConfigError(.io, "")) { try ConfigFile.read(path: scratch.directory) }
  }

  @Test(.timeLimit(.minutes(1)))
  func onlyRegularFilesAreRead() throws {
    // A FIFO would block until a writer comes, /dev/zero never ends.
    let scratch = try IOScratch()
    let fifo = scratch.path("main.cf")
    #expect(mkfifo(fifo, 0o644) == 0)
    for read in [
      { try ConfigFile.read(path: $0) }, { try ConfigFile.readShared(path: $0).bytes },
      { try ConfigFile.readSnapshot(path: $0).bytes },
    ] as [(String) throws -> [UInt8]] {
      let error = try #require(throws: PostfixConfigError.self) { try read(fifo) }
      #expect(error.code == .io)
      #expect(error.reason == "open \(fifo): not a regular file (a FIFO)")
    }
    let device = try #require(throws: PostfixConfigError.self) {
      try ConfigFile.read(path: "/dev/zero")
    }
    #expect(device.reason == "open /dev/zero: not a regular file (a character device)")
    // A directory keeps postconf's words; a regular file is still read.
    let directory = try #require(throws: PostfixConfigError.self) {
      try ConfigFile.read(path: scratch.directory)
    }
    #expect(directory.reason == "read \(scratch.directory): Is a directory")
    try scratch.write("master.cf", "a = 1\n")
    #expect(try ConfigFile.read(path: scratch.path("master.cf")) == Array("a = 1\n".utf8))
  }

  @Test func sharedReadsMapLargeFilesAndCopySmallOnes() throws {
    let scratch = try IOScratch()
    let line = "zz_class = check_client_access hash:/etc/postfix/access,\r\n    permit\n"
    let large = String(repeating: line, count: ConfigFile.mappingThreshold / line.utf8.count + 1)
    try scratch.write("large.cf", large)
    try scratch.write("small.cf", line)
    try scratch.write("empty.cf", "")
    let mapped = try ConfigFile.readShared(path: scratch.path("large.cf"))
    #expect(mapped.isMapped)
    #expect(mapped.count == large.utf8.count)
    #expect(mapped.bytes == Array(large.utf8))
    #expect(mapped.withUnsafeBufferPointer { Array($0.suffix(3)) } == Array("it\n".utf8))
    let small = try ConfigFile.readShared(path: scratch.path("small.cf"))
    #expect(!small.isMapped)
    #expect(small.bytes == Array(line.utf8))
    // The threshold is the caller's; an empty file is never mapped.
    #expect(try ConfigFile.readShared(path: scratch.path("small.cf"), mappingFrom: 1).isMapped)
    let empty = try ConfigFile.readShared(path: scratch.path("empty.cf"), mappingFrom: 0)
    #expect(!empty.isMapped && empty.count == 0)
    // Equal bytes are equal, however they are held.
    #expect(mapped == FileBytes(Array(large.utf8)))
    #expect(small == (try ConfigFile.readShared(path: scratch.path("small.cf"), mappingFrom: 1)))
    #expect(mapped != small)
  }

  @Test func sharedReadsFailAsReadsDo() throws {
    let scratch = try IOScratch()
    let missing = scratch.path("main.cf")
    let error = try #require(throws: PostfixConfigError.self) {
      try ConfigFile.readShared(path: missing)
    }
    #expect(error.reason == "open \(missing): No such file or directory")
    #expect(throws: PostfixConfigError(.io, "")) {
      try ConfigFile.readShared(path: scratch.directory)
    }
    try scratch.write("main.cf", "12345")
    #expect(throws: PostfixConfigError(.fileTooLarge, "")) {
      try ConfigFile.readShared(path: missing, limit: 4, mappingFrom: 1)
    }
  }

  @Test func mappedBytesOutliveTheReplacedFile() throws {
    // Postfix's edits (and ours) replace main.cf by renaming: a mapping of
    // the old file keeps its bytes.
    let scratch = try IOScratch()
    let text = String(repeating: "a = 1\n", count: 1000)
    try scratch.write("main.cf", text)
    let mapped = try ConfigFile.readShared(path: scratch.path("main.cf"), mappingFrom: 1)
    try AtomicWriter.writePostconfStyle(Array("b = 2\n".utf8), to: scratch.path("main.cf"))
    #expect(mapped.isMapped)
    #expect(mapped.bytes == Array(text.utf8))
  }
}
