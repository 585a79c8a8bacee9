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
    var index = 0
    while index < words.count {
      let word = words[index].lowercased()
      if terminalRejects.contains(word) { return .rejects(word) }
      if word == "permit" { return .permits("permit") }
      if word == "permit_mynetworks" && mynetworksIsEveryone {
        return .permits("permit_mynetworks with mynetworks covering every address")
      }
      if takesArgument(word) {
        if index + 1 < words.count {
          let table = words[index + 1].lowercased()
          if word.hasSuffix("_access"), table == "static:ok" || table == "static:permit" {
            return .permits("\(word) \(words[index + 1])")
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
    return .fallsThrough
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
  ///   - classes: Restriction classes by name.
  ///   - depth: Recursion depth (bounded).
  /// - Returns: Whether the list satisfies smtpd's start-up check.
  static func hasRequired(_ words: [String], classes: [String: [String]], depth: Int = 0) -> Bool {
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
      if let expansion = classes[word], hasRequired(expansion, classes: classes, depth: depth + 1) {
        return true
      }
      index += 1
    }
    return false
  }

  /// Restriction classes visible to `service`.
  static func classes(_ context: AuditContext, service: SMTPService) -> [String: [String]] {
    var result: [String: [String]] = [:]
    for name in context.setting("smtpd_restriction_classes", for: service).words {
      result[name] = context.setting(name, for: service).words
    }
    return result
  }

  /// Whether the service's `mynetworks` contains `0.0.0.0/0` or `::/0`.
  static func mynetworksIsEveryone(_ context: AuditContext, service: SMTPService) -> Bool {
    context.setting("mynetworks", for: service).words.contains { word in
      CIDR.parse(word).map { $0.prefixLength == 0 } ?? false
    }
  }
}
