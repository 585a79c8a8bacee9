/// One audit rule: a stable id, what it is about, and a pure check over an
/// ``AuditContext``.
///
/// Rules never touch the file system or the network; everything they need
/// (the effective configuration, the roles, the target Postfix version, file
/// and socket facts) is in the context, so audits are deterministic in tests.
/// Each rule describes itself in its own file under `Rules/` and is listed in
/// ``Audit``; callers see it as an ``AuditRuleDescription``.
protocol AuditRule: Sendable {
  /// The stable kebab-case id (one of ``RuleID``).
  var id: String { get }
  /// One line: the problem the rule reports.
  var summary: String { get }
  /// The parameters the rule reads, among them every `parameter` its
  /// findings name (``AuditRuleDescription/everyParameter`` for any).
  var inspects: [String] { get }
  /// Whether the rule reports only on facts the caller must ask for
  /// (``HostFacts/listeningSockets``, `--live`).
  var optIn: Bool { get }
  /// Checks the configuration.
  /// - Parameter context: What the audit looks at.
  /// - Returns: The findings; empty when the rule passes.
  func check(_ context: AuditContext) -> [Finding]
}

extension AuditRule {
  var optIn: Bool { false }

  /// The rule as callers see it.
  var described: AuditRuleDescription {
    AuditRuleDescription(id: id, summary: summary, inspects: inspects, optIn: optIn)
  }
}

/// What one audit rule checks, as ``Audit/rules`` lists it.
///
/// ```swift
/// for rule in Audit.rules {
///   print("\(rule.id): \(rule.summary) (\(rule.inspects.joined(separator: ", ")))")
/// }
/// ```
public struct AuditRuleDescription: Equatable, Hashable, Sendable {
  /// The entry of ``inspects`` of a rule that may report about any parameter
  /// (postconf's warnings, parameters too new for the target release).
  public static let everyParameter = "*"

  /// The stable kebab-case id (one of ``RuleID``), as findings and
  /// `# pfharden: ignore` comments name it.
  public var id: String
  /// One line: the problem the rule reports.
  public var summary: String
  /// The parameters the rule reads.
  ///
  /// A `# pfharden: ignore` comment naming this rule above any other main.cf
  /// entry silences nothing. Contains ``everyParameter`` when the rule may
  /// report about any parameter.
  public var inspects: [String]
  /// Whether the rule reports only on facts the caller must ask for (the
  /// listening sockets of ``HostFacts``, `pfharden check --live`).
  public var optIn: Bool

  /// Creates a description.
  /// - Parameters:
  ///   - id: The rule id.
  ///   - summary: The problem it reports, in one line.
  ///   - inspects: The parameters it reports about.
  ///   - optIn: Whether it needs facts the caller must ask for.
  public init(id: String, summary: String, inspects: [String], optIn: Bool = false) {
    self.id = id
    self.summary = summary
    self.inspects = inspects
    self.optIn = optIn
  }

  /// Whether the rule may report about `parameter`.
  /// - Parameter parameter: A parameter name.
  /// - Returns: True when ``inspects`` names it or holds ``everyParameter``.
  public func reads(_ parameter: String) -> Bool {
    inspects.contains(parameter) || inspects.contains(Self.everyParameter)
  }
}
