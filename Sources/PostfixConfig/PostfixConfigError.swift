/// The one error type of the PostfixConfig library.
///
/// Errors compare equal when their ``code`` is equal; ``reason`` is the
/// human-readable text, already free of non-printable bytes.
public struct PostfixConfigError: Error, Equatable, Sendable, CustomStringConvertible {
  /// What went wrong, as a stable value a caller can switch over.
  public enum Code: String, Sendable {
    /// A file is larger than the parser's hard limit.
    case fileTooLarge
    /// A file could not be opened, read or written.
    case io
    /// An edit request is malformed (empty name, newline in a value, ...).
    case invalidEdit
    /// A parameter value could not be expanded (`postconf -x` semantics).
    case expansion
    /// A version string could not be parsed.
    case invalidVersion
    /// The file changed on disk between reading and writing it back.
    case concurrentModification
    /// Postfix's own tooling failed or printed something unexpected.
    case postfixTool
    /// A master.cf entry or field is malformed.
    case invalidMasterEntry
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

  public static func == (lhs: PostfixConfigError, rhs: PostfixConfigError) -> Bool {
    lhs.code == rhs.code
  }

  public var description: String { reason }
}
