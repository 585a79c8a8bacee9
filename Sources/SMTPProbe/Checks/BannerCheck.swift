/// Reads the greeting: whether it refuses service and whether it names the software or OS.
enum BannerCheck {
  /// Software names looked for, lower-case, with how they are reported.
  static let software: [(String, String)] = [
    ("postfix", "Postfix"), ("sendmail", "Sendmail"), ("exim", "Exim"), ("qmail", "qmail"),
    ("microsoft", "Microsoft"), ("exchange", "Exchange"), ("opensmtpd", "OpenSMTPD"),
    ("haraka", "Haraka"), ("courier", "Courier"), ("zimbra", "Zimbra"), ("mdaemon", "MDaemon"),
    ("communigate", "CommuniGate"), ("kerio", "Kerio"), ("hmailserver", "hMailServer"),
    ("maddy", "maddy"),
  ]
  /// Operating system names looked for.
  static let systems: [(String, String)] = [
    ("debian", "Debian"), ("ubuntu", "Ubuntu"), ("centos", "CentOS"), ("red hat", "Red Hat"),
    ("redhat", "Red Hat"), ("fedora", "Fedora"), ("rhel", "RHEL"), ("suse", "SUSE"),
    ("alpine", "Alpine"), ("freebsd", "FreeBSD"), ("openbsd", "OpenBSD"), ("netbsd", "NetBSD"),
    ("windows", "Windows"), ("gnu", "GNU"), ("linux", "Linux"),
  ]

  static func evaluate(_ reply: Reply, evidence: [Exchange]) -> BannerResult {
    let text = reply.lines.map { Escape.text($0) }.joined(separator: "\n")
    let tokens = words(Array(reply.lines.joined(separator: [UInt8(ascii: " ")])))
    let found = { (names: [(String, String)]) -> String? in
      names.first { name, _ in
        let wanted = name.split(separator: " ").map(String.init)
        guard tokens.count >= wanted.count else { return false }
        return (0...(tokens.count - wanted.count)).contains {
          Array(tokens[$0..<($0 + wanted.count)]) == wanted
        }
      }?.1
    }
    return BannerResult(
      reply: reply, text: text, software: found(software), operatingSystem: found(systems),
      refused: reply.code != 220, evidence: evidence)
  }

  /// Lower-case ASCII words (letters and digits) of the text, in order.
  static func words(_ bytes: [UInt8]) -> [String] {
    var out: [String] = []
    var current: [UInt8] = []
    for byte in bytes + [0] {
      let lower = (0x41...0x5A).contains(byte) ? byte | 0x20 : byte
      if (0x61...0x7A).contains(lower) || (0x30...0x39).contains(lower) {
        current.append(lower)
      } else if !current.isEmpty {
        out.append(String(decoding: current, as: UTF8.self))
        current.removeAll()
      }
    }
    return out
  }
}
