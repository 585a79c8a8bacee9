import Testing

@testable import PostfixConfig

/// The error type's contract: equality on the code, `code: reason` as its
/// description, the underlying error kept but not compared.
@Suite struct PostfixConfigErrorTests {
  struct Cause: Error, Equatable {
    var detail: String
  }

  static let codes: [(PostfixConfigError.Code, String)] = [
    (.fileTooLarge, "fileTooLarge"), (.io, "io"), (.invalidEdit, "invalidEdit"),
    (.expansion, "expansion"), (.invalidVersion, "invalidVersion"),
    (.concurrentModification, "concurrentModification"), (.postfixTool, "postfixTool"),
    (.invalidMasterEntry, "invalidMasterEntry"),
  ]

  @Test func equalityIsOnTheCodeOnly() {
    #expect(PostfixConfigError(.io, "a") == PostfixConfigError(.io, "b"))
    #expect(PostfixConfigError(.io, "a") != PostfixConfigError(.invalidEdit, "a"))
    #expect(
      PostfixConfigError(.io, "a", underlying: Cause(detail: "x"))
        == PostfixConfigError(.io, "a", underlying: nil))
  }

  @Test func everyCodeIsDistinctAndNamed() {
    for (index, (code, name)) in Self.codes.enumerated() {
      #expect(code.description == name)
      #expect("\(code)" == name)
      for (other, _) in Self.codes[(index + 1)...] { #expect(code != other) }
    }
    #expect(Set(Self.codes.map(\.0)).count == Self.codes.count)
  }

  @Test func descriptionIsCodeColonReason() {
    let error = PostfixConfigError(.io, "open /x/main.cf: No such file or directory")
    #expect(error.description == "io: open /x/main.cf: No such file or directory")
    #expect("\(error)" == error.description)
    #expect(error.reason == "open /x/main.cf: No such file or directory")
  }

  @Test func theUnderlyingErrorIsKept() throws {
    let error = PostfixConfigError(.postfixTool, "failed", underlying: Cause(detail: "spawn"))
    let cause = try #require(error.underlying as? Cause)
    #expect(cause == Cause(detail: "spawn"))
    #expect(PostfixConfigError(.io, "plain").underlying == nil)
  }

  @Test func codesAreComparedNotSwitchedOver() {
    // Codes may be added: a switch needs a default.
    func kind(_ error: PostfixConfigError) -> String {
      switch error.code {
      case .io, .fileTooLarge: return "file"
      case .postfixTool: return "tool"
      default: return "other"
      }
    }
    #expect(kind(PostfixConfigError(.io, "")) == "file")
    #expect(kind(PostfixConfigError(.postfixTool, "")) == "tool")
    #expect(kind(PostfixConfigError(.expansion, "")) == "other")
  }

  @Test func readFailuresCarryTheirCode() throws {
    let path = "/nonexistent/pfharden-error-test/main.cf"
    let error = try #require(throws: PostfixConfigError.self) {
      try ConfigFile.read(path: path)
    }
    #expect(error.code == .io)
    #expect(error.description == "io: open \(path): No such file or directory")
    #expect(ConfigFile.failureReason(error, path: path) == "No such file or directory")
    #expect(ConfigFile.failureReason(Cause(detail: "z"), path: path) == "Cause(detail: \"z\")")
  }
}
