extension Transform {
  /// Relay restrictions that end in `reject_unauth_destination`.
  /// - Parameter permitAuthenticated: Whether SASL-authenticated clients may relay.
  /// - Returns: The transform.
  public static func relayRestrictions(permitAuthenticated: Bool) -> Transform {
    let words =
      ["permit_mynetworks"] + (permitAuthenticated ? ["permit_sasl_authenticated"] : [])
      + ["reject_unauth_destination"]
    return Transform(
      id: "relay-restrictions",
      summary: "refuse to relay to unauthorised destinations",
      settings: [Setting("smtpd_relay_restrictions", words.joined(separator: ", "))],
      ruleIDs: [RuleID.openRelay, RuleID.smtpdRefusesToRun])
  }
}
