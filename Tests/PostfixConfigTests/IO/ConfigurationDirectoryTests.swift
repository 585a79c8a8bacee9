import Foundation
import Testing

@testable import PostfixConfig

/// ``ConfigurationDirectory/open(_:options:)``: one way to read a directory.
@Suite struct ConfigurationDirectoryTests {
  static let debian = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Examples/debian").path

  static let embedded = ConfigurationDirectory.Options(defaults: .embedded)

  /// A scratch directory holding main.cf and what `master` makes of master.cf.
  func directory(master: (String) throws -> Void) throws -> IOScratch {
    let scratch = try IOScratch()
    try scratch.write("main.cf", "mynetworks = 127.0.0.0/8\n")
    try master(scratch.path("master.cf"))
    return scratch
  }

  @Test func readsBothFilesWithTheEmbeddedDefaults() throws {
    let loaded = try ConfigurationDirectory.open(Self.debian, options: Self.embedded)
    #expect(loaded.directory == Self.debian)
    #expect(loaded.masterCFState == .read)
    #expect(loaded.masterCFError == nil)
    #expect(loaded.masterCF != nil)
    #expect(loaded.defaults == .embedded)
    #expect(loaded.postconf == nil)
    #expect(loaded.postfixVersion == ParameterCatalog.embedded.version)
    #expect(loaded.catalog.version == ParameterCatalog.embedded.version)
    #expect(loaded.host.processName == "postconf")
    #expect(loaded.configuration.setting("process_name").text == "postconf")
    #expect(loaded.configuration.configDirectory == Self.debian)
    let main = try Data(contentsOf: URL(fileURLWithPath: Self.debian + "/main.cf"))
    #expect(loaded.mainCF.serialized() == Array(main))
    #expect(loaded.configuration.services.contains { $0.name == "smtp" && $0.type == "inet" })
  }

  @Test func aGivenVersionComesFirst() throws {
    let version = try #require(PostfixVersion("3.4.0"))
    let loaded = try ConfigurationDirectory.open(
      Self.debian, options: .init(defaults: .embedded, postfixVersion: version))
    #expect(loaded.postfixVersion == version)
    #expect(loaded.catalog.version == ParameterCatalog.embedded.version)
  }

  @Test func noMasterCFIsMissing() throws {
    let scratch = try directory { _ in }
    let loaded = try ConfigurationDirectory.open(scratch.directory, options: Self.embedded)
    #expect(loaded.masterCFState == .missing)
    #expect(loaded.masterCFError == nil)
    #expect(loaded.masterCF == nil)
  }

  @Test(
    .timeLimit(.minutes(1)),
    arguments: [
      ("Is a directory", "directory"), ("not a regular file (a FIFO)", "fifo"),
      ("No such file or directory", "dangling"),
    ])
  func aMasterCFThatCannotBeReadIsUnreadable(reason: String, kind: String) throws {
    let scratch = try directory { path in
      switch kind {
      case "directory":
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
      case "fifo": #expect(mkfifo(path, 0o644) == 0)
      default:
        try FileManager.default.createSymbolicLink(
          atPath: path, withDestinationPath: path + ".nowhere")
      }
    }
    let loaded = try ConfigurationDirectory.open(scratch.directory, options: Self.embedded)
    #expect(loaded.masterCFState == .unreadable(reason))
    let error = try #require(loaded.masterCFError)
    #expect(error.code == .io)
    #expect(error.reason.hasSuffix(scratch.path("master.cf") + ": " + reason))
    #expect(loaded.masterCF == nil)
  }

  @Test func aMainCFThatCannotBeReadThrows() throws {
    let scratch = try IOScratch()
    let error = try #require(throws: PostfixConfigError.self) {
      try ConfigurationDirectory.open(scratch.directory, options: Self.embedded)
    }
    #expect(error.code == .io)
    #expect(error.reason == "open \(scratch.path("main.cf")): No such file or directory")
    let missing = try #require(throws: PostfixConfigError.self) {
      try ConfigurationDirectory.open("/nonexistent/pfharden-open", options: Self.embedded)
    }
    #expect(missing.reason == "open /nonexistent/pfharden-open/main.cf: No such file or directory")
  }

  @Test func theEnvironmentChoosesTheDefaultsAndTheCache() {
    #expect(
      ConfigurationDirectory.Options(environment: ["PFHARDEN_DEFAULTS": "embedded"]).defaults
        == .embedded)
    #expect(
      ConfigurationDirectory.Options(environment: ["PFHARDEN_CACHE_DIR": "/var/cache/x"]).defaults
        == .installed(cacheDirectory: "/var/cache/x"))
    #expect(
      ConfigurationDirectory.Options(environment: ["HOME": "/home/u"]).defaults
        == .installed(cacheDirectory: "/home/u/.cache/pfharden"))
    #expect(
      ConfigurationDirectory.Options(environment: [:]).defaults == .installed(cacheDirectory: nil))
    #expect(ConfigurationDirectory.Options(defaults: .embedded).installedPostconf() == nil)
    #expect(
      ConfigurationDirectory.Options(defaults: .embedded).catalog().version
        == ParameterCatalog.embedded.version)
  }

  @Test func aPlannedResultKeepsTheDefaultsAndTheHost() throws {
    let loaded = try ConfigurationDirectory.open(Self.debian, options: Self.embedded)
    let edited = loaded.configuration(
      mainCF: loaded.mainCF.serialized() + Array("disable_vrfy_command = yes\n".utf8),
      masterCF: nil)
    #expect(edited.setting("disable_vrfy_command").text == "yes")
    #expect(edited.masterCF == nil)
    #expect(edited.configDirectory == Self.debian)
    #expect(edited.setting("process_name").text == "postconf")
  }

  @Test(.enabled(if: RealPostfix.shouldRun, RealPostfix.skipComment))
  func theInstalledPostfixGivesDefaultsAndVersion() throws {
    try RealPostfix.requirePostconf()
    let loaded = try ConfigurationDirectory.open(Self.debian)
    let postconf = try #require(loaded.postconf)
    #expect(loaded.defaults == .installed(postconf: postconf))
    #expect(loaded.postfixVersion == (try InstalledPostfix.version(postconf: postconf)))
  }
}
