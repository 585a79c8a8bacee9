import Foundation
import Testing

@testable import pfharden

/// Random main.cf files through real postconf and `pfharden postconf`, in
/// read and edit modes: stdout, stderr (after the program name), exit status
/// and, for edits, the file bytes must be equal.
@Suite(.serialized) struct PostconfDifferentialTests {
  static let cases = 300

  struct Outcome: Equatable {
    var stdout: String
    var stderr: String
    var status: Int32
    var file: [UInt8]?
  }

  static func stripProgram(_ bytes: [UInt8], program: String) -> String {
    String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
      .map { line in
        line.hasPrefix(program + ": ") ? String(line.dropFirst(program.count + 2)) : String(line)
      }
      .joined(separator: "\n")
  }

  static func backdate(_ path: String) throws {
    try FileManager.default.setAttributes(
      [.modificationDate: Date(timeIntervalSince1970: 1_577_836_800)], ofItemAtPath: path)
  }

  static func prepare(_ dir: URL, main: [UInt8], master: URL?) throws {
    let fm = FileManager.default
    try? fm.removeItem(at: dir)
    try fm.createDirectory(at: dir, withIntermediateDirectories: true)
    let mainPath = dir.appendingPathComponent("main.cf").path
    try Data(main).write(to: URL(fileURLWithPath: mainPath))
    try backdate(mainPath)
    if let master {
      try fm.copyItem(at: master, to: dir.appendingPathComponent("master.cf"))
      try backdate(dir.appendingPathComponent("master.cf").path)
    }
  }

  @Test(.enabled(if: RealPostfix.shouldRun, RealPostfix.skipComment))
  func randomMainCFAgreesWithPostconf() throws {
    try RealPostfix.requirePostconf()
    let fm = FileManager.default
    let root = fm.temporaryDirectory.appendingPathComponent("pfharden-diff-\(getpid())")
    defer { try? fm.removeItem(at: root) }
    let master = Vectors.directory.appendingPathComponent("m_M_default/master.cf")
    let masterURL: URL? = fm.fileExists(atPath: master.path) ? master : nil
    var environment = ProcessInfo.processInfo.environment
    environment["NORANDOMIZE"] = "1"
    environment.removeValue(forKey: "MAIL_CONFIG")
    var failures = 0
    for seed in 0..<UInt64(Self.cases) {
      var generator = MainCFGenerator(seed: seed)
      let main = generator.mainCF()
      let commands: [[String]] = [
        ["-n"], ["-nx"], ["-h", "relayhost", "mydomain", "smtpd_banner"],
        ["-x", "myorigin", "smtpd_banner", "mydestination"],
        ["-e", "relayhost=[x.example]", "zz_new=1"], ["-X", "relayhost", "mydomain"],
        ["-#", "mynetworks"],
      ]
      let arguments = commands[Int(seed) % commands.count]
      let real = root.appendingPathComponent("real")
      let ours = root.appendingPathComponent("ours")
      try Self.prepare(real, main: main, master: masterURL)
      try Self.prepare(ours, main: main, master: masterURL)
      let run = try RealPostfix.run(
        RealPostfix.postconfPath, ["-c", real.path] + arguments, environment: environment)
      let expected = Outcome(
        stdout: String(decoding: run.stdout, as: UTF8.self).replacingOccurrences(
          of: real.path, with: "DIR"),
        stderr: Self.stripProgram(run.stderr, program: RealPostfix.postconfPath)
          .replacingOccurrences(of: real.path, with: "DIR"),
        status: run.status,
        file: arguments[0].hasPrefix("-e") || arguments[0] == "-X" || arguments[0] == "-#"
          ? Array(try Data(contentsOf: real.appendingPathComponent("main.cf"))) : nil)
      var console = Console.capturing(environment: [:])
      let status = CLI.run(
        arguments: ["postconf", "-c", ours.path] + arguments, console: &console)
      let actual = Outcome(
        stdout: String(decoding: console.stdout, as: UTF8.self).replacingOccurrences(
          of: ours.path, with: "DIR"),
        stderr: Self.stripProgram(console.stderr, program: "postconf").replacingOccurrences(
          of: ours.path, with: "DIR"),
        status: status,
        file: expected.file == nil
          ? nil : Array(try Data(contentsOf: ours.appendingPathComponent("main.cf"))))
      if actual != expected {
        failures += 1
        if failures <= 5 {
          Issue.record(
            """
            seed \(seed) postconf \(arguments.joined(separator: " ")) differs
            main.cf: \(String(decoding: main, as: UTF8.self).debugDescription)
            expected: \(expected)
            actual:   \(actual)
            """)
        }
      }
    }
    #expect(failures == 0, "\(failures) of \(Self.cases) cases differ")
  }
}
