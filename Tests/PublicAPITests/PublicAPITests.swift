import Foundation
import Glibc
import PostfixConfig
import PostfixHardening
import SMTPProbe
import Testing

/// The public contract, used as another Swift tool would use it.
///
/// All three libraries are imported together, without `@testable`. Unqualified names
/// (`Finding`, `Severity`, `ProbeFinding`, `ProbeSeverity`) compile only
/// while no two libraries declare the same top-level name.
@Suite struct PublicAPITests {
  static let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent(
      "Examples/debian"
    ).path

  func host() throws -> HostEnvironment {
    let loopback = try #require(IPAddress("127.0.0.1"))
    return HostEnvironment(
      hostname: "mail.example.test",
      interfaces: [NetworkInterface(name: "lo", address: loopback, prefixLength: 8)],
      processID: 4242, processName: "postconf")
  }

  func configuration() throws -> PostfixConfiguration {
    let main = try Data(contentsOf: URL(fileURLWithPath: Self.examples + "/main.cf"))
    let master = try Data(contentsOf: URL(fileURLWithPath: Self.examples + "/master.cf"))
    return PostfixConfiguration(
      mainCF: MainCF(bytes: Array(main)), masterCF: MasterCF(bytes: Array(master)),
      host: try host(), configDirectory: Self.examples)
  }

  @Test func readsEditsAndKeepsEveryByte() throws {
    let config = try configuration()
    #expect(config.fatal == nil)
    #expect(config.setting("smtpd_banner").text.contains("ESMTP"))
    #expect(config.services.contains { $0.name == "smtp" && $0.type == "inet" })
    let edit = try MainCFEdit.set([(name: "disable_vrfy_command", value: "yes")])
    let edited = config.mainCF.applying(edit).document
    #expect(edited.value(of: "disable_vrfy_command") == Array("yes".utf8))
    #expect(edited.definitions(of: "disable_vrfy_command").count == 1)
    #expect(MainCF(bytes: edited.serialized()).serialized() == edited.serialized())
  }

  @Test func auditsAndPlansAProfile() throws {
    let config = try configuration()
    let report = Audit.run(configuration: config, options: AuditOptions())
    let findings: [Finding] = report.findings
    // Debian's stock configuration answers VRFY.
    #expect(findings.contains { $0.id == "disable-vrfy" })
    let worst: Severity? = findings.map(\.severity).max()
    #expect(worst != nil)
    let build = try Profile.named("send-only").build(
      options: ProfileOptions(), configuration: config, isReadable: { _ in true })
    let version = try #require(PostfixVersion("3.7.11"))
    let planner = ApplyPlanner(version: version, catalog: .embedded, host: try host())
    let plan = try planner.plan(build.transforms, for: config)
    #expect(plan.hasChanges)
    #expect(String(decoding: plan.unifiedDiff(), as: UTF8.self).contains("+disable_vrfy_command"))
  }

  @Test func aProbeOfAClosedLoopbackPortIsIncomplete() throws {
    // A port nothing listens on: bind one, note it, close it.
    let port = try Self.closedLoopbackPort()
    let address = try #require(SocketAddress.numeric("127.0.0.1", port: port))
    var options = ProbeOptions()
    options.analyseTLS = false
    options.totalTimeout = .seconds(20)
    let report = Prober(connector: TCPConnector(address: address), options: options)
      .run(host: "127.0.0.1", port: port)
    #expect(!report.isComplete)
    let incomplete: [ProbeFinding] = report.findings.filter { $0.id == "probe-incomplete" }
    #expect(incomplete.map(\.severity) == [ProbeSeverity.error])
    // The text report, as the command line prints it: the target, each finding
    // compiler-style, and the count.
    let text = ProbeTextReport.render(report)
    #expect(text.hasPrefix("probe 127.0.0.1:\(port) (role "))
    #expect(text.contains("127.0.0.1:\(port): error: [probe-incomplete] "))
    func count(_ severity: ProbeSeverity) -> Int {
      report.findings.filter { $0.severity == severity }.count
    }
    let total = report.findings.count
    #expect(
      text.hasSuffix(
        "\n\(total) finding\(total == 1 ? "" : "s") (\(count(.error)) error, "
          + "\(count(.warning)) warning, \(count(.info)) info)\n"))
  }

  static func closedLoopbackPort() throws -> UInt16 {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    try #require(descriptor >= 0)
    defer { close(descriptor) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
      pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0
      }
    }
    try #require(bound)
    return UInt16(bigEndian: address.sin_port)
  }
}
