import PostfixConfig

/// `relay_domains` is sane: no wildcards; on a send-only host, information only.
///
/// Rationale: `reject_unauth_destination` permits every domain listed in
/// `relay_domains`; a wildcard or catch-all table there makes the server an
/// open relay, and a send-only host should relay for no domain.
///
/// Inspects: `relay_domains`.
///
/// Fix: list only the domains this host is a backup MX or gateway for
/// (transform `relay-restrictions`).
///
/// Reference: postconf(5) `relay_domains`; ADDRESS_CLASS_README.
struct RelayDomainsRule: AuditRule {
  let id = RuleID.relayDomains
  let summary = "relay_domains is too broad."
  let inspects = ["relay_domains"]

  func check(_ context: AuditContext) -> [Finding] {
    let setting = context.setting("relay_domains")
    let words = setting.words
    let wild = words.filter(Self.matchesEverything)
    if !wild.isEmpty {
      return [
        context.finding(
          id, .error, "relay_domains matches every domain (\(wild.joined(separator: " ")))",
          setting: setting, fix: "List only the domains this host relays for.")
      ]
    }
    // Only loopback clients reach a send-only host, and they are in
    // mynetworks anyway: the list is no risk there, so it is kept.
    if context.isSendOnly, setting.isExplicit, !words.isEmpty,
      setting.raw != Array("$mydestination".utf8)
    {
      return [
        context.finding(
          id, .info,
          "a send-only host lists relay domains (\(words.joined(separator: " "))); only loopback clients can use them",
          setting: setting, fix: "Set relay_domains = (empty) on a send-only host.")
      ]
    }
    return []
  }

  /// Whether a `relay_domains` word matches every domain (`*`, `.`, `static:…`).
  static func matchesEverything(_ word: String) -> Bool {
    let lowered = word.lowercased()
    return lowered == "*" || lowered == "." || lowered.hasPrefix("static:")
      || lowered.hasPrefix("*") && !lowered.contains(".")
  }
}
