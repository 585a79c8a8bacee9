import Foundation
import PostfixConfig
import PostfixHardening
import Synchronization
import Testing

@testable import pfharden

/// `apply --reload` on a live server: only the instance that runs the
/// directory is signalled, TLS material is checked before anything is
/// written, and a reload whose listeners do not answer is rolled back.
///
/// Real Postfix instances on 127.0.0.1 ports (``ApplyInstance``); only
/// 127.0.0.1 is ever connected to.
@Suite(
  .serialized,
  .enabled(
    if: RealPostfix.isRequired
      || (FileManager.default.isExecutableFile(atPath: ApplyInstance.postfixPath) && getuid() == 0),
    "needs root and /usr/sbin/postfix; set PFHARDEN_REQUIRE_POSTFIX=1 to fail instead of skipping"))
struct LiveApplyTests {
  func startedInstance() throws -> ApplyInstance? { try ApplyInstance.started() }

  func masterPID(_ instance: ApplyInstance) -> String {
    ((try? String(contentsOfFile: instance.directory + "/queue/pid/master.pid", encoding: .utf8))
      ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
  }

  func files(_ directory: String) throws -> [Data] {
    try ["main.cf", "master.cf"].map { try ApplyCLIFixture.bytes(directory + "/" + $0) }
  }

  /// An RSA key and a self-signed certificate for it, made with openssl.
  static func certificate(in directory: String, name: String) throws -> (
    certificate: String, key: String
  ) {
    let key = directory + "/\(name).key"
    let certificate = directory + "/\(name).pem"
    let made = try SystemCommand.run(
      "/usr/bin/openssl",
      [
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", certificate,
        "-subj", "/CN=mail.example.test", "-days", "30",
      ])
    guard made.status == 0 else {
      throw ApplyInstance.Failure(
        description: "openssl req: " + String(decoding: made.stderr, as: UTF8.self))
    }
    chmod(key, 0o600)
    return (certificate, key)
  }

  /// A self-signed certificate valid only in January 2020 (openssl ca sets the dates).
  static func expiredCertificate(in directory: String) throws -> (certificate: String, key: String)
  {
    let base = directory + "/expired"
    try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
    try Data().write(to: URL(fileURLWithPath: base + "/index.txt"))
    try Data("01\n".utf8).write(to: URL(fileURLWithPath: base + "/serial"))
    let config = """
      [ca]
      default_ca = d
      [d]
      database = \(base)/index.txt
      new_certs_dir = \(base)
      serial = \(base)/serial
      default_md = sha256
      policy = p
      [p]
      commonName = supplied

      """
    try Data(config.utf8).write(to: URL(fileURLWithPath: base + "/ca.cnf"))
    let key = base + "/key.pem"
    let certificate = base + "/cert.pem"
    for arguments in [
      [
        "req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", base + "/req.csr",
        "-subj", "/CN=mail.example.test",
      ],
      [
        "ca", "-batch", "-notext", "-config", base + "/ca.cnf", "-selfsign", "-keyfile", key,
        "-in", base + "/req.csr", "-out", certificate, "-startdate", "20200101000000Z",
        "-enddate", "20200102000000Z",
      ],
    ] {
      let made = try SystemCommand.run("/usr/bin/openssl", arguments)
      guard made.status == 0 else {
        throw ApplyInstance.Failure(
          description: "openssl \(arguments[0]): " + String(decoding: made.stderr, as: UTF8.self))
      }
    }
    chmod(key, 0o600)
    return (certificate, key)
  }

  @Test func aCopyOfAnotherInstanceIsNeverReloaded() throws {
    guard let instance = try startedInstance() else { return }
    defer { instance.stop() }
    let pid = masterPID(instance)
    #expect(!pid.isEmpty)
    // A copy of the live directory shares its queue directory, so its master.
    let copy = instance.directory + "/copy"
    try FileManager.default.createDirectory(atPath: copy, withIntermediateDirectories: true)
    for name in ["main.cf", "master.cf"] {
      try FileManager.default.copyItem(
        atPath: instance.configDirectory + "/" + name, toPath: copy + "/" + name)
    }
    let before = try files(copy)
    let result = ApplyCLIFixture.run(
      ApplyCommand.run,
      [
        "--profile", "send-only", "-c", copy, "--yes", "--reload", "--backup-dir",
        instance.directory + "/backups",
      ], embedded: false)
    let why = Comment(rawValue: result.stdout + result.stderr)
    #expect(result.status == 2, why)
    #expect(result.stderr.contains("runs the configuration in \(instance.configDirectory)"), why)
    #expect(result.stderr.contains("nothing was written"), why)
    #expect(try files(copy) == before, why)
    #expect(masterPID(instance) == pid, why)
    #expect(ApplyInstance.greets(port: instance.port))
    #expect(!FileManager.default.fileExists(atPath: instance.directory + "/backups"))
  }

  @Test func unusableCertificatesAreRefusedBeforeWriting() throws {
    let directory = try ApplyCLIFixture.stockCopy()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let good = try Self.certificate(in: directory, name: "good")
    let other = try Self.certificate(in: directory, name: "other")
    let expired = try Self.expiredCertificate(in: directory)
    let before = try files(directory)
    let cases: [(String, String, String)] = [
      (good.certificate, other.key, "does not match the certificate"),
      (good.certificate, directory + "/missing.key", "cannot read"),
      (expired.certificate, expired.key, "has expired"),
    ]
    for (certificate, key, expected) in cases {
      let result = ApplyCLIFixture.run(
        ApplyCommand.run,
        [
          "--profile", "mx", "--domain", "example.test", "-c", directory, "--cert", certificate,
          "--key", key, "--yes", "--backup-dir", directory + "/backups",
        ], embedded: false)
      let why = Comment(rawValue: result.stdout + result.stderr)
      #expect(result.status == 2, why)
      #expect(result.stderr.contains(expected), why)
      #expect(try files(directory) == before, why)
    }
    // The matching pair is accepted.
    let accepted = ApplyCLIFixture.run(
      ApplyCommand.run,
      [
        "--profile", "mx", "--domain", "example.test", "-c", directory, "--cert",
        good.certificate, "--key", good.key, "--dry-run",
      ], embedded: false)
    #expect(accepted.status == 0, Comment(rawValue: accepted.stderr))
  }

  @Test func aReloadWhoseTLSFailsIsRolledBack() throws {
    guard let instance = try startedInstance() else { return }
    defer { instance.stop() }
    let good = try Self.certificate(in: instance.directory, name: "good")
    let other = try Self.certificate(in: instance.directory, name: "other")
    let before = try files(instance.configDirectory)
    // Inject the fault: once the new files are written (and validated), the
    // key is swapped for one that does not match, as a concurrent edit would.
    let swapped = good.key
    let replacement = other.key
    var console = Console.capturing(environment: ProcessInfo.processInfo.environment)
    let status = ApplyCommand.run(
      arguments: [
        "--profile", "mx", "--domain", "example.test", "-c", instance.configDirectory, "--cert",
        good.certificate, "--key", good.key, "--yes", "--reload", "--backup-dir",
        instance.directory + "/backups",
      ], console: &console,
      executor: { validator in
        ApplyExecutor(
          write: { bytes, path, expected in
            try AtomicWriter.writePreserving(bytes, to: path, expectedOriginal: expected)
            if path.hasSuffix("/master.cf") || path.hasSuffix("/main.cf") {
              _ = try? FileManager.default.removeItem(atPath: swapped)
              try FileManager.default.copyItem(atPath: replacement, toPath: swapped)
            }
          }, validate: validator)
      })
    let stdout = String(decoding: console.stdout, as: UTF8.self)
    let stderr = String(decoding: console.stderr, as: UTF8.self)
    let why = Comment(rawValue: stdout + stderr + "\nmaillog:\n" + instance.log())
    #expect(status == 2, why)
    #expect(stderr.contains("verification failed"), why)
    #expect(stderr.contains("no TLS 1.2 or 1.3 handshake over STARTTLS"), why)
    #expect(stderr.contains("the previous files were restored"), why)
    #expect(stderr.contains("the previous configuration is active again and answers"), why)
    #expect(try files(instance.configDirectory) == before, why)
    #expect(ApplyInstance.greets(port: instance.port), why)
  }

  @Test func restoreWithReloadReturnsTheInstanceToItsFiles() throws {
    guard let instance = try startedInstance() else { return }
    defer { instance.stop() }
    let good = try Self.certificate(in: instance.directory, name: "good")
    let before = try files(instance.configDirectory)
    let applied = ApplyCLIFixture.run(
      ApplyCommand.run,
      [
        "--profile", "mx", "--domain", "example.test", "-c", instance.configDirectory, "--cert",
        good.certificate, "--key", good.key, "--yes", "--reload", "--backup-dir",
        instance.directory + "/backups",
      ], embedded: false)
    #expect(applied.status == 0, Comment(rawValue: applied.stdout + applied.stderr))
    #expect(try files(instance.configDirectory) != before)
    // The command apply printed, as a user would copy it.
    let line = applied.stdout.split(separator: "\n").first { $0.hasPrefix("To undo: ") }
    let words = line.map { $0.split(separator: " ").map(String.init) } ?? []
    let archive = try #require(words.first { $0.hasSuffix(".tar.gz") })
    let restored = ApplyCLIFixture.run(
      RestoreCommand.run,
      [
        archive, "-c", instance.configDirectory, "--yes", "--reload", "--backup-dir",
        instance.directory + "/backups",
      ], embedded: false)
    let why = Comment(
      rawValue: restored.stdout + restored.stderr + "\nmaillog:\n" + instance.log())
    #expect(restored.status == 0, why)
    #expect(try files(instance.configDirectory) == before, why)
    #expect(
      restored.stdout.contains(
        "Verified: 127.0.0.1:\(instance.port)/inet at 127.0.0.1 port \(instance.port) greets."),
      why)
    #expect(ApplyInstance.greets(port: instance.port), why)
  }

  @Test func aGoodReloadIsVerifiedWithARealHandshake() throws {
    guard let instance = try startedInstance() else { return }
    defer { instance.stop() }
    let good = try Self.certificate(in: instance.directory, name: "good")
    let result = ApplyCLIFixture.run(
      ApplyCommand.run,
      [
        "--profile", "mx", "--domain", "example.test", "-c", instance.configDirectory, "--cert",
        good.certificate, "--key", good.key, "--yes", "--reload", "--backup-dir",
        instance.directory + "/backups",
      ], embedded: false)
    let why = Comment(rawValue: result.stdout + result.stderr + "\nmaillog:\n" + instance.log())
    #expect(result.status == 0, why)
    #expect(
      result.stdout.contains(
        "Verified: 127.0.0.1:\(instance.port)/inet at 127.0.0.1 port \(instance.port) greets, STARTTLS."
      ), why)
    #expect(result.stdout.contains("To undo: pfharden restore "), why)
  }

  /// The library's workflow as a Swift tool drives it: its verifier refuses the
  /// new configuration, so the activation rolls back, re-activates the old
  /// files and checks them again.
  @Test func theLibraryRollsBackWhenItsVerifierRefuses() throws {
    guard let instance = try startedInstance() else { return }
    defer { instance.stop() }
    let good = try Self.certificate(in: instance.directory, name: "good")
    let before = try files(instance.configDirectory)
    var options = ProfileOptions()
    options.domains = ["example.test"]
    options.certificate = Transform.Certificate(
      certificateFile: good.certificate, keyFile: good.key)
    let request = ApplyWorkflow.Request(
      profile: .mx, configDirectory: instance.configDirectory, options: options,
      intent: .writeAndActivate)
    let rolledBack = Mutex(false)
    let calls = Mutex(0)
    var events: [ActivationWorkflow.Event] = []
    let result = try ApplyWorkflow.run(
      request, backupDestination: instance.directory + "/backups",
      activation: ActivationWorkflow.Options(
        verifier: { target in
          calls.withLock { $0 += 1 }
          // The new files "fail"; after the rollback the real check decides.
          return rolledBack.withLock { $0 }
            ? Reload.verifier(target) : "refused by the test's verifier"
        }, logWatchSeconds: 0, attempts: 2, pauseMilliseconds: 0),
      activationEvents: { event in
        if case .rollingBack = event { rolledBack.withLock { $0 = true } }
        events.append(event)
      })
    let why = Comment(rawValue: "\(events)\nmaillog:\n" + instance.log())
    #expect(result.committed != nil, why)
    #expect(result.activation == .rolledBack(previousAnswers: true), why)
    #expect(events.contains { if case .activated = $0 { true } else { false } }, why)
    #expect(
      events.contains {
        if case .verificationFailed(let line) = $0 {
          line.hasSuffix(": refused by the test's verifier")
        } else {
          false
        }
      }, why)
    #expect(calls.withLock { $0 } >= 3, why)
    #expect(try files(instance.configDirectory) == before, why)
    #expect(ApplyInstance.greets(port: instance.port), why)
  }
}
