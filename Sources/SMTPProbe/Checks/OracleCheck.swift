/// Compares a random non-user with real users: VRFY, EXPN and RCPT enumeration.
enum OracleCheck {
  /// Why a comparison stopped before the server's error limit.
  static let budgetReason = "stopped below the server's error limit"

  /// Decides the verdict from the control's reply and the users' replies.
  /// - Parameters:
  ///   - control: The reply for a random non-existent user.
  ///   - users: The replies for real users.
  /// - Returns: The verdict.
  static func verdict(control: Reply, users: [Reply]) -> OracleVerdict {
    let all = [control] + users
    if all.allSatisfy(isNotImplemented) { return .disabled }
    return users.contains { $0.code != control.code } ? .leaksUsers : .noOracle
  }

  /// `450 4.3.2`: Postfix's postscreen, after its deep-protocol tests, defers every VRFY
  /// and RCPT this way until the client reconnects.
  static func isPostscreenDeferral(_ reply: Reply) -> Bool {
    reply.code == 450 && reply.enhancedCode == "4.3.2"
  }

  /// Why the replies give no verdict: every one is a temporary refusal with the same code
  /// (postscreen, greylisting, a busy server), which tells nothing about users.
  static func temporaryRefusal(_ replies: [Reply]) -> String? {
    guard let first = replies.first, first.isTransientFailure, first.code != 421,
      replies.allSatisfy({ $0.code == first.code })
    else { return nil }
    return "every answer was a temporary refusal: \(first.summary)"
  }

  /// `500`/`502` (or `5.5.1`/`5.5.2`): the command is unknown or disabled.
  static func isNotImplemented(_ reply: Reply) -> Bool {
    reply.code == 500 || reply.code == 502
      || (reply.isPermanentFailure && ["5.5.1", "5.5.2"].contains(reply.enhancedCode ?? ""))
  }

  /// Asks `verb user` for the control and each user in one session.
  static func run(
    verb: String, control: String, users: [String], session: SMTPSession, budget: Int
  ) -> OracleResult {
    let start = session.transcript.count
    var replies: [Reply] = []
    for name in [control] + users {
      guard session.isOpen, session.negativeReplies < budget else { break }
      guard let reply = try? session.command("\(verb) \(name)") else { break }
      replies.append(reply)
      // A disabled command answers the same to everyone: no need to ask again.
      if isNotImplemented(reply), replies.count == 1 { break }
    }
    let evidence = Array(session.transcript[start...])
    guard let first = replies.first else {
      return OracleResult(
        verdict: nil, reason: session.endedBy?.reason ?? "no reply", evidence: evidence)
    }
    if isNotImplemented(first) {
      return OracleResult(verdict: .disabled, reason: nil, evidence: evidence)
    }
    if first.code == 530 {
      // "Must issue a STARTTLS command first" / "Authentication required": the oracle
      // is behind TLS or AUTH and cannot be compared from here.
      return OracleResult(
        verdict: nil, reason: "refused before STARTTLS or AUTH: \(first.summary)",
        evidence: evidence)
    }
    if let reason = temporaryRefusal(replies) {
      return OracleResult(verdict: nil, reason: reason, evidence: evidence)
    }
    guard replies.count == users.count + 1 else {
      let reason = session.endedBy?.reason ?? budgetReason
      return OracleResult(verdict: nil, reason: reason, evidence: evidence)
    }
    return OracleResult(
      verdict: verdict(control: first, users: Array(replies.dropFirst())), reason: nil,
      evidence: evidence)
  }

  /// RCPT enumeration: one transaction, RCPT for the control and for postmaster, then RSET.
  static func runRCPT(control: String, domain: String, session: SMTPSession, budget: Int)
    -> OracleResult
  {
    let start = session.transcript.count
    func result(_ verdict: OracleVerdict?, _ reason: String?) -> OracleResult {
      OracleResult(verdict: verdict, reason: reason, evidence: Array(session.transcript[start...]))
    }
    guard let mail = try? session.command("MAIL FROM:<probe@example.com>") else {
      return result(nil, session.endedBy?.reason ?? "no reply")
    }
    guard mail.isPositive else { return result(nil, "the sender was refused: \(mail.summary)") }
    var replies: [Reply] = []
    for user in [control, "postmaster"] {
      guard session.negativeReplies < budget,
        let reply = try? session.command("RCPT TO:<\(user)@\(domain)>")
      else { break }
      replies.append(reply)
    }
    _ = try? session.command("RSET")
    guard replies.count == 2 else {
      return result(nil, session.endedBy?.reason ?? budgetReason)
    }
    if let reason = temporaryRefusal(replies) { return result(nil, reason) }
    if RelayCheck.isRelayDenial(replies[0]) {
      return result(nil, "\(domain) is not a local domain of the server: \(replies[0].summary)")
    }
    return result(verdict(control: replies[0], users: [replies[1]]), nil)
  }
}
