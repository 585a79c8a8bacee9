import Foundation
import PostfixConfig
import Testing

enum MasterCFFixtures {
  static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Fixtures/mastercf")

  static let names = [
    "debian-stock.cf", "commented-option.cf", "ipv6-service.cf", "braced-option.cf",
    "attached-option.cf", "crlf.cf", "garbage.bin",
  ]

  static func bytes(_ name: String) throws -> [UInt8] {
    Array(try Data(contentsOf: directory.appendingPathComponent(name)))
  }

  /// Every master.cf (input and expected result) stored with the spec's vectors.
  static func vectorFiles() throws -> [(String, [UInt8])] {
    let manager = FileManager.default
    var result: [(String, [UInt8])] = []
    for name in try manager.contentsOfDirectory(atPath: MasterCFPostconf.vectorsDirectory.path)
      .sorted()
    {
      for file in ["master.cf", "expected-master.cf-after"] {
        let url = MasterCFPostconf.vectorsDirectory.appendingPathComponent(name)
          .appendingPathComponent(file)
        if let data = try? Data(contentsOf: url) { result.append(("\(name)/\(file)", Array(data))) }
      }
    }
    return result
  }
}

@Suite struct MasterCFRoundTripTests {
  /// Exercises every read and edit entry point; none may crash.
  static func exercise(_ document: MasterCF) {
    _ = document.diagnostics(path: "DIR/master.cf")
    _ = document.printEntries(fold: true)
    _ = document.printEntries(patterns: [Array("smtp".utf8), Array("*/unix".utf8)])
    _ = document.printFields(fold: true)
    _ = document.printParameters(fold: true)
    _ = document.printParameters(patterns: [Array("*/*/syslog_name".utf8)], hideName: true)
    _ = document.serviceCommands
    for entry in document.entries {
      _ = entry.overrides
      _ = entry.tokens
    }
    let edits: [(MasterCF.EditOperation, String)] = [
      (.setEntry, "smtp/inet=smtp inet n - n - - smtpd -o a=b"),
      (.removeEntry, "smtp/inet"),
      (.commentOutEntry, "*/unix"),
      (.setField, "smtp/inet/chroot=n"),
      (.setField, "*/*/command=smtpd -v {a b}"),
      (.setParameter, "*/*/syslog_name=x"),
      (.removeParameter, "*/*/syslog_name"),
    ]
    for (operation, request) in edits {
      let result = document.edited(operation, requests: [Array(request.utf8)])
      #expect(MasterCF(bytes: result.document.serialized()) == result.document)
    }
  }

  @Test func vectorFilesRoundTrip() throws {
    let files = try MasterCFFixtures.vectorFiles()
    #expect(files.count > 60)
    for (name, bytes) in files {
      let document = MasterCF(bytes: bytes)
      #expect(document.serialized() == bytes, "\(name)")
      MasterCFRoundTripTests.exercise(document)
    }
  }

  @Test(arguments: MasterCFFixtures.names)
  func fixtureRoundTrips(name: String) throws {
    let bytes = try MasterCFFixtures.bytes(name)
    let document = MasterCF(bytes: bytes)
    #expect(document.serialized() == bytes)
    let newlines = bytes.filter { $0 == 0x0A }.count
    #expect(document.lines.count == newlines + (bytes.last == 0x0A || bytes.isEmpty ? 0 : 1))
    MasterCFRoundTripTests.exercise(document)
  }

  @Test func edgeInputsRoundTrip() {
    let inputs: [[UInt8]] = [
      [], [0x0A], [0x0D], [0x0D, 0x0A], [0], Array("x".utf8), Array("  \n\t\n".utf8),
      Array("{".utf8), Array("}\n{".utf8), Array("a b c d e f g h".utf8),
      Array("a b c d e f g h -o".utf8), Array("a unix - - - - - cmd -".utf8),
      Array("a unix - - - - - cmd -o {".utf8), [0xFF, 0xFE, 0x0A, 0x20, 0x23],
    ]
    for input in inputs {
      let document = MasterCF(bytes: input)
      #expect(document.serialized() == input)
      MasterCFRoundTripTests.exercise(document)
    }
  }

  /// Seeded mutants of every fixture: each must round-trip byte for byte and
  /// survive printing, diagnostics and edits.
  @Test func mutantsRoundTrip() throws {
    var random = MasterCFRandom(seed: 20_261_129)
    let seeds = try MasterCFFixtures.names.map(MasterCFFixtures.bytes)
    let splices: [[UInt8]] = [
      [0x0D, 0x0A], [0], [0x09], [0x23], [0x7B], [0x7D], [0x3D], [0x20], [0x0A],
      Array("-o".utf8), Array(" -o x=y".utf8), Array("\n  ".utf8), [0xC3], [0x2D],
    ]
    var count = 0
    for _ in 0..<3000 {
      var bytes = random.pick(seeds)
      for _ in 0..<(random.int(4) + 1) {
        let position = random.int(bytes.count + 1)
        switch random.int(4) {
        case 0:
          bytes.insert(contentsOf: random.pick(splices), at: position)
        case 1:
          if position < bytes.count {
            bytes.removeSubrange(position..<min(bytes.count, position + random.int(8) + 1))
          }
        case 2:
          if position < bytes.count {
            let end = min(bytes.count, position + random.int(40) + 1)
            bytes.insert(contentsOf: Array(bytes[position..<end]), at: position)
          }
        default:
          bytes.insert(UInt8(truncatingIfNeeded: random.next()), at: position)
        }
      }
      let document = MasterCF(bytes: bytes)
      #expect(document.serialized() == bytes)
      if count % 10 == 0 { MasterCFRoundTripTests.exercise(document) }
      _ = document.printEntries(fold: true)
      _ = document.diagnostics()
      count += 1
    }
    #expect(count == 3000)
  }

  @Test func oversizedInputIsKeptButNotParsed() {
    let bytes = [UInt8](repeating: 0x61, count: MasterCF.maximumSize + 1)
    let document = MasterCF(bytes: bytes)
    #expect(document.exceedsSizeLimit)
    #expect(document.serialized().count == bytes.count)
    #expect(document.entries.isEmpty)
    #expect(document.printEntries().isFatal)
    #expect(document.edited(.removeEntry, requests: [Array("a/unix".utf8)]).isFatal)
  }

  @Test func largeInputParsesInLinearTime() {
    // One entry with 200,000 continuation lines of attached options, and
    // 100,000 small entries: both must parse quickly.
    var bytes = Array("big unix - - n - - smtpd\n".utf8)
    for index in 0..<200_000 {
      bytes += Array("  -osmtpd_x\(index)=1\n".utf8)
    }
    for index in 0..<100_000 {
      bytes += Array("s\(index) unix - - n - - smtp\n".utf8)
    }
    let clock = ContinuousClock()
    let start = clock.now
    let document = MasterCF(bytes: bytes)
    let overrides = document.entries.first?.overrides ?? []
    let report = document.printParameters(patterns: [Array("big/unix/smtpd_x7".utf8)])
    let elapsed = clock.now - start
    #expect(document.entries.count == 100_001)
    #expect(overrides.count == 200_000)
    #expect(overrides.last?.line == 200_001)
    #expect(String(decoding: report.output, as: UTF8.self) == "big/unix/smtpd_x7 = 1\n")
    #expect(elapsed < .seconds(30))
  }
}
