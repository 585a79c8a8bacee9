import Foundation
import Testing

@testable import PostfixConfig

/// A shell script standing in for postconf, in a scratch directory, that
/// counts its runs; the cache directory is `cache` next to it.
private final class FakePostconf {
  let scratch: IOScratch
  var identityPaths: [String] = []

  init(_ body: String) throws {
    scratch = try IOScratch()
    try install(body)
  }

  var program: String { scratch.path("postconf") }
  var cache: String { scratch.path("cache") }

  /// Replaces the script (a new file renamed into place: new inode).
  func install(_ body: String) throws {
    let script = "#!/bin/sh\necho run >> '\(scratch.path("runs"))'\n\(body)\n"
    try writeFile(scratch.path("postconf.new"), Array(script.utf8), mode: 0o755)
    guard rename(scratch.path("postconf.new"), program) == 0 else { throw posixError("rename") }
  }

  /// How often the script ran.
  var runs: Int {
    let text = (try? scratch.read("runs")) ?? ""
    return text.split(separator: "\n").count
  }

  func output() throws -> [UInt8] {
    try DefaultsCache.defaultsOutput(
      postconf: program, cacheDirectory: cache, identityPaths: identityPaths)
  }

  /// The names in the cache directory.
  func entries() -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: cache)) ?? []).sorted()
  }

  /// The path of the entry for the current script.
  func entryPath() throws -> String {
    let key = try #require(DefaultsCache.key(postconf: program, identityPaths: identityPaths))
    return cache + "/" + DefaultsCache.fileName(key: key)
  }
}

// Writes through a close-on-exec descriptor, so no concurrently spawned child
// keeps the script open for writing (which would make it ETXTBSY).
private func writeFile(_ path: String, _ bytes: [UInt8], mode: mode_t) throws {
  let descriptor = open(path, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, mode)
  guard descriptor >= 0 else { throw posixError("open \(path)") }
  defer { close(descriptor) }
  let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
  guard written == bytes.count else { throw posixError("write \(path)") }
  guard fchmod(descriptor, mode) == 0 else { throw posixError("fchmod \(path)") }
}

private func posixError(_ what: String) -> POSIXError {
  POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO, userInfo: [NSLocalizedDescriptionKey: what])
}

private func fileStat(_ path: String) throws -> stat {
  var info = stat()
  guard lstat(path, &info) == 0 else { throw posixError("lstat \(path)") }
  return info
}

private func readBytes(_ path: String) throws -> [UInt8] {
  [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
}

/// Sets a file's modification time, keeping everything else.
private func setModificationTime(_ path: String, seconds: Int) throws {
  var times = [
    timespec(tv_sec: seconds, tv_nsec: 0), timespec(tv_sec: seconds, tv_nsec: 0),
  ]
  guard utimensat(AT_FDCWD, path, &times, 0) == 0 else { throw posixError("utimensat \(path)") }
}

/// Making a directory unwritable: mode 0500, or as root (where modes do not
/// bind) the immutable attribute through `chattr`, where the file system has it.
private enum Unwritable {
  static func make(_ directory: String) -> Bool {
    if geteuid() != 0 { return chmod(directory, 0o500) == 0 }
    return chattr("+i", directory)
  }

  static func undo(_ directory: String) {
    if geteuid() != 0 {
      _ = chmod(directory, 0o700)
    } else {
      _ = chattr("-i", directory)
    }
  }

  static let isPossible: Bool = {
    guard let scratch = try? IOScratch() else { return false }
    return withExtendedLifetime(scratch) {
      let probe = scratch.path("probe")
      guard mkdir(probe, 0o700) == 0, make(probe) else { return false }
      defer { undo(probe) }
      return !FileManager.default.createFile(atPath: probe + "/file", contents: Data())
    }
  }()

  private static func chattr(_ flag: String, _ path: String) -> Bool {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/chattr")
    process.arguments = [flag, path]
    process.standardError = FileHandle.nullDevice
    guard (try? process.run()) != nil else { return false }
    process.waitUntilExit()
    return process.terminationStatus == 0
  }
}

private let body = "printf 'alpha = 1\\nbeta = $alpha\\n'"
private let expected = Array("alpha = 1\nbeta = $alpha\n".utf8)

@Suite struct DefaultsCacheTests {
  @Test func firstCallRunsPostconfAndStoresAnEntry() throws {
    let fake = try FakePostconf(body)
    #expect(try fake.output() == expected)
    #expect(fake.runs == 1)
    let names = fake.entries()
    try #require(names.count == 1)
    #expect(names[0].hasPrefix("postconf-d-"))
    #expect(names[0].count == "postconf-d-".count + 16)
    #expect(names[0].dropFirst("postconf-d-".count).allSatisfy { "0123456789abcdef".contains($0) })
    let key = try #require(DefaultsCache.key(postconf: fake.program, identityPaths: []))
    #expect(names[0] == DefaultsCache.fileName(key: key))
    let entry = try readBytes(fake.cache + "/" + names[0])
    #expect(entry == Array(key.utf8) + [0x0A] + expected)
    #expect(try fileStat(fake.cache + "/" + names[0]).st_mode & 0o7777 == 0o600)
    #expect(try fileStat(fake.cache).st_mode & 0o7777 == 0o700)
  }

  @Test func secondCallReadsTheCacheWithoutRunningPostconf() throws {
    let fake = try FakePostconf(body)
    let first = try fake.output()
    let second = try fake.output()
    #expect(first == expected)
    #expect(second == first)
    #expect(fake.runs == 1)
  }

  @Test func theCatalogueBuiltOnTheEmbeddedOneIsCachedAsATable() throws {
    // A release that prints three names, one the embedded catalogue lacks.
    let fake = try FakePostconf(
      "printf 'mail_version = 3.8.2\\nsmtpd_banner = $myhostname hi\\nzz_new = 1\\n'")
    let first = try InstalledPostfix.catalog(postconf: fake.program, cacheDirectory: fake.cache)
    #expect(fake.runs == 1)
    // The output and the table: two entries.
    #expect(fake.entries().count == 2)
    let second = try InstalledPostfix.catalog(postconf: fake.program, cacheDirectory: fake.cache)
    #expect(fake.runs == 1)
    for catalog in [first, second] {
      #expect(catalog.names == ["mail_version", "smtpd_banner", "zz_new"])
      #expect(catalog.version == PostfixVersion("3.8.2"))
      #expect(catalog.parameter("smtpd_banner")?.defaultValue == Array("$myhostname hi".utf8))
      #expect(catalog.unlistedNames == ParameterCatalog.embedded.unlistedNames)
    }
    #expect(
      second.parameter("smtpd_banner")?.introducedIn
        == ParameterCatalog.embedded.parameter("smtpd_banner")?.introducedIn)
    // A table entry that cannot be read is not used: the catalogue is built again.
    let key = try #require(
      DefaultsCache.key(postconf: fake.program, identityPaths: DefaultsCache.defaultIdentityPaths))
    let tablePath =
      fake.cache + "/"
      + DefaultsCache.fileName(key: key + "; " + ParameterCatalog.embeddedCacheTag)
    let entry = try readBytes(tablePath)
    try writeFile(
      tablePath, Array(entry.prefix(while: { $0 != 0x0A })) + [0x0A] + Array("junk\n".utf8),
      mode: 0o600)
    let third = try InstalledPostfix.catalog(postconf: fake.program, cacheDirectory: fake.cache)
    #expect(third.names == first.names)
    #expect(fake.runs == 1)
  }

  @Test func arbitraryBytesRoundTrip() throws {
    // NUL, 0xFF, CR, a leading blank line and no final line feed.
    let fake = try FakePostconf("printf '\\nx = \\377\\000\\r\\ny = 2'")
    let bytes: [UInt8] =
      [0x0A] + Array("x = ".utf8) + [0xFF, 0x00, 0x0D, 0x0A] + Array("y = 2".utf8)
    #expect(try fake.output() == bytes)
    #expect(try fake.output() == bytes)
    #expect(fake.runs == 1)
  }

  @Test func emptyOutputIsCachedToo() throws {
    let fake = try FakePostconf("true")
    #expect(try fake.output() == [])
    #expect(try fake.output() == [])
    #expect(fake.runs == 1)
  }

  @Test func touchingTheProgramRunsItAgain() throws {
    let fake = try FakePostconf(body)
    _ = try fake.output()
    try setModificationTime(fake.program, seconds: 1_577_836_800)
    #expect(try fake.output() == expected)
    #expect(fake.runs == 2)
    #expect(try fake.output() == expected)
    #expect(fake.runs == 2)
  }

  @Test func replacingTheProgramRunsTheNewOne() throws {
    let fake = try FakePostconf(body)
    #expect(try fake.output() == expected)
    try fake.install("printf 'alpha = 2\\n'")
    #expect(try fake.output() == Array("alpha = 2\n".utf8))
    #expect(fake.runs == 2)
    #expect(try fake.output() == Array("alpha = 2\n".utf8))
    #expect(fake.runs == 2)
  }

  @Test func aSymbolicLinkSharesTheProgramsEntry() throws {
    let fake = try FakePostconf(body)
    let link = fake.scratch.path("link-to-postconf")
    try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: fake.program)
    _ = try fake.output()
    let viaLink = try DefaultsCache.defaultsOutput(
      postconf: link, cacheDirectory: fake.cache, identityPaths: [])
    #expect(viaLink == expected)
    #expect(fake.runs == 1)
    #expect(
      DefaultsCache.key(postconf: link, identityPaths: [])
        == DefaultsCache.key(postconf: fake.program, identityPaths: []))
  }

  @Test func changingAnIdentityPathRunsItAgain() throws {
    let fake = try FakePostconf(body)
    let library = fake.scratch.path("lib")
    fake.identityPaths = [library]
    _ = try fake.output()
    // Absent, then present.
    try FileManager.default.createDirectory(atPath: library, withIntermediateDirectories: false)
    _ = try fake.output()
    #expect(fake.runs == 2)
    _ = try fake.output()
    #expect(fake.runs == 2)
    // A library added to it changes the directory's times and size.
    try writeFile(library + "/libpostfix-global.so", [1, 2, 3], mode: 0o644)
    try setModificationTime(library, seconds: 1_577_836_800)
    #expect(try fake.output() == expected)
    #expect(fake.runs == 3)
  }

  @Test(arguments: [
    ("wrong header", Array("pfharden postconf -d cache 1: /elsewhere\nalpha = 9\n".utf8)),
    ("empty", []),
    ("no line feed", Array("pfharden".utf8)),
  ])
  func aCorruptEntryIsReplaced(_ kind: String, _ content: [UInt8]) throws {
    let fake = try FakePostconf(body)
    _ = try fake.output()
    let entry = try fake.entryPath()
    let good = try readBytes(entry)
    try writeFile(entry, content, mode: 0o600)
    #expect(try fake.output() == expected, "\(kind)")
    #expect(fake.runs == 2)
    #expect(try readBytes(entry) == good)
    #expect(try fake.output() == expected)
    #expect(fake.runs == 2)
  }

  @Test func anEntryBeyondTheOutputLimitIsNotRead() throws {
    let fake = try FakePostconf(body)
    _ = try fake.output()
    let entry = try fake.entryPath()
    let header = try readBytes(entry).prefix { $0 != 0x0A }.count + 1
    // Sparse: the right header, then more than outputLimit bytes.
    guard truncate(entry, off_t(header + InstalledPostfix.outputLimit + 1)) == 0 else {
      throw posixError("truncate")
    }
    #expect(try fake.output() == expected)
    #expect(fake.runs == 2)
    #expect(try fileStat(entry).st_size < 1000)
  }

  @Test func aGroupWritableEntryIsIgnoredAndKept() throws {
    let fake = try FakePostconf(body)
    _ = try fake.output()
    let entry = try fake.entryPath()
    // Looks valid, but anyone in the group could have written it.
    let planted = Array(try readBytes(entry).prefix { $0 != 0x0A }) + Array("\nalpha = 9\n".utf8)
    try writeFile(entry, planted, mode: 0o620)
    #expect(try fake.output() == expected)
    #expect(try fake.output() == expected)
    #expect(fake.runs == 3)
    #expect(try readBytes(entry) == planted)
    #expect(try fileStat(entry).st_mode & 0o7777 == 0o620)
  }

  @Test(.enabled(if: geteuid() == 0, "chown needs root"))
  func anEntryOwnedBySomeoneElseIsIgnored() throws {
    let fake = try FakePostconf(body)
    _ = try fake.output()
    let entry = try fake.entryPath()
    let planted = Array(try readBytes(entry).prefix { $0 != 0x0A }) + Array("\nalpha = 9\n".utf8)
    try writeFile(entry, planted, mode: 0o600)
    guard chown(entry, 65534, 65534) == 0 else { throw posixError("chown") }
    #expect(try fake.output() == expected)
    #expect(try fake.output() == expected)
    #expect(fake.runs == 3)
    #expect(try readBytes(entry) == planted)
  }

  @Test func aSymbolicLinkEntryIsNotFollowed() throws {
    let fake = try FakePostconf(body)
    _ = try fake.output()
    let entry = try fake.entryPath()
    let target = fake.scratch.path("elsewhere")
    let planted = Array(try readBytes(entry).prefix { $0 != 0x0A }) + Array("\nalpha = 9\n".utf8)
    try writeFile(target, planted, mode: 0o600)
    guard unlink(entry) == 0 else { throw posixError("unlink") }
    try FileManager.default.createSymbolicLink(atPath: entry, withDestinationPath: target)
    #expect(try fake.output() == expected)
    #expect(fake.runs == 2)
    #expect(try fileStat(entry).st_mode & S_IFMT == S_IFLNK)
    #expect(try readBytes(target) == planted)
  }

  @Test func aGroupWritableDirectoryIsNeitherReadNorWritten() throws {
    let fake = try FakePostconf(body)
    _ = try fake.output()
    guard chmod(fake.cache, 0o770) == 0 else { throw posixError("chmod") }
    #expect(try fake.output() == expected)
    #expect(fake.runs == 2)
    let entry = try fake.entryPath()
    guard unlink(entry) == 0 else { throw posixError("unlink") }
    #expect(try fake.output() == expected)
    #expect(fake.runs == 3)
    #expect(fake.entries() == [])
  }

  @Test(.enabled(if: geteuid() == 0, "chown needs root"))
  func aDirectoryOwnedBySomeoneElseIsNeitherReadNorWritten() throws {
    let fake = try FakePostconf(body)
    guard mkdir(fake.cache, 0o700) == 0, chown(fake.cache, 65534, 65534) == 0 else {
      throw posixError("mkdir/chown")
    }
    #expect(try fake.output() == expected)
    #expect(try fake.output() == expected)
    #expect(fake.runs == 2)
    #expect(fake.entries() == [])
  }

  @Test(.enabled(if: Unwritable.isPossible, "cannot make a directory unwritable here"))
  func anUnwritableDirectoryFallsBackToPostconf() throws {
    let fake = try FakePostconf(body)
    guard mkdir(fake.cache, 0o700) == 0 else { throw posixError("mkdir") }
    try #require(Unwritable.make(fake.cache))
    defer { Unwritable.undo(fake.cache) }
    #expect(try fake.output() == expected)
    #expect(try fake.output() == expected)
    #expect(fake.runs == 2)
    #expect(fake.entries() == [])
  }

  @Test func aDirectoryThatCannotBeCreatedFallsBackToPostconf() throws {
    let fake = try FakePostconf(body)
    try writeFile(fake.scratch.path("file"), [], mode: 0o600)
    let cache = fake.scratch.path("file/cache")
    for _ in 0..<2 {
      let output = try DefaultsCache.defaultsOutput(
        postconf: fake.program, cacheDirectory: cache, identityPaths: [])
      #expect(output == expected)
    }
    #expect(fake.runs == 2)
  }

  @Test func missingParentsAreCreated() throws {
    let fake = try FakePostconf(body)
    let cache = fake.scratch.path("home/.cache/pfharden")
    _ = try DefaultsCache.defaultsOutput(
      postconf: fake.program, cacheDirectory: cache, identityPaths: [])
    _ = try DefaultsCache.defaultsOutput(
      postconf: fake.program, cacheDirectory: cache, identityPaths: [])
    #expect(fake.runs == 1)
    #expect(try fileStat(fake.scratch.path("home/.cache")).st_mode & 0o7777 == 0o700)
  }

  @Test func aFailingPostconfIsNotCachedAndFailsAsBefore() throws {
    let fake = try FakePostconf("echo 'postconf: fatal: broken' >&2; printf 'alpha = 1\\n'; exit 1")
    let direct = #expect(throws: PostfixConfigError.self) {
      try InstalledPostfix.defaultsOutput(postconf: fake.program)
    }
    for _ in 0..<2 {
      let cached = #expect(throws: PostfixConfigError.self) { try fake.output() }
      #expect(cached?.code == .postfixTool)
      #expect(cached?.reason == direct?.reason)
    }
    #expect(direct?.reason.contains("exited with status 1: postconf: fatal: broken") == true)
    #expect(fake.runs == 3)
    #expect(fake.entries() == [])
  }

  @Test func aMissingProgramFailsAsBefore() throws {
    let scratch = try IOScratch()
    let missing = scratch.path("no-postconf")
    let direct = #expect(throws: PostfixConfigError.self) {
      try InstalledPostfix.defaultsOutput(postconf: missing)
    }
    let cached = #expect(throws: PostfixConfigError.self) {
      try DefaultsCache.defaultsOutput(
        postconf: missing, cacheDirectory: scratch.path("cache"), identityPaths: [])
    }
    #expect(cached?.reason == direct?.reason)
  }

  @Test func keyNamesTheRealPathAndEveryIdentityPath() throws {
    let fake = try FakePostconf(body)
    let key = try #require(
      DefaultsCache.key(postconf: fake.program, identityPaths: ["/nonexistent-pfharden"]))
    let real = try #require(realpath(fake.program, nil))
    defer { free(real) }
    let info = try fileStat(fake.program)
    #expect(key.hasPrefix("pfharden postconf -d cache 1: \(String(cString: real)) "))
    #expect(key.contains(" ino=\(info.st_ino) size=\(info.st_size) "))
    #expect(key.hasSuffix("; /nonexistent-pfharden absent"))
  }

  @Test func aPathWithALineFeedIsNotCached() throws {
    let fake = try FakePostconf(body)
    let odd = fake.scratch.path("post\nconf")
    guard link(fake.program, odd) == 0 else { throw posixError("link") }
    #expect(DefaultsCache.key(postconf: odd, identityPaths: []) == nil)
    for _ in 0..<2 {
      let output = try DefaultsCache.defaultsOutput(
        postconf: odd, cacheDirectory: fake.cache, identityPaths: [])
      #expect(output == expected)
    }
    #expect(fake.runs == 2)
  }

  @Test func fnv1aMatchesTheReferenceVectors() {
    #expect(DefaultsCache.fnv1a64([]) == 0xcbf2_9ce4_8422_2325)
    #expect(DefaultsCache.fnv1a64(Array("a".utf8)) == 0xaf63_dc4c_8601_ec8c)
    #expect(DefaultsCache.fnv1a64(Array("foobar".utf8)) == 0x8594_4171_f739_67e8)
    #expect(DefaultsCache.fileName(key: "a") == "postconf-d-af63dc4c8601ec8c")
  }

  @Test(.enabled(if: RealPostfix.shouldRun, RealPostfix.skipComment))
  func realPostconfGivesTheSameDefaults() throws {
    try RealPostfix.requirePostconf()
    let scratch = try IOScratch()
    let cache = scratch.path("cache")
    let direct = try InstalledPostfix.defaultsOutput(postconf: RealPostfix.postconfPath)
    let first = try DefaultsCache.defaultsOutput(
      postconf: RealPostfix.postconfPath, cacheDirectory: cache)
    let second = try DefaultsCache.defaultsOutput(
      postconf: RealPostfix.postconfPath, cacheDirectory: cache)
    // process_id is postconf's own pid, different on every run.
    func stable(_ bytes: [UInt8]) -> [Substring] {
      String(decoding: bytes, as: UTF8.self).split(separator: "\n")
        .filter { !$0.hasPrefix("process_id =") }
    }
    #expect(stable(first) == stable(direct))
    #expect(second == first)
    let names = try FileManager.default.contentsOfDirectory(atPath: cache)
    #expect(names.count == 1)
  }
}
