extension Transform {
  /// Turns the VRFY command off (`disable_vrfy_command = yes`): VRFY lets anyone
  /// test which addresses exist.
  public static let disableVRFY = Transform(
    id: "disable-vrfy", summary: "disable the VRFY command",
    settings: [Setting("disable_vrfy_command", "yes")], ruleIDs: [RuleID.disableVRFY])
}
