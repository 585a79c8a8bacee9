import Foundation
import Testing

@testable import PostfixConfig
@testable import pfharden

/// main.cf files of a megabyte or more are mapped instead of read into memory.
@Suite(.serialized) struct PostconfMappedFileTests {
  /// Random entries (those of the differential test, one file after another)
  /// up to a little over the mapping threshold.
  static func largeMainCF() -> [UInt8] {
    var bytes: [UInt8] = []
    var seed: UInt64 = 10_000
    while bytes.count <= ConfigFile.mappingThreshold + 4096 {
      var generator = MainCFGenerator(seed: seed)
      bytes += generator.mainCF() + Array("\nzz_user_\(seed) = ${zz_user_a} $mydomain\n".utf8)
      seed += 1
    }
    return bytes
  }

  @Test(.enabled(if: RealPostfix.shouldRun, RealPostfix.skipComment))
  func mappedMainCFAgreesWithPostconf() throws {
    try RealPostfix.requirePostconf()
    let fm = FileManager.default
    let root = fm.temporaryDirectory.appendingPathComponent("pfharden-mapped-\(getpid())")
    defer { try? fm.removeItem(at: root) }
    let main = Self.largeMainCF()
    let master = Vectors.directory.appendingPathComponent("m_M_default/master.cf")
    let masterURL: URL? = fm.fileExists(atPath: master.path) ? master : nil
    try PostconfDifferentialTests.prepare(root, main: main, master: masterURL)
    #expect(try ConfigFile.readShared(path: root.path + "/main.cf").isMapped)
    var environment = ProcessInfo.processInfo.environment
    environment["NORANDOMIZE"] = "1"
    environment.removeValue(forKey: "MAIL_CONFIG")
    for arguments in [["-n"], ["-n", "-x"], ["-x", "mydomain", "zz_user_10000"]] {
      let run = try RealPostfix.run(
        RealPostfix.postconfPath, ["-c", root.path] + arguments, environment: environment)
      var console = Console.capturing(environment: [:])
      let status = CLI.run(arguments: ["postconf", "-c", root.path] + arguments, console: &console)
      #expect(status == run.status, "\(arguments)")
      #expect(console.stdout == run.stdout, "\(arguments): stdout differs")
      #expect(
        PostconfDifferentialTests.stripProgram(console.stderr, program: "postconf")
          == PostconfDifferentialTests.stripProgram(
            run.stderr, program: RealPostfix.postconfPath),
        "\(arguments): stderr differs")
    }
  }

  @Test func truncatedMappedMainCFIsAFatalError() throws {
    let binary = try #require(Vectors.pfhardenBinary, "pfharden binary not built")
    let fm = FileManager.default
    let root = fm.temporaryDirectory.appendingPathComponent("pfharden-truncated-\(getpid())")
    defer { try? fm.removeItem(at: root) }
    // Large enough that the command is still reading when the file is cut.
    var text = ""
    for index in 0..<400_000 { text += "zz_class_\(index) = permit_mynetworks, $mydomain\n" }
    try PostconfDifferentialTests.prepare(root, main: Array(text.utf8), master: nil)
    try Data().write(to: root.appendingPathComponent("master.cf"))
    let mainPath = root.path + "/main.cf"

    let process = Process()
    process.executableURL = binary
    process.arguments = ["postconf", "-c", root.path, "-n", "-x"]
    process.environment = ["PFHARDEN_DEFAULTS": "embedded", "PATH": "/usr/bin:/bin"]
    let errors = Pipe()
    process.standardError = errors
    process.standardOutput = FileHandle.nullDevice
    try process.run()
    // Cut the file once the command has mapped it (at most ten seconds).
    let maps = "/proc/\(process.processIdentifier)/maps"
    var mapped = false
    for _ in 0..<10_000 where !mapped {
      mapped = (try? String(contentsOfFile: maps, encoding: .utf8))?.contains(mainPath) ?? false
      if !mapped { usleep(1000) }
    }
    #expect(truncate(mainPath, 0) == 0)
    let stderr = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    try #require(mapped, "the command never mapped main.cf")
    #expect(process.terminationReason == .exit)
    #expect(process.terminationStatus == 1)
    #expect(
      String(decoding: stderr, as: UTF8.self)
        == "pfharden postconf: fatal: \(mainPath): file truncated while being read\n")
  }
}
