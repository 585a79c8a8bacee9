import PostfixConfig

/// No smtpd service relays for anonymous clients outside `mynetworks`.
///
/// Rationale: an open relay is abused for spam within hours and then
/// blocklisted. Each smtpd service is judged with its own `-o` overrides: a
/// submission service with `-o mynetworks=0.0.0.0/0`, or with
/// `-o smtpd_relay_restrictions=check_client_access static:OK,
/// reject_unauth_destination`, relays for everyone even when main.cf is clean.
///
/// Inspects: `smtpd_relay_restrictions` and `smtpd_recipient_restrictions`
/// (one of them must reject unauthorised destinations before any restriction
/// that permits an anonymous outside client) and `mynetworks`, per service.
///
/// Fix: end `smtpd_relay_restrictions` with `reject_unauth_destination` after
/// `permit_mynetworks, permit_sasl_authenticated` (transform `relay-restrictions`).
///
/// Reference: postconf(5) `smtpd_relay_restrictions`; Postfix SMTPD_ACCESS_README.
struct OpenRelayRule: AuditRule {
  let id = RuleID.openRelay
  let summary = "An smtpd service relays for anonymous outside clients."
  let inspects = [
    "smtpd_relay_restrictions", "smtpd_recipient_restrictions", "mynetworks",
    "smtpd_restriction_classes",
  ]

  func check(_ context: AuditContext) -> [Finding] {
    // Services mostly share their lists: each is judged once.
    var judged = RestrictionList.Judged()
    return context.perService { service in
      let everyone = judged.mynetworksIsEveryone(
        context.setting("mynetworks", for: service).words)
      let relay = context.setting("smtpd_relay_restrictions", for: service)
      let recipient = context.setting("smtpd_recipient_restrictions", for: service)
      let relayOutcome = judged.evaluate(relay.words, mynetworksIsEveryone: everyone)
      let recipientOutcome = judged.evaluate(recipient.words, mynetworksIsEveryone: everyone)
      if case .rejects = relayOutcome { return nil }
      if case .rejects = recipientOutcome { return nil }
      // A service smtpd refuses to start is reported by smtpd-refuses-to-run.
      let classes = RestrictionList.classes(context, service: service)
      guard
        RestrictionList.hasRequired(relay.words, classes: classes)
          || RestrictionList.hasRequired(recipient.words, classes: classes)
      else { return nil }
      var cause = relay
      var reason = "no restriction rejects unauthorised destinations"
      for (setting, outcome) in [(relay, relayOutcome), (recipient, recipientOutcome)] {
        if case .permits(let word) = outcome {
          reason = "'\(word)' permits every client before any reject"
          cause = setting
          if word.hasPrefix("permit_mynetworks") {
            cause = context.setting("mynetworks", for: service)
          }
          break
        }
      }
      return context.finding(
        id, service.role == .sendOnly ? .warning : .error,
        "relays mail for anyone: \(reason)", setting: cause,
        fix:
          "End smtpd_relay_restrictions with permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination and keep mynetworks narrow (transform relay-restrictions)."
      )
    }
  }
}
