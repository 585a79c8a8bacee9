import PostfixConfig

/// How smtpd walks `smtpd_relay_restrictions` and `smtpd_recipient_restrictions`
/// for an anonymous client outside `mynetworks` sending to a foreign domain.
enum RestrictionList {
  /// The result of walking one list.
  enum Outcome: Equatable {
    /// A restriction rejects (or defers) the relay attempt.
    case rejects(String)
    /// A restriction permits it before any reject.
    case permits(String)
    /// The list ends without a decision (smtpd then goes on: permitted).
    case fallsThrough
  }

  /// Restrictions that take the next word as their argument.
  static func takesArgument(_ word: String) -> Bool {
    word.hasPrefix("check_") || word.hasPrefix("reject_rhsbl_") || word == "reject_rbl_client"
      || word == "permit_dnswl_client" || word == "permit_rhswl_client"
      || word == "reject_dnsbl_client"
  }

  static let terminalRejects: Set<String> = [
    "reject", "defer", "reject_unauth_destination", "defer_unauth_destination",
  ]

  /// Walks `words` as smtpd would for an outside anonymous relay attempt.
  /// - Parameters:
  ///   - words: The restriction list.
  ///   - mynetworksIsEveryone: Whether `permit_mynetworks` matches any client.
  /// - Returns: The first decisive restriction.
  static func evaluate(_ words: [String], mynetworksIsEveryone: Bool) -> Outcome {
    walk(words, client: .anonymous, mynetworksIsEveryone: mynetworksIsEveryone).outcome
  }

  /// Who is knocking, for ``evaluate(_:client:mynetworksIsEveryone:)``.
  enum Client: Equatable {
    /// An anonymous client outside `mynetworks`.
    case anonymous
    /// A client outside `mynetworks` that authenticated with SASL.
    case authenticated
  }

  /// Walks `words` as smtpd would for a relay attempt (a foreign recipient)
  /// by `client`, and gives the decisive word's index.
  /// - Parameters:
  ///   - words: The restriction list.
  ///   - client: The client.
  ///   - mynetworksIsEveryone: Whether `permit_mynetworks` matches any client.
  /// - Returns: The outcome and the index of the word that decided it (the
  ///   list's length when it falls through).
  static func walk(_ words: [String], client: Client, mynetworksIsEveryone: Bool) -> (
    outcome: Outcome, index: Int
  ) {
    var index = 0
    // Each iteration moves index forward by one or two.
    while index < words.count {
      let word = words[index].lowercased()
      if terminalRejects.contains(word) { return (.rejects(word), index) }
      if word == "permit" { return (.permits("permit"), index) }
      if word == "permit_mynetworks" && mynetworksIsEveryone {
        return (.permits("permit_mynetworks with mynetworks covering every address"), index)
      }
      if word == "permit_sasl_authenticated" && client == .authenticated {
        return (.permits(word), index)
      }
      if takesArgument(word) {
        if index + 1 < words.count {
          let table = words[index + 1].lowercased()
          if word.hasSuffix("_access"), table == "static:ok" || table == "static:permit" {
            return (.permits("\(word) \(words[index + 1])"), index)
          }
        }
        index += 2
        continue
      }
      if word == "warn_if_reject" {
        index += 2
        continue
      }
      index += 1
    }
    return (.fallsThrough, words.count)
  }

  /// The list closed to anonymous outsiders, every entry kept.
  ///
  /// `reject_unauth_destination` goes before the first entry that lets an
  /// anonymous outsider relay (a bare `permit`, `static:OK` access), or at
  /// the end when nothing decides; nil when the list already rejects.
  /// `permit_mynetworks` with a `mynetworks` of everyone is left to the
  /// mynetworks transform.
  /// - Parameters:
  ///   - words: The list.
  ///   - permits: Permits (`permit_mynetworks`, `permit_sasl_authenticated`)
  ///     the clients trusted so far relied on, anywhere in either list: each
  ///     missing before the new reject is inserted in front of it.
  /// - Returns: The edited list, or nil when no edit is needed.
  static func closing(_ words: [String], keeping permits: [String] = []) -> [String]? {
    let (outcome, index) = walk(words, client: .anonymous, mynetworksIsEveryone: false)
    if case .rejects = outcome { return nil }
    let before = words[..<index].map { $0.lowercased() }
    let missing = permits.filter { !before.contains($0) }
    var edited = words
    edited.insert(contentsOf: missing + ["reject_unauth_destination"], at: index)
    return edited
  }

  /// The list with `permit_sasl_authenticated` before the entry that rejects
  /// authenticated clients' relaying; nil when they already get through.
  /// - Parameter words: The list.
  /// - Returns: The edited list, or nil when no edit is needed.
  static func admittingAuthenticated(_ words: [String]) -> [String]? {
    let (outcome, index) = walk(words, client: .authenticated, mynetworksIsEveryone: false)
    guard case .rejects = outcome else { return nil }
    var edited = words
    edited.insert("permit_sasl_authenticated", at: index)
    return edited
  }

  /// Whether a client gets through both lists (smtpd checks the relay list,
  /// then the recipient list; a reject in either refuses).
  /// - Parameters:
  ///   - relay: `smtpd_relay_restrictions`.
  ///   - recipient: `smtpd_recipient_restrictions`.
  ///   - client: The client.
  /// - Returns: True when neither list rejects its relay attempt.
  static func relays(relay: [String], recipient: [String], client: Client) -> Bool {
    for list in [relay, recipient] {
      if case .rejects = walk(list, client: client, mynetworksIsEveryone: false).outcome {
        return false
      }
    }
    return true
  }

  /// The words smtpd requires in at least one of the two lists (smtpd_check.c).
  static let required: Set<String> = [
    "reject_unauth_destination", "defer_unauth_destination", "reject", "defer",
    "defer_if_permit", "check_relay_domains",
  ]

  /// smtpd's `has_required()`: a required word before the first `permit`,
  /// looking into restriction classes.
  /// - Parameters:
  ///   - words: The list.
  ///   - classes: The restriction classes the service sees.
  /// - Returns: Whether the list satisfies smtpd's start-up check.
  static func hasRequired(_ words: [String], classes: RestrictionClasses) -> Bool {
    var known: [String: Bool] = [:]
    return hasRequired(words, classes: classes, known: &known, depth: 0)
  }

  /// ``hasRequired(_:classes:)`` with each class judged once (`known`): a
  /// class named many times, or classes naming each other, cost one look each.
  private static func hasRequired(
    _ words: [String], classes: RestrictionClasses, known: inout [String: Bool], depth: Int
  ) -> Bool {
    guard depth < 16 else { return false }
    var index = 0
    while index < words.count {
      let word = words[index]
      if word == "warn_if_reject", index + 1 < words.count {
        index += 2
        continue
      }
      if word == "permit" { return false }
      if required.contains(word) { return true }
      if classes.names.contains(word) {
        let result: Bool
        if let judged = known[word] {
          result = judged
        } else {
          // While a class is being judged, naming it again adds nothing.
          known[word] = false
          result = hasRequired(
            classes.words(word), classes: classes, known: &known, depth: depth + 1)
          known[word] = result
        }
        if result { return true }
      }
      index += 1
    }
    return false
  }

  /// Restriction classes visible to `service`, read only when a list names one.
  struct RestrictionClasses {
    /// The names in `smtpd_restriction_classes`.
    let names: Set<String>
    /// A class's list, as the service sees it.
    let words: (String) -> [String]
  }

  /// Restriction classes visible to `service`.
  static func classes(_ context: AuditContext, service: SMTPService) -> RestrictionClasses {
    RestrictionClasses(
      names: Set(context.setting("smtpd_restriction_classes", for: service).words),
      words: { context.setting($0, for: service).words })
  }

  /// Whether a `mynetworks` of these words matches any client: it contains
  /// `0.0.0.0/0` or `::/0`.
  static func mynetworksIsEveryone(_ words: [String]) -> Bool {
    words.contains { word in CIDR.parse(word).map { $0.prefixLength == 0 } ?? false }
  }

  /// ``mynetworksIsEveryone(_:)`` and ``evaluate(_:mynetworksIsEveryone:)``
  /// of lists already judged, remembered: a file of many services that
  /// share their lists has each judged once, not once a service.
  struct Judged {
    private struct ListKey: Hashable {
      var words: [String]
      var mynetworksIsEveryone: Bool
    }
    private var everyone: [[String]: Bool] = [:]
    private var outcomes: [ListKey: Outcome] = [:]

    mutating func mynetworksIsEveryone(_ words: [String]) -> Bool {
      if let known = everyone[words] { return known }
      let result = RestrictionList.mynetworksIsEveryone(words)
      everyone[words] = result
      return result
    }

    mutating func evaluate(_ words: [String], mynetworksIsEveryone: Bool) -> Outcome {
      let key = ListKey(words: words, mynetworksIsEveryone: mynetworksIsEveryone)
      if let known = outcomes[key] { return known }
      let result = RestrictionList.evaluate(words, mynetworksIsEveryone: mynetworksIsEveryone)
      outcomes[key] = result
      return result
    }
  }
}
