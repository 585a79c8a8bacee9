import PostfixConfig

/// A send-only host listens on loopback only.
///
/// Rationale: a host that only sends mail has no reason to accept SMTP from
/// the network (CIS Debian 12 2.1.21 "local-only mode").
///
/// Inspects: `inet_interfaces` when the host is send-only (no inet smtpd
/// service, or `--role send-only`).
///
/// Fix: `inet_interfaces = loopback-only` (transform `loopback-only`).
///
/// Reference: postconf(5) `inet_interfaces`; CIS Debian Linux 12 benchmark 2.1.21.
struct LoopbackOnlyRule: AuditRule {
  let id = RuleID.loopbackOnly
  let summary = "A send-only host listens beyond loopback."
  let inspects = ["inet_interfaces"]

  func check(_ context: AuditContext) -> [Finding] {
    guard context.isSendOnly else { return [] }
    let setting = context.setting("inet_interfaces")
    guard !RoleInference.isLoopbackOnly(setting.words) else { return [] }
    let listening = context.services.contains { $0.type == "inet" || $0.port != nil }
    let message =
      listening
      ? "send-only host, but smtpd listens on \(setting.text) (not loopback only)"
      : "send-only host with inet_interfaces = \(setting.text); loopback-only is the local-only mode"
    return [
      context.finding(
        id, listening ? .error : .warning, message, setting: setting,
        fix: "Set inet_interfaces = loopback-only (transform loopback-only).")
    ]
  }
}
