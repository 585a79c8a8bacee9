import Foundation
import Testing

@testable import PostfixConfig

@Suite struct MainCFRoundTripTests {
  @Test func everyFixtureAndVectorFileRoundTrips() throws {
    let files = try MainCFFixtures.allMainCFFiles()
    #expect(files.count > 250)
    for file in files {
      let bytes = try MainCFFixtures.bytes(file)
      let document = MainCF(bytes: bytes)
      #expect(document.serialized() == bytes, "\(file.path)")
      _ = document.diagnostics(path: file.path)
      _ = document.parameters
    }
  }

  @Test func handMadeFixturesKeepTheirOddities() throws {
    func load(_ name: String) throws -> MainCF {
      parseRoundTripping(
        try MainCFFixtures.bytes(MainCFFixtures.directory.appendingPathComponent(name)))
    }
    #expect(try load("cr-only.main.cf").entries.count == 1)
    #expect(try load("crlf.main.cf").value(of: "zz") == Array("c\r  d".utf8))
    #expect(try load("no-final-newline.main.cf").value(of: "relayhost") == Array("a.example".utf8))
    #expect(try load("long-line.main.cf").value(of: "smtpd_banner")?.count == 200_000)
    #expect(try load("long-line.main.cf").value(of: "relayhost") == Array("after.example".utf8))
    #expect(try load("nul.main.cf").value(of: "relayhost") == Array("a.exa".utf8))
    #expect(try load("empty.main.cf").entries.isEmpty)
    #expect(try load("only-newlines.main.cf").lineCount == 3)
    #expect(MainCF(bytes: []).lineCount == 0)
    #expect(MainCF(bytes: Array("a = 1\nb = 2".utf8)).lineCount == 2)
    #expect(MainCF(bytes: Array("a = 1\n\n".utf8)).lineCount == 2)
    #expect(
      try load("invalid-utf8.main.cf").value(of: "name") == [0xC3, 0x28, 0x20, 0xED, 0xA0, 0x80])
  }

  static let splices: [[UInt8]] = [
    Array("\r\n".utf8), [0], [0x09], Array("#".utf8), Array("{".utf8), Array("}".utf8),
    Array("=".utf8), [0x0A], [0x20], [0xFF],
  ]

  static func mutate(_ input: [UInt8], _ random: inout SeededGenerator) -> [UInt8] {
    var bytes = input
    for _ in 0..<Int.random(in: 1...4, using: &random) {
      let position = bytes.isEmpty ? 0 : Int.random(in: 0...bytes.count, using: &random)
      switch Int.random(in: 0..<5, using: &random) {
      case 0:
        bytes.insert(UInt8.random(in: 0...255, using: &random), at: position)
      case 1:
        if position < bytes.count { bytes.remove(at: position) }
      case 2:
        if position < bytes.count {
          let end = min(bytes.count, position + Int.random(in: 1...16, using: &random))
          bytes.insert(contentsOf: bytes[position..<end], at: position)
        }
      default:
        bytes.insert(contentsOf: splices.randomElement(using: &random) ?? [], at: position)
      }
    }
    return bytes
  }

  @Test func seededMutantsRoundTripAndNeverCrash() throws {
    var random = SeededGenerator(seed: 0x5EED_F00D)
    let seeds = try MainCFFixtures.allMainCFFiles().compactMap { file -> [UInt8]? in
      let bytes = try MainCFFixtures.bytes(file)
      return bytes.count <= 4096 ? bytes : nil
    }
    #expect(seeds.count > 100)
    let edits = [
      try MainCFEdit.parse(mode: .set, arguments: [Array("relayhost=x".utf8), Array("zz=1".utf8)]),
      try MainCFEdit.parse(mode: .remove, arguments: [Array("mynetworks".utf8), Array("a".utf8)]),
      try MainCFEdit.parse(mode: .commentOut, arguments: [Array("relayhost".utf8)]),
    ]
    var mutants = 0
    for round in 0..<3000 {
      let seed = seeds[round % seeds.count]
      let mutant = Self.mutate(seed, &random)
      let document = MainCF(bytes: mutant)
      #expect(document.serialized() == mutant)
      let diagnostics = document.diagnostics(path: "main.cf")
      #expect(diagnostics.filter { $0.severity == .fatal }.count <= 1)
      let result = document.applying(edits[round % edits.count], path: "main.cf")
      #expect(result.document.serialized() == result.document.serialized())
      _ = document.entries
      _ = document.parameters
      mutants += 1
    }
    #expect(mutants == 3000)
  }

  @Test func entriesCoverEachByteAtMostOnce() {
    var random = SeededGenerator(seed: 42)
    for _ in 0..<500 {
      let bytes = (0..<Int.random(in: 0...300, using: &random)).map { _ in
        Array("ab =#\t\r\n\0x".utf8).randomElement(using: &random) ?? 0
      }
      let document = parseRoundTripping(bytes)
      var last = 0
      for entry in document.entries {
        #expect(entry.byteRange.lowerBound >= last)
        #expect(entry.byteRange.upperBound <= bytes.count)
        #expect(entry.lines.lowerBound == entry.line)
        last = entry.byteRange.upperBound
      }
    }
  }
}
