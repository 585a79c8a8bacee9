import Testing

@testable import PostfixConfig

@Suite struct PostconfOutputTests {
  typealias Fixtures = CatalogFixtures

  @Test(arguments: ["out_all", "out_d"])
  func parsesFullListings(vector: String) throws {
    let bytes = try Fixtures.bytes("\(vector)/expected-output.txt")
    let pairs = PostconfOutput.parse(bytes)
    let lineCount = bytes.filter { $0 == UInt8(ascii: "\n") }.count
    #expect(pairs.count == 1043)
    #expect(pairs.count == lineCount)
    #expect(pairs.first?.name == "2bounce_notice_recipient")
    #expect(pairs.first?.value == Array("postmaster".utf8))
    let names = pairs.map(\.name)
    #expect(zip(names, names.dropFirst()).allSatisfy { $0.utf8.lexicographicallyPrecedes($1.utf8) })
    // Printing the pairs again gives the input back.
    var printed: [UInt8] = []
    for (name, value) in pairs {
      printed +=
        Array(name.utf8) + Array(" =".utf8) + (value.isEmpty ? [] : [0x20] + value) + [0x0A]
    }
    #expect(printed == bytes)
  }

  @Test func emptyValuesAndValuesWithEquals() {
    let pairs = PostconfOutput.parse(Array("a =\nb = x = y\nc = ${d?{=}}\n".utf8))
    #expect(pairs.map(\.name) == ["a", "b", "c"])
    #expect(pairs.map(\.value) == [[], Array("x = y".utf8), Array("${d?{=}}".utf8)])
  }

  @Test(arguments: ["out_all", "out_d"])
  func foldedOutputParsesToTheSamePairs(vector: String) throws {
    let unfolded = try Fixtures.bytes("\(vector)/expected-output.txt")
    let folded = Fixtures.fold(unfolded)
    #expect(folded != unfolded)
    #expect(
      folded.split(separator: 0x0A).allSatisfy { $0.count <= 80 || !$0.dropFirst(4).contains(0x20) }
    )
    let a = PostconfOutput.parse(unfolded)
    let b = PostconfOutput.parse(folded)
    #expect(a.count == b.count)
    for (x, y) in zip(a, b) where x.name != y.name || x.value != y.value {
      Issue.record(
        "\(x.name) = \(Printable.sanitize(x.value)) came back as \(y.name) = \(Printable.sanitize(y.value))"
      )
    }
  }

  @Test func valuesOnly() throws {
    let values = PostconfOutput.parseValues(
      Array("127.0.0.0/8 [::1]/128\n\nlong value\n    continued here\nlast".utf8))
    #expect(
      values == [
        Array("127.0.0.0/8 [::1]/128".utf8), [], Array("long value continued here".utf8),
        Array("last".utf8),
      ])
    let folded = Fixtures.fold(Array("x = \(String(repeating: "word ", count: 40))end\n".utf8))
    let hValues = PostconfOutput.parseValues(folded)
    #expect(hValues.count == 1)
    #expect(
      hValues.first.map { String(decoding: $0, as: UTF8.self) }?.hasSuffix("word end") == true)
  }

  @Test func skipsGarbageAndOrphanContinuations() {
    let input = Array("    orphan\nno equals here\nname = v\n  more\n=x\n \t\nx=y\n".utf8)
    let pairs = PostconfOutput.parse(input)
    #expect(pairs.map(\.name) == ["name"])
    #expect(pairs.map(\.value) == [Array("v more".utf8)])
  }

  // Seeded mutations of real output: parsing must never trap and must stay linear.
  @Test func survivesMutations() throws {
    let base = Array(try Fixtures.bytes("out_d/expected-output.txt").prefix(4000))
    var generator = SeededGenerator(seed: 0x5EED)
    let specials: [UInt8] = [0x0A, 0x0D, 0x00, 0x09, 0x20, 0x3D, 0x23, 0x7B, 0x7D, 0xFF]
    for _ in 0..<300 {
      var bytes = base
      for _ in 0..<8 {
        let position = Int(generator.next() % UInt64(bytes.count + 1))
        switch generator.next() % 3 {
        case 0: bytes.insert(specials[Int(generator.next() % UInt64(specials.count))], at: position)
        case 1: if position < bytes.count { bytes.remove(at: position) }
        default:
          bytes.insert(contentsOf: bytes[position..<min(bytes.count, position + 7)], at: position)
        }
      }
      let pairs = PostconfOutput.parse(bytes)
      #expect(pairs.count <= bytes.count)
      #expect(PostconfOutput.parseValues(bytes).count <= bytes.count + 1)
    }
  }
}
