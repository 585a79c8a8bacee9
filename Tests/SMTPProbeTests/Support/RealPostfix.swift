import Foundation
import Testing

/// Access to the real Postfix installation that tests use as their oracle.
///
/// Tests that need it carry `.enabled(if: RealPostfix.shouldRun, RealPostfix.skipComment)`
/// and call ``RealPostfix/requireInstances()`` first. Starting Postfix instances needs
/// root and `/usr/sbin/postfix`; where either is missing the tests skip with the printed
/// reason, unless `PFHARDEN_REQUIRE_POSTFIX=1` (set by `.ci/run`), in which case they
/// run and fail.
enum RealPostfix {
  /// Where Debian installs postconf.
  static let postconfPath = "/usr/sbin/postconf"
  /// Where Debian installs the postfix control program.
  static let postfixPath = "/usr/sbin/postfix"

  /// Whether postconf and postfix are installed here.
  static var isInstalled: Bool {
    FileManager.default.isExecutableFile(atPath: postconfPath)
      && FileManager.default.isExecutableFile(atPath: postfixPath)
  }

  /// Whether the tests run as root (Postfix's master must start as root).
  static var isRoot: Bool { getuid() == 0 }

  /// Whether CI demands the real Postfix (skips become failures).
  static var isRequired: Bool {
    ProcessInfo.processInfo.environment["PFHARDEN_REQUIRE_POSTFIX"] == "1"
  }

  /// Whether a test that needs real Postfix instances runs (and then possibly fails).
  static var shouldRun: Bool { (isInstalled && isRoot) || isRequired }

  /// The reason printed when such a test is skipped.
  static let skipComment: Comment =
    "needs root and Postfix at /usr/sbin/postfix to start test instances (apt-get install postfix); set PFHARDEN_REQUIRE_POSTFIX=1 to fail instead of skipping"

  struct Missing: Error, CustomStringConvertible {
    var description: String
  }

  /// Throws when Postfix is missing or the tests are not root, so a required test fails
  /// with a clear reason.
  static func requireInstances() throws {
    if !isInstalled {
      throw Missing(
        description: "PFHARDEN_REQUIRE_POSTFIX=1 but \(postfixPath) or \(postconfPath) is missing")
    }
    if !isRoot {
      throw Missing(description: "PFHARDEN_REQUIRE_POSTFIX=1 but starting Postfix needs root")
    }
  }

  /// The result of running a program.
  struct Run {
    var stdout: [UInt8]
    var stderr: [UInt8]
    var status: Int32
  }

  /// Runs `executable` with `arguments`, feeding nothing on stdin.
  static func run(
    _ executable: String, _ arguments: [String], environment: [String: String]? = nil,
    currentDirectory: String? = nil
  ) throws -> Run {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let environment { process.environment = environment }
    if let currentDirectory { process.currentDirectoryURL = URL(fileURLWithPath: currentDirectory) }
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    try process.run()
    // Read both pipes concurrently so neither can fill up and block the child.
    nonisolated(unsafe) var errData = Data()
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async {
      errData = err.fileHandleForReading.readDataToEndOfFile()
      group.leave()
    }
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    process.waitUntilExit()
    return Run(stdout: Array(outData), stderr: Array(errData), status: process.terminationStatus)
  }
}
