import PostfixConfig
import PostfixHardening
import Testing

@testable import pfharden

/// The command phrases the libraries' structured notes with its own options,
/// as it did when the libraries wrote them.
@Suite struct LibraryWordingTests {
  @Test func notesNameTheOptionThatChangesThem() {
    #expect(
      LibraryWording.note(ProfileNote(.serverTLSUnchanged(reason: "no certificate")))
        == "server TLS left as it is: no certificate; give --cert FILE --key FILE")
    let note = ProfileNote(.submissionServicesNeedTLS)
    #expect(LibraryWording.note(note) == note.description)
  }

  @Test func profileRequirementsNameTheirOptions() {
    let networks = PostfixHardeningError(
      .invalidRequest, "neutral", underlying: ProfileRequirement.networksMissing)
    #expect(
      CLI.describe(networks)
        == "the relay profile needs --network CIDR (repeatable) for the systems it relays for")
    let certificate = PostfixHardeningError(
      .configuration, "neutral",
      underlying: ProfileRequirement.certificateUnusable(reason: "cannot read /x"))
    #expect(CLI.describe(certificate) == "not using --cert/--key: cannot read /x")
    #expect(CLI.describe(PostfixHardeningError(.configuration, "plain")) == "plain")
  }

  @Test func aKeptSASLBackendNamesTheOptionThatReplacesIt() throws {
    let address = try #require(IPAddress("192.0.2.25"))
    let main =
      "smtpd_sasl_type = dovecot\nsmtpd_sasl_path = private/auth\n"
      + "smtpd_tls_cert_file = /etc/ssl/mail.pem\nsmtpd_tls_key_file = /etc/ssl/mail.key\n"
    let master = "smtp      inet  n       -       y       -       -       smtpd\n"
    let configuration = PostfixConfiguration(
      mainCF: MainCF(bytes: Array(main.utf8)), masterCF: MasterCF(bytes: Array(master.utf8)),
      host: HostEnvironment(
        hostname: "mail.example.com",
        interfaces: [
          NetworkInterface(
            name: "eth0", address: address, prefixLength: 24)
        ],
        processID: 1, processName: "postconf"))
    let build = try Profile.submission.build(
      options: ProfileOptions(), configuration: configuration, isReadable: { _ in true })
    let line = try #require(build.kept.first { $0.hasPrefix("smtpd_sasl_type") })
    #expect(!line.contains("--"))
    #expect(
      LibraryWording.kept(line)
        == "smtpd_sasl_type, smtpd_sasl_path: the configured SASL backend is kept "
        + "(give --sasl-path to change it)")
    #expect(LibraryWording.kept("mynetworks: kept") == "mynetworks: kept")
  }
}
