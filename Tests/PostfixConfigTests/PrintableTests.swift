import Testing

@testable import PostfixConfig

@Suite struct PrintableTests {
  @Test func replacesEveryNonPrintableByte() {
    #expect(Printable.sanitize([0x61, 0x09, 0x0D, 0xC3, 0xA9, 0x7E, 0x7F]) == "a????~?")
  }

  // The eight-bytes-at-a-time test against the byte-by-byte one: every edge
  // byte (0x1F, 0x20, 0x7E, 0x7F, 0x80, 0xFF) at every position of a block.
  @Test func appendReplacesWhatSanitizeReplaces() {
    var random = SeededGenerator(seed: 5)
    let edges: [UInt8] = [0x00, 0x1F, 0x20, 0x21, 0x7E, 0x7F, 0x80, 0xA0, 0xFF]
    for _ in 0..<3_000 {
      let bytes = (0..<random.below(40)).map { _ -> UInt8 in
        random.below(12) == 0 ? random.pick(edges) : UInt8(0x20 + random.below(0x5F))
      }
      var out: [UInt8] = [0x3E]
      bytes.withUnsafeBufferPointer { Printable.append($0, to: &out) }
      #expect(out == [0x3E] + Array(Printable.sanitize(bytes).utf8), "\(bytes)")
      #expect(
        bytes.withUnsafeBufferPointer { Printable.isPrintable($0) }
          == bytes.allSatisfy { (0x20...0x7E).contains($0) }, "\(bytes)")
    }
  }
}
