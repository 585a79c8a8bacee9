import PostfixConfig
import Testing

@testable import PostfixHardening

/// The contract between `apply` and `check`: a profile applied with a
/// certificate leaves nothing at warning or above for the profile's role, and
/// the audit of the original configuration did find something to fix.
@Suite struct ApplyThenCheckTests {
  static let profiles: [Profile] = [.sendOnly, .relay, .mx, .submission]

  /// The certificate the profiles are given, as the audit's file facts see it.
  static let facts = HostFacts(
    isRoot: true,
    files: [
      ApplySupport.certificate.certificateFile: HostFacts.FileFact(
        exists: true, readable: true, uid: 0, gid: 0, mode: 0o644, isDirectory: false),
      ApplySupport.certificate.keyFile: HostFacts.FileFact(
        exists: true, readable: true, uid: 0, gid: 0, mode: 0o600, isDirectory: false),
    ],
    dhParameterBits: [:], listening: nil)

  static func audit(_ main: [UInt8], _ master: [UInt8]?, role: Role) -> AuditReport {
    let configuration = ApplySupport.configuration(main, master)
    var options = AuditOptions(minimumSeverity: .warning, host: facts)
    if role != .sendOnly { options.portTwentyFiveRole = role == .submission ? .mx : role }
    return Audit.run(configuration: configuration, options: options)
  }

  @Test(arguments: profiles, [ApplySupport.debian, ApplySupport.tricky])
  func profileResultIsCleanForItsRole(_ profile: Profile, source: String) throws {
    let main = try ApplySupport.read(source + "/main.cf")
    let master = try ApplySupport.read(source + "/master.cf")
    let before = Self.audit(main, master, role: profile.role)
    #expect(!before.findings.isEmpty, "the stock configuration has something to fix")
    let plan = try ApplySupport.plan(
      profile, options: try ApplySupport.options(profile), main: main, master: master)
    let after = Self.audit(plan.mainCF.updated, plan.masterCF?.updated, role: profile.role)
    let remaining = after.findings.map { "\($0.id) \($0.service ?? "-"): \($0.message)" }
    #expect(remaining.isEmpty, "\(profile) on \(source): \(remaining)")
  }
}
