import PostfixConfig

/// No two master.cf services listen on one address and port.
///
/// Rationale: master binds every inet service at start-up; when two services
/// name one port on overlapping addresses (`submission` and `587`, `smtps` and
/// `submissions`, `smtp` and `0.0.0.0:25`), the second bind fails with
/// "Address already in use" and master exits: Postfix does not start.
///
/// Inspects: every `inet` service of master.cf, its port (service names as
/// `/etc/services` maps them: smtp 25, submission 587, submissions/smtps 465)
/// and its addresses (the host part, else `inet_interfaces`).
///
/// Fix: remove or comment out one of the two entries, or give them distinct
/// addresses.
///
/// Reference: master(8); master.cf(5) "service name"; postconf(5) `inet_interfaces`.
struct DuplicateListenerRule: AuditRule {
  let id = RuleID.duplicateListener
  let summary = "Two master.cf services listen on one address and port."
  let inspects = ["inet_interfaces", "inet_protocols"]

  func check(_ context: AuditContext) -> [Finding] {
    let listeners = Listener.all(in: context.configuration)
    // Each listener against the earlier ones of its port, through an index:
    // linear in the number of services.
    return Listener.firstClashes(in: listeners).map { pair in
      let listener = listeners[pair.listener]
      let earlier = listeners[pair.earlier]
      let port = listener.port ?? 0
      return Finding(
        id: id, severity: .error,
        message:
          "\(listener.key) listens on port \(port) where \(earlier.key) (line \(earlier.line)) already does: master cannot bind both and will not start",
        file: "master.cf", line: listener.line, service: listener.key,
        fix: "Remove one of the two services or give them distinct addresses.")
    }
  }
}
