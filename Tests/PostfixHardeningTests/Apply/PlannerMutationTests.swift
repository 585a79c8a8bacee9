import PostfixConfig
import Testing

@testable import PostfixHardening

/// Seeded mutations of the tricky fixture: planning never traps, and what it
/// plans is stable (a second run plans nothing).
@Suite struct PlannerMutationTests {
  static let splices: [[UInt8]] = [
    Array("\r\n".utf8), [0], Array("\t".utf8), Array("#".utf8), Array("=".utf8),
    Array("\n".utf8), Array(" ".utf8), Array("\ndisable_vrfy_command = no\n".utf8),
    Array("\nmynetworks =\n".utf8), Array("{".utf8), Array("$".utf8),
  ]

  @Test func mutantsPlanWithoutTrappingAndSettle() throws {
    let original = try ApplySupport.read(ApplySupport.tricky + "/main.cf")
    let master = try ApplySupport.read(ApplySupport.tricky + "/master.cf")
    var generator = SeededGenerator(seed: 20_261_129)
    var planned = 0
    for _ in 0..<150 {
      var bytes = original
      for _ in 0..<Int.random(in: 1...4, using: &generator) {
        let position = Int.random(in: 0...bytes.count, using: &generator)
        switch Int.random(in: 0..<3, using: &generator) {
        case 0:
          let splice = Self.splices[Int.random(in: 0..<Self.splices.count, using: &generator)]
          bytes.insert(contentsOf: splice, at: position)
        case 1 where position < bytes.count:
          bytes.remove(at: position)
        default:
          if position < bytes.count { bytes.insert(bytes[position], at: position) }
        }
      }
      let profile = Profile.allCases[Int.random(in: 0..<4, using: &generator)]
      let options = try ApplySupport.options(profile)
      guard
        let plan = try? ApplySupport.plan(profile, options: options, main: bytes, master: master)
      else { continue }
      planned += 1
      let second = try ApplySupport.plan(
        profile, options: options, main: plan.mainCF.updated, master: plan.masterCF?.updated)
      let settled = !second.hasChanges
      #expect(
        settled,
        "\(profile): \(second.changes.map { "\($0.scope) \($0.name)" }) after planning \(plan.changes.map(\.name)) on\n\(String(decoding: bytes, as: UTF8.self).debugDescription)\n\(String(decoding: plan.mainCF.updated, as: UTF8.self).debugDescription)"
      )
    }
    #expect(planned > 30)
  }

  @Test func nulBytesAndBrokenFilesAreRefused() throws {
    for main in ["myhostname = a\0b\n", "myhostname = a.example\nall\n"] {
      do {
        _ = try ApplySupport.plan(
          .sendOnly, options: ProfileOptions(), main: Array(main.utf8), master: nil)
        Issue.record("planned \(main.debugDescription)")
      } catch let error as PostfixHardeningError {
        #expect(error.code == .configuration)
        #expect(error.reason.contains("NUL byte") || error.reason.contains("fix that first"))
      }
    }
  }
}
