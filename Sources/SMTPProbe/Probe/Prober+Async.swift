import Dispatch

extension Prober {
  /// Runs the probe from Swift concurrency, on a thread of its own (the probe's sockets
  /// block; the cooperative pool's threads never wait on them).
  ///
  /// Cancelling the calling task stops the probe: no further connection or back-off
  /// starts, a read in progress ends within 50 ms (a connect in progress within its step
  /// timeout), and the report is incomplete with ``SMTPProbeError/Code/cancelled`` and the
  /// reason `cancelled`; every check not finished is reported as not run, or partial,
  /// with that reason. A probe that is not cancelled reports exactly what
  /// ``run(host:port:)`` reports.
  /// - Parameters:
  ///   - host: The host, as reported.
  ///   - port: The port, as reported.
  /// - Returns: The report.
  public func run(host: String, port: UInt16) async -> ProbeReport {
    await Self.onOwnThread { cancellation in
      self.run(host: host, port: port, cancellation: cancellation)
    }
  }

  /// Resolves `host` and probes it over TCP, from Swift concurrency: as
  /// ``probe(host:port:options:)``, cancelled with the calling task as the
  /// asynchronous `run(host:port:)` is.
  ///
  /// Name lookup is not cancellable.
  /// - Parameters:
  ///   - host: A name or numeric address.
  ///   - port: The port.
  ///   - options: The options.
  /// - Returns: The report; ``ProbeReport/failure`` says when it could not complete.
  public static func probe(host: String, port: UInt16, options: ProbeOptions) async
    -> ProbeReport
  {
    await onOwnThread { cancellation in
      switch connector(host: host, port: port, options: options) {
      case .success(let connector):
        return Prober(connector: connector, options: options)
          .run(host: host, port: port, cancellation: cancellation)
      case .failure(let failure):
        return ProbeRun.failedReport(host: host, port: port, options: options, failure: failure)
      }
    }
  }

  /// The TCP connector for `host`: its first address of the source address's family.
  static func connector(host: String, port: UInt16, options: ProbeOptions)
    -> Result<TCPConnector, SMTPProbeError>
  {
    let addresses: [SocketAddress]
    do {
      addresses = try SocketAddress.resolve(host, port: port)
    } catch let error as SMTPProbeError {
      return .failure(error)
    } catch {
      return .failure(SMTPProbeError(.invalidRequest, "\(error)", underlying: error))
    }
    guard
      let preferred = addresses.first(where: {
        $0.family == options.sourceAddress?.family ?? $0.family
      }) ?? addresses.first
    else { return .failure(SMTPProbeError(.invalidRequest, "no address for the host")) }
    return .success(TCPConnector(address: preferred, source: options.sourceAddress))
  }

  /// Runs `body` on a thread of its own; cancelling the calling task sets the flag it
  /// is given.
  static func onOwnThread(
    _ body: @escaping @Sendable (ProbeCancellation) -> ProbeReport
  ) async -> ProbeReport {
    let cancellation = ProbeCancellation()
    return await withTaskCancellationHandler {
      await withCheckedContinuation { (continuation: CheckedContinuation<ProbeReport, Never>) in
        // A serial queue of its own runs on a new thread of the overcommitting pool: a
        // probe that waits on a socket holds no thread another probe needs.
        DispatchQueue(label: "pfharden.probe").async {
          continuation.resume(returning: body(cancellation))
        }
      }
    } onCancel: {
      cancellation.cancel()
    }
  }
}
