import Foundation
import PostfixHardening
import SMTPProbe
import Synchronization
import Testing

@testable import pfharden

/// Progress on standard error: each step as it starts and ends, only on a terminal and
/// never with `--quiet`.
@Suite struct ProgressTests {
  struct Result {
    var status: Int32
    var stdout: String
    var stderr: String
  }

  static func result(_ status: Int32, _ console: Console) -> Result {
    Result(
      status: status, stdout: String(decoding: console.stdout, as: UTF8.self),
      stderr: String(decoding: console.stderr, as: UTF8.self))
  }

  func probe(_ arguments: [String], terminal: Bool) -> Result {
    var console = Console.capturing()
    let status = ProbeCommand.run(arguments: arguments, console: &console, terminal: terminal) {
      Prober.probe(host: $0, port: $1, options: $2, observer: $3)
    }
    return Self.result(status, console)
  }

  func apply(_ arguments: [String], terminal: Bool) -> Result {
    var console = Console.capturing(environment: ["PFHARDEN_DEFAULTS": "embedded"])
    let status = ApplyCommand.run(
      arguments: arguments, console: &console, executor: { ApplyExecutor(validate: $0) },
      terminal: terminal)
    return Self.result(status, console)
  }

  func backup(_ arguments: [String], terminal: Bool) -> Result {
    var console = Console.capturing(environment: ["PFHARDEN_DEFAULTS": "embedded"])
    let status = BackupCommand.run(arguments: arguments, console: &console, terminal: terminal)
    return Self.result(status, console)
  }

  /// The progress as a snapshot shows it: each erase of the line on a line of its own.
  static func readable(_ text: String, replacing paths: [String: String] = [:]) -> String {
    var text = text.replacingOccurrences(of: ProgressReporter.eraseLine, with: "<erase>")
      .replacingOccurrences(of: " ...", with: " ...\n")
    for (path, name) in paths { text = text.replacingOccurrences(of: path, with: name) }
    return text
  }

  @Test func theProbeShowsEachCheckAsItStartsAndEnds() throws {
    let server = try FakeSMTPServer(posture: .open)
    defer { server.stop() }
    let target = "127.0.0.1:\(server.port)"
    let shown = probe([target, "--no-tls"], terminal: true)
    #expect(shown.status == 1)
    try ApplyCLIFixture.assertSnapshot(
      Self.readable(shown.stderr), named: "../cli/probe-progress.txt")
    // The observer only watches: the report is the same without it.
    let quiet = probe([target, "--no-tls", "--quiet"], terminal: true)
    let plain = probe([target, "--no-tls"], terminal: false)
    #expect(quiet.stderr.isEmpty && plain.stderr.isEmpty)
    #expect(quiet.stdout == shown.stdout)
    #expect(plain.stdout == shown.stdout)
    #expect(quiet.status == shown.status && plain.status == shown.status)
  }

  @Test func theObserverSeesEveryCheckTheReportHolds() throws {
    let server = try FakeSMTPServer(posture: .hardened)
    defer { server.stop() }
    let events = EventLog()
    let report = Prober.probe(
      host: "127.0.0.1", port: server.port, options: ProbeOptions(),
      observer: ProbeObserver { events.append($0) })
    let ended = events.all.compactMap { event -> String? in
      if case .ended(let status) = event { return status.check }
      return nil
    }
    let started = events.all.compactMap { event -> String? in
      if case .started(let check) = event { return check }
      return nil
    }
    for check in report.checks where check.state != .notRun {
      #expect(ended.contains(check.check), "\(check.check) never ended")
      #expect(started.contains(check.check), "\(check.check) never started")
    }
  }

  @Test func applyShowsItsStepsOnATerminalOnly() throws {
    let directory = try ApplyCLIFixture.stockCopy()
    let backups = try ApplyCLIFixture.temporaryDirectory("backups")
    defer {
      try? FileManager.default.removeItem(atPath: directory)
      try? FileManager.default.removeItem(atPath: backups)
    }
    let arguments = [
      "--profile", "send-only", "-c", directory, "--backup-dir", backups, "--yes",
    ]
    let shown = apply(arguments, terminal: true)
    #expect(shown.status == 0, "\(shown.stderr)")
    let progress = shown.stderr.split(separator: "\n", omittingEmptySubsequences: false)
      .filter { $0.contains(ProgressReporter.eraseLine) || $0.hasSuffix(" ...") }
      .joined(separator: "\n")
    try ApplyCLIFixture.assertSnapshot(
      Self.readable(progress, replacing: [directory: "DIR"]), named: "../cli/apply-progress.txt")
    let again = apply(arguments + ["--quiet"], terminal: true)
    #expect(!again.stderr.contains(ProgressReporter.eraseLine))
    let check = apply(["--profile", "send-only", "-c", directory, "--check"], terminal: false)
    #expect(!check.stderr.contains(ProgressReporter.eraseLine))
  }

  @Test func backupShowsItsStepsOnATerminalOnly() throws {
    let directory = try ApplyCLIFixture.stockCopy()
    let backups = try ApplyCLIFixture.temporaryDirectory("backups")
    defer {
      try? FileManager.default.removeItem(atPath: directory)
      try? FileManager.default.removeItem(atPath: backups)
    }
    let shown = backup(["-c", directory, "--to", backups], terminal: true)
    #expect(shown.status == 0, "\(shown.stderr)")
    try ApplyCLIFixture.assertSnapshot(
      Self.readable(shown.stderr, replacing: [directory: "DIR"]),
      named: "../cli/backup-progress.txt")
    #expect(backup(["-c", directory, "--to", backups, "-q"], terminal: true).stderr.isEmpty)
    #expect(backup(["-c", directory, "--to", backups], terminal: false).stderr.isEmpty)
    // Restoring that archive over a changed main.cf shows its step too.
    let archive = try #require(
      shown.stdout.split(separator: "\n").first { $0.hasPrefix("Archive: ") }?
        .dropFirst("Archive: ".count))
    let mainCF = URL(fileURLWithPath: directory + "/main.cf")
    let changed = try String(contentsOf: mainCF, encoding: .utf8) + "smtpd_banner = changed\n"
    try Data(changed.utf8).write(to: mainCF)
    var console = Console.capturing(environment: ["PFHARDEN_DEFAULTS": "embedded"])
    let status = RestoreCommand.run(
      arguments: [String(archive), "-c", directory, "--backup-dir", backups, "--yes"],
      console: &console, executor: { ApplyExecutor(validate: $0) }, terminal: true)
    let restored = Self.result(status, console)
    #expect(restored.status == 0, "\(restored.stderr)")
    #expect(
      restored.stderr.hasSuffix(
        "pfharden restore: backing up, writing ...\(ProgressReporter.eraseLine)"))
  }

  @Test func aReporterWritesNothingWhenDisabled() {
    let console = Console.capturing()
    let quiet = ProgressReporter(tool: "probe", console: console, quiet: true, terminal: true)
    let notTerminal = ProgressReporter(tool: "probe", console: console, quiet: false)
    for reporter in [quiet, notTerminal] {
      reporter.begin("vrfy")
      reporter.end("vrfy: ran")
      #expect(reporter.captured.isEmpty)
    }
  }
}

/// Events collected from the probe's thread.
final class EventLog: Sendable {
  private let events = Mutex<[ProbeObserver.Event]>([])

  func append(_ event: ProbeObserver.Event) { events.withLock { $0.append(event) } }

  var all: [ProbeObserver.Event] { events.withLock { $0 } }
}
