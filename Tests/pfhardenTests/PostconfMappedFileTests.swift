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

  /// A file of /proc read to its end (its size says 0, so it is read in
  /// chunks until a read returns nothing).
  static func readProcFile(_ path: String) -> [UInt8] {
    let descriptor = open(path, O_RDONLY)
    guard descriptor >= 0 else { return [] }
    defer { close(descriptor) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    // Each iteration reads at least a byte or ends; /proc files are small.
    for _ in 0..<4096 {
      let got = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
      if got <= 0 { break }
      bytes += chunk[0..<got]
    }
    return bytes
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
    // Cut the file once the command has mapped it (at most thirty seconds,
    // or until the command ends without having mapped it).
    let maps = "/proc/\(process.processIdentifier)/maps"
    var mapped = false
    for _ in 0..<30_000 where !mapped && process.isRunning {
      mapped = String(decoding: Self.readProcFile(maps), as: UTF8.self).contains(mainPath)
      if !mapped { usleep(1000) }
    }
    #expect(truncate(mainPath, 0) == 0)
    let stderr = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let said = String(decoding: stderr.prefix(2000), as: UTF8.self)
    try #require(
      mapped, "the command never mapped main.cf (status \(process.terminationStatus)): \(said)")
    #expect(process.terminationReason == .exit)
    #expect(process.terminationStatus == 1)
    #expect(
      String(decoding: stderr, as: UTF8.self)
        == "pfharden postconf: fatal: \(mainPath): file truncated while being read\n")
  }
}
