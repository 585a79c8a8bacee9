extension Transform {
  /// Rejects clients that talk before their turn (`reject_unauth_pipelining`).
  public static let rejectUnauthPipelining = Transform(
    id: "reject-unauth-pipelining", summary: "reject clients that pipeline without permission",
    settings: [Setting("smtpd_data_restrictions", "reject_unauth_pipelining")],
    ruleIDs: [RuleID.unauthPipelining])
}
