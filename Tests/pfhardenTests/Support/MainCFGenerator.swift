/// Generates random but valid main.cf files: continuations, comments and
/// blank lines inside them, CRLF, duplicates, unknown and user-defined
/// names, and well-formed `$name` expansions (so that postconf never takes
/// its one-second fatal-error path).
struct MainCFGenerator {
  var rng: SeededGenerator

  static let knownNames = [
    "relayhost", "mydomain", "myorigin", "smtpd_banner", "mynetworks", "alias_maps",
    "smtpd_recipient_restrictions", "inet_interfaces", "biff", "myhostname", "mydestination",
    "smtpd_relay_restrictions", "disable_vrfy_command", "smtpd_helo_required",
    "smtpd_tls_loglevel", "relay_domains", "compatibility_level", "smtpd_client_restrictions",
  ]
  static let userNames = ["mua_client_restrictions", "zz_user_a", "zz_user_b", "my_class"]
  static let strayNames = ["inet_interface", "zz_unused", "foo-bar", "relay_host"]
  static let words = [
    "a.example", "permit_mynetworks,", "reject_unauth_destination", "127.0.0.0/8",
    "[::1]/128", "hash:/etc/aliases", "yes", "no", "ESMTP", "x#y", "$$", "10.0.0.0/8",
  ]

  init(seed: UInt64) { rng = SeededGenerator(seed: seed) }

  mutating func pick<T>(_ items: [T]) -> T { items[Int.random(in: 0..<items.count, using: &rng)] }

  mutating func chance(_ percent: Int) -> Bool { Int.random(in: 0..<100, using: &rng) < percent }

  mutating func value(depth: Int = 0) -> String {
    var parts: [String] = []
    for _ in 0..<Int.random(in: 0...4, using: &rng) {
      switch Int.random(in: 0..<10, using: &rng) {
      case 0, 1: parts.append("$" + pick(Self.knownNames))
      case 2: parts.append("${" + pick(Self.userNames) + "}")
      case 3:
        parts.append("${" + pick(Self.knownNames + Self.userNames) + "?{" + pick(Self.words) + "}}")
      case 4:
        parts.append("${" + pick(Self.userNames) + ":" + pick(Self.words) + "}")
      case 5: parts.append("$(" + pick(Self.knownNames) + ")")
      default: parts.append(pick(Self.words))
      }
    }
    return parts.joined(separator: pick([" ", "  ", "\t", ", "]))
  }

  /// A main.cf and the names it sets.
  mutating func mainCF() -> [UInt8] {
    let eol = chance(20) ? "\r\n" : "\n"
    var lines: [String] = []
    if chance(10) { lines.append("   stray indented text") }
    for _ in 0..<Int.random(in: 1...12, using: &rng) {
      if chance(15) { lines.append(pick(["# comment", "", "   ", "#relayhost = x"])) }
      let name: String
      switch Int.random(in: 0..<10, using: &rng) {
      case 0, 1: name = pick(Self.userNames)
      case 2: name = pick(Self.strayNames)
      default: name = pick(Self.knownNames)
      }
      let separator = pick([" = ", "=", " =", "= ", "\t=\t"])
      // Values that name host addresses or levels must stay parseable, or
      // postconf stops at its first error and the case tests little.
      let text: String
      switch name {
      case "compatibility_level": text = pick(["3.6", "2", "0", "3.7"])
      case "inet_interfaces":
        text = pick(["all", "loopback-only", "127.0.0.1", "127.0.0.1, [::1]"])
      case "myhostname": text = pick(["mail.example.com", "box", "mx1.$mydomain", "host.com"])
      case "mydomain": text = pick(["example.com", "example.net", "$zz_user_a"])
      default: text = value()
      }
      lines.append(name + separator + text)
      if chance(25)
        && !["inet_interfaces", "myhostname", "mydomain", "compatibility_level"].contains(name)
      {
        // One to three continuation lines, most of them one after another
        // (a span of the file), some after a comment or a blank line, some
        // starting with a vertical tab, form feed or CR.
        for _ in 0..<Int.random(in: 1...3, using: &rng) {
          if chance(30) { lines.append(pick(["# inner comment", "", "  # indented comment"])) }
          let indent = chance(85) ? pick(["    ", "\t", " "]) : pick(["\u{0B}", "\u{0C}", "\r "])
          lines.append(indent + value() + (chance(20) ? pick([" ", "\t"]) : ""))
        }
      }
    }
    if chance(20) { lines.append("smtpd_restriction_classes = my_class") }
    var text = lines.joined(separator: eol)
    if !chance(15) { text += eol }
    return Array(text.utf8)
  }
}
