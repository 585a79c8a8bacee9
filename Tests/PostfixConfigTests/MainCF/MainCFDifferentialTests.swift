import Foundation
import Testing

@testable import PostfixConfig

/// Seeded random main.cf files and edits, compared with the real postconf.
@Suite(.serialized) struct MainCFDifferentialTests {
  static let knownNames = [
    "relayhost", "mydomain", "myorigin", "smtpd_banner", "relay_domains", "mydestination",
    "alias_maps", "home_mailbox",
  ]
  static let unknownNames = ["zz_a", "zz_b", "zz-c", "zz.d"]

  struct Generator {
    var random: SeededGenerator
    /// Whether to allow rare hostile bytes (NUL, \v, \f) and malformed lines.
    var hostile: Bool

    mutating func chance(_ percent: Int) -> Bool {
      Int.random(in: 0..<100, using: &random) < percent
    }

    mutating func pick<T>(_ items: [T]) -> T {
      items[Int.random(in: 0..<items.count, using: &random)]
    }

    mutating func word() -> String {
      let letters = Array("abcdefghijklmnopqrstuvwxyz0123456789.-_/:[]")
      return String((0..<Int.random(in: 1...8, using: &random)).map { _ in pick(letters) })
    }

    mutating func value() -> String {
      var parts: [String] = []
      for _ in 0..<Int.random(in: 0...3, using: &random) {
        parts.append(word())
        parts.append(pick([" ", "  ", "\t", " # ", ","]))
      }
      return parts.joined()
    }

    mutating func name() -> String {
      chance(75)
        ? pick(MainCFDifferentialTests.knownNames) : pick(MainCFDifferentialTests.unknownNames)
    }

    mutating func file() -> [UInt8] {
      var out: [UInt8] = []
      let crlf = chance(20)
      func end(_ out: inout [UInt8], _ gen: inout Generator) {
        if crlf || gen.chance(5) { out.append(0x0D) }
        out.append(0x0A)
      }
      if chance(10) {
        out += Array(pick(["  orphan text\n", "\tindented = 1\n"]).utf8)
      }
      for _ in 0..<Int.random(in: 0...12, using: &random) {
        switch Int.random(in: 0..<100, using: &random) {
        case 0..<12:
          out += Array(
            pick(["# comment", "  # indented comment", "#relayhost = x", "", "   "]).utf8)
          end(&out, &self)
        case 12..<30:
          out += Array((pick(["  ", "\t", " "]) + word() + pick(["", " ", "\t"])).utf8)
          end(&out, &self)
        default:
          let spacing = pick([" = ", "=", " =", "= ", "\t=\t", " =   "])
          out += Array((name() + spacing + value()).utf8)
          end(&out, &self)
        }
        if hostile && chance(3) {
          out += pick([[0], [0x0B], [0x0C], Array("garbage line\n".utf8), Array("= x\n".utf8)])
        }
      }
      if !out.isEmpty && chance(15) {
        out.removeLast()
        if out.last == 0x0D && chance(50) { out.removeLast() }
      }
      return out
    }

    mutating func editArguments(_ mode: MainCFEdit.Mode) -> [String] {
      var names: [String] = []
      var arguments: [String] = []
      for _ in 0..<Int.random(in: 1...4, using: &random) {
        var candidate = name()
        if mode != .set {
          // postconf 3.7.11 crashes on a repeated name with -X/-#.
          if names.contains(candidate) { continue }
        } else if chance(10), let earlier = names.last {
          candidate = earlier
        }
        names.append(candidate)
        if mode == .set {
          arguments.append(pick(["", " "]) + candidate + pick(["=", " = ", "= "]) + value())
        } else {
          arguments.append(candidate + pick(["", " "]))
        }
      }
      if mode == .set && chance(5) { arguments.append(pick(["novalue", "#x=1", "=x", "a b=c"])) }
      if mode == .set && chance(3) {
        // Many new names exercise the append order.
        for number in 0..<Int.random(in: 5...40, using: &random) {
          arguments.append("zz\(number)=\(number)")
        }
      }
      return arguments
    }
  }

  final class Scratch {
    let directory: String
    init() throws {
      directory = NSTemporaryDirectory() + "pfharden-maincf-diff-\(UUID().uuidString)"
      try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
      // An empty master.cf keeps postconf from warning that it is missing.
      try Data().write(to: URL(fileURLWithPath: directory + "/master.cf"))
    }
    deinit { try? FileManager.default.removeItem(atPath: directory) }
    var mainCF: String { directory + "/main.cf" }
    func write(_ bytes: [UInt8]) throws {
      try Data(bytes).write(to: URL(fileURLWithPath: mainCF))
      // An old mtime keeps postconf from re-reading a "hot" file.
      let old = Date(timeIntervalSince1970: 1_577_836_800)
      try FileManager.default.setAttributes([.modificationDate: old], ofItemAtPath: mainCF)
    }
    func read() throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: mainCF))) }
  }

  static func stderrLines(_ bytes: [UInt8]) -> [String] {
    // Diagnostics start with argv[0]; report them as `postconf: ...`.
    MainCFFixtures.lines(bytes).map(MainCFFixtures.text).map { line in
      let prefix = RealPostfix.postconfPath + ": "
      return line.hasPrefix(prefix) ? "postconf: " + line.dropFirst(prefix.count) : line
    }
  }

  static let environment: [String: String] = [
    "NORANDOMIZE": "1", "PATH": "/usr/sbin:/usr/bin:/bin",
  ]

  @Test(.enabled(if: RealPostfix.shouldRun, RealPostfix.skipComment))
  func readingMatchesPostconf() throws {
    try RealPostfix.requirePostconf()
    let scratch = try Scratch()
    let path = scratch.mainCF
    var generator = Generator(random: SeededGenerator(seed: 0xD1FF_0001), hostile: true)
    for round in 0..<200 {
      let bytes = generator.file()
      try scratch.write(bytes)
      let run = try RealPostfix.run(
        RealPostfix.postconfPath, ["-c", scratch.directory, "-n"], environment: Self.environment)
      let document = parseRoundTripping(bytes)
      let context = "round \(round): \(MainCFFixtures.text(bytes).debugDescription)"
      var reading: [String] = []
      var unused: Set<String> = []
      for line in Self.stderrLines(run.stderr) {
        if let range = line.range(of: "main.cf: unused parameter: ") {
          unused.insert(String(line[range.upperBound...]))
        } else if line.hasPrefix("postconf: warning: ") {
          reading.append(String(line.dropFirst("postconf: warning: ".count)))
        } else if line.hasPrefix("postconf: fatal: ") {
          reading.append(String(line.dropFirst("postconf: fatal: ".count)))
        } else {
          Issue.record("unexpected stderr line \(line.debugDescription); \(context)")
        }
      }
      let diagnostics = document.diagnostics(path: path)
      #expect(diagnostics.map(\.message) == reading, "\(context)")
      #expect((run.status == 1) == (diagnostics.last?.severity == .fatal), "\(context)")
      if run.status != 0 { continue }
      var ourUnused: Set<String> = []
      for entry in document.effectiveEntries where Self.unknownNames.contains(entry.name) {
        ourUnused.insert("\(entry.name)=\(Printable.sanitize(entry.value))")
      }
      #expect(ourUnused == unused, "\(context)")
      for line in MainCFFixtures.lines(run.stdout) {
        let text = MainCFFixtures.text(line)
        guard let separator = text.range(of: " =") else { continue }
        let name = String(text[..<separator.lowerBound])
        if name == "config_directory" { continue }
        let shown = text[separator.upperBound...].drop { $0 == " " }
        let ours = document.value(of: name).map(MainCFLexVectorTests.normalised)
        #expect(ours.map(MainCFFixtures.text) == String(shown), "\(name) \(context)")
      }
    }
  }

  @Test(.enabled(if: RealPostfix.shouldRun, RealPostfix.skipComment))
  func editsMatchPostconf() throws {
    try RealPostfix.requirePostconf()
    let scratch = try Scratch()
    let path = scratch.mainCF
    var generator = Generator(random: SeededGenerator(seed: 0xD1FF_0002), hostile: true)
    for round in 0..<300 {
      let bytes = generator.file()
      let mode = generator.pick([MainCFEdit.Mode.set, .set, .remove, .commentOut])
      let arguments = generator.editArguments(mode)
      try scratch.write(bytes)
      let option = mode == .set ? "-e" : mode == .remove ? "-X" : "-#"
      let run = try RealPostfix.run(
        RealPostfix.postconfPath, ["-c", scratch.directory, option] + arguments,
        environment: Self.environment)
      let after = try scratch.read()
      let context =
        "round \(round): \(option) \(arguments) on \(MainCFFixtures.text(bytes).debugDescription)"
      var ours: [String] = []
      var ourBytes = bytes
      do {
        let edit = try MainCFEdit.parse(mode: mode, arguments: arguments.map { Array($0.utf8) })
        ours += edit.warnings.map { "postconf: warning: \($0.message)" }
        let result = parseRoundTripping(bytes).applying(edit, path: path)
        ours += result.warnings.map { "postconf: warning: \($0.message)" }
        ourBytes = result.document.serialized()
        #expect(run.status == 0, "\(context)")
      } catch let error as PostfixConfigError {
        ours.append("postconf: fatal: \(error.reason)")
        #expect(run.status == 1, "\(context)")
      }
      #expect(ours == Self.stderrLines(run.stderr), "\(context)")
      #expect(
        ourBytes == after,
        "\(context)\nours:     \(MainCFFixtures.text(ourBytes).debugDescription)\npostconf: \(MainCFFixtures.text(after).debugDescription)"
      )
    }
  }

  @Test(.enabled(if: RealPostfix.shouldRun, RealPostfix.skipComment))
  func appendOrderOfManyNamesMatchesPostconf() throws {
    try RealPostfix.requirePostconf()
    let scratch = try Scratch()
    var random = SeededGenerator(seed: 0xD1FF_0003)
    for round in 0..<12 {
      let count = Int.random(in: 2...120, using: &random)
      // Repeats exercise delete-and-reinsert; growth never happens because
      // postconf sizes the table by the argument count.
      let arguments = (0..<count).map { _ in
        "p\(Int.random(in: 0..<(count * 3 / 4 + 1), using: &random))=\(round)"
      }
      try scratch.write(Array("x = 1\n".utf8))
      let run = try RealPostfix.run(
        RealPostfix.postconfPath, ["-c", scratch.directory, "-e"] + arguments,
        environment: Self.environment)
      #expect(run.status == 0)
      let edit = try MainCFEdit.parse(mode: .set, arguments: arguments.map { Array($0.utf8) })
      let ours = MainCF(bytes: Array("x = 1\n".utf8)).applying(edit, path: scratch.mainCF)
      #expect(ours.document.serialized() == (try scratch.read()), "round \(round): \(arguments)")
      #expect(
        edit.warnings.map { "postconf: warning: \($0.message)" } == Self.stderrLines(run.stderr))
    }
  }
}
