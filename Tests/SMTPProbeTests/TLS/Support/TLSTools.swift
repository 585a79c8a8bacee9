import Foundation
import Testing

/// Access to `/usr/bin/openssl` and `/usr/bin/sslscan`, the oracles of the TLS tests.
///
/// Tests that need them carry `.enabled(if: TLSTools.shouldRun, TLSTools.skipComment)` and
/// call ``TLSTools/require()`` first. Where the tools are absent they skip, unless
/// `PFHARDEN_REQUIRE_POSTFIX=1` (set by `.ci/run`), in which case they run and fail.
enum TLSTools {
  static let openssl = "/usr/bin/openssl"
  static let sslscan = "/usr/bin/sslscan"

  static var isInstalled: Bool {
    FileManager.default.isExecutableFile(atPath: openssl)
      && FileManager.default.isExecutableFile(atPath: sslscan)
  }

  static var isRequired: Bool {
    ProcessInfo.processInfo.environment["PFHARDEN_REQUIRE_POSTFIX"] == "1"
  }

  static var shouldRun: Bool { isInstalled || isRequired }

  static let skipComment: Comment =
    "needs /usr/bin/openssl and /usr/bin/sslscan (apt-get install openssl sslscan); set PFHARDEN_REQUIRE_POSTFIX=1 to fail instead of skipping"

  struct Missing: Error, CustomStringConvertible {
    var description: String { "PFHARDEN_REQUIRE_POSTFIX=1 but openssl or sslscan is missing" }
  }

  static func require() throws {
    if !isInstalled { throw Missing() }
  }

  struct Run {
    var stdout: String
    var stderr: String
    var status: Int32
  }

  /// Runs a program to completion, with nothing on stdin (through the
  /// target's one process runner, ``RealPostfix/run(_:_:environment:currentDirectory:)``).
  static func run(_ executable: String, _ arguments: [String], directory: String? = nil) throws
    -> Run
  {
    let run = try RealPostfix.run(executable, arguments, currentDirectory: directory)
    return Run(
      stdout: String(decoding: run.stdout, as: UTF8.self),
      stderr: String(decoding: run.stderr, as: UTF8.self), status: run.status)
  }
}

/// Fixture paths, relative to this file.
enum TLSFixtures {
  static let directory: String = {
    let here = URL(fileURLWithPath: #filePath)
    return here.deletingLastPathComponent().deletingLastPathComponent()
      .appendingPathComponent("Fixtures").path
  }()

  static var certs: String { directory + "/certs" }

  static func bytes(_ relative: String) throws -> [UInt8] {
    Array(try Data(contentsOf: URL(fileURLWithPath: directory + "/" + relative)))
  }

  static func flight(_ name: String) throws -> [UInt8] { try bytes("flights/\(name).bin") }

  static func certificate(_ name: String) throws -> [UInt8] { try bytes("certs/\(name).der") }
}
