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
struct ListeningSocketsRule: AuditRule {
  let id = RuleID.listeningSockets
  let summary = "What listens differs from the configuration."
  let inspects = ["inet_interfaces"]
  let optIn = true

  static func list(_ sockets: [ListeningSocket]) -> String {
    sockets.map { socket in
      socket.address.family == .inet4
        ? "\(socket.address):\(socket.port)" : "[\(socket.address)]:\(socket.port)"
    }.joined(separator: ", ")
  }

  /// The addresses of an `inet_interfaces` list made only of numeric
  /// addresses (and loopback names); nil for `all` or host names.
  static func addresses(_ words: [String]) -> Set<IPAddress>? {
    var result: Set<IPAddress> = []
    for word in words {
      let lowered = word.lowercased()
      if lowered == "loopback-only" || lowered == "localhost" { continue }
      var text = lowered
      if text.hasPrefix("["), text.hasSuffix("]") { text = String(text.dropFirst().dropLast()) }
      guard let address = IPAddress(text) else { return nil }
      result.insert(address)
    }
    return result.isEmpty ? nil : result
  }

  func check(_ context: AuditContext) -> [Finding] {
    guard let sockets = context.options.host?.listening else { return [] }
    let interfaces = context.setting("inet_interfaces")
    var ports = Set(context.services.compactMap(\.port))
    if context.isSendOnly { ports.insert(25) }
    let open = sockets.filter { ports.contains($0.port) && !$0.address.isLoopback }
      .sorted { ($0.port, $0.address.description) < ($1.port, $1.address.description) }
    var findings: [Finding] = []
    if context.isSendOnly, !open.isEmpty {
      findings.append(
        context.finding(
          id, .error, "send-only host, but something listens on \(Self.list(open))",
          setting: interfaces,
          fix:
            "Set inet_interfaces = loopback-only, then postfix stop; postfix start (transform loopback-only)."
        ))
    } else if RoleInference.isLoopbackOnly(interfaces.words), !open.isEmpty {
      findings.append(
        context.finding(
          id, .error,
          "inet_interfaces is loopback only, but \(Self.list(open)) is listening: Postfix was not restarted",
          setting: interfaces, fix: "Run postfix stop; postfix start."))
    } else if let configured = Self.addresses(interfaces.words) {
      let stray = open.filter { !configured.contains($0.address) }
      if !stray.isEmpty {
        findings.append(
          context.finding(
            id, .warning,
            "\(Self.list(stray)) is listening, but inet_interfaces = \(interfaces.text): Postfix was not restarted, or another program listens",
            setting: interfaces,
            fix: "Run postfix stop; postfix start, or find the other listener (ss -ltnp)."))
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
