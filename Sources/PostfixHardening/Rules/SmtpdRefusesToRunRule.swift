import PostfixConfig

/// smtpd would refuse to start a service (every connection dies).
///
/// Rationale: smtpd checks at start-up that `smtpd_relay_restrictions` or
/// `smtpd_recipient_restrictions` holds `reject_unauth_destination`,
/// `defer_unauth_destination`, `reject`, `defer` or `defer_if_permit` before the
/// first `permit` (it stops looking there), else it logs a fatal error for
/// every connection: `permit_mynetworks, permit` takes the service down.
///
/// Inspects: both lists, per smtpd service, following restriction classes.
///
/// Fix: add `reject_unauth_destination` to `smtpd_relay_restrictions`
/// (transform `relay-restrictions`).
///
/// Reference: Postfix smtpd_check.c `has_required()`; postconf(5)
/// `smtpd_relay_restrictions`.
struct SmtpdRefusesToRunRule: AuditRule {
  let id = RuleID.smtpdRefusesToRun
  let summary = "smtpd would refuse to run the service."
  let inspects = [
    "smtpd_relay_restrictions", "smtpd_recipient_restrictions", "smtpd_restriction_classes",
  ]

  func check(_ context: AuditContext) -> [Finding] {
    context.perService { service in
      let classes = RestrictionList.classes(context, service: service)
      let relay = context.setting("smtpd_relay_restrictions", for: service)
      let recipient = context.setting("smtpd_recipient_restrictions", for: service)
      guard
        !RestrictionList.hasRequired(relay.words, classes: classes)
          && !RestrictionList.hasRequired(recipient.words, classes: classes)
      else { return nil }
      let cause = relay.isExplicit || !recipient.isExplicit ? relay : recipient
      return context.finding(
        id, .error,
        "smtpd would refuse to run this service: neither smtpd_relay_restrictions nor smtpd_recipient_restrictions has reject_unauth_destination, defer_unauth_destination, reject or defer before a 'permit'",
        setting: cause,
        fix:
          "Set smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination (transform relay-restrictions)."
      )
    }
  }
}
