import Synchronization

/// A flag that stops a running probe: set from any thread, read by the probe before each
/// connection, each back-off slice and each slice of a read.
final class ProbeCancellation: Sendable {
  private let flag = Atomic<Bool>(false)

  /// The reason a cancelled probe reports.
  static let reason = "cancelled"

  /// The error a cancelled probe reports.
  static var error: SMTPProbeError { SMTPProbeError(.cancelled, reason) }

  /// Stops the probe at its next check.
  func cancel() { flag.store(true, ordering: .relaxed) }

  /// Whether ``cancel()`` was called.
  var isCancelled: Bool { flag.load(ordering: .relaxed) }
}

/// Opens connections through another connector until the probe is cancelled.
///
/// Each connection waits for the server in slices of at most ``slice``, so a cancelled
/// probe stops within one slice of a read; the bytes and errors are the base's own, so a
/// probe that is not cancelled sees exactly what it would without the wrapper.
struct CancellableConnector: Connector {
  /// The longest a read waits before it looks at the flag again.
  static let slice: UInt64 = 50_000_000

  let base: any Connector
  let cancellation: ProbeCancellation

  func connect(deadline: Deadline) throws -> any Transport {
    if cancellation.isCancelled { throw ProbeCancellation.error }
    let transport = try base.connect(deadline: deadline)
    return CancellableTransport(base: transport, cancellation: cancellation)
  }
}

/// A transport whose waits end early, with ``ProbeCancellation/error``, once its probe is
/// cancelled.
final class CancellableTransport: Transport {
  private let base: any Transport
  private let cancellation: ProbeCancellation

  init(base: any Transport, cancellation: ProbeCancellation) {
    self.base = base
    self.cancellation = cancellation
  }

  func send(_ bytes: [UInt8], deadline: Deadline) throws {
    if cancellation.isCancelled { throw ProbeCancellation.error }
    try base.send(bytes, deadline: deadline)
  }

  func receive(maxBytes: Int, deadline: Deadline) throws -> [UInt8] {
    let slice = CancellableConnector.slice
    // Each slice that times out used up its time: the loop ends with the deadline.
    let rounds = deadline.remainingNanoseconds / slice + 1
    for _ in 0..<rounds {
      if cancellation.isCancelled { throw ProbeCancellation.error }
      let part = Deadline.after(nanoseconds: slice, clock: deadline.clock).earliest(deadline)
      guard part.instant < deadline.instant else { break }
      do {
        return try base.receive(maxBytes: maxBytes, deadline: part)
      } catch let error as SMTPProbeError where error.code == .timeout && !deadline.hasPassed {
        continue
      }
    }
    if cancellation.isCancelled { throw ProbeCancellation.error }
    return try base.receive(maxBytes: maxBytes, deadline: deadline)
  }

  func close() { base.close() }
  var localAddress: SocketAddress? { base.localAddress }
  var remoteAddress: SocketAddress? { base.remoteAddress }
}
