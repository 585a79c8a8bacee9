import Testing

@testable import PostfixHardening

@Suite struct HardeningErrorTests {
  @Test func equalityIsOnCode() {
    #expect(
      PostfixHardeningError(.invalidRequest, "a") == PostfixHardeningError(.invalidRequest, "b"))
    #expect(
      PostfixHardeningError(.invalidRequest, "a") != PostfixHardeningError(.configuration, "a"))
  }
}
