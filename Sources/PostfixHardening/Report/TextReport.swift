/// Compiler-style text: `main.cf:12: warning: [disable-vrfy] ...` with a fix line.
public enum TextReport {
  /// Renders a report.
  /// - Parameters:
  ///   - report: The audit report.
  ///   - colour: Whether to colour severities with ANSI escapes.
  /// - Returns: The text, ending in a newline.
  public static func render(_ report: AuditReport, colour: Bool = false) -> String {
    var text = ""
    render(report, colour: colour) { text += $0 }
    return text
  }

  /// Renders a report piece by piece, for reports too large to hold twice
  /// (a finding per line of a large file).
  /// - Parameters:
  ///   - report: The audit report.
  ///   - colour: Whether to colour severities with ANSI escapes.
  ///   - write: Receives the text in order, in pieces of about 64 KiB.
  public static func render(
    _ report: AuditReport, colour: Bool = false, to write: (String) -> Void
  ) {
    withoutActuallyEscaping(write) { write in
      var out = ReportChunks(write)
      out.append("pfharden check \(report.configDirectory)")
      if let version = report.postfixVersion { out.append(" (Postfix \(version))") }
      out.append("\nroles: \(report.roleSummary)\n")
      if let reason = report.incompleteReason { out.append("incomplete: \(reason)\n") }
      // Piece by piece into the chunk: no text per finding is composed first.
      for finding in report.findings {
        out.append(location(finding))
        out.append(": ")
        out.append(severity(finding.severity, colour: colour))
        out.append(": [")
        out.append(finding.id)
        out.append("] ")
        if let service = finding.service {
          out.append(service)
          out.append(": ")
        }
        out.append(finding.message)
        out.append("\n    fix: ")
        out.append(finding.fix)
        out.append("\n")
      }
      out.append(summary(report) + "\n")
      out.flush()
    }
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
    // Counted in one pass that reads only each finding's severity, by rank.
    var counts = (0, 0, 0)
    report.findings.withUnsafeBufferPointer { findings in
      for index in findings.indices {
        switch findings[index].severity {
        case .info: counts.0 += 1
        case .warning: counts.1 += 1
        case .error: counts.2 += 1
        }
      }
    }
    func count(_ severity: Severity) -> Int {
      switch severity {
      case .info: return counts.0
      case .warning: return counts.1
      case .error: return counts.2
      }
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

/// Text handed on in pieces of about 64 KiB: a large report is written as it
/// is rendered, never held whole.
struct ReportChunks {
  static let size = 65_536
  var buffer = ""
  let write: (String) -> Void

  init(_ write: @escaping (String) -> Void) { self.write = write }

  mutating func append(_ text: String) {
    if buffer.isEmpty { buffer.reserveCapacity(Self.size + 1024) }
    buffer += text
    if buffer.utf8.count >= Self.size { flush() }
  }

  mutating func flush() {
    guard !buffer.isEmpty else { return }
    write(buffer)
    buffer = ""
  }
}
