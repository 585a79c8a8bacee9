/// The one error type of the PostfixConfig library.
///
/// Errors compare equal when their ``code`` is equal; ``reason`` is the
/// human-readable text, already free of non-printable bytes, and
/// ``underlying`` the error that caused this one, when there is one.
/// ``description`` is `code: reason`.
///
/// ```swift
/// do {
///   _ = try ConfigFile.read(path: "/etc/postfix/main.cf")
/// } catch let error as PostfixConfigError where error.code == .io {
///   print(error.reason)  // open /etc/postfix/main.cf: Permission denied
/// }
/// ```
public struct PostfixConfigError: Error, Equatable, Sendable, CustomStringConvertible {
  /// What went wrong, as a stable value a caller can compare with `==`.
  ///
  /// New codes may be added in any release, so a `switch` over codes needs a
  /// `default` case.
  public struct Code: Hashable, Sendable, CustomStringConvertible {
    private enum Backing: String, Hashable, Sendable {
      case fileTooLarge
      case io
      case invalidEdit
      case expansion
      case invalidVersion
      case concurrentModification
      case postfixTool
      case invalidMasterEntry
      case fatalConfiguration
    }

    private let backing: Backing

    private init(_ backing: Backing) {
      self.backing = backing
    }

    /// A file is larger than the parser's hard limit.
    public static let fileTooLarge = Code(.fileTooLarge)
    /// A file could not be opened, read or written.
    public static let io = Code(.io)
    /// An edit request is malformed (empty name, newline in a value, ...).
    public static let invalidEdit = Code(.invalidEdit)
    /// A parameter value could not be expanded (`postconf -x` semantics).
    public static let expansion = Code(.expansion)
    /// A version string could not be parsed.
    public static let invalidVersion = Code(.invalidVersion)
    /// The file changed on disk between reading and writing it back.
    public static let concurrentModification = Code(.concurrentModification)
    /// Postfix's own tooling failed or printed something unexpected.
    public static let postfixTool = Code(.postfixTool)
    /// A master.cf entry or field is malformed.
    public static let invalidMasterEntry = Code(.invalidMasterEntry)
    /// Postfix would refuse the configuration: `postconf` stops with `fatal:`
    /// (``PostfixConfiguration/fatalError``).
    public static let fatalConfiguration = Code(.fatalConfiguration)

    /// The code's name, such as `io` or `fileTooLarge`.
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
  public static func == (lhs: PostfixConfigError, rhs: PostfixConfigError) -> Bool {
    lhs.code == rhs.code
  }

  /// `code: reason`, such as `io: open /etc/postfix/main.cf: Permission denied`.
  public var description: String { "\(code): \(reason)" }
}
