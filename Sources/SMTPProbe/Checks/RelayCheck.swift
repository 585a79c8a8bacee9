/// The open-relay test: nmap's 16 address forms, each as MAIL, RCPT, RSET (never DATA).
enum RelayCheck {
  /// A variant before it is tried.
  struct Variant: Equatable {
    var id: String
    var number: Int
    var mailFrom: String
    var rcptTo: String
  }

  /// The 16 forms of nmap's smtp-open-relay, with the sender in `example.com` and the
  /// recipient in `example.net` (both reserved, RFC 2606).
  /// - Parameters:
  ///   - serverName: The name the server gave (its greeting or EHLO), if usable.
  ///   - serverAddress: The server's address, for `[ip]` literals.
  /// - Returns: The variants in nmap's order.
  static func variants(serverName: String?, serverAddress: SocketAddress?) -> [Variant] {
    let ip: String
    if let serverAddress {
      ip =
        serverAddress.family == .ipv4 ? "[\(serverAddress.host)]" : "[IPv6:\(serverAddress.host)]"
    } else {
      ip = "[127.0.0.1]"
    }
    let name = serverName.flatMap { isDomainName($0) ? $0 : nil } ?? ip
    let from = "probe"
    let to = "relaytest"
    let fromDomain = "example.com"
    let toDomain = "example.net"
    let sender = "\(from)@\(ip)"
    let rows: [(String, String, String)] = [
      ("null-sender", "", "\(to)@\(toDomain)"),
      ("plain", "\(from)@\(fromDomain)", "\(to)@\(toDomain)"),
      ("sender-server-name", "\(from)@\(name)", "\(to)@\(toDomain)"),
      ("sender-server-ip", sender, "\(to)@\(toDomain)"),
      ("percent-hack-ip", sender, "\(to)%\(toDomain)@\(ip)"),
      ("percent-hack-name", sender, "\(to)%\(toDomain)@\(name)"),
      ("quoted", sender, "\"\(to)@\(toDomain)\""),
      ("quoted-percent", sender, "\"\(to)%\(toDomain)\""),
      ("double-at-ip", sender, "\(to)@\(toDomain)@\(ip)"),
      ("quoted-at-ip", sender, "\"\(to)@\(toDomain)\"@\(ip)"),
      ("double-at-name", sender, "\(to)@\(toDomain)@\(name)"),
      ("source-route-ip", sender, "@\(ip):\(to)@\(toDomain)"),
      ("source-route-name", sender, "@\(name):\(to)@\(toDomain)"),
      ("bang-path", sender, "\(toDomain)!\(to)"),
      ("bang-path-ip", sender, "\(toDomain)!\(to)@\(ip)"),
      ("bang-path-name", sender, "\(toDomain)!\(to)@\(name)"),
    ]
    return rows.enumerated().map { index, row in
      Variant(id: row.0, number: index + 1, mailFrom: row.1, rcptTo: row.2)
    }
  }

  /// Whether a reply refuses relaying (`5.7.1`, `4.7.1` "Relay access denied", "relaying
  /// denied", "unable to relay").
  static func isRelayDenial(_ reply: Reply) -> Bool {
    guard !reply.isPositive else { return false }
    // Servers echo the address (`<relaytest@example.net>`): only their own words count.
    let text = withoutAddresses(reply)
    if text.mentions("relay") || text.mentions("rcpthosts") { return true }
    // A bare 5.7.1 ("delivery not authorized") counts, unless the words say the client,
    // sender or HELO was refused (a block list, not a relay decision).
    let otherReasons = ["client", "blocked", "sender", "helo", "listed", "spam"]
    return reply.isPermanentFailure && reply.enhancedCode == "5.7.1"
      && !otherReasons.contains { text.mentions($0) }
  }

  /// The reply with every `<...>` span removed from its text.
  static func withoutAddresses(_ reply: Reply) -> Reply {
    let lines = reply.lines.map { line -> [UInt8] in
      var out: [UInt8] = []
      var depth = 0
      for byte in line {
        if byte == UInt8(ascii: "<") {
          depth += 1
        } else if byte == UInt8(ascii: ">"), depth > 0 {
          depth -= 1
        } else if depth == 0 {
          out.append(byte)
        }
      }
      return out
    }
    return Reply(code: reply.code, lines: lines)
  }

  /// Classifies the RCPT reply of one variant.
  static func outcome(rcpt reply: Reply) -> RelayAttempt.Outcome {
    if reply.isPositive { return .accepted }
    if isRelayDenial(reply) { return .relayDenied }
    if reply.code == 421 { return .blocked }
    let enhanced = reply.enhancedCode ?? ""
    if enhanced.hasPrefix("5.1.") || reply.code == 501 || reply.code == 553
      || withoutAddresses(reply).mentions("user unknown")
      || withoutAddresses(reply).mentions("unknown user")
    {
      return .notRelayed
    }
    return .blocked
  }

  /// Runs variants in one session until the budget or the session ends.
  /// - Returns: The attempts made (fewer than `variants` when the session stopped).
  static func run(
    _ variants: ArraySlice<Variant>, session: SMTPSession, budget: Int
  ) -> [RelayAttempt] {
    var attempts: [RelayAttempt] = []
    for variant in variants {
      guard session.isOpen, session.negativeReplies + 2 <= budget else { break }
      let start = session.transcript.count
      func attempt(_ outcome: RelayAttempt.Outcome, _ reply: Reply?, sender: Bool = false)
        -> RelayAttempt
      {
        RelayAttempt(
          id: variant.id, number: variant.number, mailFrom: variant.mailFrom,
          rcptTo: variant.rcptTo, outcome: outcome, reply: reply, senderRefused: sender,
          evidence: Array(session.transcript[start...]))
      }
      // A 421 ends the session, not the question: the form is tried again in the next one.
      guard let mail = try? session.command("MAIL FROM:<\(variant.mailFrom)>"), mail.code != 421
      else {
        attempts.append(attempt(.notTested, nil))
        break
      }
      guard mail.isPositive else {
        if session.isOpen { _ = try? session.command("RSET") }
        attempts.append(attempt(.blocked, mail, sender: true))
        // Three refused senders in a row: the server refuses this client, not relaying.
        if attempts.suffix(3).count == 3, attempts.suffix(3).allSatisfy(\.senderRefused) { break }
        continue
      }
      guard let rcpt = try? session.command("RCPT TO:<\(variant.rcptTo)>"), rcpt.code != 421 else {
        attempts.append(attempt(.notTested, nil))
        break
      }
      // RSET ends the transaction: the probe never sends DATA.
      if session.isOpen { _ = try? session.command("RSET") }
      attempts.append(attempt(outcome(rcpt: rcpt), rcpt))
    }
    return attempts
  }

  /// The verdict over all attempts.
  static func verdict(attempts: [RelayAttempt], vantage: Vantage, total: Int) -> (
    RelayVerdict, String?
  ) {
    let accepted = attempts.filter { $0.outcome == .accepted }
    if let reason = forgedSenderReason(attempts) { return (.forgedSender, reason) }
    if !accepted.isEmpty {
      return vantage.likelyTrusted
        ? (
          .trustedVantage,
          "accepted from \(vantage.address ?? "this vantage"), which the server likely trusts"
        )
        : (.open, nil)
    }
    let tested = attempts.filter { $0.outcome != .notTested }
    if tested.isEmpty { return (.inconclusive, "no relay attempt completed") }
    if let blocked = tested.first(where: { $0.outcome == .blocked }) {
      let why = blocked.reply?.summary ?? "no reply"
      return (.inconclusive, "refused for another reason than relaying: \(why)")
    }
    if tested.count < total {
      return (.inconclusive, "only \(tested.count) of \(total) variants were tested")
    }
    return (.closed, nil)
  }

  /// The forms whose sender is foreign to the server (the null sender and
  /// `probe@example.com`); every other form sends from the server's own name or address.
  static let foreignSenderForms: Set<String> = ["null-sender", "plain"]

  /// Why relaying depends on the sender, or nil when it does not (or cannot be told).
  ///
  /// Some form was accepted, each accepted form has a sender in the server's own domain
  /// or address, and a form with a foreign sender was refused as a relay (or its sender
  /// was refused). The acceptance then comes from a sender rule such as Postfix's
  /// `check_sender_access` returning `OK` before `reject_unauth_destination`, not from the
  /// client's address: a forged local sender relays from anywhere.
  /// - Parameter attempts: Every form, tried or not.
  /// - Returns: The reason, naming the forms accepted and the refusal.
  static func forgedSenderReason(_ attempts: [RelayAttempt]) -> String? {
    let accepted = attempts.filter { $0.outcome == .accepted }
    guard !accepted.isEmpty,
      accepted.allSatisfy({ !foreignSenderForms.contains($0.id) })
    else { return nil }
    let refusals = attempts.filter {
      foreignSenderForms.contains($0.id) && ($0.outcome == .relayDenied || $0.senderRefused)
    }
    // `plain` (a foreign domain) first: the clearest contrast with a forged local sender.
    guard let refused = refusals.first(where: { $0.id == "plain" }) ?? refusals.first else {
      return nil
    }
    let sender = refused.mailFrom.isEmpty ? "<>" : refused.mailFrom
    let ids = accepted.map(\.id).joined(separator: ", ")
    return "accepted only with senders in the server's own domain or address (\(ids)); "
      + "with the sender \(sender) it was refused: \(refused.reply?.summary ?? "no reply")"
  }

  /// Whether a name looks like a domain name (letters, digits, `-`, `.`; one dot at least).
  static func isDomainName(_ text: String) -> Bool {
    let bytes = Array(text.utf8)
    guard bytes.count <= 253, bytes.contains(UInt8(ascii: ".")) else { return false }
    return bytes.allSatisfy {
      (0x61...0x7A).contains($0 | 0x20) || (0x30...0x39).contains($0) || $0 == 0x2D || $0 == 0x2E
    }
  }
}
