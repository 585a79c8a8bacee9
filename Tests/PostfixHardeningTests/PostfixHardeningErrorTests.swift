import PostfixConfig
import Testing

@testable import PostfixHardening

/// The error type's contract: equality on the code, `code: reason` as its
/// description, the underlying error kept but not compared.
@Suite struct PostfixHardeningErrorTests {
  @Test func equalityIsOnTheCodeOnly() {
    #expect(
      PostfixHardeningError(.configuration, "a", underlying: PostfixConfigError(.io, "x"))
        == PostfixHardeningError(.configuration, "b"))
    #expect(
      PostfixHardeningError(.configuration, "a") != PostfixHardeningError(.invalidRequest, "a"))
  }

  @Test func codesAreNamed() {
    #expect(PostfixHardeningError.Code.invalidRequest.description == "invalidRequest")
    #expect(PostfixHardeningError.Code.configuration.description == "configuration")
    #expect(PostfixHardeningError.Code.invalidRequest != .configuration)
  }

  @Test func descriptionIsCodeColonReason() throws {
    let error = try #require(throws: PostfixHardeningError.self) {
      try Profile.named("webmail")
    }
    #expect(error.code == .invalidRequest)
    #expect(error.description == "invalidRequest: " + error.reason)
    #expect("\(error)".hasPrefix("invalidRequest: unknown profile 'webmail'"))
  }

  @Test func codesAreComparedNotSwitchedOver() {
    func isUsage(_ error: PostfixHardeningError) -> Bool {
      switch error.code {
      case .invalidRequest: return true
      default: return false
      }
    }
    #expect(isUsage(PostfixHardeningError(.invalidRequest, "")))
    #expect(!isUsage(PostfixHardeningError(.configuration, "")))
  }

  @Test func aFailedProgramKeepsTheLibraryErrorUnderneath() throws {
    let program = "/nonexistent/pfharden-error-test/program"
    let error = try #require(throws: PostfixHardeningError.self) {
      try SystemCommand.run(program, [])
    }
    #expect(error.code == .configuration)
    let underlying = try #require(error.underlying as? PostfixConfigError)
    #expect(underlying.code == .postfixTool)
    #expect(underlying.reason == error.reason)
    #expect(error.reason.contains("cannot run \(program)"))
  }
}
