/// Compiler-style text: `main.cf:12: warning: [disable-vrfy] ...` with a fix line.
public enum TextReport {
  /// Renders a report.
  /// - Parameters:
  ///   - report: The audit report.
  ///   - colour: Whether to colour severities with ANSI escapes.
  /// - Returns: The text, ending in a newline.
  public static func render(_ report: AuditReport, colour: Bool = false) -> String {
    var out = "pfharden check \(report.configDirectory)"
    if let version = report.postfixVersion { out += " (Postfix \(version))" }
    out += "\nroles: \(report.roleSummary)\n"
    if let reason = report.incompleteReason { out += "incomplete: \(reason)\n" }
    for finding in report.findings {
      out +=
        location(finding) + ": " + severity(finding.severity, colour: colour) + ": ["
        + finding.id + "] "
      if let service = finding.service { out += "\(service): " }
      out += finding.message + "\n    fix: " + finding.fix + "\n"
    }
    out += summary(report) + "\n"
    return out
  }

  static func location(_ finding: Finding) -> String {
    guard let file = finding.file else { return "pfharden" }
    guard let line = finding.line else { return file }
    return "\(file):\(line)"
  }

  static func severity(_ severity: Severity, colour: Bool) -> String {
    guard colour else { return severity.rawValue }
    let code: String
    switch severity {
    case .error: code = "31"
    case .warning: code = "33"
    case .info: code = "36"
    }
    return "\u{1B}[1;\(code)m\(severity.rawValue)\u{1B}[0m"
  }

  /// `2 errors, 5 warnings, 1 info (1 suppressed)`.
  static func summary(_ report: AuditReport) -> String {
    func count(_ severity: Severity) -> Int {
      report.findings.filter { $0.severity == severity }.count
    }
    let errors = count(.error)
    let warnings = count(.warning)
    var text =
      "\(errors) error\(errors == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s"), \(count(.info)) info"
    if report.suppressedCount > 0 { text += " (\(report.suppressedCount) suppressed)" }
    if report.minimumSeverity > .info {
      text += "; showing \(report.minimumSeverity.rawValue) and above"
    }
    if !report.isComplete { text += "; the audit is incomplete" }
    return text
  }
}
