import PostfixConfig
import Testing

@testable import PostfixHardening

/// `config-warning` reports what postconf says about database client
/// configuration files, at each file's own path and line.
@Suite struct DatabaseClientFindingTests {
  typealias F = AuditFixtures

  static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

  static let main = """
    myhostname = mail.example.com
    # pfharden: ignore config-warning
    alias_maps = mysql:/etc/postfix/my.cf, proxy:ldap:/etc/postfix/gone.cf
    virtual_alias_maps = pgsql:/etc/postfix/bad.cf mysql:/etc/postfix/my.cf

    """

  static let files: [[UInt8]: DatabaseClientFile.Content] = [
    bytes("/etc/postfix/my.cf"): .bytes(
      bytes("  stray\nhosts = h\nhost = typo\nuser = u\nuser = v\n")),
    bytes("/etc/postfix/gone.cf"): .cannotOpen(errno: 2, reason: "No such file or directory"),
    bytes("/etc/postfix/bad.cf"): .bytes(bytes("hosts = h\nno equals\n")),
  ]

  @Test func clientFileProblemsAreFindingsAtTheirFiles() throws {
    let configuration = try F.configuration(main: Self.main)
    let options = AuditOptions(host: HostFacts(isRoot: true, databaseClientFiles: Self.files))
    let findings = F.run(ConfigWarningRule(), configuration, options: options)
    let located = findings.map {
      "\($0.severity) \($0.file ?? "-"):\($0.line.map(String.init) ?? "-") \($0.message)"
    }
    #expect(
      located.sorted() == [
        "error /etc/postfix/bad.cf:2 postconf would stop: /etc/postfix/bad.cf, line 2: missing '=' after attribute name: \"no equals\"",
        "warning /etc/postfix/gone.cf:- open \"ldap\" configuration \"/etc/postfix/gone.cf\": No such file or directory",
        "warning /etc/postfix/my.cf:1 logical line must not start with whitespace: \"  stray\"",
        "warning /etc/postfix/my.cf:3 unused parameter: host=typo; did you mean 'hosts'?",
        "warning /etc/postfix/my.cf:5 overriding earlier entry: user=u",
      ])
    // The suppression comment above alias_maps in main.cf says nothing of
    // lines in other files.
    #expect(findings.first { $0.parameter == "host" }?.fix == "Rename 'host' to 'hosts'.")
  }

  @Test func withoutHostFactsNothingIsRead() throws {
    let configuration = try F.configuration(main: Self.main)
    #expect(F.run(ConfigWarningRule(), configuration).isEmpty)
    #expect(configuration.databaseClientFiles.map(\.type) == ["mysql", "ldap", "pgsql"])
  }
}
