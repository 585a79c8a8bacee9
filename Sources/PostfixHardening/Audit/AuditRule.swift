/// One audit rule: a stable id and a pure check over an ``AuditContext``.
///
/// Rules never touch the file system or the network; everything they need
/// (the effective configuration, the roles, the target Postfix version, file
/// and socket facts) is in the context, so audits are deterministic in tests.
public protocol AuditRule: Sendable {
  /// The stable kebab-case id (one of ``RuleID``).
  var id: String { get }
  /// Checks the configuration.
  /// - Parameter context: What the audit looks at.
  /// - Returns: The findings; empty when the rule passes.
  func check(_ context: AuditContext) -> [Finding]
}
