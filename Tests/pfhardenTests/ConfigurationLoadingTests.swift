import Foundation
import Glibc
import Testing

@testable import pfharden

/// check and apply read a directory through the same loader; each keeps its
/// own answer to a master.cf that is there but cannot be read.
@Suite struct ConfigurationLoadingTests {
  static let environment = ["PFHARDEN_DEFAULTS": "embedded"]

  /// A directory with a send-only main.cf and what `master` makes of master.cf.
  static func directory(master: (String) throws -> Void) throws -> String {
    let directory = NSTemporaryDirectory() + "pfharden-loading-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    try Data("inet_interfaces = loopback-only\n".utf8).write(
      to: URL(fileURLWithPath: directory + "/main.cf"))
    try master(directory + "/master.cf")
    return directory
  }

  static func dangling(_ path: String) throws {
    try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: path + ".gone")
  }

  func run(
    _ command: (([String], inout Console) -> Int32), _ arguments: [String]
  ) -> (status: Int32, stdout: String, stderr: String) {
    var console = Console.capturing(environment: Self.environment)
    let status = command(arguments, &console)
    return (
      status, String(decoding: console.stdout, as: UTF8.self),
      String(decoding: console.stderr, as: UTF8.self)
    )
  }

  @Test func checkCallsADanglingMasterCFUnreadable() throws {
    let directory = try Self.directory(master: Self.dangling)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let result = run(
      { CheckCommand.run(arguments: $0, console: &$1) }, ["-c", directory, "--config-only"])
    #expect(result.status == 2)
    #expect(
      result.stderr
        == "pfharden check: error: cannot read \(directory)/master.cf: No such file or directory; the audit is incomplete\n"
    )
  }

  @Test(.timeLimit(.minutes(1)), arguments: ["fifo", "dangling"])
  func applyStopsAtAMasterCFItCannotRead(kind: String) throws {
    let directory = try Self.directory { path in
      if kind == "fifo" { #expect(mkfifo(path, 0o644) == 0) } else { try Self.dangling(path) }
    }
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let result = run(
      { ApplyCommand.run(arguments: $0, console: &$1) },
      ["--profile", "send-only", "-c", directory, "--dry-run"])
    #expect(result.status == 2)
    let reason = kind == "fifo" ? "not a regular file (a FIFO)" : "No such file or directory"
    #expect(result.stderr == "pfharden apply: error: open \(directory)/master.cf: \(reason)\n")
    #expect(result.stdout.isEmpty)
  }

  @Test func applyPlansWithoutAMissingMasterCF() throws {
    let directory = try Self.directory { _ in }
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let result = run(
      { ApplyCommand.run(arguments: $0, console: &$1) },
      ["--profile", "send-only", "-c", directory, "--dry-run"])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(!result.stdout.contains("master.cf"), "\(result.stdout)")
  }
}
