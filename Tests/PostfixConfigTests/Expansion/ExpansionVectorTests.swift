import Foundation
import PostfixConfig
import Testing

/// Every `x_*` vector of the spec (plus the two undefined/used-name vectors),
/// replayed at library level through ``MiniPostconf``.
@Suite struct ExpansionVectorTests {
  static let names: [String] = (try? ExpansionFixtures.vectorNames()) ?? []

  @Test func allVectorsArePresent() {
    #expect(Self.names.count == 37)
    #expect(Self.names.contains("x_depth_101"))
    #expect(Self.names.contains("warn_user_param_referenced"))
  }

  @Test(arguments: names)
  func vector(_ name: String) throws {
    let base = "vectors/\(name)/"
    let mainCf = try ExpansionFixtures.bytes(base + "main.cf")
    let command = String(decoding: try ExpansionFixtures.bytes(base + "command.txt"), as: UTF8.self)
    var postconf = MiniPostconf(mainCf: mainCf)
    postconf.runScript(command)
    let expectedOut = try ExpansionFixtures.bytes(base + "expected-output.txt")
    let expectedErr = try ExpansionFixtures.bytes(base + "expected-stderr.txt")
    #expect(
      String(decoding: postconf.stdout, as: UTF8.self)
        == String(decoding: expectedOut, as: UTF8.self))
    #expect(
      String(decoding: postconf.stderr, as: UTF8.self)
        == String(decoding: expectedErr, as: UTF8.self))
    #expect(postconf.stdout == expectedOut, "stdout differs byte-wise")
    #expect(postconf.stderr == expectedErr, "stderr differs byte-wise")
  }
}
