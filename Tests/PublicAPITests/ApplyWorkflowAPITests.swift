import Foundation
import PostfixConfig
import PostfixHardening
import SMTPProbe
import Testing

/// The apply workflow as another Swift tool would run it: one call plans,
/// backs up and writes; the activation's listener check is SMTPProbe's.
@Suite struct ApplyWorkflowAPITests {
  static func temporaryDirectory(_ name: String) throws -> String {
    let path = FileManager.default.temporaryDirectory
      .appendingPathComponent("pfharden-api-\(name)-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(
      atPath: path, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
    return path
  }

  @Test func oneCallPlansBacksUpAndWrites() throws {
    let directory = try Self.temporaryDirectory("config")
    let backups = try Self.temporaryDirectory("backups")
    defer {
      try? FileManager.default.removeItem(atPath: directory)
      try? FileManager.default.removeItem(atPath: backups)
    }
    for name in ["main.cf", "master.cf"] {
      try FileManager.default.copyItem(
        atPath: PublicAPITests.examples + "/" + name, toPath: directory + "/" + name)
    }
    let request = ApplyWorkflow.Request(
      profile: .sendOnly, configDirectory: directory,
      sources: ConfigurationDirectory.Options(
        defaults: .embedded, postfixVersion: PostfixVersion("3.7.11")),
      intent: .write)
    var stages: [ApplyWorkflow.Stage] = []
    let result = try ApplyWorkflow.run(
      request, backupDestination: backups,
      events: { if case .began(let stage) = $0 { stages.append(stage) } })
    #expect(
      stages == [.reading(directory), .backingUp(directory), .writing(validating: false)])
    let committed = try #require(result.committed)
    #expect(result.activation == nil)
    #expect(FileManager.default.fileExists(atPath: committed.backup.archive))
    let written = try Data(contentsOf: URL(fileURLWithPath: directory + "/main.cf"))
    #expect(Array(written) == result.prepared.plan.mainCF.updated)
    #expect(String(decoding: written, as: UTF8.self).contains("disable_vrfy_command = yes"))
  }

  @Test func theActivationChecksListenersWithSMTPProbe() throws {
    let port = try PublicAPITests.closedLoopbackPort()
    let configuration = PostfixConfiguration(
      mainCF: MainCF(bytes: Array("inet_interfaces = loopback-only\n".utf8)),
      masterCF: MasterCF(
        bytes: Array("127.0.0.1:\(port) inet n - y - - smtpd\n".utf8)),
      host: HostEnvironment(
        hostname: "mail.example.test", interfaces: [], processID: 1, processName: "postconf"),
      configDirectory: "/etc/postfix")
    let options = ActivationWorkflow.Options(
      verifier: { target in
        ListenerCheck.failure(
          address: target.address, port: target.port,
          tls: target.tls.map { $0 == .implicit ? .implicit : .startTLS },
          stepTimeout: .seconds(2))
      }, attempts: 2, pauseMilliseconds: 10)
    var events: [ActivationWorkflow.Event] = []
    let failures = ActivationWorkflow.verify(
      configuration, options: options, events: { events.append($0) })
    let place = "127.0.0.1:\(port)/inet (127.0.0.1 port \(port))"
    #expect(failures == ["\(place): no 220 greeting"])
    #expect(events.contains(.verificationFailed("\(place): no 220 greeting")))
  }
}
