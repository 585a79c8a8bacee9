import Testing

@testable import PostfixConfig

@Suite struct PrintableTests {
  @Test func replacesEveryNonPrintableByte() {
    #expect(Printable.sanitize([0x61, 0x09, 0x0D, 0xC3, 0xA9, 0x7E, 0x7F]) == "a????~?")
  }
}
