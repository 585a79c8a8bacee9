import Testing

@testable import PostfixConfig

@Suite struct PostfixVersionTests {
  @Test(arguments: [
    ("3.7.11", 3, 7, 11 as Int?, nil as Int?, "3.7.11"),
    ("3.8", 3, 8, nil, nil, "3.8"),
    ("3.8-20230101", 3, 8, nil, 20_230_101, "3.8-20230101"),
    ("3.10.0", 3, 10, 0, nil, "3.10.0"),
    ("2.11.12", 2, 11, 12, nil, "2.11.12"),
  ])
  func parses(text: String, major: Int, minor: Int, patch: Int?, snapshot: Int?, shown: String)
    throws
  {
    let version = try #require(PostfixVersion(text))
    #expect(version.major == major)
    #expect(version.minor == minor)
    #expect(version.patch == patch)
    #expect(version.snapshot == snapshot)
    #expect(version.description == shown)
  }

  @Test(arguments: [
    "", "3", "3.", ".3", "3..7", "3.7.", "3.7.11.2", "3.7-2023-01", "3.8.1-20230101", "v3.7",
    "3.7 ", " 3.7", "3.x", "3.7.1234567890", "-3.7", "3.7-", "3,7", "３.7",
  ])
  func rejects(text: String) {
    #expect(PostfixVersion(text) == nil)
  }

  // Each pair is strictly ascending.
  @Test(arguments: [
    ("3.9", "3.10"), ("3.9.9", "3.10.0"), ("3.7.9", "3.7.11"), ("2.11.12", "3.0"),
    ("3.7.11", "3.8-20220101"), ("3.8-20220101", "3.8-20230101"), ("3.8-20230101", "3.8.0"),
    ("3.8-20230101", "3.8"), ("3.8.0", "3.8.1"), ("3.8", "3.8.1"),
  ])
  func orders(lower: String, higher: String) throws {
    let low = try #require(PostfixVersion(lower))
    let high = try #require(PostfixVersion(higher))
    #expect(low < high)
    #expect(!(high < low))
    #expect(low != high)
  }

  @Test func missingPatchEqualsZero() throws {
    let short = try #require(PostfixVersion("3.8"))
    let long = try #require(PostfixVersion("3.8.0"))
    #expect(short == long)
    #expect(Set([short, long]).count == 1)
    #expect(short.description == "3.8")
  }

  @Test func branches() throws {
    let a = try #require(PostfixVersion("3.7.2"))
    #expect(a.isSameBranch(as: try #require(PostfixVersion("3.7.11"))))
    #expect(a.isSameBranch(as: try #require(PostfixVersion("3.7-20210101"))))
    #expect(!a.isSameBranch(as: try #require(PostfixVersion("3.8.2"))))
  }
}
