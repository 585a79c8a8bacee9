import Foundation
import Testing

@testable import pfharden

/// `apply --profile mx|submission --reload` must not break authenticated
/// submission: real Postfix, real Dovecot SASL, swaks as the client.
///
/// Postfix listens on 127.0.0.1:PORT_A (port-25 style) and 127.0.0.1:PORT_B
/// (submission style: only `-o smtpd_sasl_auth_enable=yes`) and asks a Dovecot
/// started by the test through its auth socket. Every client session says
/// `XCLIENT ADDR=203.0.113.5`, so smtpd judges it as an outside host whatever a
/// profile makes of `mynetworks`. Only 127.0.0.1 is ever connected to, and no
/// session goes past RCPT: nothing is queued.
@Suite(
  .serialized,
  .enabled(
    if: RealPostfix.isRequired || SASLStack.missing.isEmpty,
    "needs root, /usr/sbin/postfix, /usr/sbin/dovecot, /usr/bin/doveadm, /usr/bin/swaks and /usr/bin/openssl; set PFHARDEN_REQUIRE_POSTFIX=1 to fail instead of skipping"
  ))
struct SubmissionSASLEndToEndTests {
  /// A running stack, or nil (recorded as an issue) where the suite was
  /// required to run but cannot.
  func startedStack() throws -> SASLStack? {
    let missing = SASLStack.missing
    guard missing.isEmpty else {
      Issue.record(
        "PFHARDEN_REQUIRE_POSTFIX=1 but missing: \(missing.joined(separator: ", "))")
      return nil
    }
    let stack = try SASLStack()
    do {
      try stack.start()
    } catch {
      stack.stop()
      throw error
    }
    return stack
  }

  @Test(arguments: ["mx", "submission"])
  func profileKeepsAuthenticatedSubmission(profile: String) throws {
    guard let stack = try startedStack() else { return }
    defer { stack.stop() }

    // Before: the stack works, and the outside vantage cannot relay.
    let sanity = stack.swaks(port: stack.submissionPort, tls: false, authenticated: true)
    #expect(sanity.outcome == "AUTH 235, RCPT 250", stack.why(sanity))
    let closedBefore = stack.swaks(port: stack.smtpPort, tls: false, authenticated: false)
    #expect(closedBefore.refusesRelay, stack.why(closedBefore))
    let bannerBefore = stack.banner(port: stack.smtpPort)

    var arguments = ["--profile", profile]
    if profile == "mx" { arguments += ["--domain", "example.test"] }
    arguments += [
      "-c", stack.postfix.configDirectory, "--cert", stack.certificate, "--key", stack.key,
      "--yes", "--reload", "--backup-dir", stack.postfix.directory + "/backups",
    ]
    let result = ApplyCLIFixture.run(ApplyCommand.run, arguments, embedded: false)
    let why = Comment(rawValue: result.stdout + result.stderr + "\n" + stack.logs())
    #expect(result.status == 0, why)
    stack.waitForNewBanner(replacing: bannerBefore)

    let authenticated = stack.swaks(port: stack.submissionPort, tls: true, authenticated: true)
    #expect(authenticated.outcome == "AUTH 235, RCPT 250", stack.why(authenticated))

    let anonymous = stack.swaks(port: stack.submissionPort, tls: true, authenticated: false)
    #expect(anonymous.refusesRelay, stack.why(anonymous))

    let outside = stack.swaks(port: stack.smtpPort, tls: false, authenticated: false)
    #expect(outside.refusesRelay, stack.why(outside))
    #expect(!stack.postfix.log().contains("queued as"), Comment(rawValue: stack.logs()))
  }
}

/// One swaks run: its exit status and transcript.
struct SwaksSession: CustomTestStringConvertible {
  var status: Int32
  var transcript: String

  /// Server lines: `<-` in clear, `<~` after STARTTLS, `<**` and `<~*` for errors.
  var serverLines: [String] { transcript.split(separator: "\n").map(String.init) }

  /// The reply to the client line starting with `command`, its prefix removed.
  func reply(to command: String) -> String? {
    let lines = serverLines
    guard
      let sent = lines.firstIndex(where: {
        let line = $0.drop { $0 == " " }
        return line.hasPrefix("-> " + command) || line.hasPrefix("~> " + command)
      })
    else { return nil }
    guard let answer = lines[(sent + 1)...].first(where: { $0.hasPrefix("<") }) else {
      return nil
    }
    return String(answer.drop { "<-~* ".contains($0) })
  }

  var authReply: String? { reply(to: "AUTH ") }
  var rcptReply: String? { reply(to: "RCPT TO:") }

  /// The reply codes to AUTH and RCPT, "none" where there was no reply:
  /// `AUTH 235, RCPT 250` for a client that authenticated and may relay.
  var outcome: String {
    let auth = authReply.map { String($0.prefix(3)) } ?? "none"
    let rcpt = rcptReply.map { String($0.prefix(3)) } ?? "none"
    return "AUTH \(auth), RCPT \(rcpt)"
  }

  var testDescription: String { "\(outcome) (swaks exit \(status))" }

  /// Whether RCPT to the remote domain was refused (4xx or 5xx) for relaying.
  var refusesRelay: Bool {
    guard let reply = rcptReply, let first = reply.first else { return false }
    return (first == "4" || first == "5") && reply.contains("Relay access denied")
  }
}

/// Postfix with a port-25 listener and a submission listener that use Dovecot
/// SASL, plus a self-signed RSA-2048 certificate for `apply --cert/--key`.
final class SASLStack: @unchecked Sendable {
  static let swaksPath = "/usr/bin/swaks"
  static let opensslPath = "/usr/bin/openssl"
  static let user = (name: "user@example.test", password: "secret")

  /// What the suite needs and this host lacks.
  static var missing: [String] {
    var missing = getuid() == 0 ? [] : ["root"]
    for path in [
      ApplyInstance.postfixPath, DovecotInstance.dovecotPath, DovecotInstance.doveadmPath,
      swaksPath, opensslPath,
    ] where !FileManager.default.isExecutableFile(atPath: path) {
      missing.append(path)
    }
    return missing
  }

  let postfix: ApplyInstance
  let dovecot: DovecotInstance
  let submissionPort: UInt16
  var smtpPort: UInt16 { postfix.port }
  var certificate: String { postfix.directory + "/tls/cert.pem" }
  var key: String { postfix.directory + "/tls/key.pem" }

  init() throws {
    postfix = try ApplyInstance()
    var port = try ApplyInstance.freeLoopbackPort()
    for _ in 0..<20 where port == postfix.port {
      port = try ApplyInstance.freeLoopbackPort()
    }
    guard port != postfix.port else {
      throw ApplyInstance.Failure(description: "no second free loopback port")
    }
    submissionPort = port
    dovecot = try DovecotInstance(
      directory: postfix.directory + "/dovecot", users: [Self.user])
    let configDirectory = postfix.configDirectory
    let master = configDirectory + "/master.cf"
    var text = try String(contentsOfFile: master, encoding: .utf8)
    if !text.hasSuffix("\n") { text += "\n" }
    text += """
      127.0.0.1:\(port) inet n - n - - smtpd
        -o syslog_name=postfix/submission-test
        -o smtpd_sasl_auth_enable=yes

      """
    try text.write(toFile: master, atomically: true, encoding: .utf8)
    // Debian's relay restrictions stay; 127.0.0.1 is outside mynetworks.
    let settings = [
      "mynetworks=!127.0.0.1/32, 127.0.0.0/8", "smtpd_sasl_type=dovecot",
      "smtpd_sasl_path=\(dovecot.authSocket)", "smtpd_tls_auth_only=no",
    ]
    let edit = try RealPostfix.run(
      ApplyInstance.postconfPath, ["-c", configDirectory, "-e"] + settings)
    guard edit.status == 0 else {
      throw ApplyInstance.Failure(
        description: "postconf -e: \(String(decoding: edit.stderr, as: UTF8.self))")
    }
    for name in ["main.cf", "master.cf"] {
      try FileManager.default.setAttributes(
        [.modificationDate: Date(timeIntervalSince1970: 1_577_836_800)],
        ofItemAtPath: configDirectory + "/" + name)
    }
    try FileManager.default.createDirectory(
      atPath: postfix.directory + "/tls", withIntermediateDirectories: true)
    let made = try RealPostfix.run(
      Self.opensslPath,
      [
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256", "-days", "2",
        "-subj", "/CN=mail.test-\(postfix.port).test", "-keyout", key, "-out", certificate,
      ])
    guard made.status == 0 else {
      throw ApplyInstance.Failure(
        description: "openssl req: \(String(decoding: made.stderr, as: UTF8.self))")
    }
    chmod(key, 0o600)
  }

  func start() throws {
    try dovecot.start()
    try postfix.start()
    let deadline = Date().addingTimeInterval(15)
    while Date() < deadline {
      if ApplyInstance.greets(port: submissionPort) { return }
      usleep(100_000)
    }
    throw ApplyInstance.Failure(
      description: "no 220 greeting on 127.0.0.1:\(submissionPort); \(logs())")
  }

  /// Stops Dovecot, then Postfix (which removes the directory).
  func stop() {
    dovecot.stop()
    postfix.stop()
  }

  /// One session from the outside vantage that ends after RCPT.
  func swaks(port: UInt16, tls: Bool, authenticated: Bool) -> SwaksSession {
    var arguments = [
      "--server", "127.0.0.1", "--port", String(port), "--timeout", "10",
      "--ehlo", "client.example.net", "--xclient-addr", "203.0.113.5",
      "--from", Self.user.name, "--to", "someone@remote.example", "--quit-after", "RCPT",
    ]
    if tls { arguments.append("--tls") }
    if authenticated {
      arguments += [
        "--auth", "PLAIN", "--auth-user", Self.user.name, "--auth-password", Self.user.password,
      ]
    }
    return runSwaks(arguments)
  }

  /// The 220 greeting of 127.0.0.1:port, or nil.
  func banner(port: UInt16) -> String? {
    let session = runSwaks([
      "--server", "127.0.0.1", "--port", String(port), "--timeout", "10", "--quit-after",
      "CONNECT",
    ])
    return session.serverLines.first { $0.hasPrefix("<-  220 ") }
  }

  /// Waits (at most 10 s) until both listeners greet with a banner other than
  /// `old`: new smtpd processes, so the reloaded configuration is in force.
  func waitForNewBanner(replacing old: String?) {
    let deadline = Date().addingTimeInterval(10)
    while Date() < deadline {
      let current = [smtpPort, submissionPort].map { banner(port: $0) }
      if current.allSatisfy({ $0 != nil && $0 != old }) { return }
      usleep(200_000)
    }
  }

  private func runSwaks(_ arguments: [String]) -> SwaksSession {
    // HOME is the instance directory, so no ~/.swaksrc is read.
    let environment = ["PATH": "/usr/bin:/bin", "HOME": postfix.directory, "LC_ALL": "C"]
    do {
      let run = try RealPostfix.run(Self.swaksPath, arguments, environment: environment)
      return SwaksSession(
        status: run.status,
        transcript: String(decoding: run.stdout, as: UTF8.self)
          + String(decoding: run.stderr, as: UTF8.self))
    } catch {
      return SwaksSession(status: -1, transcript: "swaks did not run: \(error)")
    }
  }

  func logs() -> String {
    "maillog:\n" + postfix.log() + "\ndovecot.log:\n" + dovecot.log()
  }

  func why(_ session: SwaksSession) -> Comment {
    Comment(rawValue: "swaks exit \(session.status):\n\(session.transcript)\n\(logs())")
  }
}
