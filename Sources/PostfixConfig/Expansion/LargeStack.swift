#if canImport(Glibc)
import Glibc
#endif

/// Runs deep expansions on a thread of their own with a large stack, when
/// the caller's stack has no room for them.
///
/// The expander recurses like Postfix does (one level per nested reference,
/// up to ``ExpansionLimits/maximumDepth``). Shallow values, nearly all real
/// ones, run on the caller's stack. At ``inlineDepth`` levels the engine
/// measures what those levels took and asks ``hasRoom(top:levelsSoFar:more:)``
/// whether the rest of the limit fits in what is left of this thread's stack:
/// if it does (a main thread's 8 MiB does in an optimised build), the value
/// goes on in place; if not, it is expanded again from the start on a thread
/// whose stack fits the whole limit. So the caller's stack size (512 KiB on
/// some secondary threads) never matters, and a run of deep values on a
/// roomy stack starts no thread for each.
enum LargeStack {
  /// Parse levels allowed on the caller's stack before the room is measured.
  static let inlineDepth = 32

  /// Stack kept free below the deepest level that was planned for: for the
  /// lookups, warnings and library calls made at that level, and for the
  /// kernel's guard gap below a main thread's stack (`stack_guard_gap`,
  /// 1 MiB by default), which the bounds glibc gives for a main thread whose
  /// stack size is unlimited may include.
  static let spare = 2 << 20

  /// How many times the levels measured so far are assumed to take for each
  /// further level (later levels may take larger frames).
  static let safetyFactor = 2

  /// The stack size of the helper thread: room for ``ExpansionLimits/maximumDepth``
  /// levels even in unoptimised builds (pages are only committed when used).
  static let size = 256 << 20

  private final class Job {
    let body: () -> Void
    init(_ body: @escaping () -> Void) { self.body = body }
  }

  /// Runs `body` on a new thread with a `stackSize`-byte stack and waits for it.
  /// - Parameters:
  ///   - stackSize: The new thread's stack size (``size`` unless a test asks
  ///     for another).
  ///   - body: The work; it runs exactly once when this returns true.
  /// - Returns: False when no such thread could be started (nothing ran).
  static func run(stackSize: Int = size, _ body: @escaping () -> Void) -> Bool {
    #if canImport(Glibc)
    var attributes = pthread_attr_t()
    guard pthread_attr_init(&attributes) == 0 else { return false }
    defer { pthread_attr_destroy(&attributes) }
    guard pthread_attr_setstacksize(&attributes, stackSize) == 0 else { return false }
    let job = Unmanaged.passRetained(Job(body))
    var thread = pthread_t()
    let created = pthread_create(
      &thread, &attributes,
      { raw in
        guard let raw else { return nil }
        Unmanaged<Job>.fromOpaque(raw).takeRetainedValue().body()
        return nil
      }, job.toOpaque())
    guard created == 0 else {
      job.release()
      return false
    }
    pthread_join(thread, nil)
    return true
    #else
    return false
    #endif
  }

  /// Where this thread's stack is now: the address of a local in a frame
  /// just below the caller's.
  @inline(never) static func here() -> UInt {
    var marker: UInt8 = 0
    return withUnsafeMutablePointer(to: &marker) { UInt(bitPattern: $0) }
  }

  /// Whether `more` levels fit on this thread's stack below the caller,
  /// each ``safetyFactor`` times as deep as the `levelsSoFar` levels that
  /// took the stack from `top` down to here, with ``spare`` bytes left over.
  /// - Parameters:
  ///   - top: ``here()`` before the first level.
  ///   - levelsSoFar: The levels between `top` and the caller (at least one).
  ///   - more: The levels still allowed.
  /// - Returns: False also when the thread's stack bounds are unknown.
  static func hasRoom(top: UInt, levelsSoFar: Int, more: Int) -> Bool {
    let now = here()
    // Off the thread's own stack (a signal's alternate stack, say) the
    // bounds say nothing: no room.
    guard levelsSoFar > 0, top > now, let bounds = stackBounds(), bounds.contains(now) else {
      return false
    }
    let lowest = bounds.lowerBound
    let perLevel = (top - now) / UInt(levelsSoFar) + 1
    let (levels, tooMany) = UInt(max(more, 0)).multipliedReportingOverflow(
      by: UInt(safetyFactor))
    let (bytes, tooLarge) = perLevel.multipliedReportingOverflow(by: levels)
    let (planned, beyond) = bytes.addingReportingOverflow(UInt(spare))
    return !tooMany && !tooLarge && !beyond && now - lowest >= planned
  }

  /// The lowest address a planned level may start at.
  ///
  /// It lies half of ``spare`` above the bottom of this thread's stack. An
  /// engine that found room checks each further level against it, so that a
  /// wrong estimate (later levels far larger than the measured ones) ends in
  /// a retry on a large stack, not in an overflow.
  /// - Returns: Nil when the bounds are unknown.
  static func floor() -> UInt? {
    guard let bounds = stackBounds() else { return nil }
    return bounds.lowerBound + UInt(spare / 2)
  }

  /// This thread's stack, from its lowest usable address up to its top, or
  /// nil when it cannot be known; asked of the C library once per thread,
  /// then kept in two thread-specific slots (a main thread's bounds are
  /// read from `/proc/self/maps`).
  static func stackBounds() -> Range<UInt>? {
    #if canImport(Glibc)
    guard let (lowKey, highKey) = boundsKeys else { return nil }
    if let kept = pthread_getspecific(lowKey) {
      let lowest = UInt(bitPattern: kept)
      let highest = UInt(bitPattern: pthread_getspecific(highKey))
      // The top's slot may have failed to take its value (no memory).
      return lowest == unknownBounds || lowest >= highest ? nil : lowest..<highest
    }
    var (lowest, highest) = (unknownBounds, unknownBounds)
    var attributes = pthread_attr_t()
    if threadAttributes(pthread_self(), &attributes) == 0 {
      var address: UnsafeMutableRawPointer?
      var size = 0
      if pthread_attr_getstack(&attributes, &address, &size) == 0, let address, size > 0 {
        let (top, overflow) = UInt(bitPattern: address).addingReportingOverflow(UInt(size))
        if !overflow { (lowest, highest) = (UInt(bitPattern: address), top) }
      }
      pthread_attr_destroy(&attributes)
    }
    _ = pthread_setspecific(lowKey, UnsafeRawPointer(bitPattern: lowest))
    _ = pthread_setspecific(highKey, UnsafeRawPointer(bitPattern: highest))
    return lowest == unknownBounds ? nil : lowest..<highest
    #else
    return nil
    #endif
  }

  /// Kept in the slots when the bounds could not be read (never an address
  /// a stack starts at).
  private static let unknownBounds: UInt = 1

  #if canImport(Glibc)
  /// glibc's `pthread_getattr_np`, which its Swift module does not show (it
  /// is declared under `_GNU_SOURCE`): a running thread's attributes, stack
  /// bounds included.
  @_silgen_name("pthread_getattr_np")
  private static func threadAttributes(
    _ thread: pthread_t, _ attributes: UnsafeMutablePointer<pthread_attr_t>
  ) -> Int32

  /// The thread-specific slots of ``stackBounds()`` (lowest address, top);
  /// nil if they could not be made.
  private static let boundsKeys: (pthread_key_t, pthread_key_t)? = {
    var (low, high) = (pthread_key_t(), pthread_key_t())
    guard pthread_key_create(&low, nil) == 0 else { return nil }
    guard pthread_key_create(&high, nil) == 0 else {
      pthread_key_delete(low)
      return nil
    }
    return (low, high)
  }()
  #endif
}
