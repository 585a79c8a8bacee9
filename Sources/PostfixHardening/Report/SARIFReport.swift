/// SARIF 2.1.0 for CI code scanning: results on main.cf and master.cf lines.
public enum SARIFReport {
  /// Renders a report.
  /// - Parameters:
  ///   - report: The audit report.
  ///   - toolVersion: The pfharden version to name.
  /// - Returns: The SARIF log, ending in a newline.
  public static func render(_ report: AuditReport, toolVersion: String = "0.1.0") -> String {
    let ids = Audit.ruleIDs
    let rules: [JSONValue] = Audit.rules.map { rule in
      .object([
        ("id", .string(rule.id)),
        ("shortDescription", .object([("text", .string(rule.summary))])),
      ])
    }
    let base =
      report.configDirectory.hasSuffix("/")
      ? report.configDirectory : report.configDirectory + "/"
    let results: [JSONValue] = report.findings.map { finding in
      var members: [(String, JSONValue)] = [
        ("ruleId", .string(finding.id)),
        ("ruleIndex", .int(ids.firstIndex(of: finding.id) ?? 0)),
        ("level", .string(level(finding.severity))),
        ("message", .object([("text", .string(finding.message + " Fix: " + finding.fix))])),
      ]
      if let file = finding.file {
        var physical: [(String, JSONValue)] = [
          (
            "artifactLocation",
            .object([("uri", .string(file)), ("uriBaseId", .string("CONFIGDIR"))])
          )
        ]
        if let line = finding.line {
          physical.append(("region", .object([("startLine", .int(line))])))
        }
        members.append(("locations", .array([.object([("physicalLocation", .object(physical))])])))
      }
      if let service = finding.service {
        members.append(("properties", .object([("service", .string(service))])))
      }
      return .object(members)
    }
    var run: [(String, JSONValue)] = [
      (
        "tool",
        .object([
          (
            "driver",
            .object([
              ("name", .string("pfharden")), ("version", .string(toolVersion)),
              ("rules", .array(rules)),
            ])
          )
        ])
      ),
      (
        "originalUriBaseIds",
        .object([("CONFIGDIR", .object([("uri", .string("file://" + base))]))])
      ),
      ("results", .array(results)),
    ]
    if let reason = report.incompleteReason {
      // An incomplete audit is a failed run, whatever its results.
      run.append(
        (
          "invocations",
          .array([
            .object([
              ("executionSuccessful", .bool(false)),
              (
                "toolExecutionNotifications",
                .array([
                  .object([
                    ("level", .string("error")), ("message", .object([("text", .string(reason))])),
                  ])
                ])
              ),
            ])
          ])
        ))
    }
    return JSONValue.object([
      ("$schema", .string("https://json.schemastore.org/sarif-2.1.0.json")),
      ("version", .string("2.1.0")), ("runs", .array([.object(run)])),
    ]).rendered() + "\n"
  }

  static func level(_ severity: Severity) -> String {
    switch severity {
    case .error: return "error"
    case .warning: return "warning"
    case .info: return "note"
    }
  }
}
