import PostfixConfig

/// A service that authenticates lets its authenticated users relay.
///
/// Rationale: a submission service with only `-o smtpd_sasl_auth_enable=yes`
/// inherits main.cf's `smtpd_relay_restrictions`; when that list rejects
/// unauthorised destinations before `permit_sasl_authenticated` (or lacks it),
/// users log in and then get "Relay access denied" for every outside
/// recipient. Hardening port 25 must never do that to the submission port.
///
/// Inspects: per smtpd service with `smtpd_sasl_auth_enable = yes`, its
/// `smtpd_relay_restrictions` and `smtpd_recipient_restrictions`, walked for a
/// client outside `mynetworks` that authenticated.
///
/// Fix: add `permit_sasl_authenticated` before the reject (transform
/// `relay-restrictions`), or give the service its own
/// `-o smtpd_relay_restrictions=permit_sasl_authenticated,reject`.
///
/// Reference: postconf(5) `smtpd_relay_restrictions`, `permit_sasl_authenticated`;
/// SASL_README "Enabling SASL authorization in the Postfix SMTP server".
struct SASLRelayRule: AuditRule {
  let id = RuleID.saslRelay
  let summary = "A service authenticates users but refuses to relay for them."
  let inspects = [
    "smtpd_sasl_auth_enable", "smtpd_relay_restrictions", "smtpd_recipient_restrictions",
  ]

  func check(_ context: AuditContext) -> [Finding] {
    context.publicServices.compactMap { service in
      guard context.setting("smtpd_sasl_auth_enable", for: service).isYes else { return nil }
      let relay = context.setting("smtpd_relay_restrictions", for: service)
      let recipient = context.setting("smtpd_recipient_restrictions", for: service)
      guard
        !RestrictionList.relays(
          relay: relay.words, recipient: recipient.words, client: .authenticated)
      else { return nil }
      let cause =
        RestrictionList.admittingAuthenticated(relay.words) != nil ? relay : recipient
      var finding = context.finding(
        id, service.role == .submission ? .error : .warning,
        "\(service.key) authenticates users but refuses to relay for them: \(cause.name) rejects before permit_sasl_authenticated",
        setting: cause,
        fix:
          "Put permit_sasl_authenticated before the reject in \(cause.name) (transform relay-restrictions)."
      )
      finding.service = service.key
      return finding
    }
  }
}
