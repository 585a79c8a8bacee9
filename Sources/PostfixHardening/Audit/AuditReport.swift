import PostfixConfig

/// The result of an audit.
public struct AuditReport: Equatable, Sendable {
  /// The configuration directory audited.
  public var configDirectory: String
  /// The Postfix release judged against, if known.
  public var postfixVersion: PostfixVersion?
  /// The smtpd services with their roles and the reasons for them.
  public var services: [SMTPService]
  /// Whether the host was judged send-only.
  public var isSendOnly: Bool
  /// The findings at or above the minimum severity, in file and line order.
  public var findings: [Finding]
  /// How many findings suppression comments silenced.
  public var suppressedCount: Int
  /// The minimum severity reported.
  public var minimumSeverity: Severity
  /// Why the audit could not look at everything (master.cf unreadable); nil
  /// when it is complete.
  public var incompleteReason: String? = nil

  /// Whether the audit looked at everything it should: an incomplete audit
  /// is never clean, whatever its findings.
  public var isComplete: Bool { incompleteReason == nil }

  /// The one-line statement of roles, as the reports print it.
  public var roleSummary: String {
    if !isComplete && services.isEmpty { return "unknown (no smtpd service was audited)" }
    if isSendOnly && services.allSatisfy({ $0.role == .sendOnly }) {
      return services.isEmpty
        ? "send-only (no inet smtpd service)"
        : "send-only (smtpd listens on loopback only)"
    }
    return services.map { "\($0.listener) \($0.role.rawValue) (\($0.reason))" }
      .joined(separator: "; ")
  }

  /// Whether any finding is at or above `severity`.
  /// - Parameter severity: The threshold.
  /// - Returns: True when such a finding exists.
  public func hasFindings(atOrAbove severity: Severity) -> Bool {
    findings.contains { $0.severity >= severity }
  }
}
