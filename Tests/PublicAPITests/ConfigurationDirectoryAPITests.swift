import Foundation
import PostfixConfig
import PostfixHardening
import Testing

/// Opening a directory, as another Swift tool would: the loader's values feed
/// the audit and the planner directly, and the errors compare by code.
@Suite struct ConfigurationDirectoryAPITests {
  @Test func anOpenedDirectoryIsAuditedAndPlanned() throws {
    let loaded = try ConfigurationDirectory.open(
      PublicAPITests.examples, options: .init(defaults: .embedded))
    #expect(loaded.masterCFState == .read)
    let status: MasterCFStatus = loaded.masterCFState
    let report = Audit.run(
      configuration: loaded.configuration, options: AuditOptions(masterCF: status))
    #expect(report.isComplete)
    #expect(report.findings.contains { $0.id == "disable-vrfy" })
    let version = try #require(loaded.postfixVersion)
    let build = try Profile.sendOnly.build(
      options: ProfileOptions(), configuration: loaded.configuration, isReadable: { _ in true })
    let plan = try ApplyPlanner(version: version, catalog: loaded.catalog, host: loaded.host)
      .plan(build.transforms, for: loaded.configuration)
    #expect(plan.hasChanges)
    #expect(plan.activation.instruction.hasPrefix("a full restart"))
  }

  @Test func errorsCompareByCodeAndDescribeThemselves() throws {
    let error = try #require(throws: PostfixConfigError.self) {
      try ConfigurationDirectory.open("/nonexistent/pfharden-api")
    }
    #expect(error.code == .io)
    #expect(error == PostfixConfigError(.io, "another reason"))
    #expect("\(error)" == "io: open /nonexistent/pfharden-api/main.cf: No such file or directory")
    let hardening = PostfixHardeningError(.configuration, "wrapped", underlying: error)
    #expect((hardening.underlying as? PostfixConfigError)?.code == .io)
    #expect(hardening.description == "configuration: wrapped")
  }

  @Test func aFatalConfigurationIsAnErrorValue() throws {
    let loopback = try #require(IPAddress("127.0.0.1"))
    let host = HostEnvironment(
      hostname: "mail.example.test",
      interfaces: [NetworkInterface(name: "lo", address: loopback, prefixLength: 8)],
      processID: 1, processName: "postconf")
    let refused = PostfixConfiguration(
      mainCF: MainCF(bytes: Array("inet_protocols = ipv5\n".utf8)), masterCF: nil,
      host: host, configDirectory: "/etc/postfix")
    let error = refused.fatalError
    #expect(error?.code == .fatalConfiguration)
    #expect(error?.reason == refused.fatal)
    #expect(refused.fatal?.contains("ipv5") == true)
    let accepted = PostfixConfiguration(
      mainCF: MainCF(bytes: Array("inet_protocols = ipv4\n".utf8)), masterCF: nil,
      host: host, configDirectory: "/etc/postfix")
    #expect(accepted.fatalError == nil)
  }
}
