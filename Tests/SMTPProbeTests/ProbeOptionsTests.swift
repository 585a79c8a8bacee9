import Testing

@testable import SMTPProbe

/// The options' times are `Duration`s; the probe measures them in its clock's
/// nanoseconds, a negative one as zero and one too long as forever.
@Suite struct ProbeOptionsTests {
  @Test func defaultsAreTheDocumentedTimes() {
    let options = ProbeOptions()
    #expect(options.stepTimeout == .seconds(10))
    #expect(options.sessionTimeout == .seconds(60))
    #expect(options.totalTimeout == .seconds(300))
    #expect(options.initialBackoff == .seconds(2))
    #expect(options.maxBackoff == .seconds(30))
    #expect(options.implicitTLSListen == .milliseconds(1500))
    #expect(options.stepTimeoutNanoseconds == 10_000_000_000)
  }

  @Test func durationsBecomeClockNanoseconds() {
    #expect(Duration.milliseconds(1500).clampedNanoseconds == 1_500_000_000)
    #expect(Duration.nanoseconds(1).clampedNanoseconds == 1)
    #expect(Duration.seconds(-1).clampedNanoseconds == 0)
    #expect(Duration.nanoseconds(-1).clampedNanoseconds == 0)
    #expect(Duration.seconds(Int64.max).clampedNanoseconds == .max)
  }

  @Test func deadlinesTakeDurations() {
    let clock = VirtualClock()
    let now = clock.now()
    #expect(Deadline.after(.seconds(2), clock: clock).instant == now + 2_000_000_000)
    #expect(Deadline.after(.seconds(-2), clock: clock).hasPassed)
    #expect(Deadline.after(.seconds(Int64.max), clock: clock).instant == .max)
  }

  @Test func aDeadlineSaysWhatIsLeftAsADuration() {
    let clock = VirtualClock()
    let deadline = Deadline.after(.milliseconds(2500), clock: clock)
    #expect(deadline.remaining == .milliseconds(2500))
    clock.advance(1_000_000_000)
    #expect(deadline.remaining == .milliseconds(1500))
    clock.advance(2_000_000_000)
    #expect(deadline.remaining == .zero)
    #expect(deadline.hasPassed)
  }
}
