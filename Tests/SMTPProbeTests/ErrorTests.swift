import Testing

@testable import SMTPProbe

/// The error type's contract, as the other libraries': equality on the code,
/// `code: reason` as its description, the underlying error kept but not compared.
@Suite struct ProbeErrorTests {
  @Test func equalityIsOnCode() {
    #expect(SMTPProbeError(.timeout, "a") == SMTPProbeError(.timeout, "b"))
    #expect(SMTPProbeError(.timeout, "a") != SMTPProbeError(.closed, "a"))
  }

  @Test func codesAreNamed() {
    let codes: [SMTPProbeError.Code] = [
      .system, .timeout, .closed, .protocolViolation, .invalidRequest, .tlsAlert, .tlsFailure,
      .cancelled,
    ]
    #expect(
      codes.map(\.description) == [
        "system", "timeout", "closed", "protocolViolation", "invalidRequest", "tlsAlert",
        "tlsFailure", "cancelled",
      ])
    #expect(Set(codes).count == codes.count)
  }

  @Test func descriptionIsCodeColonReason() {
    let error = SMTPProbeError(.timeout, "recv: deadline passed")
    #expect("\(error)" == "timeout: recv: deadline passed")
    #expect(!"\(error)".contains("SMTPProbeError("))
  }

  @Test func codesAreComparedNotSwitchedOver() {
    func isTransient(_ error: SMTPProbeError) -> Bool {
      switch error.code {
      case .timeout, .closed: return true
      default: return false
      }
    }
    #expect(isTransient(SMTPProbeError(.closed, "")))
    #expect(!isTransient(SMTPProbeError(.tlsAlert, "")))
  }

  @Test func anErrorFromElsewhereIsKeptUnderneath() {
    struct Cause: Error, CustomStringConvertible {
      var description: String { "io: read: Input/output error" }
    }
    let cause = Cause()
    let wrapped = SMTPProbeError.wrapping(cause, as: .system, prefix: "transport: ")
    #expect(wrapped.code == .system)
    #expect(wrapped.reason == "transport: io: read: Input/output error")
    #expect(wrapped.underlying is Cause)
    let own = SMTPProbeError(.timeout, "recv")
    #expect(SMTPProbeError.wrapping(own, as: .system).reason == "recv")
    #expect(SMTPProbeError.reason(of: own) == "recv")
    #expect(SMTPProbeError.reason(of: cause) == "io: read: Input/output error")
  }
}
