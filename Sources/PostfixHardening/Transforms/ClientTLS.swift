extension Transform {
  /// Opportunistic TLS for outgoing mail (`smtp_tls_security_level = may`).
  public static let clientTLS = Transform(
    id: "client-tls", summary: "use TLS for outgoing mail when the peer offers it",
    settings: [Setting("smtp_tls_security_level", "may")], ruleIDs: [RuleID.serverTLS])
}
