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
public struct BannerDisclosureRule: AuditRule {
  public let id = RuleID.bannerDisclosure

  public init() {}

  static let names = [
    "postfix", "debian", "ubuntu", "gnu", "linux", "centos", "red hat", "redhat", "fedora",
    "rhel", "suse", "freebsd", "openbsd", "netbsd", "alpine", "arch", "gentoo", "rocky",
    "almalinux",
  ]

  public func check(_ context: AuditContext) -> [Finding] {
    context.services.compactMap { service in
      let setting = context.setting("smtpd_banner", for: service)
      let mailName = context.setting("mail_name", for: service).text.lowercased()
      // The host name may contain anything ("debian.example.org"): judge the rest.
      let hostname = context.setting("myhostname", for: service).text.lowercased()
      var banner = setting.text.lowercased()
      if !hostname.isEmpty {
        while let range = banner.firstRange(of: hostname) { banner.removeSubrange(range) }
      }
      let words = banner.split(whereSeparator: { !$0.isLetter && $0 != " " })
        .flatMap { $0.split(separator: " ") }.map(String.init)
      var named = Self.names.filter { name in
        name.contains(" ") ? banner.contains(name) : words.contains(name)
      }
      if !mailName.isEmpty, banner.contains(mailName), !named.contains(mailName) {
        named.insert(mailName, at: 0)
      }
      guard !named.isEmpty else { return nil }
      return context.finding(
        id, service.role == .sendOnly ? .info : .warning,
        "the SMTP greeting discloses '\(named.joined(separator: "', '"))': \(setting.text)",
        setting: setting, fix: "Set smtpd_banner = $myhostname ESMTP (transform banner).")
    }
  }
}
