import Foundation
import Testing

@testable import PostfixConfig

/// Real `postconf -c CASE -xh smtpd_banner` over many main.cf files at once.
enum BannerBatch {
  /// One case's result.
  struct Result {
    var run: RealPostfix.Run
    /// The case's configuration directory (it appears in postconf's messages).
    var directory: String
  }

  /// Writes each main.cf (with a one-line master.cf) into a case directory
  /// under `directory` and runs postconf on all of them from one shell, in
  /// parallel: postconf sleeps a second before each fatal exit, and starting
  /// a process from the test is slow.
  /// - Parameters:
  ///   - mainCFs: The main.cf texts.
  ///   - directory: A scratch directory.
  ///   - command: How postconf is invoked (its argv[0] prefixes every message).
  /// - Returns: The results, in the order of `mainCFs`.
  /// - Throws: When a case cannot be written or the shell cannot start.
  static func run(
    _ mainCFs: [String], in directory: URL, command: String = RealPostfix.postconfPath
  ) throws -> [Result] {
    for (index, text) in mainCFs.enumerated() {
      let caseDirectory = directory.appendingPathComponent("case-\(index)")
      try FileManager.default.createDirectory(at: caseDirectory, withIntermediateDirectories: true)
      try Data(text.utf8).write(to: caseDirectory.appendingPathComponent("main.cf"))
      try Data("smtp      inet  n       -       y       -       -       smtpd\n".utf8)
        .write(to: caseDirectory.appendingPathComponent("master.cf"))
    }
    let script = """
      cd "$1" || exit 2
      ls -d case-* | xargs -P 32 -I CASE sh -c '
        touch -d 2020-01-01 CASE/main.cf CASE/master.cf
        NORANDOMIZE=1 \(command) -c "$PWD/CASE" -xh smtpd_banner >CASE/out 2>CASE/err
        echo $? >CASE/rc'
      """
    let batch = try RealPostfix.run("/bin/bash", ["-c", script, "bash", directory.path])
    #expect(batch.status == 0)
    return mainCFs.indices.map { index in
      let caseDirectory = directory.appendingPathComponent("case-\(index)")
      let read = { (name: String) in
        Array((try? Data(contentsOf: caseDirectory.appendingPathComponent(name))) ?? Data())
      }
      let status =
        Int32(
          String(decoding: read("rc"), as: UTF8.self).trimmingCharacters(
            in: .whitespacesAndNewlines)) ?? -1
      return Result(
        run: RealPostfix.Run(stdout: read("out"), stderr: read("err"), status: status),
        directory: caseDirectory.path)
    }
  }
}

/// A deliberately tiny main.cf reader for the expansion tests.
///
/// It knows `name = value` lines, indented continuation lines, and skips
/// comment and blank lines. The
/// real lossless parser lives elsewhere; this only feeds the expander.
struct TinyMainCf {
  var entries: [(name: String, value: [UInt8])] = []

  init(_ bytes: [UInt8]) {
    var lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
    if lines.last?.isEmpty == true { lines.removeLast() }
    var current: (name: String, value: [UInt8])?
    func flush() {
      guard let entry = current else { return }
      entries.removeAll { $0.name == entry.name }
      entries.append((entry.name, TinyMainCf.trim(entry.value)))
      current = nil
    }
    for line in lines {
      let firstNonBlank = line.first { $0 != 0x20 && $0 != 0x09 }
      if firstNonBlank == nil || firstNonBlank == UInt8(ascii: "#") { continue }
      if line.first == 0x20 || line.first == 0x09 {
        current?.value.append(contentsOf: line)
        continue
      }
      flush()
      guard let equals = line.firstIndex(of: UInt8(ascii: "=")) else { continue }
      let name = String(decoding: TinyMainCf.trim(Array(line[..<equals])), as: UTF8.self)
      current = (name, Array(line[(equals + 1)...]))
    }
    flush()
  }

  static func trim(_ bytes: [UInt8]) -> [UInt8] {
    let blank: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D || $0 == 0x0A }
    guard let first = bytes.firstIndex(where: { !blank($0) }),
      let last = bytes.lastIndex(where: { !blank($0) })
    else { return [] }
    return Array(bytes[first...last])
  }

  subscript(name: String) -> [UInt8]? {
    entries.first { $0.name == name }?.value
  }

  mutating func set(_ name: String, _ value: [UInt8]) {
    if let index = entries.firstIndex(where: { $0.name == name }) {
      entries[index].value = value
    } else {
      entries.append((name, value))
    }
  }
}

/// The few built-in parameters the vectors touch, with their Postfix 3.7.11
/// defaults on the machine that recorded them (`postconf -d -h NAME`).
enum TinyDefaults {
  static let values: [String: String] = [
    "compatibility_level": "0",
    "config_directory": "/etc/postfix",
    "forward_path": "$home/.forward${recipient_delimiter}${extension}, $home/.forward",
    "luser_relay": "",
    "mail_name": "Postfix",
    "mailbox_command": "",
    "mydomain": "localdomain",
    "myhostname": "vm.localdomain",
    "relayhost": "",
    "smtpd_banner": "$myhostname ESMTP $mail_name (Debian/GNU)",
    "smtpd_client_restrictions": "",
    "smtpd_reject_footer": "",
  ]
}

/// Replays the parts of a `postconf` command line that expansion decides.
///
/// That is the start-up scan and expansion, `-x`, `-h`, `-n`, `-o`, `-d`, and
/// `echo`/`printf`/`touch` between runs. Parameters are visited in file order
/// (Postfix uses hash order; the vectors used here do not depend on it).
struct MiniPostconf {
  var mainCf: TinyMainCf
  var known: Set<String> = Set(TinyDefaults.values.keys)
  var defaults: [String: [UInt8]] = TinyDefaults.values.mapValues { Array($0.utf8) }
  var stdout: [UInt8] = []
  var stderr: [UInt8] = []
  var lastStatus: Int32 = 0

  init(mainCf: [UInt8]) {
    self.mainCf = TinyMainCf(mainCf)
  }

  /// Runs a vector's `command.txt` (segments joined by `; `).
  mutating func runScript(_ script: String) {
    for segment in MiniPostconf.split(script.trimmingCharacters(in: .newlines), by: "; ") {
      let words = MiniPostconf.shellWords(segment)
      guard let command = words.first else { continue }
      switch command {
      case "echo":
        let text = words.dropFirst().joined(separator: " ")
          .replacingOccurrences(of: "$?", with: String(lastStatus))
        stdout += Array((text + "\n").utf8)
      case "printf":
        let text = words[1].replacingOccurrences(of: "\\n", with: "\n")
        mainCf = TinyMainCf(Array(text.utf8))
      case "touch":
        break
      case "postconf":
        lastStatus = postconf(Array(words.dropFirst()))
      default:
        Issue.record("unsupported command in script: \(segment)")
      }
    }
  }

  private func value(_ name: String, config: TinyMainCf, defaultsOnly: Bool) -> [UInt8]? {
    if !defaultsOnly, let value = config[name] { return value }
    return defaults[name]
  }

  /// One `postconf` run; returns its exit status.
  mutating func postconf(_ arguments: [String]) -> Int32 {
    var expand = false
    var bare = false
    var nonDefault = false
    var defaultsOnly = false
    var master = false
    var names: [String] = []
    var config = mainCf
    var index = 0
    while index < arguments.count {
      let argument = arguments[index]
      if argument == "-c" {
        index += 2
        continue
      }
      if argument == "-o" {
        let setting = arguments[index + 1]
        if let equals = setting.firstIndex(of: "=") {
          config.set(
            String(setting[..<equals]), Array(setting[setting.index(after: equals)...].utf8))
        }
        index += 2
        continue
      }
      if argument.hasPrefix("-") {
        for flag in argument.dropFirst() {
          switch flag {
          case "x": expand = true
          case "h": bare = true
          case "n": nonDefault = true
          case "d": defaultsOnly = true
          case "M": master = true
          default: Issue.record("unsupported flag -\(flag)")
          }
        }
      } else {
        names.append(argument)
      }
      index += 1
    }

    var errors: [UInt8] = []
    func warn(_ text: String) { errors += Array("postconf: warning: \(text)\n".utf8) }
    func fatal(_ failure: (warnings: [String], fatal: String)) -> Int32 {
      for warning in failure.warnings { warn(warning) }
      errors += Array("postconf: fatal: \(failure.fatal)\n".utf8)
      stderr += errors
      return 1
    }
    let isDefined: (String) -> Bool = { config[$0] != nil || self.known.contains($0) }
    let lookupConfig = config
    let knownDefaults = defaults
    let expander = ParameterExpander(lookup: { name in
      if !defaultsOnly, let value = lookupConfig[name] { return value }
      return knownDefaults[name]
    })

    var referenced = Set<String>()
    if !defaultsOnly {
      for (name, value) in config.entries {
        let check = expander.startUpCheck(
          name: name, value: value, isKnown: known.contains(name), isDefined: isDefined)
        for event in check.scan?.events ?? [] {
          switch event {
          case .reference(let referencedName, let defined):
            referenced.insert(referencedName)
            if !defined { warn("$CONFDIR/main.cf: undefined parameter: \(referencedName)") }
          case .warning(let text):
            warn(text)
          }
        }
        if case .failure(let warnings, let message) = check.failure {
          return fatal((warnings, message))
        }
      }
    }

    var output: [UInt8] = []
    if master {
      Issue.record("-M output is not modelled")
    } else if nonDefault {
      output += Array("config_directory = $CONFDIR\n".utf8)
      let listed = config.entries.filter { known.contains($0.name) || referenced.contains($0.name) }
      for entry in listed.sorted(by: { $0.name < $1.name }) {
        output += MiniPostconf.line(entry.name, entry.value, bare: bare)
      }
    } else {
      for name in names {
        guard let raw = value(name, config: config, defaultsOnly: defaultsOnly) else {
          warn("\(name): unknown parameter")
          continue
        }
        var shown = raw
        if expand && !ParameterExpander.rawParameterNames.contains(name) {
          switch expander.expand(raw) {
          case .success(let bytes): shown = bytes
          case .failure(let warnings, let message): return fatal((warnings, message))
          }
        }
        output += MiniPostconf.line(name, shown, bare: bare)
      }
    }
    stdout += output
    stderr += errors
    if !defaultsOnly {
      for entry in config.entries
      where !known.contains(entry.name) && !referenced.contains(entry.name) {
        let text = Printable.sanitize(Array("\(entry.name)=".utf8) + entry.value)
        stderr += Array("postconf: warning: $CONFDIR/main.cf: unused parameter: \(text)\n".utf8)
      }
    }
    return 0
  }

  /// `pcf_print_line` without folding: blank runs become one space.
  static func line(_ name: String, _ value: [UInt8], bare: Bool) -> [UInt8] {
    let normalised = normalise(value)
    if bare { return normalised + [0x0A] }
    if normalised.isEmpty { return Array("\(name) =\n".utf8) }
    return Array("\(name) = ".utf8) + normalised + [0x0A]
  }

  static func normalise(_ value: [UInt8]) -> [UInt8] {
    let blank: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D || $0 == 0x0A }
    return Array(
      value.split(whereSeparator: blank).map(Array.init).joined(separator: [0x20]))
  }

  static func split(_ text: String, by separator: String) -> [String] {
    // Split on separators outside single quotes.
    var parts: [String] = []
    var current = ""
    var quoted = false
    var index = text.startIndex
    while index < text.endIndex {
      if text[index] == "'" { quoted.toggle() }
      if !quoted, text[index...].hasPrefix(separator) {
        parts.append(current)
        current = ""
        index = text.index(index, offsetBy: separator.count)
        continue
      }
      current.append(text[index])
      index = text.index(after: index)
    }
    parts.append(current)
    return parts
  }

  static func shellWords(_ text: String) -> [String] {
    var words: [String] = []
    var current = ""
    var inWord = false
    var quoted = false
    for character in text {
      if character == "'" {
        quoted.toggle()
        inWord = true
      } else if character == " " && !quoted {
        if inWord { words.append(current) }
        current = ""
        inWord = false
      } else if character == ">" && !quoted {
        // "printf '...' > main.cf": the redirection target is implied.
        if inWord { words.append(current) }
        current = ""
        inWord = false
        break
      } else {
        current.append(character)
        inWord = true
      }
    }
    if inWord { words.append(current) }
    return words
  }
}

/// Where the expansion fixtures live.
enum ExpansionFixtures {
  static let directory = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Fixtures/expansion")

  static func bytes(_ path: String) throws -> [UInt8] {
    Array(try Data(contentsOf: directory.appendingPathComponent(path)))
  }

  static func vectorNames() throws -> [String] {
    try FileManager.default.contentsOfDirectory(
      atPath: directory.appendingPathComponent("vectors").path
    ).sorted()
  }
}
