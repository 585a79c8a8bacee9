import Foundation
import PostfixConfig
import PostfixHardening
import Testing

@testable import pfharden

/// `pfharden apply --format json`: one object on standard output for
/// `--check`, `--dry-run` and a real run (docs/apply-json-schema.md).
@Suite struct ApplyJSONTests {
  func apply(_ arguments: [String], embedded: Bool = true) -> ApplyCLIFixture.Result {
    ApplyCLIFixture.run(ApplyCommand.run, arguments, embedded: embedded)
  }

  func object(_ result: ApplyCLIFixture.Result) throws -> [String: Any] {
    try #require(
      try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any],
      "not one JSON object: \(result.stdout)")
  }

  /// The README's dry run, as JSON: byte for byte the documented shape.
  @Test func dryRunOnTheStockConfigurationMatchesTheSnapshot() throws {
    let result = apply([
      "--profile", "relay", "--network", "192.0.2.0/24", "-c", ApplyCLIFixture.debian,
      "--dry-run", "--format", "json",
    ])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stderr.contains("note: server TLS left as it is"))
    let json = try object(result)
    #expect(json["schemaVersion"] as? Int == 1)
    #expect(json["mode"] as? String == "dry-run")
    #expect(json["applied"] as? Bool == false)
    #expect(json["backup"] is NSNull)
    let stable = result.stdout.replacingOccurrences(of: ApplyCLIFixture.debian, with: "DIR")
    try ApplyCLIFixture.assertSnapshot(stable, named: "relay-dry-run.json")
  }

  /// The JSON carries exactly what the text report lists, diff included.
  @Test func checkAgreesWithTheTextReportAndWritesNothing() throws {
    let directory = try ApplyCLIFixture.stockCopy()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let before = try ApplyCLIFixture.bytes(directory + "/main.cf")
    let arguments = ["--profile", "send-only", "-c", directory, "--check"]
    let text = apply(arguments)
    let result = apply(arguments + ["--format", "json"])
    #expect(result.status == 1)
    #expect(text.status == 1)
    #expect(try ApplyCLIFixture.bytes(directory + "/main.cf") == before)
    let json = try object(result)
    #expect(json["mode"] as? String == "check")
    #expect(json["hasChanges"] as? Bool == true)
    #expect(json["activation"] as? String == "restart")
    #expect((json["needs"] as? String)?.hasPrefix("a full restart") == true)
    let changes = try #require(json["changes"] as? [[String: Any]])
    let listed = text.stdout.split(separator: "\n").filter { $0.hasPrefix("  main.cf") }
    #expect(changes.count == listed.count, "\(text.stdout)")
    let loopback = try #require(changes.first { $0["name"] as? String == "inet_interfaces" })
    #expect(loopback["scope"] as? String == "main.cf")
    #expect(loopback["old"] as? String == "all")
    #expect(loopback["new"] as? String == "loopback-only")
    #expect(loopback["transform"] as? String == "loopback-only")
    let diff = try #require(json["diff"] as? String)
    #expect(diff.contains("-inet_interfaces = all\n+inet_interfaces = loopback-only\n"))
    let reasons = try #require(json["reasons"] as? [[String: Any]])
    #expect(reasons.contains { $0["transform"] as? String == "loopback-only" })
  }

  @Test func aRealRunReportsTheBackupAndASecondRunNothing() throws {
    let directory = try ApplyCLIFixture.stockCopy()
    let backups = try ApplyCLIFixture.temporaryDirectory("json-backups")
    defer {
      try? FileManager.default.removeItem(atPath: directory)
      try? FileManager.default.removeItem(atPath: backups)
    }
    let arguments = [
      "--profile", "mx", "--domain", "example.test", "-c", directory, "--yes", "--backup-dir",
      backups, "--format", "json",
    ]
    let first = apply(arguments)
    #expect(first.status == 0, "\(first.stderr)")
    let json = try object(first)
    #expect(json["mode"] as? String == "apply")
    #expect(json["applied"] as? Bool == true)
    #expect(json["validated"] as? Bool == false, "embedded defaults: no postconf to validate with")
    #expect(json["reloaded"] as? Bool == false)
    let backup = try #require(json["backup"] as? [String: Any])
    let archive = try #require(backup["archive"] as? String)
    let snapshot = try #require(backup["snapshot"] as? String)
    #expect(FileManager.default.fileExists(atPath: archive))
    #expect(FileManager.default.fileExists(atPath: snapshot))
    #expect(json["undo"] as? String == "pfharden restore \(archive) -c \(directory) --yes")
    // Nothing but the object reaches standard output.
    #expect(!first.stdout.contains("Backup: "))
    let second = apply(arguments)
    #expect(second.status == 0, "\(second.stderr)")
    let again = try object(second)
    #expect(again["hasChanges"] as? Bool == false)
    #expect(again["applied"] as? Bool == false)
    #expect((again["changes"] as? [Any])?.isEmpty == true)
    #expect(again["diff"] as? String == "")
    #expect(again["backup"] is NSNull)
  }

  @Test(.enabled(if: RealPostfix.shouldRun, RealPostfix.skipComment))
  func aRealRunIsValidatedByTheInstalledPostconf() throws {
    try RealPostfix.requirePostconf()
    let directory = try ApplyCLIFixture.stockCopy()
    let backups = try ApplyCLIFixture.temporaryDirectory("json-backups")
    defer {
      try? FileManager.default.removeItem(atPath: directory)
      try? FileManager.default.removeItem(atPath: backups)
    }
    let result = apply(
      [
        "--profile", "relay", "--network", "192.0.2.0/24", "-c", directory, "--yes",
        "--backup-dir", backups, "--format", "json",
      ], embedded: false)
    #expect(result.status == 0, "\(result.stderr)")
    let json = try object(result)
    #expect(json["validated"] as? Bool == true)
    #expect(json["relayChanged"] as? Bool == true)
    #expect(json["postfixVersion"] as? String != nil)
  }

  /// A failed run prints no object; what it did stays on standard error.
  @Test func aFailedWriteLeavesStandardOutputEmpty() throws {
    let directory = try ApplyCLIFixture.stockCopy()
    let backups = try ApplyCLIFixture.temporaryDirectory("json-backups")
    defer {
      try? FileManager.default.removeItem(atPath: directory)
      try? FileManager.default.removeItem(atPath: backups)
    }
    var environment = ProcessInfo.processInfo.environment
    environment["PFHARDEN_DEFAULTS"] = "embedded"
    var console = Console.capturing(environment: environment)
    let status = ApplyCommand.run(
      arguments: [
        "--profile", "send-only", "-c", directory, "--yes", "--backup-dir", backups, "--format",
        "json",
      ], console: &console,
      executor: { validator in
        ApplyExecutor(
          write: { _, path, _ in throw PostfixConfigError(.io, "write \(path): disk full") },
          validate: validator)
      })
    let stderr = String(decoding: console.stderr, as: UTF8.self)
    #expect(status == 2)
    #expect(console.stdout.isEmpty)
    #expect(stderr.contains("Backup: \(backups)/postfix-"), "\(stderr)")
    #expect(stderr.contains("disk full"), "\(stderr)")
  }

  @Test(arguments: [
    (["--profile", "mx", "--format", "xml", "--check"], "--format must be text or json"),
    (["--profile", "mx", "--format", "json"], "--format json never asks: add --yes"),
  ])
  func usageErrorsExit64(arguments: [String], message: String) {
    let result = apply(arguments)
    #expect(result.status == 64)
    #expect(result.stderr.contains(message), "\(result.stderr)")
    #expect(result.stdout.isEmpty)
  }

  @Test func anUnreadableDirectoryPrintsNoObject() {
    let result = apply([
      "--profile", "mx", "-c", "/nonexistent/pfharden", "--check", "--format", "json",
    ])
    #expect(result.status == 2)
    #expect(result.stdout.isEmpty)
    #expect(result.stderr.contains("pfharden apply: error: open /nonexistent/pfharden/main.cf"))
  }

  /// A profile that cannot work is a usage error in JSON mode too.
  @Test func aLoopbackOnlyHostRefusesTheMXProfile() throws {
    let directory = try ApplyCLIFixture.stockCopy()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let main = directory + "/main.cf"
    let text = try String(contentsOfFile: main, encoding: .utf8)
      .replacingOccurrences(of: "inet_interfaces = all", with: "inet_interfaces = loopback-only")
    try Data(text.utf8).write(to: URL(fileURLWithPath: main))
    let result = apply(["--profile", "mx", "-c", directory, "--check", "--format", "json"])
    #expect(result.status == 64, "\(result.stderr)")
    #expect(result.stdout.isEmpty)
    #expect(result.stderr.contains("pfharden apply: error: "))
  }
}
