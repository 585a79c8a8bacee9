import PostfixConfig

/// The SMTP greeting names neither the software nor the operating system.
///
/// Rationale: `220 host ESMTP Postfix (Debian/GNU)` tells an attacker what to
/// try. Only judged where some smtpd service listens (Lynis warns even where
/// smtpd listens nowhere).
///
/// Inspects: the expanded `smtpd_banner` of each smtpd service, for the mail
/// software name and operating system names.
///
/// Fix: `smtpd_banner = $myhostname ESMTP` (transform `banner`).
///
/// Reference: postconf(5) `smtpd_banner`; RFC 5321 section 4.2 (the greeting
/// starts with the host name).
struct BannerDisclosureRule: AuditRule {
  let id = RuleID.bannerDisclosure
  let summary = "The SMTP greeting names the software or OS."
  let inspects = ["smtpd_banner", "mail_name", "myhostname"]

  static let names = [
    "postfix", "debian", "ubuntu", "gnu", "linux", "centos", "red hat", "redhat", "fedora",
    "rhel", "suse", "freebsd", "openbsd", "netbsd", "alpine", "arch", "gentoo", "rocky",
    "almalinux",
  ]

  /// The greeting judged: its first 4 KiB (no SMTP client reads more).
  static let judgedLength = 4096

  func check(_ context: AuditContext) -> [Finding] {
    // One judgement per distinct banner, host name and mail name: services
    // usually share main.cf's, and a banner may expand to megabytes.
    var judged: [String: [String]] = [:]
    return context.perService { service in
      let setting = context.setting("smtpd_banner", for: service)
      let mailName = context.setting("mail_name", for: service).text.lowercased()
      let hostname = context.setting("myhostname", for: service).text.lowercased()
      let text = String(setting.text.prefix(Self.judgedLength))
      let key = [text, hostname, mailName].joined(separator: "\u{0}")
      let named = judged[key] ?? Self.disclosed(text, hostname: hostname, mailName: mailName)
      judged[key] = named
      guard !named.isEmpty else { return nil }
      let shown = setting.text.count > 200 ? String(setting.text.prefix(200)) + "…" : setting.text
      return context.finding(
        id, service.role == .sendOnly ? .info : .warning,
        "the SMTP greeting discloses '\(named.joined(separator: "', '"))': \(shown)",
        setting: setting, fix: "Set smtpd_banner = $myhostname ESMTP (transform banner).")
    }
  }

  /// The software and system names a greeting gives away.
  static func disclosed(_ text: String, hostname: String, mailName: String) -> [String] {
    // The host name may contain anything ("debian.example.org"): judge the rest.
    let banner =
      hostname.isEmpty ? text.lowercased() : text.lowercased().replacing(hostname, with: " ")
    let words = banner.split(whereSeparator: { !$0.isLetter && $0 != " " })
      .flatMap { $0.split(separator: " ") }.map(String.init)
    let present = Set(words)
    var named = names.filter { name in
      name.contains(" ") ? banner.contains(name) : present.contains(name)
    }
    if !mailName.isEmpty, banner.contains(mailName), !named.contains(mailName) {
      named.insert(mailName, at: 0)
    }
    return named
  }
}
