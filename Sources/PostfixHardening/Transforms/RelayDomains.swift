extension Transform {
  /// Sets `relay_domains` to exactly `domains` (empty: relay for no domain).
  /// - Parameter domains: The domains relayed for.
  /// - Returns: The transform.
  public static func relayDomains(_ domains: [String]) -> Transform {
    Transform(
      id: "relay-domains",
      summary: domains.isEmpty
        ? "relay for no domain" : "relay for " + domains.joined(separator: ", "),
      settings: [Setting("relay_domains", domains.joined(separator: ", "))],
      ruleIDs: [RuleID.relayDomains])
  }
}
