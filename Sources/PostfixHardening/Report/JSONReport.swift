/// The `--format json` document (schema version 1, docs/check-json-schema.md).
public enum JSONReport {
  /// The schema version.
  public static let schemaVersion = 1

  /// Renders a report.
  /// - Parameter report: The audit report.
  /// - Returns: The JSON text, ending in a newline.
  public static func render(_ report: AuditReport) -> String {
    value(report).rendered() + "\n"
  }

  /// The report as a JSON value.
  /// - Parameter report: The audit report.
  /// - Returns: The document.
  public static func value(_ report: AuditReport) -> JSONValue {
    func count(_ severity: Severity) -> Int {
      report.findings.filter { $0.severity == severity }.count
    }
    let services: [JSONValue] = report.services.map { service in
      .object([
        ("service", .string(service.key)), ("listener", .string(service.listener)),
        ("port", service.port.json), ("loopbackOnly", .bool(service.loopbackOnly)),
        ("role", .string(service.role.rawValue)), ("reason", .string(service.reason)),
      ])
    }
    let findings: [JSONValue] = report.findings.map { finding in
      .object([
        ("id", .string(finding.id)), ("severity", .string(finding.severity.rawValue)),
        ("message", .string(finding.message)), ("file", finding.file.json),
        ("line", finding.line.json), ("service", finding.service.json),
        ("parameter", finding.parameter.json), ("fix", .string(finding.fix)),
      ])
    }
    return .object([
      ("schemaVersion", .int(schemaVersion)),
      ("configDirectory", .string(report.configDirectory)),
      ("postfixVersion", report.postfixVersion.map { .string($0.description) } ?? .null),
      ("minimumSeverity", .string(report.minimumSeverity.rawValue)),
      ("sendOnly", .bool(report.isSendOnly)),
      ("roles", .string(report.roleSummary)),
      ("complete", .bool(report.isComplete)),
      ("incompleteReason", report.incompleteReason.json),
      ("services", .array(services)),
      ("findings", .array(findings)),
      (
        "summary",
        .object([
          ("error", .int(count(.error))), ("warning", .int(count(.warning))),
          ("info", .int(count(.info))), ("suppressed", .int(report.suppressedCount)),
        ])
      ),
    ])
  }
}
