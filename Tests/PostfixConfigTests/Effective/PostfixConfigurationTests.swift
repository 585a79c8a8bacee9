import Testing

@testable import PostfixConfig

@Suite struct PostfixConfigurationTests {
  static let host = HostEnvironment(
    hostname: "mail.example.org",
    interfaces: [
      NetworkInterface(name: "lo", address: CatalogFixtures.ip("127.0.0.1"), prefixLength: 8)
    ],
    processID: 1, processName: "postconf")

  static func configuration(main: String, master: String? = nil) -> PostfixConfiguration {
    PostfixConfiguration(
      mainCF: MainCF(bytes: Array(main.utf8)),
      masterCF: master.map { MasterCF(bytes: Array($0.utf8)) }, host: host,
      configDirectory: "/etc/postfix")
  }

  @Test func mainCFValueIsExpandedWithItsLine() {
    let config = Self.configuration(
      main: "# head\nsmtpd_banner = $myhostname ESMTP $mail_name\nbiff = no\n")
    let banner = config.setting("smtpd_banner")
    #expect(banner.raw == Array("$myhostname ESMTP $mail_name".utf8))
    #expect(banner.text == "mail.example.org ESMTP Postfix")
    #expect(banner.source == .mainCF(line: 2))
    #expect(banner.line == 2)
  }

  @Test func defaultsAreMarkedAsDefaults() {
    let config = Self.configuration(main: "biff = no\n")
    let vrfy = config.setting("disable_vrfy_command")
    #expect(vrfy.text == "no")
    #expect(vrfy.source == .defaultValue)
    #expect(vrfy.line == nil)
    #expect(config.setting("myorigin").text == "mail.example.org")
  }

  @Test func serviceOverridesWinForThatServiceOnly() {
    let master = """
      smtp      inet  n       -       y       -       -       smtpd
      submission inet n       -       y       -       -       smtpd
        -o syslog_name=postfix/$service_name
        -o smtpd_tls_security_level=encrypt
        -o mynetworks=0.0.0.0/0

      """
    let config = Self.configuration(
      main: "smtpd_tls_security_level = may\nmynetworks = 127.0.0.0/8\n", master: master)
    let submission = config.setting(
      "smtpd_tls_security_level", service: "submission", type: "inet")
    #expect(submission.text == "encrypt")
    #expect(submission.source == .masterCF(service: "submission", type: "inet", line: 4))
    #expect(
      config.setting("syslog_name", service: "submission", type: "inet").text
        == "postfix/submission")
    let smtp = config.setting("smtpd_tls_security_level", service: "smtp", type: "inet")
    #expect(smtp.text == "may")
    #expect(smtp.source == .mainCF(line: 1))
    #expect(
      config.setting("mynetworks", service: "submission", type: "inet").words == ["0.0.0.0/0"])
    #expect(config.services.map(\.name) == ["smtp", "submission"])
    #expect(config.services.allSatisfy { $0.command == "smtpd" && $0.type == "inet" })
  }

  @Test func warningsAreThoseOfPostconf() {
    let config = Self.configuration(
      main: "inet_interface = loopback-only\nrelayhost = a\nrelayhost = b\n",
      master: "smtp inet n - y - - smtpd\n")
    #expect(
      config.warnings.map(\.message) == [
        "/etc/postfix/main.cf, line 3: overriding earlier entry: relayhost=a",
        "/etc/postfix/main.cf: unused parameter: inet_interface=loopback-only",
      ])
    #expect(config.fatal == nil)
  }

  @Test func fatalConfigurationIsReported() {
    let config = Self.configuration(main: "relayhost\n")
    #expect(config.fatal?.contains("missing '=' after attribute name") == true)
  }
}
