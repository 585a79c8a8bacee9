import PostfixConfig

/// The one error type of the PostfixHardening library.
public struct PostfixHardeningError: Error, Equatable, Sendable {
  /// What went wrong.
  public enum Code: String, Sendable {
    /// A profile or option is unknown or malformed.
    case invalidRequest
    /// The configuration could not be read or written.
    case configuration
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

  public static func == (lhs: PostfixHardeningError, rhs: PostfixHardeningError) -> Bool {
    lhs.code == rhs.code
  }
}
