extension Transform {
  /// Requires HELO and rejects malformed HELO names from outside `mynetworks`.
  public static let heloRestrictions = Transform(
    id: "helo-restrictions", summary: "require a well-formed HELO name",
    settings: [
      Setting("smtpd_helo_required", "yes"),
      Setting(
        "smtpd_helo_restrictions",
        "permit_mynetworks, reject_invalid_helo_hostname, reject_non_fqdn_helo_hostname"),
    ], ruleIDs: [RuleID.heloRequired])
}
