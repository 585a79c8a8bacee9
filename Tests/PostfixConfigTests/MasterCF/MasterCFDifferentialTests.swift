import Foundation
import PostfixConfig
import Testing

/// Random master.cf files and random `-M/-F/-P` reads and edits, run through
/// the real postconf and through the library; stdout, stderr, exit status and
/// the master.cf bytes afterwards must agree.
@Suite(.serialized) struct MasterCFDifferentialTests {
  /// 300 cases by default (about 35 s); `MASTERCF_DIFF_CASES` and
  /// `MASTERCF_DIFF_SEED` explore further.
  static let caseCount =
    Int(ProcessInfo.processInfo.environment["MASTERCF_DIFF_CASES"] ?? "") ?? 300
  static let firstSeed =
    UInt64(ProcessInfo.processInfo.environment["MASTERCF_DIFF_SEED"] ?? "") ?? 1

  struct Outcome: Equatable, CustomStringConvertible {
    var stdout: String
    /// stderr lines other than unused-parameter warnings, in order.
    var ordered: [String]
    /// All stderr lines, sorted (unused-parameter warnings come in hash order).
    var sorted: [String]
    var status: Int32
    var master: String

    init(stdout: [UInt8], stderr: [UInt8], status: Int32, master: [UInt8]) {
      self.stdout = String(decoding: stdout, as: UTF8.self)
      let lines = String(decoding: stderr, as: UTF8.self).split(separator: "\n").map(String.init)
      ordered = lines.filter { !$0.contains("unused parameter:") }
      sorted = lines.sorted()
      self.status = status
      self.master = String(decoding: master, as: UTF8.self)
    }

    var description: String {
      "status \(status)\n--- stdout\n\(stdout)--- stderr\n\(sorted.joined(separator: "\n"))\n--- master.cf\n\(master)"
    }
  }

  static func realRun(_ arguments: [String], master: [UInt8], directory: URL) throws -> Outcome {
    let manager = FileManager.default
    let mainURL = directory.appendingPathComponent("main.cf")
    let masterURL = directory.appendingPathComponent("master.cf")
    try Data("compatibility_level = 3.6\n".utf8).write(to: mainURL)
    try Data(master).write(to: masterURL)
    let old = Date(timeIntervalSince1970: 1_577_836_800)
    try manager.setAttributes([.modificationDate: old], ofItemAtPath: mainURL.path)
    try manager.setAttributes([.modificationDate: old], ofItemAtPath: masterURL.path)
    let run = try RealPostfix.run(
      RealPostfix.postconfPath, ["-c", directory.path] + arguments,
      environment: ["LC_ALL": "C", "PATH": "/usr/sbin:/usr/bin:/bin"])
    let after = Array(try Data(contentsOf: masterURL))
    func clean(_ bytes: [UInt8]) -> [UInt8] {
      var text = String(decoding: bytes, as: UTF8.self)
      text = text.replacingOccurrences(of: directory.path, with: "$CONFDIR")
      text = text.replacingOccurrences(of: RealPostfix.postconfPath + ": ", with: "postconf: ")
      return Array(text.utf8)
    }
    return Outcome(
      stdout: clean(run.stdout), stderr: clean(run.stderr), status: run.status, master: after)
  }

  @Test(.enabled(if: RealPostfix.shouldRun, RealPostfix.skipComment))
  func libraryAgreesWithPostconf() throws {
    try RealPostfix.requirePostconf()
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "mastercf-diff-\(getpid())")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    var failures = 0
    var fatal = 0
    var edited = 0
    var printed = 0
    var warned = 0
    let first = MasterCFDifferentialTests.firstSeed
    for seed in first..<(first + UInt64(MasterCFDifferentialTests.caseCount)) {
      var generator = MasterCFGenerator(seed: seed)
      let master = generator.file()
      let arguments = generator.command()
      let real = try MasterCFDifferentialTests.realRun(
        arguments, master: master, directory: directory)
      let emulated = MasterCFPostconf().run(arguments, master: master)
      let ours = Outcome(
        stdout: emulated.stdout, stderr: emulated.stderr, status: emulated.status,
        master: emulated.master)
      if real.status != 0 { fatal += 1 }
      if real.master != String(decoding: master, as: UTF8.self) { edited += 1 }
      if !real.stdout.isEmpty { printed += 1 }
      if !real.sorted.isEmpty && real.status == 0 { warned += 1 }
      if ours != real {
        failures += 1
        if let dump = ProcessInfo.processInfo.environment["MASTERCF_DIFF_DUMP"] {
          try? Data(real.master.utf8).write(to: URL(fileURLWithPath: "\(dump)/\(seed).real"))
          try? Data(ours.master.utf8).write(to: URL(fileURLWithPath: "\(dump)/\(seed).ours"))
          try? Data(master).write(to: URL(fileURLWithPath: "\(dump)/\(seed).input"))
        }
        if failures <= 5 {
          Issue.record(
            """
            seed \(seed): postconf \(arguments)
            master.cf:
            \(String(decoding: master, as: UTF8.self))
            === postconf
            \(real)
            === library
            \(ours)
            """)
        }
      }
    }
    #expect(failures == 0)
    // The generated cases exercise every outcome.
    #expect(fatal > 10 && edited > 10 && printed > 10 && warned > 10)
    print(
      "mastercf differential: fatal \(fatal), edited \(edited), printed \(printed), warned \(warned)"
    )
  }
}
