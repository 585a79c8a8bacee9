import PostfixConfig

/// `relay_domains` is sane: no wildcards, nothing on a send-only host.
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
public struct RelayDomainsRule: AuditRule {
  public let id = RuleID.relayDomains

  public init() {}

  public func check(_ context: AuditContext) -> [Finding] {
    let setting = context.setting("relay_domains")
    let words = setting.words
    let wild = words.filter { word in
      let lowered = word.lowercased()
      return lowered == "*" || lowered == "." || lowered.hasPrefix("static:")
        || lowered.hasPrefix("*") && !lowered.contains(".")
    }
    if !wild.isEmpty {
      return [
        context.finding(
          id, .error, "relay_domains matches every domain (\(wild.joined(separator: " ")))",
          setting: setting, fix: "List only the domains this host relays for.")
      ]
    }
    if context.isSendOnly, setting.isExplicit, !words.isEmpty,
      setting.raw != Array("$mydestination".utf8)
    {
      return [
        context.finding(
          id, .warning, "a send-only host relays for \(words.joined(separator: " "))",
          setting: setting, fix: "Set relay_domains = (empty) on a send-only host.")
      ]
    }
    return []
  }
}
