import Foundation
import Testing

@testable import pfharden

/// `pfharden check` in process, on the audit fixtures.
@Suite struct CheckCommandTests {
  struct Result {
    var status: Int32
    var stdout: String
    var stderr: String
  }

  static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("PostfixHardeningTests/Fixtures")

  static func fixture(_ name: String) -> String {
    fixtures.appendingPathComponent(name).path
  }

  func check(
    _ arguments: [String], environment: [String: String] = ["PFHARDEN_DEFAULTS": "embedded"],
    terminal: Bool = false
  ) -> Result {
    var console = Console(environment: environment, isCapturing: true, stdoutIsTerminal: terminal)
    let status = CheckCommand.run(arguments: arguments, console: &console)
    return Result(
      status: status, stdout: String(decoding: console.stdout, as: UTF8.self),
      stderr: String(decoding: console.stderr, as: UTF8.self))
  }

  /// The output with the machine's fixture path replaced by `FIXTURES`.
  func portable(_ text: String) -> String {
    text.replacingOccurrences(of: Self.fixtures.path, with: "FIXTURES")
  }

  @Test func helpMatchesTheSnapshot() throws {
    let result = check(["--help"])
    #expect(result.status == 0)
    #expect(result.stdout.hasPrefix("OVERVIEW:"))
    try CheckSnapshot.assert(result.stdout, named: "help.txt")
  }

  @Test(arguments: [
    (["--format", "xml"], "--format must be text, json or sarif"),
    (["--min-severity", "fatal"], "--min-severity must be info, warning or error"),
    (["--role", "smarthost"], "--role must be one of send-only, relay, mx, submission"),
    (["--role", "submission=boss"], "--role SERVICE=ROLE needs a service"),
    (["--postfix-version", "three"], "--postfix-version must be a release"),
    (["--rol", "mx"], "Did you mean '--role'?"),
    (["-c"], "needs a value"),
    (["--live=yes"], "takes no value"),
    (["extra"], "unexpected argument 'extra'"),
  ])
  func usageErrorsExit64(arguments: [String], message: String) {
    let result = check(arguments)
    #expect(result.status == 64)
    #expect(result.stderr.contains(message), "\(result.stderr)")
    #expect(result.stdout.isEmpty)
  }

  @Test func missingDirectoryIsAClearErrorWithStatusTwo() {
    let result = check(["-c", "/nonexistent/pfharden-test"])
    #expect(result.status == 2)
    #expect(
      result.stderr
        == "pfharden check: error: cannot read configuration directory /nonexistent/pfharden-test: No such file or directory\n"
    )
    #expect(result.stdout.isEmpty)
  }

  @Test func directoryWithoutMainCFIsStatusTwo() {
    let result = check(["-c", Self.fixture("dh")])
    #expect(result.status == 2)
    #expect(
      result.stderr
        == "pfharden check: error: cannot read \(Self.fixture("dh"))/main.cf: No such file or directory\n"
    )
  }

  @Test func debianStockTextSnapshot() throws {
    let result = check(["-c", Self.fixture("debian-pristine"), "--config-only"])
    #expect(result.status == 1)
    #expect(result.stderr.isEmpty)
    for id in ["banner-disclosure", "disable-vrfy", "helo-required", "tls-loglevel"] {
      #expect(result.stdout.contains("[\(id)]"))
    }
    #expect(result.stdout.contains("main.cf:9: warning: [banner-disclosure]"))
    try CheckSnapshot.assert(portable(result.stdout), named: "debian-pristine.txt")
  }

  @Test func debianStockJSONSnapshot() throws {
    let result = check(["-c", Self.fixture("debian-snakeoil"), "--config-only", "--format", "json"])
    #expect(result.status == 1)
    let object = try #require(
      try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    #expect(object["schemaVersion"] as? Int == 1)
    let findings = try #require(object["findings"] as? [[String: Any]])
    #expect(!findings.isEmpty)
    for finding in findings {
      for key in ["id", "severity", "message", "file", "line", "service", "fix"] {
        #expect(finding.keys.contains(key), "missing \(key)")
      }
    }
    let vrfy = try #require(findings.first { $0["id"] as? String == "disable-vrfy" })
    #expect(vrfy["line"] is NSNull)
    try CheckSnapshot.assert(portable(result.stdout), named: "debian-snakeoil.json")
  }

  @Test func sarifSnapshotAndRequiredFields() throws {
    let result = check(["-c", Self.fixture("typos"), "--config-only", "--format", "sarif"])
    #expect(result.status == 1)
    let log = try #require(
      try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    #expect(log["version"] as? String == "2.1.0")
    let runs = try #require(log["runs"] as? [[String: Any]])
    let run = try #require(runs.first)
    let driver = try #require((run["tool"] as? [String: Any])?["driver"] as? [String: Any])
    #expect(driver["name"] as? String == "pfharden")
    let results = try #require(run["results"] as? [[String: Any]])
    #expect(!results.isEmpty)
    for result in results {
      #expect(result["ruleId"] is String)
      #expect((result["message"] as? [String: Any])?["text"] is String)
      let locations = try #require(result["locations"] as? [[String: Any]])
      let physical = try #require(locations.first?["physicalLocation"] as? [String: Any])
      #expect((physical["artifactLocation"] as? [String: Any])?["uri"] is String)
      if let region = physical["region"] as? [String: Any] {
        #expect((region["startLine"] as? Int ?? 0) >= 1)
      }
    }
    let withoutRegion = results.filter { result in
      let locations = result["locations"] as? [[String: Any]]
      let physical = locations?.first?["physicalLocation"] as? [String: Any]
      return physical?["region"] == nil
    }
    #expect(!withoutRegion.isEmpty, "defaults have no line, hence no region")
    try CheckSnapshot.assert(portable(result.stdout), named: "typos.sarif")
  }

  @Test func hardenedIsClean() {
    let result = check(["-c", Self.fixture("hardened"), "--config-only"])
    #expect(result.status == 0, "\(result.stdout)")
  }

  @Test func minimumSeverityDecidesTheStatus() {
    let errorsOnly = check([
      "-c", Self.fixture("debian-pristine"), "--config-only", "--min-severity", "error",
    ])
    #expect(errorsOnly.status == 0)
    let sendOnly = check([
      "-c", Self.fixture("send-only"), "--config-only", "--min-severity=warning",
    ])
    #expect(sendOnly.status == 1)
    #expect(!sendOnly.stdout.contains("info:"))
  }

  @Test func roleOptions() {
    let sendOnly = check([
      "-c", Self.fixture("debian-pristine"), "--config-only", "--role", "send-only",
    ])
    #expect(sendOnly.stdout.contains("main.cf:34: error: [inet-interfaces-loopback]"))
    let relay = check([
      "-c", Self.fixture("hardened"), "--config-only", "--role", "relay", "--role",
      "submissions=mx", "--min-severity", "info",
    ])
    #expect(relay.stdout.contains("roles: smtp relay (set with --role)"))
    #expect(relay.stdout.contains("submissions mx (set with --role submissions=mx)"))
  }

  @Test func postfixVersionReportsParametersTooNew() {
    let result = check([
      "-c", Self.fixture("hardened"), "--config-only", "--postfix-version", "3.7.5",
    ])
    #expect(result.status == 1)
    #expect(result.stdout.contains("main.cf:21: warning: [parameter-too-new]"))
    #expect(result.stdout.contains("(Postfix 3.7.5)"))
  }

  @Test func suppressedFindingsAreCounted() {
    let result = check(["-c", Self.fixture("suppressed"), "--config-only"])
    #expect(result.status == 0)
    #expect(result.stdout.contains("(1 suppressed)"))
  }

  @Test func colourOnlyOnATerminalWithoutNoColor() {
    let arguments = ["-c", Self.fixture("debian-pristine"), "--config-only"]
    #expect(check(arguments, terminal: true).stdout.contains("\u{1B}["))
    let noColor = check(
      arguments, environment: ["PFHARDEN_DEFAULTS": "embedded", "NO_COLOR": "1"], terminal: true)
    #expect(!noColor.stdout.contains("\u{1B}["))
    #expect(!check(arguments).stdout.contains("\u{1B}["))
  }

  @Test func liveAndHostChecksRun() {
    let live = check(["-c", Self.fixture("send-only"), "--live"])
    #expect(live.status == 0 || live.status == 1)
    #expect(live.stderr.isEmpty)
  }
}

enum CheckSnapshot {
  static func assert(
    _ text: String, named name: String, sourceLocation: SourceLocation = #_sourceLocation
  ) throws {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .appendingPathComponent("Snapshots/check/\(name)")
    if ProcessInfo.processInfo.environment["PFHARDEN_RECORD_SNAPSHOTS"] == "1" {
      try Data(text.utf8).write(to: url)
      return
    }
    let expected = try String(contentsOf: url, encoding: .utf8)
    #expect(text == expected, "snapshot \(name) differs", sourceLocation: sourceLocation)
  }
}

/// Every `config-warning` finding agrees with what real postconf prints.
@Suite(.serialized, .enabled(if: RealPostfix.shouldRun, RealPostfix.skipComment))
struct CheckAgainstRealPostconfTests {
  static let cases = [
    "debian-pristine", "debian-snakeoil", "hardened", "typos", "service-open-relay", "postscreen",
    "refuses-to-run", "send-only", "suppressed",
  ]

  /// The warning text after `postconf: warning: PATH: ` (or `PATH, line N: `), with the line.
  struct Warning: Hashable {
    var file: String
    var line: Int?
    var message: String
  }

  static func copy(_ name: String) throws -> URL {
    let source = CheckCommandTests.fixtures.appendingPathComponent(name)
    let target = FileManager.default.temporaryDirectory.appendingPathComponent(
      "pfharden-check-\(name)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
    for file in ["main.cf", "master.cf"] {
      let from = source.appendingPathComponent(file)
      guard FileManager.default.fileExists(atPath: from.path) else { continue }
      let to = target.appendingPathComponent(file)
      try FileManager.default.copyItem(at: from, to: to)
      // Backdated, so postconf does not re-read a file it thinks is changing.
      try FileManager.default.setAttributes(
        [.modificationDate: Date(timeIntervalSince1970: 1_577_836_800)], ofItemAtPath: to.path)
    }
    return target
  }

  static func parse(_ stderr: [UInt8], directory: String) -> Set<Warning> {
    // postconf names itself by argv[0]: "/usr/sbin/postconf: warning: ...".
    let marker = ": warning: \(directory)/"
    var result: Set<Warning> = []
    for line in String(decoding: stderr, as: UTF8.self).split(separator: "\n") {
      guard let found = line.firstRange(of: marker) else { continue }
      let rest = line[found.upperBound...]
      if let comma = rest.firstRange(of: ", line "),
        let colon = rest[comma.upperBound...].firstIndex(of: ":")
      {
        result.insert(
          Warning(
            file: String(rest[..<comma.lowerBound]), line: Int(rest[comma.upperBound..<colon]),
            message: String(rest[rest.index(colon, offsetBy: 2)...])))
      } else if let colon = rest.firstRange(of: ": ") {
        result.insert(
          Warning(
            file: String(rest[..<colon.lowerBound]), line: nil,
            message: String(rest[colon.upperBound...])))
      }
    }
    return result
  }

  @Test(arguments: cases)
  func configWarningsMatchPostconf(name: String) throws {
    try RealPostfix.requirePostconf()
    let directory = try Self.copy(name)
    defer { try? FileManager.default.removeItem(at: directory) }
    let real = try RealPostfix.run(RealPostfix.postconfPath, ["-c", directory.path, "-n"])
    let expected = Self.parse(real.stderr, directory: directory.path)
    if name == "typos" { #expect(expected.count == 5, "the oracle must see every typo") }

    var console = Console.capturing()
    let status = CheckCommand.run(
      arguments: [
        "-c", directory.path, "--config-only", "--format", "json", "--min-severity", "info",
      ],
      console: &console)
    #expect(status == 0 || status == 1)
    let object = try #require(
      try JSONSerialization.jsonObject(with: Data(console.stdout)) as? [String: Any])
    let findings = try #require(object["findings"] as? [[String: Any]])
    var got: Set<Warning> = []
    var lines: [String: Int] = [:]
    for finding in findings where finding["id"] as? String == "config-warning" {
      var message = finding["message"] as? String ?? ""
      if let hint = message.firstRange(of: "; did you mean") {
        message = String(message[..<hint.lowerBound])
      }
      let file = finding["file"] as? String ?? ""
      let line = finding["line"] as? Int
      // postconf names a line only for duplicates; pfharden names one for all.
      got.insert(
        Warning(
          file: file, line: message.hasPrefix("overriding earlier entry") ? line : nil,
          message: message))
      if let line { lines[message] = line }
    }
    #expect(got == expected, "\(name): pfharden \(got) vs postconf \(expected)")
    // Every finding's line really holds the parameter concerned.
    for (message, line) in lines {
      guard let name = Self.parameterName(in: message) else { continue }
      let fileName =
        message.hasPrefix("unused parameter") && Self.isMaster(message, findings)
        ? "master.cf" : nil
      let text = try String(
        contentsOf: directory.appendingPathComponent(fileName ?? fileFor(message, findings)),
        encoding: .utf8)
      let physical = text.split(separator: "\n", omittingEmptySubsequences: false)
      #expect(line >= 1 && line <= physical.count)
      if line >= 1 && line <= physical.count {
        #expect(physical[line - 1].contains(name), "\(message) at line \(line)")
      }
    }
  }

  func fileFor(_ message: String, _ findings: [[String: Any]]) -> String {
    findings.first { ($0["message"] as? String)?.hasPrefix(message) ?? false }?["file"] as? String
      ?? "main.cf"
  }

  static func isMaster(_ message: String, _ findings: [[String: Any]]) -> Bool {
    findings.first { ($0["message"] as? String)?.hasPrefix(message) ?? false }?["file"] as? String
      == "master.cf"
  }

  /// The parameter (or referenced name) a warning is about.
  static func parameterName(in message: String) -> String? {
    for marker in ["unused parameter: ", "overriding earlier entry: "]
    where message.hasPrefix(marker) {
      let rest = message.dropFirst(marker.count)
      return rest.firstIndex(of: "=").map { String(rest[..<$0]) }
    }
    if message.hasPrefix("undefined parameter: ") {
      return "$" + message.dropFirst("undefined parameter: ".count)
    }
    return nil
  }
}

extension CheckCommandTests {
  @Test func mailConfigSetsTheDefaultDirectory() {
    let result = check(
      ["--config-only"],
      environment: ["PFHARDEN_DEFAULTS": "embedded", "MAIL_CONFIG": Self.fixture("hardened")])
    #expect(result.status == 0)
    #expect(result.stdout.contains("pfharden check \(Self.fixture("hardened"))"))
  }

  @Test func missingMasterCFIsAnErrorFinding() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "pfharden-check-nomaster-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    try Data("inet_interfaces = loopback-only\n".utf8).write(
      to: directory.appendingPathComponent("main.cf"))
    let result = check(["-c", directory.path, "--config-only", "--min-severity", "info"])
    #expect(result.status == 1)
    #expect(result.stderr.isEmpty)
    #expect(
      result.stdout.contains(
        "master.cf: error: [config-warning] master.cf does not exist: Postfix cannot start without it"
      ), "\(result.stdout)")
    #expect(!result.stdout.contains("No such file or directory"))
  }
}

/// A master.cf that exists but cannot be read leaves the audit incomplete.
@Suite struct CheckIncompleteTests {
  /// A directory with an open relay in main.cf and `master` as master.cf.
  static func directory(master: (URL) throws -> Void) throws -> URL {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "pfharden-check-incomplete-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    try Data("mynetworks = 0.0.0.0/0\nsmtpd_relay_restrictions = permit\n".utf8).write(
      to: directory.appendingPathComponent("main.cf"))
    try master(directory.appendingPathComponent("master.cf"))
    return directory
  }

  static func fifo(_ url: URL) throws {
    #expect(mkfifo(url.path, 0o644) == 0)
  }

  static let cases: [(String, @Sendable (URL) throws -> Void)] = [
    (
      "Is a directory",
      { try FileManager.default.createDirectory(at: $0, withIntermediateDirectories: false) }
    ),
    ("not a regular file (a FIFO)", { try CheckIncompleteTests.fifo($0) }),
    (
      "not a regular file (a character device)",
      {
        try FileManager.default.createSymbolicLink(
          atPath: $0.path, withDestinationPath: "/dev/zero")
      }
    ),
  ]

  @Test(.timeLimit(.minutes(1)), arguments: 0..<3)
  func unreadableMasterCFIsNeverClean(index: Int) throws {
    let (reason, make) = Self.cases[index]
    let directory = try Self.directory(master: make)
    defer { try? FileManager.default.removeItem(at: directory) }
    var console = Console.capturing(environment: ["PFHARDEN_DEFAULTS": "embedded"])
    let status = CheckCommand.run(
      arguments: ["-c", directory.path, "--config-only", "--format", "json"], console: &console)
    #expect(status == 2)
    #expect(
      String(decoding: console.stderr, as: UTF8.self)
        == "pfharden check: error: cannot read \(directory.path)/master.cf: \(reason); the audit is incomplete\n"
    )
    let object = try #require(
      try JSONSerialization.jsonObject(with: Data(console.stdout)) as? [String: Any])
    #expect(object["complete"] as? Bool == false)
    #expect((object["incompleteReason"] as? String)?.contains(reason) == true)
    #expect(object["sendOnly"] as? Bool == false)

    var text = Console.capturing(environment: ["PFHARDEN_DEFAULTS": "embedded"])
    #expect(
      CheckCommand.run(arguments: ["-c", directory.path, "--config-only"], console: &text) == 2)
    let output = String(decoding: text.stdout, as: UTF8.self)
    #expect(output.contains("incomplete: master.cf could not be read (\(reason))"), "\(output)")
    #expect(output.contains("roles: unknown (no smtpd service was audited)"))
    #expect(output.contains("the audit is incomplete"))
  }

  @Test func unreadableByPermissionsIsIncomplete() throws {
    // Root reads a file of mode 000 anyway.
    guard getuid() != 0 else { return }
    let directory = try Self.directory { url in
      try Data("smtp inet n - y - - smtpd\n".utf8).write(to: url)
      try FileManager.default.setAttributes([.posixPermissions: 0], ofItemAtPath: url.path)
    }
    defer { try? FileManager.default.removeItem(at: directory) }
    var console = Console.capturing(environment: ["PFHARDEN_DEFAULTS": "embedded"])
    let status = CheckCommand.run(
      arguments: ["-c", directory.path, "--config-only"], console: &console)
    #expect(status == 2)
    #expect(String(decoding: console.stdout, as: UTF8.self).contains("Permission denied"))
  }

  @Test(.timeLimit(.minutes(1)))
  func aFIFOAsMainCFIsRefusedByCheckAndPostconf() throws {
    let directory = try Self.directory { url in
      try Data("smtp inet n - y - - smtpd\n".utf8).write(to: url)
    }
    defer { try? FileManager.default.removeItem(at: directory) }
    let main = directory.appendingPathComponent("main.cf")
    try FileManager.default.removeItem(at: main)
    try Self.fifo(main)
    var console = Console.capturing(environment: ["PFHARDEN_DEFAULTS": "embedded"])
    #expect(CheckCommand.run(arguments: ["-c", directory.path], console: &console) == 2)
    #expect(
      String(decoding: console.stderr, as: UTF8.self)
        == "pfharden check: error: cannot read \(main.path): not a regular file (a FIFO)\n")
    var postconf = Console.capturing(environment: ["PFHARDEN_DEFAULTS": "embedded"])
    let status = CLI.run(
      arguments: ["pfharden", "postconf", "-c", directory.path, "-n"], console: &postconf)
    #expect(status != 0)
    #expect(
      String(decoding: postconf.stderr, as: UTF8.self).contains(
        "fatal: open \(main.path): not a regular file (a FIFO)"))
  }
}

extension CheckCommandTests {
  @Test func aFileIsNotAConfigurationDirectory() {
    let path = Self.fixture("hardened") + "/main.cf"
    let result = check(["-c", path])
    #expect(result.status == 2)
    #expect(result.stderr == "pfharden check: error: \(path) is not a directory\n")
    #expect(result.stdout.isEmpty)
  }
}
