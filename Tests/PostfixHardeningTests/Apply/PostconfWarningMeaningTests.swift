import Testing

@testable import PostfixHardening

/// `PostconfWarning.meaning` and `ApplyExecutor.withoutLineNumbers` against
/// plain reference versions, on random texts made of their markers.
struct PostconfWarningMeaningTests {
  static func referenceWithoutLineNumbers(_ message: String) -> String {
    let bytes = Array(message.utf8)
    let marker = Array("line ".utf8)
    var output: [UInt8] = []
    var index = 0
    while index < bytes.count {
      if bytes[index...].starts(with: marker) {
        output += marker
        index += marker.count
        var end = index
        while end < bytes.count && (0x30...0x39).contains(bytes[end]) { end += 1 }
        if end > index {
          output.append(UInt8(ascii: "N"))
          index = end
        }
      } else {
        output.append(bytes[index])
        index += 1
      }
    }
    return String(decoding: output, as: UTF8.self)
  }

  static func referenceMeaning(_ message: String) -> String {
    let bytes = Array(referenceWithoutLineNumbers(message).utf8)
    for kind in PostconfWarning.valueKinds {
      let marker = Array(kind.utf8)
      guard marker.count <= bytes.count else { continue }
      for start in 0...(bytes.count - marker.count)
      where bytes[start..<(start + marker.count)].elementsEqual(marker) {
        let name = bytes[(start + marker.count)...].prefix { $0 != UInt8(ascii: "=") }
        return String(decoding: bytes[..<(start + marker.count)] + name, as: UTF8.self)
      }
    }
    return String(decoding: bytes, as: UTF8.self)
  }

  @Test func agreesWithTheReference() {
    var generator = SeededGenerator(seed: 29)
    let pieces = [
      "line ", "line", "12", "7", " ", "=", "a", "main.cf, ", ": ", "unused parameter: ",
      "overriding earlier entry: ", "undefined parameter: ", "é", "lin", "e ", "x=y",
    ]
    for _ in 0..<3_000 {
      var text = ""
      for _ in 0..<Int(generator.next() % 12) {
        text += pieces[Int(generator.next() % UInt64(pieces.count))]
      }
      #expect(
        ApplyExecutor.withoutLineNumbers(text) == Self.referenceWithoutLineNumbers(text), "\(text)")
      #expect(PostconfWarning.meaning(text) == Self.referenceMeaning(text), "\(text)")
    }
  }

  /// The planner keeps the meanings of the warnings before as a sorted array:
  /// its search finds exactly what a set would, duplicates and ends included.
  @Test func sortedSearchFindsWhatASetFinds() {
    var generator = SeededGenerator(seed: 31)
    for count in [0, 1, 2, 3, 8, 100, 1_000] {
      let values = (0..<count).map { _ in Int(generator.next() % 64) - 32 }.sorted()
      let set = Set(values)
      for probe in -40...40 {
        #expect(
          ApplyPlanner.sortedContains(values, probe) == set.contains(probe), "\(count) \(probe)")
      }
      #expect(!ApplyPlanner.sortedContains(values, .min) || set.contains(.min))
      #expect(!ApplyPlanner.sortedContains(values, .max) || set.contains(.max))
    }
  }
}
