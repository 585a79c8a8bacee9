import Testing

@Suite struct RealPostfixGateTests {
  @Test(.enabled(if: RealPostfix.shouldRun, RealPostfix.skipComment))
  func postconfAnswersWithItsVersion() throws {
    try RealPostfix.requirePostconf()
    let run = try RealPostfix.run(RealPostfix.postconfPath, ["-h", "mail_version"])
    #expect(run.status == 0)
    #expect(String(decoding: run.stdout, as: UTF8.self).hasPrefix("3."))
  }
}
