import Foundation
import Testing

@testable import PostfixConfig

/// Random values built from the grammar's pieces, expanded by real
/// `postconf -xh smtpd_banner` and by ``ParameterExpander``; stdout, warnings
/// and exit status must agree.
@Suite(.serialized) struct ExpansionDifferentialTests {
  static let definedNames = [
    "v_set", "v_empty", "v_ten", "v_nine", "v_lvl", "mail_name", "u1", "u2",
  ]
  static let anyNames = definedNames + ["v_undef", "nosuch", "smtpd_banner", "V_SET"]
  static let words = [
    "a", "hello", "x y", "10", "010", "9", "3.10", "3.9", "abc", "-", ".", "#", "=", "?", ":",
    "\t", "\u{e9}", "[", "]", " ",
  ]
  static let operators = [
    "==", "!=", "<", "<=", ">=", ">", "==level", "<level", ">=level", "!=level",
  ]
  static let brokenPieces = [
    "$", "${}", "${x", "$(v_set}", "${v set}", "${v_set?{a}x}", "${v_set?{a}:{b}x}",
    "${{a}=={a}x}", "${{a} == b}", "${v_set==hello?{a}:{b}}", "${{a} =~ {b}}", "${{a} ==foo {b}}",
    "$(v_set?{a)", "${{3.x} ==level {3}}", "${{99999999999999999999} == {1}}", "}", "{", "${ }",
    "${?x}",
  ]

  /// A value from the grammar.
  ///
  /// `valid` values have no syntax errors and
  /// reference only defined names.
  static func value(_ random: inout SeededGenerator, depth: Int, valid: Bool) -> String {
    var out = ""
    for _ in 0..<(1 + random.below(depth > 1 ? 3 : 5)) {
      out += piece(&random, depth: depth, valid: valid)
    }
    return out
  }

  static func piece(_ random: inout SeededGenerator, depth: Int, valid: Bool) -> String {
    let names = valid ? definedNames : anyNames
    let roll = random.below(depth > 2 ? 5 : 16)
    switch roll {
    case 0, 1, 2: return random.pick(words)
    case 3: return random.pick(["$$", "$$$$", "$$v_set", "a$$b"])
    case 4: return "$" + random.pick(names) + (valid ? " " : "")
    case 5: return "${" + random.pick(names) + "}"
    case 6:
      let name = random.pick(names)
      if valid { return random.pick(["$(\(name))", "${ \(name) }", "$( \(name) )"]) }
      return random.pick(["$(", "${ ", "${"]) + name + random.pick([")", " }", "}"])
    case 7:
      return "${" + random.pick(names) + random.pick(["?", ":", " ? "])
        + unbraced(&random, depth: depth, valid: valid) + "}"
    case 8, 9:
      let t = value(&random, depth: depth + 1, valid: valid)
      let f = value(&random, depth: depth + 1, valid: valid)
      return "${" + random.pick(names) + random.pick(["?{", " ? {", "?{ "]) + t
        + random.pick(["}:{", "} : {", "}:{ "]) + f + "}}"
    case 10:
      return "${" + random.pick(names) + ":{" + value(&random, depth: depth + 1, valid: valid)
        + "}}"
    case 11, 12:
      let a = operand(&random, depth: depth, valid: valid)
      let b = operand(&random, depth: depth, valid: valid)
      let op = random.pick(operators)
      var tail = ""
      switch random.below(4) {
      case 0: tail = ""
      case 1:
        tail =
          "?{" + value(&random, depth: depth + 1, valid: valid) + "}:{"
          + value(&random, depth: depth + 1, valid: valid) + "}"
      case 2: tail = " ? " + unbraced(&random, depth: depth, valid: valid)
      default: tail = ":{" + value(&random, depth: depth + 1, valid: valid) + "}"
      }
      return "${{" + a + "} " + op + " {" + b + "}" + tail + "}"
    case 13:
      return "${" + random.pick(names) + "?{" + "${" + random.pick(names) + "?{in}}" + "}}"
    default:
      return valid ? random.pick(words) : random.pick(brokenPieces)
    }
  }

  static func unbraced(_ random: inout SeededGenerator, depth: Int, valid: Bool) -> String {
    random.pick(["yes", " yes", "a:b", "a?b", "$v_set", "x{y}z", "$$", "${v_set}b"])
  }

  static func operand(_ random: inout SeededGenerator, depth: Int, valid: Bool) -> String {
    if depth < 3, random.chance(25) {
      return value(&random, depth: depth + 1, valid: valid).replacingOccurrences(of: "\t", with: "")
    }
    return random.pick([
      "10", "9", "010", "3.10", "3.9", "2", "abc", "", " a ", "$v_ten ", "${v_lvl}",
    ])
  }

  struct Case {
    var mainCf: String
    var banner: [UInt8]
  }

  static func makeCase(seed: UInt64) -> Case {
    var random = SeededGenerator(seed: seed)
    let u1 = value(&random, depth: 2, valid: true)
    let u2 = random.chance(30) ? "$u1" : value(&random, depth: 2, valid: true)
    let banner = value(&random, depth: 1, valid: false)
    let lines = [
      "v_set = hello", "v_empty =", "v_ten = 10", "v_nine = 9", "v_lvl = 3.10",
      "u1 = \(u1)", "u2 = \(u2)", "smtpd_banner = \(banner)",
    ]
    let text = lines.joined(separator: "\n") + "\n"
    let parsed = TinyMainCf(Array(text.utf8))
    return Case(mainCf: text, banner: parsed["smtpd_banner"] ?? [])
  }

  @Test(.enabled(if: RealPostfix.shouldRun, RealPostfix.skipComment))
  func agreesWithRealPostconf() throws {
    try RealPostfix.requirePostconf()
    let directory = FileManager.default.temporaryDirectory
      .appendingPathComponent("pfharden-expansion-\(getpid())")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }

    let defaults = try RealPostfix.run(
      RealPostfix.postconfPath, ["-d", "-h", "mail_name", "myhostname"])
    let defaultLines = String(decoding: defaults.stdout, as: UTF8.self).split(separator: "\n")
    #expect(defaultLines.count == 2)
    let known: [String: [UInt8]] = [
      "mail_name": Array((defaultLines.first.map(String.init) ?? "Postfix").utf8),
      "myhostname": Array((defaultLines.dropFirst().first.map(String.init) ?? "").utf8),
    ]

    // One shell runs every case: starting a process from the test is slow.
    // PFHARDEN_EXPANSION_CASES and _SEED widen the search by hand.
    let environment = ProcessInfo.processInfo.environment
    let cases = Int(environment["PFHARDEN_EXPANSION_CASES"] ?? "") ?? 300
    let seed = UInt64(environment["PFHARDEN_EXPANSION_SEED"] ?? "") ?? 0
    let items = (1...UInt64(cases)).map { Self.makeCase(seed: ($0 &+ seed) &* 7919) }
    let results = try BannerBatch.run(items.map(\.mainCf), in: directory)

    var mismatches = 0
    var failures = 0
    var crashes = 0
    var compared = 0
    for (item, result) in zip(items, results) {
      let real = Observed(run: result.run, directory: result.directory)
      let mine = Self.simulate(item, known: known)
      if real.status != 0 { failures += 1 }
      // A displayed value with "{" is re-parsed by the printer (brace
      // grouping, section 3), which is not the expander's business.
      if mine.stdout.contains("{") { continue }
      // A loop through a relational operand overflows postconf's stack
      // (SIGSEGV); pfharden stops it with a nesting error instead.
      if real.status == 139 {
        crashes += 1
        #expect(mine.status == 1)
        #expect(mine.stderr.contains { $0.hasPrefix("warning: unreasonable macro call nesting") })
        continue
      }
      compared += 1
      if !mine.matches(real) {
        mismatches += 1
        if mismatches <= 5 {
          Issue.record(
            """
            case \(index) differs
            main.cf:
            \(item.mainCf)
            real: status \(real.status) stdout \(real.stdout.debugDescription)
            \(real.stderr.joined(separator: "\n"))
            mine: status \(mine.status) stdout \(mine.stdout.debugDescription)
            \(mine.stderr.joined(separator: "\n"))
            unordered tail: \(mine.unorderedTail)
            """)
        }
      }
    }
    #expect(mismatches == 0)
    // The grammar must exercise both outcomes.
    #expect(failures > cases / 10)
    #expect(failures < cases * 9 / 10)
    #expect(crashes < cases / 20)
    #expect(compared > cases * 3 / 4)
  }

  /// What one run printed, with `DIR` replaced by `$CONFDIR` and argv[0] removed.
  struct Observed {
    var stdout: String
    var stderr: [String]
    var status: Int32
    /// Lines that may come in any order after `stderr` (unused parameters).
    var unorderedTail: [String] = []

    init(stdout: String, stderr: [String], status: Int32, unorderedTail: [String]) {
      self.stdout = stdout
      self.stderr = stderr
      self.status = status
      self.unorderedTail = unorderedTail
    }

    init(run: RealPostfix.Run, directory: String) {
      stdout = String(decoding: run.stdout, as: UTF8.self)
      stderr = String(decoding: run.stderr, as: UTF8.self)
        .replacingOccurrences(of: directory, with: "$CONFDIR")
        .split(separator: "\n").map {
          $0.hasPrefix(RealPostfix.postconfPath + ": ")
            ? String($0.dropFirst(RealPostfix.postconfPath.count + 2)) : String($0)
        }
      status = run.status
    }

    func matches(_ real: Observed) -> Bool {
      guard stdout == real.stdout, status == real.status,
        real.stderr.count == stderr.count + unorderedTail.count,
        Array(real.stderr.prefix(stderr.count)) == stderr
      else { return false }
      return real.stderr.dropFirst(stderr.count).sorted() == unorderedTail.sorted()
    }
  }

  /// What `postconf -xh smtpd_banner` prints, computed with the library.
  static func simulate(_ item: Case, known: [String: [UInt8]]) -> Observed {
    let config = TinyMainCf(Array(item.mainCf.utf8))
    let isDefined: (String) -> Bool = {
      config[$0] != nil || known[$0] != nil || $0 == "smtpd_banner"
    }
    let expander = ParameterExpander(lookup: { config[$0] ?? known[$0] })
    var stderr: [String] = []
    var referenced = Set<String>()
    for (name, value) in config.entries {
      let scan = ParameterExpander.scan(value, isDefined: isDefined)
      referenced.formUnion(scan.referencedNames)
      guard name == "smtpd_banner" else { continue }
      for event in scan.events {
        switch event {
        case .reference(let referencedName, let defined):
          if !defined {
            stderr.append("warning: $CONFDIR/main.cf: undefined parameter: \(referencedName)")
          }
        case .warning(let text):
          stderr.append("warning: \(text)")
        }
      }
    }
    switch expander.expand(item.banner) {
    case .failure(let warnings, let fatal):
      stderr += warnings.map { "warning: \($0)" }
      stderr.append("fatal: \(fatal)")
      return Observed(stdout: "", stderr: stderr, status: 1, unorderedTail: [])
    case .success(let bytes):
      let unused = config.entries.filter {
        $0.name != "smtpd_banner" && !referenced.contains($0.name)
      }.map {
        "warning: $CONFDIR/main.cf: unused parameter: "
          + Printable.sanitize(Array("\($0.name)=".utf8) + $0.value)
      }
      let line = String(decoding: MiniPostconf.normalise(bytes), as: UTF8.self) + "\n"
      return Observed(stdout: line, stderr: stderr, status: 0, unorderedTail: unused)
    }
  }
}
