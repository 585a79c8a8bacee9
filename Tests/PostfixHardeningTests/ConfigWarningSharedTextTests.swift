import PostfixConfig
import Testing

@testable import PostfixHardening

/// An `unused parameter` finding whose message stays in postconf's shared
/// warning text equals the one made from the text as a string, and every
/// other warning is left to the string path.
struct ConfigWarningSharedTextTests {
  static func places() -> ConfigWarningRule.Places {
    let main = Array(
      """
      myhostname = mail.example.test
      zz_unknown = 1
      smtpd_tls_cert = /etc/ssl/x.pem
      zz_unknown = 2

      """.utf8)
    let master = Array(
      """
      smtp inet n - y - - smtpd
        -o zz_override=yes

      """.utf8)
    let configuration = PostfixConfiguration(
      mainCF: MainCF(bytes: main), masterCF: MasterCF(bytes: master), host: ApplySupport.host,
      configDirectory: "/etc/postfix")
    return ConfigWarningRule.Places(configuration)
  }

  @Test(arguments: [
    "/etc/postfix/main.cf: unused parameter: zz_unknown=2",
    "/etc/postfix/main.cf: unused parameter: zz_unknown",
    "/etc/postfix/master.cf: unused parameter: zz_override=yes",
    "main.cf: unused parameter: zz_unknown=a: b=c",
    "/etc/postfix/main.cf: unused parameter: smtpd_tls_cert=/etc/ssl/x.pem",
    "/etc/postfix/main.cf, line 4: overriding earlier entry: zz_unknown=1",
    "/etc/postfix/main.cf: undefined parameter: nothing",
    "/etc/postfix/main.cf1: unused parameter: zz_unknown=2",
    "/etc/postfix/: unused parameter: zz_unknown=2",
    "no separator at all",
  ])
  func sharedTextAgreesWithTheString(_ warning: String) {
    let rule = ConfigWarningRule()
    let places = Self.places()
    // The warning amid others in one chunk, as the configuration keeps them.
    let chunk = Array(("earlier text" + warning + "later text").utf8)
    let range = 12..<(12 + warning.utf8.count)
    let expected = rule.locate(warning, in: places)
    // The head kept apart (as the configuration keeps a path's) or not.
    let bytes = Array(warning.utf8)
    if let colon = warning.utf8.firstIndex(of: UInt8(ascii: ":")), warning.hasPrefix("/") {
      let split = warning.utf8.distance(from: warning.utf8.startIndex, to: colon) + 2
      let apart = rule.unusedParameter(
        Array(bytes[..<split]), Array(bytes), split..<bytes.count, in: places)
      #expect(apart == rule.unusedParameter([], chunk, range, in: places), "\(warning)")
    }
    if let shared = rule.unusedParameter([], chunk, range, in: places) {
      #expect(shared == expected)
      #expect(shared.message == expected.message)
      #expect(shared.parameter == expected.parameter)
      #expect(shared.fix == expected.fix)
      #expect(shared.line == expected.line && shared.service == expected.service)
      #expect(warning.contains(": unused parameter: "))
    } else {
      // Left to the string path: a line number, a head without a name, another
      // kind. A suggested name (smtpd_tls_cert) is taken here too.
      let takenElsewhere =
        !warning.contains(": unused parameter: ") || warning.contains("main.cf1")
        || warning.hasPrefix("/etc/postfix/:")
      #expect(takenElsewhere, "\(warning)")
    }
  }

  @Test func unusedNamesWithoutASuggestionTakeTheSharedText() {
    let rule = ConfigWarningRule()
    let places = Self.places()
    for warning in [
      "/etc/postfix/main.cf: unused parameter: zz_unknown=2",
      "/etc/postfix/master.cf: unused parameter: zz_override=yes",
    ] {
      let chunk = Array(warning.utf8)
      let finding = rule.unusedParameter([], chunk, 0..<chunk.count, in: places)
      #expect(finding != nil, "\(warning)")
      #expect(finding?.line == (warning.contains("master.cf") ? 2 : 4))
    }
  }
}
