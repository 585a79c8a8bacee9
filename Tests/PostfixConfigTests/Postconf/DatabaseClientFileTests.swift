import Foundation
import Synchronization
import Testing

@testable import PostfixConfig

/// Database client configuration files and the value walk that finds them,
/// without Postfix: the rules measured on postconf 3.7.11.
@Suite struct DatabaseClientFileTests {
  static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

  static func events(_ text: String) -> [String] {
    LegacyDatabase.events(in: bytes(text)).map { event in
      switch event {
      case .legacy(let type, let prefix):
        return
          "legacy \(String(decoding: type, as: UTF8.self)) \(String(decoding: prefix, as: UTF8.self))"
      case .clientFile(let type, let path):
        return
          "file \(String(decoding: type, as: UTF8.self)) \(String(decoding: path, as: UTF8.self))"
      case .braceError(let text):
        return "error \(String(decoding: text, as: UTF8.self))"
      }
    }
  }

  @Test func walkFollowsBracesAndProxyAsPostconf() {
    #expect(
      Self.events("pipemap:{mysql:/a.cf, ldap:leg} inline:{ {k=pgsql:/b.cf} }") == [
        "file mysql /a.cf", "legacy ldap leg", "file k=pgsql /b.cf",
      ])
    #expect(
      Self.events("mysql:rel, mysql:./dot, proxy:proxy:memcache:/c.cf, hash:/h proxy:x mysql:") == [
        "legacy mysql rel", "file memcache /c.cf", "file hash /h", "legacy mysql ",
      ])
    #expect(
      Self.events("{mysql:/d.cf") == ["error missing '}' in \"{mysql:/d.cf\"", "file mysql /d.cf"])
    #expect(
      Self.events("$x {foo}x {a{b} y:{mysql:/a}z") == [
        // An open brace keeps the blank inside the word, as mystrtokq() does.
        "error syntax error after '}' in \"{foo}x\"",
        "error missing '}' in \"{a{b} y:{mysql:/a}z\"",
        "error syntax error after '}' in \"{mysql:/a}z\"", "file mysql /a",
      ])
    #expect(Self.events("x:{{ldap:q}}, tail:t") == ["legacy ldap q", "legacy tail t"])
    #expect(Self.events("permit_mynetworks, reject") == [])
  }

  // A value without braces is read from its colons; the same value with an
  // empty `{}` at the end is read by the walk over braces, which reports
  // nothing more for it. Both must report the same, in the same order.
  @Test func wordsEndAtTheFirstSeparatorWhereverItIs() {
    var random = SeededGenerator(seed: 71)
    let alphabet: [UInt8] = [
      0x20, 0x09, 0x0A, 0x0D, 0x2C, 0x0B, 0x0C, 0x00, 0x1F, 0x21, 0x2B, 0x2D, 0xAC, 0xA0, 0x3A,
    ]
    for _ in 0..<4_000 {
      let bytes = (0..<random.below(40)).map { _ in
        random.below(5) == 0 ? random.pick(alphabet) : UInt8(ascii: "a") + UInt8(random.below(26))
      }
      let start = random.below(bytes.count + 1)
      let expected = bytes[start...].firstIndex(where: ParameterList.isSeparator) ?? bytes.count
      let found = bytes.withUnsafeBufferPointer { LegacyDatabase.wordEnd($0, from: start) }
      #expect(found == expected, "\(bytes) from \(start)")
    }
  }

  @Test func valuesWithoutBracesReportWhatTheWalkReports() {
    let words = [
      "mysql:/a.cf", "ldap:leg", "proxy:pgsql:/b.cf", "proxy:x", "hash:/h", "mysql:", "x:.dot",
      "a:b:c", ":lead", "trail:", "proxy:proxy:memcache:/c", "permit", "$ref", "${ref}", "k=v:/p",
      "proxy:", "::", "sqlite:/s.db",
    ]
    let separators = [" ", ",", "\t", "\n", ", ", "\r\n ", ",,"]
    var generator = SeededGenerator(seed: 17)
    for _ in 0..<500 {
      var text = ""
      for index in 0..<Int.random(in: 1...8, using: &generator) {
        if index > 0 || Bool.random(using: &generator) {
          text += separators.randomElement(using: &generator) ?? " "
        }
        text += words.randomElement(using: &generator) ?? ""
      }
      if Bool.random(using: &generator) {
        text += separators.randomElement(using: &generator) ?? ""
      }
      let value = Self.bytes(text)
      #expect(
        LegacyDatabase.events(in: value) == LegacyDatabase.events(in: value + Self.bytes(" {}")),
        "\(text.debugDescription)")
    }
  }

  // Words of unwanted types are passed over; everything else is reported as
  // without the filter, in the same order, with braces or without.
  @Test func aTypeFilterDropsOnlyTheWordsOfOtherTypes() {
    let wanted: Set<[UInt8]> = [Self.bytes("mysql"), Self.bytes("ldap")]
    for text in [
      "hash:/h, mysql:/a.cf ldap:leg proxy:pgsql:/b.cf proxy:mysql:/c.cf mysql:x:y, pcre:/p",
      "pipemap:{mysql:/a.cf, hash:/x, ldap:leg} {mysql:/d.cf x:{{ldap:q}}, tail:t",
    ] {
      let value = Self.bytes(text)
      var filtered: [LegacyDatabase.Event] = []
      let isWanted: (UnsafeBufferPointer<UInt8>) -> Bool = { wanted.contains(Array($0)) }
      LegacyDatabase.forEachEvent(in: value, types: isWanted) { filtered.append($0) }
      let expected = LegacyDatabase.events(in: value).filter { event in
        switch event {
        case .legacy(let type, _), .clientFile(let type, _): return wanted.contains(Array(type))
        case .braceError: return true
        }
      }
      #expect(filtered == expected, "\(text)")
      #expect(!filtered.isEmpty)
    }
  }

  // A value long enough to be walked in two parts at once reports the same
  // events in the same order as the brace walk (one part), with a filter
  // too; the middle falls in a word, in separators, or past the last colon.
  @Test func longValuesAreWalkedInTwoPartsInOrder() {
    let words = ["hash:/h", "mysql:/a.cf", "ldap:leg", "proxy:pgsql:/b.cf", "permit", "x:y:z"]
    var generator = SeededGenerator(seed: 29)
    let size = TwoThreads.longValue + 4_000
    for round in 0..<6 {
      var value: [UInt8] = []
      while value.count < size {
        let word =
          round == 4 && value.count > size / 3
          ? "permit" : words.randomElement(using: &generator) ?? ""
        value += Self.bytes(
          word + ([" ", ",", "\n ", ", "].randomElement(using: &generator) ?? ""))
      }
      if round == 5 { value += [UInt8](repeating: UInt8(ascii: "w"), count: size) }
      let reference = LegacyDatabase.events(in: value + Self.bytes(" {}"))
      #expect(LegacyDatabase.events(in: value) == reference, "round \(round)")
      #expect(reference.count > 10)
      let isWanted: (UnsafeBufferPointer<UInt8>) -> Bool = { $0.first == UInt8(ascii: "m") }
      var filtered: [LegacyDatabase.Event] = []
      LegacyDatabase.forEachEvent(in: value, types: isWanted) { filtered.append($0) }
      #expect(
        filtered
          == reference.filter {
            if case .clientFile(let type, _) = $0 { return type.first == UInt8(ascii: "m") }
            return false
          })
      // A body that stops the walk, in the first part or the second, stops it there.
      struct Stop: Error {}
      for stop in [2, reference.count - 1] {
        var seen = 0
        #expect(throws: Stop.self) {
          try LegacyDatabase.forEachEvent(in: value) { _ in
            seen += 1
            if seen == stop { throw Stop() }
          }
        }
        #expect(seen == stop)
      }
    }
  }

  @Test func deeplyNestedBracesDoNotRecurse() {
    // Deeper than the call stack of a recursive walk would allow on a
    // thread with a small stack; each level is read again, as in postconf.
    let depth = 3_000
    let value =
      [UInt8](repeating: UInt8(ascii: "{"), count: depth) + Self.bytes("ldap:deep")
      + [UInt8](repeating: UInt8(ascii: "}"), count: depth)
    #expect(
      LegacyDatabase.events(in: value) == [
        .legacy(type: ArraySlice(Self.bytes("ldap")), prefix: ArraySlice(Self.bytes("deep")))
      ])
    let unbalanced = [UInt8](repeating: UInt8(ascii: "{"), count: 3_000) + Self.bytes("mysql:/x")
    #expect(LegacyDatabase.events(in: unbalanced).count == 3_001)
  }

  static let mysql = DatabaseClientFile(type: "mysql", path: bytes("/etc/postfix/my.cf"))
  static let known = ["hosts", "user", "password", "dbname", "query"]

  static func messages(_ content: DatabaseClientFile.Content) -> [String] {
    mysql.problems(in: content, knownNames: known).map(\.diagnostic.message)
  }

  @Test func problemsComeInPostconfsOrderAndText() {
    let file = Self.bytes(
      " lead = 1\nhosts = h\nbogus = 1\nzeta = 2\nhosts = other\nempty =\n#c\n  cont\nhosts = other\n"
    )
    #expect(
      Self.messages(.bytes(file)) == [
        "/etc/postfix/my.cf: logical line must not start with whitespace: \" lead = 1\"",
        "/etc/postfix/my.cf, line 5: overriding earlier entry: hosts=h",
        // postconf's hash-table order with NORANDOMIZE=1.
        "mysql:/etc/postfix/my.cf: unused parameter: empty=cont",
        "mysql:/etc/postfix/my.cf: unused parameter: bogus=1",
        "mysql:/etc/postfix/my.cf: unused parameter: zeta=2",
      ])
    let problems = Self.mysql.problems(in: .bytes(file), knownNames: Self.known)
    #expect(problems.map(\.diagnostic.line) == [1, 5, 6, 3, 4])
    #expect(problems.allSatisfy { $0.diagnostic.file == "/etc/postfix/my.cf" })
    #expect(problems.last?.parameter == "zeta")
  }

  @Test func unreadableFiles() {
    #expect(
      Self.messages(.cannotOpen(errno: ENOENT, reason: "No such file or directory")) == [
        "open \"mysql\" configuration \"/etc/postfix/my.cf\": No such file or directory"
      ])
    // Files that may hold passwords are left alone when they cannot be read.
    #expect(Self.messages(.cannotOpen(errno: EACCES, reason: "Permission denied")) == [])
    #expect(
      Self.messages(.notRegularFile) == [
        "open \"mysql\" configuration \"/etc/postfix/my.cf\": not a regular file"
      ])
    #expect(
      Self.messages(.cannotRead("Input/output error")) == [
        "read \"mysql\" configuration \"/etc/postfix/my.cf\": Input/output error"
      ])
  }

  @Test func aSyntaxErrorStopsTheReading() {
    let problems = Self.mysql.problems(
      in: .bytes(Self.bytes("bogus = 1\nbogus = 2\nno equals here\nlater = 1\n")),
      knownNames: Self.known)
    #expect(
      problems.map(\.diagnostic.message) == [
        "/etc/postfix/my.cf, line 2: overriding earlier entry: bogus=1",
        "/etc/postfix/my.cf, line 3: missing '=' after attribute name: \"no equals here\"",
      ])
    #expect(problems.last?.diagnostic.severity == .fatal)
    #expect(problems.last?.kind == .syntaxError)
  }

  @Test func bytesAreKeptPrintable() {
    let file =
      Self.bytes("zz") + [0xFF] + Self.bytes(" = v") + [0x01, 0x7F]
      + Self.bytes("q\nnul") + [0] + Self.bytes("cut = 1\n")
    #expect(
      Self.messages(.bytes(file)) == [
        "/etc/postfix/my.cf, line 2: missing '=' after attribute name: \"nul\""
      ])
    #expect(
      Self.messages(.bytes(Array(file.prefix(10)))) == [
        "mysql:/etc/postfix/my.cf: unused parameter: zz?=v??q"
      ])
  }

  @Test func mutatedFilesNeverCrash() {
    var random = SeededGenerator(seed: 7)
    let base = Self.bytes("hosts = h\nbogus = 1 {\n  more\n# c\nq = $x\r\n")
    let splices: [[UInt8]] = [
      [0x0D, 0x0A], [0], [0x09], [0x23], [0x7B], [0x7D], [0x3D], [0x20], [0xFF],
    ]
    for _ in 0..<2_000 {
      var file = base
      for _ in 0..<(1 + random.below(4)) {
        let at = random.below(file.count + 1)
        switch random.below(3) {
        case 0: file.insert(contentsOf: splices[random.below(splices.count)], at: at)
        case 1: if at < file.count { file.remove(at: at) }
        default: if at < file.count { file.insert(file[at], at: at) }
        }
      }
      let problems = Self.mysql.problems(in: .bytes(file), knownNames: Self.known)
      #expect(
        problems.allSatisfy { $0.diagnostic.message.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F } })
      #expect(problems.filter { $0.diagnostic.severity == .fatal }.count <= 1)
    }
  }

  @Test func readRefusesWhatIsNotARegularFileWithoutBlocking() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "pfharden-dbread-\(getpid())")
    try? FileManager.default.removeItem(at: directory)
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let fifo = directory.path + "/fifo.cf"
    #expect(mkfifo(fifo, 0o600) == 0)
    #expect(DatabaseClientFile.read(path: Self.bytes(fifo)) == .notRegularFile)
    #expect(DatabaseClientFile.read(path: Self.bytes(directory.path)) == .notRegularFile)
    #expect(DatabaseClientFile.read(path: Self.bytes("/dev/null")) == .notRegularFile)
    #expect(
      DatabaseClientFile.read(path: Self.bytes(directory.path + "/none"))
        == .cannotOpen(errno: ENOENT, reason: "No such file or directory"))
    let file = directory.path + "/my.cf"
    try Data("hosts = h\n".utf8).write(to: URL(fileURLWithPath: file))
    #expect(DatabaseClientFile.read(path: Self.bytes(file)) == .bytes(Self.bytes("hosts = h\n")))
    #expect(
      DatabaseClientFile.read(path: Self.bytes(file), limit: 4)
        == .cannotRead("file is larger than the limit of 4 bytes"))
    // A path with bytes that are not UTF-8 is opened as it is.
    let odd = Self.bytes(directory.path + "/x") + [0xFF]
    try Data("user = u\n".utf8).write(to: URL(fileURLWithPath: directory.path + "/x\u{FFFD}"))
    #expect(
      DatabaseClientFile.read(path: odd)
        == .cannotOpen(errno: ENOENT, reason: "No such file or directory"))
  }

  /// The run reads each `type:path` once, through the caller's reader, in
  /// postconf's order (master.cf's services, then main.cf).
  @Test func runReadsEachFileOnceThroughTheReader() {
    let main = Self.bytes(
      "alias_maps = mysql:/m.cf, proxy:mysql:/m.cf pgsql:/m.cf\nzz_user = ldap:/u.cf\n"
        + "virtual_alias_maps = {ldap:/x.cf\n")
    var inputs = PostconfInternalsTests.inputs(mainCF: main)
    inputs.masterCF = .contents(
      Self.bytes("smtp inet n - y - - smtpd -o relay_domains=sqlite:/s.cf\n"))
    final class Reads: Sendable { let paths = Mutex<[String]>([]) }
    let reads = Reads()
    inputs.databaseClientFileReader = { path in
      reads.paths.withLock { $0.append(String(decoding: path, as: UTF8.self)) }
      return path == Self.bytes("/m.cf")
        ? .bytes(Self.bytes("hosts = h\nbogus = 1\ndbname = d\n"))
        : .cannotOpen(errno: ENOENT, reason: "No such file or directory")
    }
    var options = PostconfOptions()
    options.mode = [.mainParameters, .nonDefault]
    let outcome = Postconf.run(options: options, inputs: inputs)
    #expect(reads.paths.withLock { $0 } == ["/s.cf", "/m.cf", "/m.cf", "/x.cf"])
    let stderr = String(decoding: outcome.stderr, as: UTF8.self)
    #expect(
      stderr == """
        postconf: warning: open "sqlite" configuration "/s.cf": No such file or directory
        postconf: warning: mysql:/m.cf: unused parameter: bogus=1
        postconf: warning: pgsql:/m.cf: unused parameter: bogus=1
        postconf: warning: main.cf: missing '}' in "{ldap:/x.cf"
        postconf: warning: open "ldap" configuration "/x.cf": No such file or directory
        postconf: warning: /etc/postfix/main.cf: unused parameter: zz_user=ldap:/u.cf

        """)
    #expect(outcome.exitStatus == 0)
  }

  /// Without a reader nothing is read or said; the files are listed.
  @Test func configurationListsTheFilesWithoutReadingThem() {
    let configuration = PostfixConfiguration(
      mainCF: MainCF(bytes: Self.bytes("alias_maps = mysql:/m.cf proxy:ldap:/l.cf mysql:/m.cf\n")),
      masterCF: MasterCF(bytes: Self.bytes("smtp inet n - y - - smtpd\n")),
      catalog: .embedded, host: PostconfInternalsTests.host)
    #expect(
      configuration.databaseClientFiles == [
        DatabaseClientFile(type: "mysql", path: Self.bytes("/m.cf")),
        DatabaseClientFile(type: "ldap", path: Self.bytes("/l.cf")),
      ])
    #expect(configuration.warnings.isEmpty)
  }

  /// Host-dependent defaults see main.cf's settings only: a name left at its
  /// default expands to nothing there.
  @Test func earlyValuesExpandWithExplicitSettingsOnly() {
    func run(_ main: String, _ names: [String]) -> (String, String, Int32) {
      var options = PostconfOptions()
      options.mode = [.mainParameters, .hideName]
      options.operands = names.map { Array($0.utf8) }
      let outcome = Postconf.run(
        options: options, inputs: PostconfInternalsTests.inputs(mainCF: Self.bytes(main)))
      return (
        String(decoding: outcome.stdout, as: UTF8.self),
        String(decoding: outcome.stderr, as: UTF8.self),
        outcome.exitStatus
      )
    }
    #expect(
      run("inet_protocols = $(lmtp_tls_fingerprint_digest),ipv4\n", ["mynetworks"]).0
        == "127.0.0.0/8\n")
    let failed = run(
      "mynetworks_style = ${maillog_file_rotate_suffix},1\nmaillog_file_rotate_suffix = ${scalemail-backend_foo}\n",
      ["mynetworks"])
    #expect(failed.2 == 1)
    #expect(failed.1.hasSuffix("postconf: fatal: dictionary mail_dict: macro processing error\n"))
    #expect(run("myhostname = a.$zz\nzz = $mail_name\n", ["mydomain"]).0 == "\n")
    // Computed once at start-up, before read-only settings are dropped.
    #expect(
      run("process_name = ipv4\ninet_protocols = $process_name\n", ["mynetworks"]).0
        == "127.0.0.0/8\n")
  }
}
