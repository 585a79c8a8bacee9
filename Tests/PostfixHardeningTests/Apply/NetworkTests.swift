import Testing

@testable import PostfixHardening

@Suite struct NetworkTests {
  @Test(arguments: [
    ("192.0.2.0/24", "192.0.2.0/24"), ("10.0.0.0/8", "10.0.0.0/8"),
    ("192.0.2.7", "192.0.2.7/32"), ("2001:db8::/32", "[2001:db8::]/32"),
    ("[2001:db8::]/48", "[2001:db8::]/48"), ("fd00::1", "[fd00::1]/128"),
  ])
  func validNetworks(text: String, postfix: String) throws {
    #expect(try Network(text).postfixText == postfix)
  }

  @Test(arguments: [
    "192.0.2.0/33", "192.0.2/24", "example.com/24", "", "/24", "192.0.2.0/", "192.0.2.0/-1",
    "0.0.0.0/0", "10.0.0.0/7", "::/0", "192.0.2.1/24", "192.0.2.0/24x", "[192.0.2.0]/24x",
  ])
  func invalidNetworks(text: String) {
    #expect(throws: PostfixHardeningError(.invalidRequest, "")) { try Network(text) }
  }

  @Test func hostBitsSuggestTheNetwork() {
    do {
      _ = try Network("192.0.2.9/24")
      Issue.record("accepted")
    } catch let error as PostfixHardeningError {
      #expect(error.reason.contains("did you mean '192.0.2.0/24'?"))
    } catch {
      Issue.record("\(error)")
    }
  }
}
