/// The one error type of the SMTPProbe library.
///
/// Errors compare equal when their ``code`` is equal; ``reason`` is the
/// human-readable text, already free of non-printable server bytes, and
/// ``underlying`` the error that caused this one, when there is one.
/// ``description`` is `code: reason`.
///
/// ```swift
/// let report = Prober.probe(host: "mx.example.net", port: 25, options: ProbeOptions())
/// if let failure = report.failure, failure.code == .timeout {
///   print(failure.reason)  // the banner did not arrive in time
/// }
/// ```
public struct SMTPProbeError: Error, Equatable, Sendable, CustomStringConvertible {
  /// What went wrong, as a stable value a caller can compare with `==`.
  ///
  /// New codes may be added in any release, so a `switch` over codes needs a
  /// `default` case.
  public struct Code: Hashable, Sendable, CustomStringConvertible {
    private enum Backing: String, Hashable, Sendable {
      case system
      case timeout
      case closed
      case protocolViolation
      case invalidRequest
      case tlsAlert
      case tlsFailure
      case cancelled
    }

    private let backing: Backing

    private init(_ backing: Backing) {
      self.backing = backing
    }

    /// A system call failed (the reason names the call and errno).
    public static let system = Code(.system)
    /// A deadline passed.
    public static let timeout = Code(.timeout)
    /// The peer closed the connection.
    public static let closed = Code(.closed)
    /// The peer sent something that is not SMTP or exceeds a limit.
    public static let protocolViolation = Code(.protocolViolation)
    /// A request is malformed (bad address, forbidden target).
    public static let invalidRequest = Code(.invalidRequest)
    /// The TLS peer sent a fatal alert (the reason names it).
    public static let tlsAlert = Code(.tlsAlert)
    /// A TLS handshake or record could not be completed: no common parameters, a record
    /// that fails authentication, a `Finished` that does not match.
    public static let tlsFailure = Code(.tlsFailure)
    /// The probe was cancelled (its task, or the fleet it ran in) before it could finish.
    public static let cancelled = Code(.cancelled)

    /// The code's name, such as `timeout` or `protocolViolation` (the name the JSON
    /// report uses).
    public var description: String { backing.rawValue }
  }

  /// The stable error code.
  public var code: Code
  /// A human-readable explanation.
  public var reason: String
  /// The error that caused this one, if any (not part of equality).
  public var underlying: (any Error)?

  /// Creates an error.
  /// - Parameters:
  ///   - code: The stable error code.
  ///   - reason: A human-readable explanation.
  ///   - underlying: The error that caused this one, if any.
  public init(_ code: Code, _ reason: String, underlying: (any Error)? = nil) {
    self.code = code
    self.reason = reason
    self.underlying = underlying
  }

  /// Whether two errors have the same ``code`` (the reason and the
  /// underlying error are not compared).
  /// - Parameters:
  ///   - lhs: An error.
  ///   - rhs: Another error.
  /// - Returns: Whether their codes are equal.
  public static func == (lhs: SMTPProbeError, rhs: SMTPProbeError) -> Bool {
    lhs.code == rhs.code
  }

  /// `code: reason`, such as `timeout: no reply within 30 s`.
  public var description: String { "\(code): \(reason)" }

  /// The text an error shows inside a report: the ``reason`` of an `SMTPProbeError`,
  /// anything else as it describes itself.
  /// - Parameter error: The error.
  /// - Returns: The text.
  static func reason(of error: any Error) -> String {
    (error as? SMTPProbeError)?.reason ?? "\(error)"
  }

  /// `error` itself when it is an `SMTPProbeError`, else a new one with `code` that
  /// keeps `error` as its ``underlying`` error.
  /// - Parameters:
  ///   - error: The error.
  ///   - code: The code for an error from elsewhere.
  ///   - prefix: Text put before the other error's description, such as `transport: `.
  /// - Returns: The error.
  static func wrapping(_ error: any Error, as code: Code, prefix: String = "") -> SMTPProbeError {
    if let error = error as? SMTPProbeError { return error }
    return SMTPProbeError(code, prefix + "\(error)", underlying: error)
  }
}
