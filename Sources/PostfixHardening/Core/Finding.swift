/// One problem found by an audit rule.
public struct Finding: Equatable, Sendable {
  /// The rule's stable kebab-case id (`disable-vrfy`).
  public var id: String
  /// How serious it is for the role concerned.
  public var severity: Severity
  /// What is wrong, in one sentence.
  public var message: String
  /// `main.cf` or `master.cf`, or nil when the finding is about the host.
  public var file: String?
  /// The line, or nil when the parameter is left at its default.
  public var line: Int?
  /// The master.cf service (`submission/inet`) for per-service findings.
  public var service: String?
  /// The parameter concerned, for suppression comments.
  public var parameter: String?
  /// A one-line fix.
  public var fix: String

  /// Creates a finding.
  /// - Parameters:
  ///   - id: The rule id.
  ///   - severity: The severity.
  ///   - message: What is wrong.
  ///   - file: The file concerned.
  ///   - line: The line concerned.
  ///   - service: The service concerned.
  ///   - parameter: The parameter concerned.
  ///   - fix: How to fix it.
  public init(
    id: String, severity: Severity, message: String, file: String? = nil, line: Int? = nil,
    service: String? = nil, parameter: String? = nil, fix: String
  ) {
    self.id = id
    self.severity = severity
    self.message = message
    self.file = file
    self.line = line
    self.service = service
    self.parameter = parameter
    self.fix = fix
  }
}
