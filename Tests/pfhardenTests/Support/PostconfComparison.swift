import Foundation
import Testing

@testable import pfharden

/// Runs real postconf and `pfharden postconf` on the same configuration
/// directory and compares standard output, standard error (after the program
/// name) and exit status byte for byte.
enum PostconfComparison {
  /// What one program did.
  struct Outcome: Equatable, CustomStringConvertible {
    var stdout: String
    var stderr: String
    var status: Int32

    var description: String {
      "status \(status)\n--- stdout\n\(stdout)--- stderr\n\(stderr)"
    }
  }

  /// A fresh directory under the temporary directory, removed by the caller.
  static func makeDirectory(_ name: String) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "pfharden-\(name)-\(getpid())")
    try? FileManager.default.removeItem(at: url)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }

  /// Writes `files` (relative name to content, `DIR` standing for the
  /// directory's path) into `directory`, dated in the past: postconf reads a
  /// main.cf modified within the last second again and again.
  static func write(_ files: [String: [UInt8]], into directory: URL) throws {
    let placeholder = Array("DIR".utf8)
    let path = Array(directory.path.utf8)
    for (name, content) in files {
      var bytes: [UInt8] = []
      var index = 0
      // Each iteration copies one byte or one placeholder.
      while index < content.count {
        if content[index...].starts(with: placeholder) {
          bytes += path
          index += placeholder.count
        } else {
          bytes.append(content[index])
          index += 1
        }
      }
      let url = directory.appendingPathComponent(name)
      try FileManager.default.createDirectory(
        at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
      try Data(bytes).write(to: url)
      try FileManager.default.setAttributes(
        [.modificationDate: Date(timeIntervalSince1970: 1_577_836_800)], ofItemAtPath: url.path)
    }
  }

  /// The text with `program: ` removed at the start of each line.
  static func stripProgram(_ bytes: [UInt8], program: String) -> String {
    PostconfDifferentialTests.stripProgram(bytes, program: program)
  }

  /// Real postconf with `NORANDOMIZE=1` (the hash order pfharden always has).
  static func real(_ directory: URL, _ arguments: [String]) throws -> Outcome {
    var environment = ProcessInfo.processInfo.environment
    environment["NORANDOMIZE"] = "1"
    environment.removeValue(forKey: "MAIL_CONFIG")
    let run = try RealPostfix.run(
      RealPostfix.postconfPath, ["-c", directory.path] + arguments, environment: environment)
    return Outcome(
      stdout: String(decoding: run.stdout, as: UTF8.self),
      stderr: stripProgram(run.stderr, program: RealPostfix.postconfPath), status: run.status)
  }

  /// `pfharden postconf` in process, as `argv0 ...` (`postconf` or the
  /// `pfharden postconf` subcommand).
  static func ours(_ directory: URL, _ arguments: [String], subcommand: Bool = false) -> Outcome {
    var console = Console.capturing(environment: [:])
    let command = subcommand ? ["pfharden", "postconf"] : ["postconf"]
    let status = CLI.run(
      arguments: command + ["-c", directory.path] + arguments, console: &console)
    return Outcome(
      stdout: String(decoding: console.stdout, as: UTF8.self),
      stderr: stripProgram(console.stderr, program: subcommand ? "pfharden postconf" : "postconf"),
      status: status)
  }

  /// Both outcomes, with lines that differ by nature (`process_id = `) removed.
  static func compare(_ directory: URL, _ arguments: [String], subcommand: Bool = false) throws
    -> (expected: Outcome, actual: Outcome)
  {
    func steady(_ outcome: Outcome) -> Outcome {
      var copy = outcome
      copy.stdout = outcome.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        .filter { !$0.hasPrefix("process_id = ") }.joined(separator: "\n")
      return copy
    }
    return (
      steady(try real(directory, arguments)),
      steady(ours(directory, arguments, subcommand: subcommand))
    )
  }
}
