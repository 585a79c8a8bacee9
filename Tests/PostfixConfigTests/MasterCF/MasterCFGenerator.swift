/// The seeded generator of the master.cf tests (SplitMix64), so failures
/// reproduce from the seed.
typealias MasterCFRandom = SeededGenerator

extension SeededGenerator {
  /// A number in `0..<bound` (0 when `bound` is 0).
  mutating func int(_ bound: Int) -> Int { Int(next() % UInt64(max(bound, 1))) }
}

/// Random master.cf files and postconf command lines for the differential test.
///
/// It avoids the inputs that hit postconf's documented bugs (a later
/// `o` in an attached `-o` value, blanks in the first non-option argument)
/// and undefined behaviour (a lone `-` argument).
struct MasterCFGenerator {
  var random: MasterCFRandom
  var services: [(String, String)] = []

  static let names = [
    "smtp", "submission", "relay", "pickup", "127.0.0.1:10025", "[::1]:2525", "custom", "a",
  ]
  static let types = ["inet", "unix", "unix", "fifo", "pass", "unix-dgram"]
  static let commands = ["smtpd", "smtp", "pipe", "local", "/usr/lib/x/cleanup", "qmgr"]
  static let parameters = [
    "syslog_name", "smtpd_tls_security_level", "content_filter", "smtpd_sasl_auth_enable",
    "smtpd_client_restrictions", "zz_unknown", "milter_macro_daemon_name",
  ]
  static let values = ["postfix/x", "may", "encrypt", "yes", "", "permit_mynetworks,reject"]
  /// Attached `-oNAME=VALUE` forms without a later letter `o`.
  static let attached = [
    "-osmtpd_tls_security_level=may", "-osmtpd_sasl_auth_enable=yes", "-vosmtpd_tls_auth_=1",
    "-oz=",
  ]

  init(seed: UInt64) { random = MasterCFRandom(seed: seed) }

  mutating func blank() -> String { random.pick([" ", " ", "  ", "\t", " \t "]) }

  mutating func field(_ index: Int, valid: Bool) -> String {
    switch index {
    case 2, 3, 4: return valid ? random.pick(["y", "n", "-"]) : random.pick(["yes", "x"])
    case 5: return valid ? random.pick(["-", "60", "1000?", "0"]) : random.pick(["5s", "x?"])
    default: return valid ? random.pick(["-", "0", "1", "100"]) : random.pick(["many", "1k"])
    }
  }

  mutating func option() -> [String] {
    let name = random.pick(MasterCFGenerator.parameters)
    let value = random.pick(MasterCFGenerator.values)
    switch random.int(7) {
    case 0: return ["-v"]
    case 1: return [random.pick(MasterCFGenerator.attached)]
    case 2: return ["-o", "{", "\(name)", "=", "a b", "}"]
    case 3: return ["-vo", "\(name)=\(value)"]
    default: return ["-o", "\(name)=\(value)"]
    }
  }

  mutating func argument() -> String {
    random.pick([
      "flags=R", "user=nobody", "argv=/bin/echo", "${nexthop}", "{ a  b }", "x{a b}y", "--",
      "-o", "#x", "-v",
    ])
  }

  /// One entry's words (service first), possibly invalid.
  mutating func entryWords(valid: Bool = true) -> [String] {
    let name = random.pick(MasterCFGenerator.names)
    let type = valid ? random.pick(MasterCFGenerator.types) : random.pick(["bogus", "unix"])
    var words = [name, type]
    let invalidField = valid ? -1 : random.int(5) + 2
    for index in 2...6 { words.append(field(index, valid: index != invalidField)) }
    words.append(random.pick(MasterCFGenerator.commands))
    for _ in 0..<random.int(4) { words += option() }
    if random.chance(60) {
      words.append(random.pick(["flags=R", "user=nobody", "argv=/bin/true", "{x}"]))
      for _ in 0..<random.int(4) { words.append(argument()) }
      if random.chance(5) { words.append(random.pick(["{a b}x", "{a b"])) }
    }
    if !valid && random.chance(50) { words = Array(words.prefix(random.int(7) + 1)) }
    services.append((name, type))
    return words
  }

  /// A random master.cf.
  mutating func file() -> [UInt8] {
    var text = ""
    let eol = random.chance(15) ? "\r\n" : "\n"
    if random.chance(5) { text += "  -o orphan=1\(eol)" }
    for _ in 0..<(random.int(8) + 1) {
      switch random.int(10) {
      case 0:
        text +=
          random.pick([
            "# comment", "#smtp inet n - y - - smtpd", "", "   ", "# nul \0 inside",
            random.chance(10) ? "a=b unix - - n - - smtp" : "# c",
            random.chance(10) ? "a unix/x - - n - - smtp" : "#",
          ]) + eol
      default:
        let words = entryWords(valid: !random.chance(4))
        var line = ""
        for (index, word) in words.enumerated() {
          if index > 0 {
            if index >= 8 && random.chance(20) {
              line += eol
              if random.chance(30) { line += random.pick(["  # inside", "#x", ""]) + eol }
              line += random.pick(["  ", "\t", "    "])
            } else {
              line += blank()
            }
          }
          line += word
        }
        text += line + eol
      }
    }
    if random.chance(10) { text.removeLast(eol.count) }
    return Array(text.utf8)
  }

  mutating func servicePattern(components: Int) -> String {
    let (name, type) =
      services.isEmpty || random.chance(15)
      ? (random.pick(["nosuch", "*"]), random.pick(["unix", "*"])) : random.pick(services)
    var parts = [random.chance(15) ? "*" : name, random.chance(15) ? "*" : type]
    parts = Array(parts.prefix(components))
    return parts.joined(separator: "/")
  }

  /// A random postconf argument list (without `-c DIR`).
  mutating func command() -> [String] {
    switch random.int(12) {
    case 0:
      return [random.pick(["-M", "-Mf"])]
        + (0..<random.int(3)).map { _ in displayPattern(components: random.int(2) + 1) }
    case 1:
      var patterns: [String] = []
      for _ in 0..<random.int(3) {
        var pattern = displayPattern(components: random.int(2) + 1)
        if pattern.contains("/") && random.chance(50) {
          pattern += "/" + random.pick(["chroot", "command", "*", "service", "wakeup"])
        }
        patterns.append(pattern)
      }
      return [random.pick(["-F", "-Ff", "-Fh", "-FH"])] + patterns
    case 2:
      var patterns: [String] = []
      for _ in 0..<random.int(3) {
        var pattern = displayPattern(components: random.int(2) + 1)
        if pattern.contains("/") && random.chance(50) {
          pattern += "/" + random.pick(MasterCFGenerator.parameters + ["*"])
        }
        patterns.append(pattern)
      }
      return [random.pick(["-P", "-Pf", "-Ph", "-PH"])] + patterns
    case 3, 4:
      return ["-Me"]
        + requests {
          let words = $0.entryWords(valid: !$0.random.chance(10))
          return $0.servicePattern(components: 2) + "=" + words.joined(separator: " ")
        }
    case 5:
      return [random.pick(["-MX", "-M#"])] + requests { $0.servicePattern(components: 2) }
    case 6, 7:
      return ["-Fe"] + requests { $0.fieldRequest() }
    case 8, 9:
      return ["-Pe"]
        + requests {
          let name = $0.random.pick(MasterCFGenerator.parameters)
          let value = $0.random.pick(["may", "x/y", "", "encrypt"])
          return $0.servicePattern(components: 2) + "/" + name + "=" + value
        }
    default:
      return ["-PX"]
        + requests {
          $0.servicePattern(components: 2) + "/" + $0.random.pick(MasterCFGenerator.parameters)
        }
    }
  }

  /// One to three edit requests.
  mutating func requests(_ make: (inout MasterCFGenerator) -> String) -> [String] {
    var result: [String] = []
    for _ in 0..<(random.chance(70) ? 1 : random.int(3) + 1) { result.append(make(&self)) }
    return result
  }

  /// A display pattern, sometimes with empty components (`a//b`, `a/`).
  mutating func displayPattern(components: Int) -> String {
    let pattern = servicePattern(components: components)
    if random.chance(5) { return pattern.replacingOccurrences(of: "/", with: "//") }
    if random.chance(5) { return pattern + "/" }
    return pattern
  }

  mutating func fieldRequest() -> String {
    let field = random.int(8)
    let value: String
    switch field {
    case 0: value = random.pick(MasterCFGenerator.names)
    case 1: value = random.pick(MasterCFGenerator.types + ["bogus"])
    case 7:
      value = random.pick([
        "smtpd", "pipe flags=R", "smtp -o syslog_name=x -v arg", "smtp -o {a = b c} x {d e}",
        "local -vo x=1",
      ])
    default: value = self.field(field, valid: !random.chance(10))
    }
    return servicePattern(components: 2) + "/" + masterCFFieldNames[field] + "=" + value
  }
}

let masterCFFieldNames = [
  "service", "type", "private", "unprivileged", "chroot", "wakeup", "process_limit", "command",
]
