import Foundation
import PostfixConfig
import Testing

@testable import pfharden

/// Database client configuration files named in main.cf and master.cf.
///
/// `mysql:/path`, `proxy:ldap:/path`, ...: postconf reads each once and
/// warns about what it cannot open and what the client does not know.
/// Compared byte for byte with real postconf on the same directory.
@Suite(.serialized) struct PostconfDatabaseFileTests {
  static let master = """
    smtp      inet  n       -       y       -       -       smtpd
      -o smtpd_recipient_restrictions=check_recipient_access,mysql:DIR/m.cf
      -o zz_user=ldap:DIR/user.cf
    submission inet n - y - - smtpd -o smtpd_client_restrictions=$zz_y -o zz_y=pgsql:DIR/z.cf
    relay     unix  -       -       y       -       -       smtp
      -o smtp_sasl_password_maps={mysql:DIR/open.cf

    """

  /// One configuration and the commands run on it.
  struct Case {
    var name: String
    var files: [String: [UInt8]]
    var commands: [[String]]
  }

  static func text(_ string: String) -> [UInt8] { Array(string.utf8) }

  static let allModes: [[String]] = [
    ["-n"], [], ["-M"], ["-F"], ["-P"], ["-Mx"], ["alias_maps", "virtual_alias_maps"],
    ["-x", "alias_maps"], ["-d", "alias_maps"], ["-o", "relay_domains=mysql:DIR/o.cf", "-n"],
    ["-h", "mynetworks_style"],
  ]

  static let cases: [Case] = [
    Case(
      name: "every-type",
      files: [
        "main.cf": text(
          """
          alias_maps = mysql:DIR/my.cf, proxy:pgsql:DIR/pg.cf ldap:DIR/missing.cf
          virtual_alias_maps = mysql:DIR/my.cf sqlite:DIR/sq.cf memcache:DIR/mc.cf
          transport_maps = pgsql:DIR/my.cf, hash:DIR/hash, mongodb:DIR/mongo.cf

          """),
        "master.cf": text(master),
        "my.cf": text(
          "hosts = localhost\nuser = u\npassword = p\ndbname = d\nquery = SELECT 1\n"
            + "bogus = 1\nzeta = 2\nhosts = other\nquery = SELECT 1\n"),
        "pg.cf": text("hosts = h\nbogus2 = x\n"),
        "sq.cf": text("dbpath = /x\nquery = q\nserver_host = s\n"),
        "mc.cf": text("memcache = inet:localhost:11211\nfoo = bar\n"),
        "open.cf": text("hosts = h\n"),
      ],
      commands: allModes),
    Case(
      name: "braces-and-legacy",
      files: [
        "main.cf": text(
          """
          relay_domains = pipemap:{mysql:DIR/a.cf, ldap:leg} inline:{ {k=pgsql:DIR/b.cf} }
          leg_server_host = x
          leg_bogus = y
          transport_maps = mysql:rel, mysql:./dot, proxy:proxy:memcache:DIR/c.cf, hash:DIR/h
          virtual_mailbox_maps = {mysql:DIR/d.cf
          canonical_maps = {sqlite:DIR/e.cf}x
          smtpd_banner = $myhostname {foo}x {a{b}
          alias_maps = x:{{ldap:q}}, y:{mysql:DIR/a.cf}z mysql: pgsql:.x
          _hosts = 1
          q_bind = 2
          rel_hosts = 3
          rel_nonsense = 4

          """),
        "master.cf": text(master),
        "a.cf": text("hosts = 1\n"),
        "b.cf": text("nothing = read\n"),
      ],
      commands: allModes),
    Case(
      name: "odd-files",
      files: [
        "main.cf": text(
          """
          alias_maps = mysql:DIR/a.cf pgsql:DIR/a.cf mysql:DIR/a.cf proxy:ldap:DIR/dir.cf/
            sqlite:/dev/null memcache:DIR/empty.cf mysql:DIR/a.cf/x
          canonical_maps = ldap:DIR/only-comments.cf

          """),
        "master.cf": text("smtp inet n - y - - smtpd\n"),
        "a.cf": [0x20] + text("lead = 1\nhosts = h\nzz") + [0xFF] + text(" = v")
          + [0x01, 0x7F] + text("q\nempty =\n#c\n  cont\nhosts = h\nhosts = i\n")
          + text("nul") + [0x00] + text("cut = 1\nname = val") + [0x00] + text("ue\r\n"),
        "dir.cf/keep": text("x = 1\n"),
        "empty.cf": [],
        "only-comments.cf": text("# nothing\n\n   \n"),
      ],
      commands: [["-n"], ["-M"], []]),
    Case(
      name: "syntax-error",
      files: [
        "main.cf": text(
          "alias_maps = mysql:DIR/good.cf ldap:DIR/bad.cf mysql:DIR/after.cf\nzz_unused = 1\n"),
        "master.cf": text("smtp inet n - y - - smtpd\n"),
        "good.cf": text("hosts = h\nbogus = 1\n"),
        "bad.cf": text("server_host = x\nbogus = 2\nbogus = 3\nthis line has no equals\n"),
      ],
      commands: [["-n"], ["-M"], ["-P"], ["alias_maps"], ["-e", "zz_new=1"]]),
  ]

  @Test(
    .enabled(if: RealPostfix.shouldRun, RealPostfix.skipComment),
    arguments: cases.map(\.name))
  func clientFilesAgreeWithPostconf(_ name: String) throws {
    try RealPostfix.requirePostconf()
    let entry = try #require(Self.cases.first { $0.name == name })
    let directory = try PostconfComparison.makeDirectory("dbfile-\(name)")
    defer { try? FileManager.default.removeItem(at: directory) }
    for command in entry.commands {
      // Edits change main.cf: every command starts from the same files.
      try PostconfComparison.write(entry.files, into: directory)
      let arguments = command.map { $0.replacingOccurrences(of: "DIR", with: directory.path) }
      let (expected, actual) = try PostconfComparison.compare(directory, arguments)
      #expect(actual == expected, "\(name): postconf \(arguments.joined(separator: " "))")
    }
  }

  /// Names postconf knows without listing them (legacy names such as `virtual_maps`,
  /// names only defaults reference) are user parameters at start-up: their values are
  /// not expanded for client tables, so neither a table they name is opened nor a
  /// macro error in them is fatal (a built-in name's is).
  @Test(.enabled(if: RealPostfix.shouldRun, RealPostfix.skipComment))
  func unlistedNamesAreNotExpandedAtStartUp() throws {
    try RealPostfix.requirePostconf()
    let directory = try PostconfComparison.makeDirectory("dbfile-unlisted")
    defer { try? FileManager.default.removeItem(at: directory) }
    let unlisted = ParameterCatalog.embedded.unlistedNames
    #expect(unlisted.contains("virtual_maps"))
    for value in ["mysql:DIR/NAME.cf", "x $(a", "ldap:NAME"] {
      for name in unlisted + ["virtual_alias_maps"] {
        let text =
          "\(name) = "
          + value.replacingOccurrences(of: "DIR", with: directory.path)
          .replacingOccurrences(of: "NAME", with: name) + "\n"
        try PostconfComparison.write(
          ["main.cf": Self.text(text), "master.cf": Self.text("smtp inet n - y - - smtpd\n")],
          into: directory)
        let (expected, actual) = try PostconfComparison.compare(directory, ["-n"])
        #expect(actual == expected, "\(text)")
      }
    }
  }

  /// The names each client type knows, measured on real postconf: a file
  /// with every catalogue name and one unknown name warns about the unknown
  /// name only.
  @Test(.enabled(if: RealPostfix.shouldRun, RealPostfix.skipComment))
  func everyKnownNameOfEveryTypeIsAccepted() throws {
    try RealPostfix.requirePostconf()
    let directory = try PostconfComparison.makeDirectory("dbfile-names")
    defer { try? FileManager.default.removeItem(at: directory) }
    let catalog = ParameterCatalog.embedded
    #expect(catalog.legacyDatabaseTypes == ["ldap", "memcache", "mysql", "pgsql", "sqlite"])
    var files: [String: [UInt8]] = ["master.cf": Self.text("smtp inet n - y - - smtpd\n")]
    var tables: [String] = []
    for type in catalog.legacyDatabaseTypes {
      // Each type's names, and every other type's, in one file per type.
      var body = ""
      for other in catalog.legacyDatabaseTypes {
        for suffix in catalog.legacyDatabaseSuffixes(type: other) { body += "\(suffix) = 1\n" }
      }
      files["\(type).cf"] = Self.text(body + "not_a_\(type)_name = 1\n")
      tables.append("\(type):DIR/\(type).cf")
    }
    files["main.cf"] = Self.text("alias_maps = \(tables.joined(separator: " "))\n")
    try PostconfComparison.write(files, into: directory)
    let (expected, actual) = try PostconfComparison.compare(directory, ["-n"])
    #expect(actual == expected)
    for type in catalog.legacyDatabaseTypes {
      #expect(
        expected.stderr.contains(
          "\(type):\(directory.path)/\(type).cf: unused parameter: not_a_\(type)_name=1"))
    }
  }

  /// A FIFO named as a client file: postconf would wait for a writer;
  /// pfharden refuses it by its type, with postconf's text for files that
  /// are not regular.
  @Test func fifoIsRefusedWithoutWaiting() throws {
    let directory = try PostconfComparison.makeDirectory("dbfile-fifo")
    defer { try? FileManager.default.removeItem(at: directory) }
    try PostconfComparison.write(
      [
        "main.cf": Self.text("alias_maps = mysql:DIR/fifo.cf\n"),
        "master.cf": Self.text("smtp inet n - y - - smtpd\n"),
      ], into: directory)
    #expect(mkfifo(directory.path + "/fifo.cf", 0o600) == 0)
    let outcome = PostconfComparison.ours(directory, ["-n"])
    #expect(outcome.status == 0)
    #expect(
      outcome.stderr
        == "warning: open \"mysql\" configuration \"\(directory.path)/fifo.cf\": not a regular file\n"
    )
  }
}
