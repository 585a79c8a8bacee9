/// The `--format json` document (schema version 1, docs/check-json-schema.md).
public enum JSONReport {
  /// The schema version.
  public static let schemaVersion = 1

  /// Renders a report.
  /// - Parameter report: The audit report.
  /// - Returns: The JSON text, ending in a newline.
  public static func render(_ report: AuditReport) -> String {
    var text = ""
    render(report) { text += $0 }
    return text
  }

  /// Renders a report piece by piece, the same text as ``render(_:)``, one
  /// finding at a time: a report of a finding per line of a large file is
  /// never held whole.
  /// - Parameters:
  ///   - report: The audit report.
  ///   - write: Receives the text in order, in pieces of about 64 KiB.
  public static func render(_ report: AuditReport, to write: (String) -> Void) {
    withoutActuallyEscaping(write) { write in
      var out = ReportChunks(write)
      guard case .object(let members) = value(report, findings: []) else { return }
      out.append("{\n")
      for (offset, (key, member)) in members.enumerated() {
        out.append("  " + JSONValue.quote(key) + ": ")
        if key == "findings" && !report.findings.isEmpty {
          out.append("[\n")
          for (index, finding) in report.findings.enumerated() {
            out.append("    " + value(finding).rendered(indent: 2))
            out.append(index == report.findings.count - 1 ? "\n" : ",\n")
          }
          out.append("  ]")
        } else {
          out.append(member.rendered(indent: 1))
        }
        out.append(offset == members.count - 1 ? "\n" : ",\n")
      }
      out.append("}\n")
      out.flush()
    }
  }

  /// One finding as a JSON object.
  static func value(_ finding: Finding) -> JSONValue {
    .object([
      ("id", .string(finding.id)), ("severity", .string(finding.severity.rawValue)),
      ("message", .string(finding.message)), ("file", finding.file.json),
      ("line", finding.line.json), ("service", finding.service.json),
      ("parameter", finding.parameter.json), ("fix", .string(finding.fix)),
    ])
  }

  /// The report as a JSON value.
  /// - Parameter report: The audit report.
  /// - Returns: The document.
  public static func value(_ report: AuditReport) -> JSONValue {
    value(report, findings: report.findings.map(value))
  }

  /// The report as a JSON value with the given finding objects.
  static func value(_ report: AuditReport, findings: [JSONValue]) -> JSONValue {
    func count(_ severity: Severity) -> Int {
      report.findings.reduce(0) { $0 + ($1.severity == severity ? 1 : 0) }
    }
    let services: [JSONValue] = report.services.map { service in
      .object([
        ("service", .string(service.key)), ("listener", .string(service.listener)),
        ("port", service.port.json), ("loopbackOnly", .bool(service.loopbackOnly)),
        ("role", .string(service.role.rawValue)), ("reason", .string(service.reason)),
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
