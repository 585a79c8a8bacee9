import PostfixConfig
import Testing

@testable import PostfixHardening

/// The audit never traps, whatever the files hold.
@Suite struct AuditRobustnessTests {
  typealias F = AuditFixtures

  /// A small deterministic generator (64-bit LCG).
  struct Seeded: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return state
    }
  }

  @Test func fatalMasterCFIsAnErrorFinding() throws {
    let configuration = try F.configuration(
      main: "myhostname = mail.example.test\n", master: "smtp inet n\n")
    let report = F.audit(configuration)
    let fatal = report.findings.filter { $0.id == RuleID.configWarning && $0.severity == .error }
    #expect(fatal.count == 1, "\(report.findings)")
    #expect(fatal.first?.message.hasPrefix("postconf would stop: ") == true)
  }

  @Test func mutatedConfigurationsNeverTrap() throws {
    var generator = Seeded(state: 0x5EED)
    let main = try F.bytes("hardened", "main.cf")
    let master = try F.bytes("service-open-relay", "master.cf")
    let alphabet = Array("\n\r\t #=,$/{}:!-o0.[]".utf8)
    for _ in 0..<60 {
      var mutatedMain = main
      var mutatedMaster = master
      for _ in 0..<4 {
        let target = Int.random(in: 0..<2, using: &generator)
        let byte = alphabet[Int.random(in: 0..<alphabet.count, using: &generator)]
        if target == 0 {
          mutatedMain.insert(byte, at: Int.random(in: 0...mutatedMain.count, using: &generator))
        } else {
          mutatedMaster.insert(
            byte, at: Int.random(in: 0...mutatedMaster.count, using: &generator))
        }
      }
      let configuration = PostfixConfiguration(
        mainCF: MainCF(bytes: mutatedMain), masterCF: MasterCF(bytes: mutatedMaster),
        catalog: .embedded, host: F.host)
      let report = F.audit(configuration)
      _ = TextReport.render(report)
      _ = JSONReport.render(report)
      _ = SARIFReport.render(report)
    }
  }

  @Test(arguments: [
    "0.0.0.0/0", "::/0", "[::1]/128", "[::ffff:127.0.0.0]/104", "1.2.3.4/", "/", "[", "[]",
    "[::1", "!10.0.0.0/8", "hash:/etc/postfix/x", "host.example", "1.2.3.4/-1", "1.2.3.4/8x",
    "::", "fe80::/10", "300.0.0.0/8", "",
  ])
  func cidrClassificationNeverTraps(word: String) {
    _ = CIDR.classify(word)
  }

  @Test func cidrRules() {
    #expect(CIDR.parse("192.0.2.0/24")?.prefixLength == 24)
    #expect(CIDR.classify("192.0.2.1/24") != .other)
    #expect(CIDR.parse("192.0.2.1/24") == nil)
    #expect(CIDR.classify("hash:/etc/postfix/network_table") == .other)
    #expect(CIDR.classify("mail.example.com") == .other)
    #expect(CIDR.parse("[::ffff:127.0.0.0]/104")?.isLoopback == true)
    #expect(CIDR.parse("10.0.0.0/8")?.privateRange != nil)
    #expect(CIDR.parse("8.8.0.0/16")?.privateRange == nil)
  }
}
