import Foundation
import PostfixConfig
import Testing

@testable import PostfixHardening

/// Each profile's result read by the real postconf: no warning at all.
@Suite(.enabled(if: ApplyRealPostfix.shouldRun, ApplyRealPostfix.skipComment))
struct RealPostconfTests {
  @Test(arguments: Profile.allCases, [ApplySupport.debian, ApplySupport.tricky])
  func resultIsWarningFreeAndValidationPasses(profile: Profile, source: String) throws {
    try ApplyRealPostfix.requirePostconf()
    let directory = try ApplySupport.temporaryCopy(of: source)
    defer { ApplySupport.remove(directory) }
    let plan = try ApplySupport.plan(
      profile, options: try ApplySupport.options(profile),
      main: try ApplySupport.read(directory + "/main.cf"),
      master: try ApplySupport.read(directory + "/master.cf"), directory: directory)
    let executor = ApplyExecutor(
      validate: PostconfValidation.validator(postconf: ApplyRealPostfix.postconfPath))
    #expect(
      try executor.execute(plan)
        == .written(
          [plan.mainCF, plan.masterCF].compactMap { $0 }.filter(\.isChanged).map(\.path)))
    #expect(try ApplyRealPostfix.warnings(directory: directory) == "")
    // postconf agrees with the planned values.
    let output = try SystemCommand.run(
      ApplyRealPostfix.postconfPath,
      ["-c", directory, "-h", "disable_vrfy_command", "smtpd_banner", "smtpd_forbid_bare_newline"])
    #expect(String(decoding: output.stdout, as: UTF8.self) == "yes\n$myhostname ESMTP\nyes\n")
  }

  @Test func filesNamedFromTheConfigDirectoryAreFoundWhileValidating() throws {
    try ApplyRealPostfix.requirePostconf()
    let directory = try ApplySupport.temporaryCopy(of: ApplySupport.debian)
    defer { ApplySupport.remove(directory) }
    // postconf reads this database client file; the stage must see it too.
    let main =
      try ApplySupport.read(directory + "/main.cf")
      + Array("virtual_alias_maps = mysql:$config_directory/mysql-aliases.cf\n".utf8)
    try Data(main).write(to: URL(fileURLWithPath: directory + "/main.cf"))
    try Data("hosts = 127.0.0.1\nuser = u\npassword = p\ndbname = d\nquery = select 1\n".utf8)
      .write(to: URL(fileURLWithPath: directory + "/mysql-aliases.cf"))
    #expect(try ApplyRealPostfix.warnings(directory: directory) == "")
    let plan = try ApplySupport.plan(
      .sendOnly, options: try ApplySupport.options(.sendOnly), main: main,
      master: try ApplySupport.read(directory + "/master.cf"), directory: directory)
    let executor = ApplyExecutor(
      validate: PostconfValidation.validator(postconf: ApplyRealPostfix.postconfPath))
    #expect(try executor.execute(plan) == .written([directory + "/main.cf"]))
    #expect(try ApplySupport.read(directory + "/main.cf") == plan.mainCF.updated)
  }

  @Test func validationCatchesWhatPostconfWarnsAbout() throws {
    try ApplyRealPostfix.requirePostconf()
    let directory = try ApplySupport.temporaryCopy(of: ApplySupport.debian)
    defer { ApplySupport.remove(directory) }
    let main = try ApplySupport.read(directory + "/main.cf")
    // A plan whose main.cf makes postconf warn (a second, different myhostname).
    let broken = main + Array("myhostname = other.example\n".utf8)
    let plan = ApplyPlan(
      configDirectory: directory,
      mainCF: .init(path: directory + "/main.cf", original: main, updated: broken),
      masterCF: nil, changes: [], transforms: [], skipped: [], activation: .reload)
    let validator = PostconfValidation.validator(postconf: ApplyRealPostfix.postconfPath)
    let probe = try validator(directory)
    #expect(probe.succeeded)
    let executor = ApplyExecutor(
      validate: { directory in
        // Backdate like the test helper does so postconf reads the file once.
        try? FileManager.default.setAttributes(
          [.modificationDate: Date(timeIntervalSince1970: 1_577_836_800)],
          ofItemAtPath: directory + "/main.cf")
        return try validator(directory)
      })
    do {
      _ = try executor.execute(plan)
      Issue.record("accepted")
    } catch let error as PostfixHardeningError {
      #expect(error.reason.contains("postconf rejected the result"))
    }
    #expect(try ApplySupport.read(directory + "/main.cf") == main)
  }
}
