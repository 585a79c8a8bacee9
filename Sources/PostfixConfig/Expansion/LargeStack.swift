#if canImport(Glibc)
import Glibc
#endif

/// Runs deep expansions on a thread of their own with a large stack.
///
/// The expander recurses like Postfix does (one level per nested reference,
/// up to ``ExpansionLimits/maximumDepth``). Shallow values, nearly all real
/// ones, run on the caller's stack; a value that nests deeper is expanded
/// again from the start on a thread whose stack fits the whole limit, so the
/// caller's stack size (512 KiB on some secondary threads) never matters.
enum LargeStack {
  /// Parse levels allowed on the caller's stack before moving to a large one.
  static let inlineDepth = 32

  /// The stack size of the helper thread: room for ``ExpansionLimits/maximumDepth``
  /// levels even in unoptimised builds (pages are only committed when used).
  static let size = 256 << 20

  private final class Job {
    let body: () -> Void
    init(_ body: @escaping () -> Void) { self.body = body }
  }

  /// Runs `body` on a new thread with a ``size``-byte stack and waits for it.
  /// - Parameter body: The work; it runs exactly once when this returns true.
  /// - Returns: False when no such thread could be started (nothing ran).
  static func run(_ body: @escaping () -> Void) -> Bool {
    #if canImport(Glibc)
    var attributes = pthread_attr_t()
    guard pthread_attr_init(&attributes) == 0 else { return false }
    defer { pthread_attr_destroy(&attributes) }
    guard pthread_attr_setstacksize(&attributes, size) == 0 else { return false }
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
}
