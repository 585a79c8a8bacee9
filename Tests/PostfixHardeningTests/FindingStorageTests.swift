import Testing

@testable import PostfixHardening

/// A finding whose parameter and fix are read from its message reads, compares
/// and changes exactly as one built from texts.
struct FindingStorageTests {
  static let message = "unused parameter: smtpd_tls_cert=/x; did you mean 'smtpd_tls_cert_file'?"

  static func compact() -> Finding {
    let guess = message.utf8.count - "smtpd_tls_cert_file'?".utf8.count
    return Finding(
      id: "config-warning", severity: .warning, messageText: .string(message), file: "main.cf",
      line: 3, service: nil, name: 18..<32, guess: Int32(guess)..<Int32(guess + 19))
  }

  static func plain() -> Finding {
    Finding(
      id: "config-warning", severity: .warning, message: message, file: "main.cf", line: 3,
      parameter: "smtpd_tls_cert", fix: "Rename 'smtpd_tls_cert' to 'smtpd_tls_cert_file'.")
  }

  @Test func readsAsTheTextsItStandsFor() {
    let finding = Self.compact()
    #expect(finding.parameter == "smtpd_tls_cert")
    #expect(finding.fix == "Rename 'smtpd_tls_cert' to 'smtpd_tls_cert_file'.")
    #expect(finding == Self.plain())
  }

  @Test func aNewMessageKeepsTheParameterAndFix() {
    var finding = Self.compact()
    finding.message = "something else"
    #expect(finding.parameter == "smtpd_tls_cert")
    #expect(finding.fix == "Rename 'smtpd_tls_cert' to 'smtpd_tls_cert_file'.")
  }

  @Test func aNewParameterKeepsTheFix() {
    var finding = Finding(
      id: "config-warning", severity: .warning, messageText: .string("unused parameter: zz_a=1"),
      file: "main.cf", line: 1, service: nil, name: 18..<22, guess: nil)
    #expect(finding.fix == "Remove 'zz_a' or correct its name: Postfix ignores it.")
    finding.parameter = nil
    #expect(finding.parameter == nil)
    #expect(finding.fix == "Remove 'zz_a' or correct its name: Postfix ignores it.")
    finding.fix = "Other."
    #expect(finding.fix == "Other.")
    #expect(finding != Self.plain())
  }

  @Test func aServiceMovesTheTextsOutOfTheMessage() {
    var finding = Self.compact()
    finding.service = "submission/inet"
    #expect(finding.service == "submission/inet")
    #expect(finding.parameter == "smtpd_tls_cert")
    #expect(finding.fix == "Rename 'smtpd_tls_cert' to 'smtpd_tls_cert_file'.")
    // A service given at creation keeps the texts the positions stand for.
    let made = Finding(
      id: "config-warning", severity: .warning, messageText: .string("unused parameter: zz_a=1"),
      file: "master.cf", line: 2, service: "smtp/inet", name: 18..<22, guess: nil)
    #expect(made.parameter == "zz_a")
    #expect(made.service == "smtp/inet")
    #expect(made.fix == "Remove 'zz_a' or correct its name: Postfix ignores it.")
  }

  /// Findings are held by the hundred thousand: their size is part of the
  /// memory budget of `check` (under 10 bytes per input byte).
  @Test func aFindingStaysSmall() {
    #expect(MemoryLayout<Finding>.stride <= 96)
  }
}
