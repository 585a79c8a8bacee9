import PostfixConfig

/// The one error type of the PostfixHardening library.
///
/// Errors compare equal when their ``code`` is equal; ``reason`` is the
/// human-readable text and ``underlying`` the error that caused this one
/// (often a `PostfixConfigError`), when there is one. ``description`` is
/// `code: reason`.
///
/// ```swift
/// do {
///   _ = try Profile.named("webmail")
/// } catch let error as PostfixHardeningError where error.code == .invalidRequest {
///   print(error.reason)  // unknown profile 'webmail' ...
/// }
/// ```
public struct PostfixHardeningError: Error, Equatable, Sendable, CustomStringConvertible {
  /// What went wrong, as a stable value a caller can compare with `==`.
  ///
  /// New codes may be added in any release, so a `switch` over codes needs a
  /// `default` case.
  public struct Code: Hashable, Sendable, CustomStringConvertible {
    private enum Backing: String, Hashable, Sendable {
      case invalidRequest
      case configuration
    }

    private let backing: Backing

    private init(_ backing: Backing) {
      self.backing = backing
    }

    /// A profile or option is unknown or malformed.
    public static let invalidRequest = Code(.invalidRequest)
    /// The configuration could not be read or written.
    public static let configuration = Code(.configuration)

    /// The code's name, such as `configuration`.
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
  public static func == (lhs: PostfixHardeningError, rhs: PostfixHardeningError) -> Bool {
    lhs.code == rhs.code
  }

  /// `code: reason`, such as `invalidRequest: unknown profile 'webmail'`.
  public var description: String { "\(code): \(reason)" }
}
