extension Transform {
  /// Listens on loopback only (`inet_interfaces = loopback-only`).
  ///
  /// CIS "local-only mode". Needs a restart: `postfix reload` does not re-bind
  /// listeners.
  public static let loopbackOnly = Transform(
    id: "loopback-only", summary: "listen on loopback only",
    settings: [Setting("inet_interfaces", "loopback-only")],
    ruleIDs: [RuleID.loopbackOnly, RuleID.listeningSockets])
}
