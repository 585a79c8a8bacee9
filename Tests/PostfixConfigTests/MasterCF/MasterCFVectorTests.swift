import Foundation
import PostfixConfig
import Testing

/// Replays the spec's `m_*` vectors at library level: each vector's command
/// line is interpreted (postconf calls, `echo rc=$?`, `cat`, `cp`, `cat -A`,
/// the `awk` length filter) with postconf replaced by ``MasterCFPostconf``.
struct MasterCFVectorShell {
  var master: [UInt8]
  var saved: [UInt8] = []
  var stdout: [UInt8] = []
  var stderr: [UInt8] = []
  var lastStatus: Int32 = 0
  var postconf: MasterCFPostconf

  /// Splits a command line into `;`-separated commands of shell words
  /// (single quotes only), keeping `|` as its own word.
  static func commands(_ line: String) -> [[String]] {
    var commands: [[String]] = []
    var words: [String] = []
    var word = ""
    var inWord = false
    var quoted = false
    for character in line {
      if quoted {
        if character == "'" { quoted = false } else { word.append(character) }
        continue
      }
      switch character {
      case "'":
        quoted = true
        inWord = true
      case " ", "\t", "\n":
        if inWord { words.append(word) }
        word = ""
        inWord = false
      case ";":
        if inWord { words.append(word) }
        word = ""
        inWord = false
        commands.append(words)
        words = []
      case "|":
        if inWord { words.append(word) }
        word = ""
        inWord = false
        words.append("|")
      default:
        word.append(character)
        inWord = true
      }
    }
    if inWord { words.append(word) }
    if !words.isEmpty { commands.append(words) }
    return commands
  }

  static func catA(_ bytes: [UInt8]) -> [UInt8] {
    var out: [UInt8] = []
    for byte in bytes {
      switch byte {
      case 0x0A: out.append(contentsOf: Array("$\n".utf8))
      case 0x09: out.append(contentsOf: Array("^I".utf8))
      case 0x0D: out.append(contentsOf: Array("^M".utf8))
      default: out.append(byte)
      }
    }
    return out
  }

  static func awkLength(_ bytes: [UInt8]) -> [UInt8] {
    var out: [UInt8] = []
    for line in bytes.split(separator: 0x0A, omittingEmptySubsequences: false).dropLast() {
      out.append(contentsOf: Array("\(line.count): ".utf8))
      out.append(contentsOf: line)
      out.append(0x0A)
    }
    return out
  }

  mutating func execute(_ words: [String]) {
    var words = words
    var filter: String?
    if let bar = words.firstIndex(of: "|") {
      filter = words[(bar + 1)...].joined(separator: " ")
      words = Array(words[..<bar])
    }
    guard let command = words.first else { return }
    var output: [UInt8] = []
    switch command {
    case "echo":
      let text = words.dropFirst().joined(separator: " ").replacingOccurrences(
        of: "$?", with: "\(lastStatus)")
      output = Array((text + "\n").utf8)
    case "cat":
      output = master
    case "cp":
      if words == ["cp", "master.cf", "orig.cf"] { saved = master } else { master = saved }
    case "postconf":
      var arguments = Array(words.dropFirst())
      if arguments.first == "-c" { arguments.removeFirst(2) }
      let run: MasterCFPostconf.Run
      if arguments == ["-n"] {
        // main.cf listing is not this library's: only master.cf's diagnostics.
        let document = MasterCF(bytes: master)
        let reading = document.readingDiagnostics(path: postconf.path)
        let unused = reading.isFatal ? [] : postconf.unusedWarnings(document)
        run = MasterCFPostconf.Run(
          stdout: [], stderr: MasterCFPostconf.render(reading.diagnostics + unused),
          status: reading.isFatal ? 1 : 0, master: master)
      } else {
        run = postconf.run(arguments, master: master)
      }
      output = run.stdout
      stderr.append(contentsOf: run.stderr)
      master = run.master
      lastStatus = run.status
    default:
      Issue.record("unsupported command \(words)")
    }
    if let filter {
      if filter == "cat -A" {
        output = MasterCFVectorShell.catA(output)
      } else if filter.hasPrefix("awk") {
        output = MasterCFVectorShell.awkLength(output)
      } else {
        Issue.record("unsupported filter \(filter)")
      }
    }
    stdout.append(contentsOf: output)
  }
}

struct MasterCFVector {
  var name: String
  var directory: URL { MasterCFPostconf.vectorsDirectory.appendingPathComponent(name) }

  func file(_ name: String) -> [UInt8]? {
    (try? Data(contentsOf: directory.appendingPathComponent(name))).map { Array($0) }
  }

  func text(_ name: String) -> String {
    String(decoding: file(name) ?? [], as: UTF8.self)
  }

  /// Runs the vector's command line; returns the shell state afterwards.
  func replay(master: [UInt8]? = nil) -> MasterCFVectorShell {
    var postconf = MasterCFPostconf()
    let main = file("main.cf") ?? []
    postconf.mainValues = main.split(separator: 0x0A).map { Array($0) }
    var shell = MasterCFVectorShell(master: master ?? file("master.cf") ?? [], postconf: postconf)
    for command in MasterCFVectorShell.commands(text("command.txt")) {
      shell.execute(command)
    }
    return shell
  }
}

@Suite struct MasterCFVectorTests {
  /// Vectors that replay exactly (stdout, stderr, master.cf after).
  static let exact = [
    "m_F_all", "m_F_patterns", "m_Fe", "m_Fe_command", "m_Fe_errors", "m_Ff_Pf", "m_MX",
    "m_M_default", "m_M_hash", "m_M_sample", "m_M_select", "m_Me_add", "m_Me_by_new_name",
    "m_Me_duplicates", "m_Me_errors", "m_Me_implicit", "m_Me_replace", "m_Me_requires_type",
    "m_Mf_boundary", "m_Mf_default", "m_Mf_sample", "m_Mx", "m_PX", "m_P_all", "m_P_select",
    "m_P_submission_encrypt", "m_Pe_add", "m_Pe_replace", "m_Pe_value_slash", "m_Pe_whitespace",
    "m_bad_field_count", "m_crlf", "m_orphan_continuation", "m_trailing_hash",
    "m_unused_o",
  ]

  @Test(arguments: exact)
  func vectorReplays(name: String) throws {
    let vector = MasterCFVector(name: name)
    let shell = vector.replay()
    #expect(
      String(decoding: shell.stdout, as: UTF8.self) == vector.text("expected-output.txt"),
      "stdout of \(name)")
    #expect(
      String(decoding: shell.stderr, as: UTF8.self) == vector.text("expected-stderr.txt"),
      "stderr of \(name)")
    if let after = vector.file("expected-master.cf-after") {
      #expect(
        String(decoding: shell.master, as: UTF8.self) == String(decoding: after, as: UTF8.self),
        "master.cf after \(name)")
    }
  }

  @Test func everyMasterVectorIsCovered() throws {
    let names = try FileManager.default.contentsOfDirectory(
      atPath: MasterCFPostconf.vectorsDirectory.path
    ).filter { $0.hasPrefix("m_") }
    let covered = Set(
      MasterCFVectorTests.exact + [
        "m_fields_invalid", "m_M_hash_then_X_comment_untouched", "m_brace_edge", "m_attached_o_bug",
        "m_attached_o_bug_edit", "m_first_arg_brace_bug", "m_first_arg_brace_bug_edit",
      ])
    #expect(Set(names) == covered)
    #expect(names.count == 42)
  }

  @Test func fieldsInvalid() {
    let vector = MasterCFVector(name: "m_fields_invalid")
    var stderr: [UInt8] = []
    var stdout = ""
    for entry in [
      "x bogus - - - - - cmd", "x unix yes - - - - cmd", "x unix - - - 5s - cmd",
      "x unix - - - - many cmd",
    ] {
      let run = MasterCFPostconf().run(["-M"], master: Array((entry + "\n").utf8))
      stderr += run.stderr
      stdout += "rc=\(run.status)\n"
      #expect(run.stdout.isEmpty)
    }
    #expect(stdout == vector.text("expected-output.txt"))
    #expect(String(decoding: stderr, as: UTF8.self) == vector.text("expected-stderr.txt"))
  }

  @Test func commentedOutEntriesAreNeverMatched() throws {
    let vector = MasterCFVector(name: "m_M_hash_then_X_comment_untouched")
    let stock = try #require(vector.file("master.cf"))
    for option in ["-MX", "-M#"] {
      let run = MasterCFPostconf().run([option, "submission/inet"], master: stock)
      #expect(run.status == 0)
      #expect(run.stderr.isEmpty)
      #expect(run.master == stock)
    }
  }

  @Test func warnMasterOptionUnknown() {
    let vector = MasterCFVector(name: "warn_master_o_unknown")
    let shell = vector.replay()
    #expect(String(decoding: shell.stderr, as: UTF8.self) == vector.text("expected-stderr.txt"))
  }

  // MARK: - Documented deviations: our behaviour, not postconf's.

  /// DEVIATION m_attached_o_bug: postconf splits `-ocontent_filter=` into
  /// `-o c -o ntent_filter=`; we split an attached `-oNAME=VALUE` once.
  @Test func attachedOptionIsSplitOnce() {
    let vector = MasterCFVector(name: "m_attached_o_bug")
    let shell = vector.replay()
    let expected = """
      smtp       inet  n       -       y       -       -       smtpd -o smtpd_tls_security_level=may -o content_filter=
      10025      inet  n       -       n       -       -       smtpd -o receive_override_options=no_unknown_recipient_checks
      smtp/inet/content_filter =
      smtp/inet/smtpd_tls_security_level = may
      10025/inet/receive_override_options = no_unknown_recipient_checks

      """
    #expect(String(decoding: shell.stdout, as: UTF8.self) == expected)
    #expect(shell.stderr.isEmpty)
    #expect(vector.text("expected-output.txt") != expected)
  }

  /// DEVIATION m_attached_o_bug_edit: postconf writes the mangled `-o receive_
  /// -o verride_ ...` back; we write the correctly split option.
  @Test func attachedOptionEditWritesTheRealOption() {
    let vector = MasterCFVector(name: "m_attached_o_bug_edit")
    let shell = vector.replay()
    let expected = """
      smtp inet n - y - - smtpd -osmtpd_tls_security_level=may -ocontent_filter=
      10025      inet  n       -       n       -       -       smtpd
          -o receive_override_options=no_unknown_recipient_checks
          -o smtpd_tls_security_level=none

      """
    #expect(String(decoding: shell.master, as: UTF8.self) == expected)
    #expect(shell.stderr.isEmpty)
  }

  /// DEVIATION m_first_arg_brace_bug: postconf prints `{ a b }` as the first
  /// non-option argument without braces; we keep them.
  @Test func firstArgumentKeepsItsBraces() {
    let vector = MasterCFVector(name: "m_first_arg_brace_bug")
    let shell = vector.replay()
    #expect(
      String(decoding: shell.stdout, as: UTF8.self)
        == "x          unix  -       n       n       -       -       pipe {a b} c {d e}\n")
  }

  /// DEVIATION m_brace_edge (first-argument braces): `{a b}x` and `{a b` are
  /// first arguments, printed `a b` by postconf and `{a b}` by us; the
  /// warnings are postconf's.
  @Test func braceEdgeCases() {
    let vector = MasterCFVector(name: "m_brace_edge")
    let shell = vector.replay()
    let expected = vector.text("expected-output.txt").replacingOccurrences(
      of: "pipe a b\n", with: "pipe {a b}\n")
    #expect(expected != vector.text("expected-output.txt"))
    #expect(String(decoding: shell.stdout, as: UTF8.self) == expected)
    #expect(String(decoding: shell.stderr, as: UTF8.self) == vector.text("expected-stderr.txt"))
  }

  /// DEVIATION m_first_arg_brace_bug_edit: postconf writes `pipe a b c {d e}`
  /// back (three arguments instead of two); we write `pipe {a b} c {d e}`.
  @Test func firstArgumentBracesSurviveAnEdit() throws {
    let vector = MasterCFVector(name: "m_first_arg_brace_bug_edit")
    let shell = vector.replay()
    #expect(
      String(decoding: shell.master, as: UTF8.self)
        == "x          unix  -       n       y       -       -       pipe {a b} c {d e}\n")
    let reparsed = MasterCF(bytes: shell.master)
    let arguments = try #require(reparsed.entries.first?.arguments)
    #expect(
      arguments.dropFirst(8).map { String(decoding: $0, as: UTF8.self) } == ["a b", "c", "d e"])
  }
}
