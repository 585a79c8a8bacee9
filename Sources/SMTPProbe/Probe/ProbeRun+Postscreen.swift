/// Getting past a postscreen-like front end.
///
/// Postfix's postscreen, with its deep-protocol tests on (`postscreen_pipelining_enable`,
/// `postscreen_non_smtp_command_enable`, `postscreen_bare_newline_enable`), talks to a new
/// client itself: it greets (after `postscreen_greet_wait` when the greet test is on),
/// answers EHLO, and defers every VRFY and RCPT with `450 4.3.2 Service currently
/// unavailable`. Its EHLO announces neither PIPELINING nor XCLIENT nor AUTH. The
/// pipelining, non-SMTP and bare-newline tests pass only when the client gets as far as
/// RCPT TO without breaking the protocol (it waited for the whole greeting, never
/// pipelined, sent no bare newline and no non-SMTP command, which the probe never does);
/// postscreen then caches the client as passed (`PASS NEW`) and hands it to smtpd when it
/// reconnects. The probe does exactly that once: MAIL and RCPT for `postmaster` (which
/// postscreen defers too; never DATA), RSET, QUIT, one more connection of the budget, and
/// the first session's checks again, now on smtpd.
extension ProbeRun {
  /// Passes postscreen after the first session's VRFY, or records whether it was passed.
  ///
  /// On the first deferral, reaches RCPT, ends the session and asks for the checks to
  /// start over on a new connection; on the next pass records whether the front end let
  /// the probe through.
  /// - Parameter session: The first session.
  /// - Returns: True when the session was ended and the checks should start over.
  func passPostscreen(_ session: SMTPSession) -> Bool {
    let deferrals = (report.vrfy?.evidence ?? []).filter {
      $0.reply.map(OracleCheck.isPostscreenDeferral) ?? false
    }
    guard var result = report.postscreen else {
      guard let first = deferrals.first, let reply = first.reply,
        OracleCheck.temporaryRefusal(report.vrfy?.evidence.compactMap(\.reply) ?? []) != nil
      else { return false }
      report.postscreen = PostscreenResult(
        passed: nil,
        reason: "the probe could not reconnect after "
          + Self.oneLine(reply, limit: TLSScanResult.maxReasonLength),
        evidence: [first])
      let start = session.transcript.count
      // The deep-protocol tests pass at RCPT TO; postscreen defers the recipient.
      if session.isOpen, let mail = try? session.command("MAIL FROM:<probe@example.com>"),
        mail.isPositive, session.isOpen
      {
        _ = try? session.command("RCPT TO:<postmaster>")
        if session.isOpen { _ = try? session.command("RSET") }
      }
      report.postscreen?.evidence += session.transcript[start...]
      report.vrfy = nil
      finish(session)
      return true
    }
    if let deferral = deferrals.first?.reply {
      result.passed = false
      result.reason =
        "it still deferred VRFY after a reconnect: "
        + Self.oneLine(deferral, limit: TLSScanResult.maxReasonLength)
    } else {
      result.passed = true
      result.reason = nil
    }
    report.postscreen = result
    return false
  }
}
