/// The one error type of the SMTPProbe library.
public struct SMTPProbeError: Error, Equatable, Sendable {
  /// What went wrong.
  public enum Code: String, Sendable {
    /// A system call failed (the reason names the call and errno).
    case system
    /// A deadline passed.
    case timeout
    /// The peer closed the connection.
    case closed
    /// The peer sent something that is not SMTP or exceeds a limit.
    case protocolViolation
    /// A request is malformed (bad address, forbidden target).
    case invalidRequest
    /// The TLS peer sent a fatal alert (the reason names it).
    case tlsAlert
    /// A TLS handshake or record could not be completed: no common parameters, a record
    /// that fails authentication, a `Finished` that does not match.
    case tlsFailure
    /// The probe was cancelled (its task, or the fleet it ran in) before it could finish.
    case cancelled
  }

  /// The stable error code.
  public var code: Code
  /// A human-readable explanation.
  public var reason: String

  /// Creates an error.
  /// - Parameters:
  ///   - code: The stable error code.
  ///   - reason: A human-readable explanation.
  public init(_ code: Code, _ reason: String) {
    self.code = code
    self.reason = reason
  }

  public static func == (lhs: SMTPProbeError, rhs: SMTPProbeError) -> Bool {
    lhs.code == rhs.code
  }
}

extension SMTPProbeError: CustomStringConvertible {
  /// The reason alone, so that interpolating the error never shows Swift's debug form.
  public var description: String { reason }
}
