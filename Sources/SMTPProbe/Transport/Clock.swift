/// A monotonic clock the probe measures deadlines and back-off with.
///
/// The real clock is ``SystemClock``; tests pass a virtual one so that timeouts and
/// back-off are exact and instantaneous.
public protocol ProbeClock: Sendable {
  /// Nanoseconds since an arbitrary fixed point; never decreases.
  func now() -> UInt64
  /// Waits for a duration.
  /// - Parameter nanoseconds: How long to wait.
  func sleep(nanoseconds: UInt64)
}

/// The system's monotonic clock (`CLOCK_MONOTONIC`).
public struct SystemClock: ProbeClock {
  /// Creates the clock.
  public init() {}

  /// Nanoseconds since boot.
  /// - Returns: The current instant.
  public func now() -> UInt64 { monotonicNanoseconds() }

  /// Sleeps (`nanosleep`).
  /// - Parameter nanoseconds: How long to wait.
  public func sleep(nanoseconds: UInt64) { sleepNanoseconds(nanoseconds) }
}

/// An instant after which an operation gives up.
public struct Deadline: Sendable {
  /// The clock the instant is measured on.
  public let clock: any ProbeClock
  /// The instant, in the clock's nanoseconds.
  public let instant: UInt64

  /// A deadline `nanoseconds` from now.
  /// - Parameters:
  ///   - nanoseconds: How far in the future.
  ///   - clock: The clock.
  /// - Returns: The deadline.
  public static func after(nanoseconds: UInt64, clock: any ProbeClock) -> Deadline {
    let now = clock.now()
    let (sum, overflow) = now.addingReportingOverflow(nanoseconds)
    return Deadline(clock: clock, instant: overflow ? .max : sum)
  }

  /// A deadline `duration` from now (a negative duration is now).
  /// - Parameters:
  ///   - duration: How far in the future.
  ///   - clock: The clock.
  /// - Returns: The deadline.
  public static func after(_ duration: Duration, clock: any ProbeClock) -> Deadline {
    after(nanoseconds: duration.clampedNanoseconds, clock: clock)
  }

  /// The earlier of two deadlines on the same clock.
  /// - Parameter other: The other deadline.
  /// - Returns: Whichever comes first.
  public func earliest(_ other: Deadline) -> Deadline {
    other.instant < instant ? other : self
  }

  /// Nanoseconds left (zero when passed).
  public var remainingNanoseconds: UInt64 {
    let now = clock.now()
    return instant > now ? instant - now : 0
  }

  /// Milliseconds left, rounded up so a wait never ends early (zero when passed).
  public var remainingMilliseconds: Int {
    let left = remainingNanoseconds
    return left == 0 ? 0 : Int(min((left + 999_999) / 1_000_000, UInt64(Int32.max)))
  }

  /// Whether the deadline has passed.
  public var hasPassed: Bool { remainingNanoseconds == 0 }

  /// The time left (zero when passed).
  public var remaining: Duration { .nanoseconds(Int64(clamping: remainingNanoseconds)) }
}

extension Duration {
  /// Whole nanoseconds; zero for a negative duration, `UInt64.max` when too long.
  package var clampedNanoseconds: UInt64 {
    let (seconds, attoseconds) = components
    guard seconds >= 0, self > .zero else { return 0 }
    let (scaled, overflow) = UInt64(seconds).multipliedReportingOverflow(by: 1_000_000_000)
    if overflow { return .max }
    let (sum, carry) = scaled.addingReportingOverflow(UInt64(attoseconds / 1_000_000_000))
    return carry ? .max : sum
  }
}
