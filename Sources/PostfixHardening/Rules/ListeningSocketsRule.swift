import PostfixConfig

/// What listens matches what the configuration says (`--live`).
///
/// Rationale: after changing `inet_interfaces` Postfix must be restarted; the
/// hardening guide checks with `ss -ltn`. A send-only host whose smtpd still
/// listens beyond loopback fails CIS "local-only mode".
///
/// Inspects: TCP sockets in LISTEN state (from /proc/net/tcp and tcp6) on the
/// ports of the master.cf smtpd services, against `inet_interfaces` and the
/// inferred roles.
///
/// Fix: `postfix stop; postfix start` after changing `inet_interfaces`
/// (transform `loopback-only` for send-only hosts).
///
/// Reference: postconf(5) `inet_interfaces` ("you must stop and start
/// Postfix"); CIS Debian Linux 12 benchmark 2.1.21.
public struct ListeningSocketsRule: AuditRule {
  public let id = RuleID.listeningSockets

  public init() {}

  public func check(_ context: AuditContext) -> [Finding] {
    guard let sockets = context.options.host?.listening else { return [] }
    let interfaces = context.setting("inet_interfaces")
    let loopbackConfigured = RoleInference.isLoopbackOnly(interfaces.words)
    var ports = Set(context.services.compactMap(\.port))
    if context.isSendOnly { ports.insert(25) }
    var findings: [Finding] = []
    for port in ports.sorted() {
      let open = sockets.filter { $0.port == port && !$0.address.isLoopback }
      guard !open.isEmpty else { continue }
      let addresses = open.map { socket in
        socket.address.family == .inet4
          ? "\(socket.address):\(port)" : "[\(socket.address)]:\(port)"
      }.joined(separator: ", ")
      if context.isSendOnly {
        findings.append(
          context.finding(
            id, .error, "send-only host, but something listens on \(addresses)",
            setting: interfaces,
            fix:
              "Set inet_interfaces = loopback-only, then postfix stop; postfix start (transform loopback-only)."
          ))
      } else if loopbackConfigured {
        findings.append(
          context.finding(
            id, .error,
            "inet_interfaces is loopback only, but \(addresses) is listening: Postfix was not restarted",
            setting: interfaces, fix: "Run postfix stop; postfix start."))
      }
    }
    for service in context.publicServices {
      guard let port = service.port, !sockets.contains(where: { $0.port == port }) else { continue }
      findings.append(
        context.finding(
          id, .info, "\(service.listener) (port \(port)) is configured but nothing listens there",
          service: service, fix: "Start or reload Postfix (postfix reload)."))
    }
    return findings
  }
}
