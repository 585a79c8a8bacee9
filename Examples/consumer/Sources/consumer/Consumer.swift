import Foundation
import PostfixConfig
import PostfixHardening
import SMTPProbe

/// Uses the three libraries the way another tool would.
///
///     consumer DIR [PORT]
///
/// It reads the configuration directory DIR, prints an effective value per
/// smtpd service, edits main.cf in memory without losing a byte, audits,
/// plans the send-only profile with the apply workflow (nothing is written),
/// and, when PORT is given, checks and probes the SMTP server listening on
/// 127.0.0.1:PORT.
@main
struct Consumer {
  static func main() async {
    let arguments = CommandLine.arguments.dropFirst()
    guard let directory = arguments.first, arguments.count <= 2 else {
      fail("usage: consumer DIR [PORT]")
    }
    var port: UInt16?
    if arguments.count == 2 {
      guard let given = UInt16(arguments[arguments.startIndex + 1]), given > 0 else {
        fail("PORT must be a number from 1 to 65535")
      }
      port = given
    }
    do {
      let loaded = try ConfigurationDirectory.open(directory)
      try inspect(loaded)
      try plan(loaded)
    } catch {
      fail("\(error)")
    }
    if let port {
      await probe(port: port)
    } else {
      print("probe: skipped (no port given)")
    }
  }

  /// Reads effective values per service and edits main.cf losslessly.
  static func inspect(_ loaded: LoadedConfiguration) throws {
    let source: String
    switch loaded.defaults {
    case .installed(let postconf): source = "installed (\(postconf))"
    case .embedded: source = "embedded"
    }
    print("directory: \(loaded.directory)")
    print("master.cf: \(loaded.masterCFState)")
    print("defaults: \(source); Postfix \(loaded.postfixVersion.map { "\($0)" } ?? "unknown")")

    let configuration = loaded.configuration
    for service in configuration.services where service.command == "smtpd" {
      let level = configuration.setting(
        "smtpd_relay_restrictions", service: service.name, type: service.type)
      print(
        "\(service.name)/\(service.type): smtpd_relay_restrictions = \(level.text)"
          + " (\(level.source))")
    }

    let edit = try MainCFEdit.set([(name: "disable_vrfy_command", value: "yes")])
    let edited = loaded.mainCF.applying(edit).document
    let before = loaded.mainCF.serialized()
    let after = edited.serialized()
    // Every byte of the original survives; the edit only appends one line.
    guard after.starts(with: before), MainCF(bytes: after).serialized() == after else {
      fail("the edit lost bytes")
    }
    let value = String(decoding: edited.value(of: "disable_vrfy_command") ?? [], as: UTF8.self)
    print(
      "edit: disable_vrfy_command = \(value), \(after.count - before.count) bytes added,"
        + " the rest kept")
  }

  /// Audits the configuration and plans the send-only profile.
  static func plan(_ loaded: LoadedConfiguration) throws {
    let report = Audit.run(
      configuration: loaded.configuration,
      options: AuditOptions(
        targetVersion: loaded.postfixVersion, minimumSeverity: .warning,
        masterCF: loaded.masterCFState))
    print("audit: \(report.roleSummary); \(report.findings.count) finding(s)")
    for finding in report.findings.prefix(5) {
      print("  \(finding.severity): [\(finding.id)] \(finding.message)")
    }

    // The apply workflow, asked only for its plan: no lock, nothing written.
    let prepared = try ApplyWorkflow.prepare(
      ApplyWorkflow.Request(
        profile: .sendOnly, configDirectory: loaded.directory, intent: .plan))
    let plan = prepared.plan
    print("send-only: \(plan.changes.count) change(s), needs \(plan.activation.instruction)")
    for change in plan.changes.prefix(5) {
      print("  \(change.scope): \(change.name) -> \(change.new ?? "(removed)")")
    }
  }

  /// Checks 127.0.0.1:`port` as a reload's verification would, then probes it
  /// from Swift concurrency.
  static func probe(port: UInt16) async {
    let check = ListenerCheck.failure(address: "127.0.0.1", port: port, tls: nil)
    print("listener check: \(check ?? "greets")")
    var options = ProbeOptions()
    options.analyseTLS = false
    options.stepTimeout = .seconds(5)
    options.totalTimeout = .seconds(60)
    let report = await Prober.probe(host: "127.0.0.1", port: port, options: options)
    print("probe: \(report.banner?.text ?? "no banner"); complete: \(report.isComplete)")
    if let failure = report.failure, failure.code == .timeout {
      print("probe: timed out: \(failure.reason)")
    }
    for finding in report.findings {
      print("  \(finding.severity): [\(finding.id)] \(finding.message)")
    }
  }

  static func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("consumer: \(message)\n".utf8))
    exit(2)
  }
}
