import Foundation
import PostfixHardening
import Testing

@testable import pfharden

/// Every command over the corpus of real configurations
/// (`Tests/PostfixHardeningTests/Fixtures/corpus/`), in process.
@Suite struct CorpusCommandTests {
  static let corpus =
    ApplyCLIFixture.root + "/Tests/PostfixHardeningTests/Fixtures/corpus"

  static var entries: [String] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: corpus)) ?? []
    return names.filter { FileManager.default.fileExists(atPath: corpus + "/" + $0 + "/main.cf") }
      .sorted()
  }

  /// A temporary copy of one configuration (apply writes).
  static func copy(_ name: String) throws -> String {
    let directory = try ApplyCLIFixture.temporaryDirectory("corpus")
    for file in ["main.cf", "master.cf"] {
      let source = corpus + "/" + name + "/" + file
      if FileManager.default.fileExists(atPath: source) {
        try FileManager.default.copyItem(atPath: source, toPath: directory + "/" + file)
      }
    }
    return directory
  }

  @Test func checkReadsEveryConfigurationAndWritesValidJSON() throws {
    #expect(Self.entries.count >= 30)
    for name in Self.entries {
      let result = ApplyCLIFixture.run(
        CheckCommand.run,
        ["-c", Self.corpus + "/" + name, "--config-only", "--format", "json"])
      #expect(result.status == 0 || result.status == 1, "\(name): \(result.stderr)")
      let parsed = try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
      #expect(
        (parsed as? [String: Any])?["findings"] != nil, "\(name): \(result.stdout.prefix(200))")
    }
  }

  @Test(arguments: [
    ["--profile", "send-only"], ["--profile", "relay", "--network", "192.0.2.0/24"],
    ["--profile", "mx", "--domain", "example.test"], ["--profile", "submission"],
  ])
  func applyDryRunAndCheckOnEveryConfiguration(_ profile: [String]) throws {
    var applied = 0
    for name in Self.entries {
      let directory = try Self.copy(name)
      defer { try? FileManager.default.removeItem(atPath: directory) }
      let before = try ApplyCLIFixture.bytes(directory + "/main.cf")
      let dry = ApplyCLIFixture.run(ApplyCommand.run, profile + ["-c", directory, "--dry-run"])
      // 64: a listening profile on a loopback-only host, refused with the reason.
      #expect(dry.status == 0 || dry.status == 64, "\(name): \(dry.stderr)")
      if dry.status == 64 {
        #expect(dry.stderr.contains("inet_interfaces"), "\(name): \(dry.stderr)")
        continue
      }
      #expect(try ApplyCLIFixture.bytes(directory + "/main.cf") == before, "\(name)")
      let check = ApplyCLIFixture.run(ApplyCommand.run, profile + ["-c", directory, "--check"])
      #expect(check.status == 0 || check.status == 1, "\(name): \(check.stderr)")
      applied += 1
    }
    #expect(applied >= 25)
  }
}

/// `pfharden postconf -n` prints what real postconf prints on every real configuration.
///
/// Standard output, standard error (every warning, those about the SQL and
/// LDAP client files postconf opens included) and exit status, byte for byte.
/// Each configuration is copied and dated in the past, as postconf reads a
/// main.cf modified within the last second again.
@Suite(.enabled(if: RealPostfix.shouldRun, RealPostfix.skipComment))
struct CorpusPostconfTests {
  @Test func postconfListingsMatchRealPostconf() throws {
    try RealPostfix.requirePostconf()
    var compared = 0
    for name in CorpusCommandTests.entries {
      let directory = try Self.datedCopy(of: name, label: "")
      defer { try? FileManager.default.removeItem(at: directory) }
      let (expected, actual) = try PostconfComparison.compare(directory, ["-n"])
      #expect(actual.stdout == expected.stdout, "\(name): standard output")
      #expect(actual.stderr == expected.stderr, "\(name): standard error")
      #expect(actual.status == expected.status, "\(name): status")
      compared += 1
    }
    #expect(compared == CorpusCommandTests.entries.count && compared >= 30)
  }

  /// A copy of the corpus configuration `name` (its main.cf and master.cf)
  /// in a new directory, dated in the past.
  static func datedCopy(of name: String, label: String) throws -> URL {
    let directory = try PostconfComparison.makeDirectory("corpus-\(name)\(label)")
    for file in ["main.cf", "master.cf"] {
      let source = CorpusCommandTests.corpus + "/" + name + "/" + file
      guard FileManager.default.fileExists(atPath: source) else { continue }
      let target = directory.appendingPathComponent(file)
      try Data(contentsOf: URL(fileURLWithPath: source)).write(to: target)
      try FileManager.default.setAttributes(
        [.modificationDate: Date(timeIntervalSince1970: 1_577_836_800)],
        ofItemAtPath: target.path)
    }
    return directory
  }

  /// The master.cf listings too, on every configuration that has a
  /// master.cf: its entries, fields and services' parameters, folded and
  /// expanded, with the warnings about the services' `-o` settings.
  @Test(arguments: ["-M", "-Mf", "-F", "-P", "-Px"])
  func masterListingsMatchRealPostconf(_ mode: String) throws {
    try RealPostfix.requirePostconf()
    var compared = 0
    for name in CorpusCommandTests.entries {
      let master = CorpusCommandTests.corpus + "/" + name + "/master.cf"
      guard FileManager.default.fileExists(atPath: master) else { continue }
      let directory = try Self.datedCopy(of: name, label: mode)
      defer { try? FileManager.default.removeItem(at: directory) }
      let (expected, actual) = try PostconfComparison.compare(directory, [mode])
      #expect(actual.stdout == expected.stdout, "\(name) \(mode): standard output")
      #expect(actual.stderr == expected.stderr, "\(name) \(mode): standard error")
      #expect(actual.status == expected.status, "\(name) \(mode): status")
      compared += 1
    }
    #expect(compared >= 25)
  }
}
