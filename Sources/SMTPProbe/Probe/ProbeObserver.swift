/// Told as each check of a probe starts and ends, for a progress display.
///
/// The probe calls the handler on its own thread, in order, between network steps. It
/// only watches: a probe with an observer makes the same connections and reports exactly
/// what it reports without one. The handler should return quickly and must not wait on
/// the probe. A check may start again (after postscreen deferred the first session, or
/// when the checks move inside TLS), and one that never started can end (not run).
public struct ProbeObserver: Sendable {
  /// What happened.
  public enum Event: Equatable, Sendable {
    /// The check with this name (as ``CheckStatus/check`` names it) starts.
    case started(String)
    /// A check ended, with its status as the report holds it.
    case ended(CheckStatus)
  }

  /// Receives each event.
  public let handle: @Sendable (Event) -> Void

  /// Creates an observer.
  /// - Parameter handle: Receives each event, on the probe's thread.
  public init(_ handle: @escaping @Sendable (Event) -> Void) {
    self.handle = handle
  }
}

extension Prober {
  /// Resolves `host` and probes it over TCP, telling `observer` as each check starts and
  /// ends; otherwise as ``Prober/probe(host:port:options:)-2e33b``.
  /// - Parameters:
  ///   - host: A name or numeric address.
  ///   - port: The port.
  ///   - options: The options.
  ///   - observer: Told as each check starts and ends.
  /// - Returns: The report; ``ProbeReport/failure`` says when it could not complete.
  public static func probe(
    host: String, port: UInt16, options: ProbeOptions, observer: ProbeObserver?
  ) -> ProbeReport {
    switch connector(host: host, port: port, options: options) {
    case .success(let connector):
      var prober = Prober(connector: connector, options: options)
      prober.observer = observer
      return prober.run(host: host, port: port)
    case .failure(let failure):
      return ProbeRun.failedReport(host: host, port: port, options: options, failure: failure)
    }
  }
}

extension ProbeRun {
  /// Tells the observer that a check starts.
  /// - Parameter check: The check's name.
  func begin(_ check: String) {
    observer?.handle(.started(check))
  }
}
