import Testing

@testable import SMTPProbe

@Suite struct ProbeErrorTests {
  @Test func equalityIsOnCode() {
    #expect(SMTPProbeError(.timeout, "a") == SMTPProbeError(.timeout, "b"))
    #expect(SMTPProbeError(.timeout, "a") != SMTPProbeError(.closed, "a"))
  }
}
