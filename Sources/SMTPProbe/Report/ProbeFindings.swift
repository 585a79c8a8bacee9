/// How serious a finding is.
public enum ProbeSeverity: String, Sendable, Comparable, CaseIterable {
  /// Worth knowing; nothing to fix.
  case info
  /// Should be fixed.
  case warning
  /// Must be fixed (an open relay, plaintext submission).
  case error

  private var rank: Int {
    switch self {
    case .info: 0
    case .warning: 1
    case .error: 2
    }
  }

  /// Orders by seriousness.
  /// - Parameters:
  ///   - lhs: One severity.
  ///   - rhs: Another.
  /// - Returns: Whether `lhs` is less serious.
  public static func < (lhs: ProbeSeverity, rhs: ProbeSeverity) -> Bool { lhs.rank < rhs.rank }
}

/// One problem (or notable fact) the probe found, with the dialogue that shows it.
public struct ProbeFinding: Equatable, Sendable {
  /// A stable kebab-case id (`open-relay`, `vrfy-leaks-users`).
  public var id: String
  /// How serious it is.
  public var severity: ProbeSeverity
  /// One sentence, printable ASCII.
  public var message: String
  /// The commands sent and replies received that show it.
  public var evidence: [Exchange]
  /// Where the rule comes from (RFC, Postfix document, advisory), when given.
  public var reference: String?

  /// Creates a finding.
  /// - Parameters:
  ///   - id: The stable id.
  ///   - severity: How serious.
  ///   - message: The sentence.
  ///   - evidence: The exchanges that show it.
  ///   - reference: Where the rule comes from.
  public init(
    id: String, severity: ProbeSeverity, message: String, evidence: [Exchange],
    reference: String? = nil
  ) {
    self.id = id
    self.severity = severity
    self.message = message
    self.evidence = evidence
    self.reference = reference
  }
}
