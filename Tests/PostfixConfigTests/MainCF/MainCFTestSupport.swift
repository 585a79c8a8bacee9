import Foundation
import Testing

@testable import PostfixConfig

/// Fixtures and assertions shared by the main.cf tests.
enum MainCFFixtures {
  /// `Tests/PostfixConfigTests/Fixtures/maincf`.
  static let directory: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Fixtures/maincf")

  /// The copies of the Postfix 3.7.11 vectors (`vectors/<name>/...`).
  static let vectors: URL = directory.appendingPathComponent("vectors")

  static func bytes(_ url: URL) throws -> [UInt8] { Array(try Data(contentsOf: url)) }

  static func vectorFile(_ vector: String, _ file: String) -> URL {
    vectors.appendingPathComponent(vector).appendingPathComponent(file)
  }

  static func vectorBytes(_ vector: String, _ file: String) throws -> [UInt8] {
    try bytes(vectorFile(vector, file))
  }

  static func vectorExists(_ vector: String, _ file: String) -> Bool {
    FileManager.default.fileExists(atPath: vectorFile(vector, file).path)
  }

  static func vectorNames(prefix: String) -> [String] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: vectors.path)) ?? []
    return names.filter { $0.hasPrefix(prefix) }.sorted()
  }

  /// Every file whose round trip is checked: all vector main.cf inputs and
  /// outputs plus the hand-made fixtures.
  static func allMainCFFiles() throws -> [URL] {
    var result: [URL] = []
    let fixtureNames = try FileManager.default.contentsOfDirectory(atPath: directory.path)
    for name in fixtureNames.sorted() where name.hasSuffix(".main.cf") {
      result.append(directory.appendingPathComponent(name))
    }
    for vector in vectorNames(prefix: "") {
      for file in ["main.cf", "expected-main.cf-after"] where vectorExists(vector, file) {
        result.append(vectorFile(vector, file))
      }
    }
    return result
  }

  /// Lines of a text file without their `\n`.
  static func lines(_ bytes: [UInt8]) -> [[UInt8]] {
    var lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false).map(Array.init)
    if lines.last == [] { lines.removeLast() }
    return lines
  }

  static func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }
}

/// Parses `bytes` and requires the exact round trip first.
func parseRoundTripping(
  _ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation
) -> MainCF {
  let document = MainCF(bytes: bytes)
  #expect(document.serialized() == bytes, "round trip", sourceLocation: sourceLocation)
  return document
}

func parseRoundTripping(_ text: String, sourceLocation: SourceLocation = #_sourceLocation)
  -> MainCF
{
  parseRoundTripping(Array(text.utf8), sourceLocation: sourceLocation)
}

/// A deterministic generator (SplitMix64) so failures reproduce.
struct SeededGenerator: RandomNumberGenerator {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// A number in `0..<bound`.
  mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }

  /// True `percent` times in a hundred.
  mutating func chance(_ percent: Int) -> Bool { below(100) < percent }

  /// One of `items`.
  mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
}
