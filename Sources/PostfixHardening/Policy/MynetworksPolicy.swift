import PostfixConfig

/// What each role may trust in `mynetworks`: one judgement that the
/// `mynetworks-narrow` rule reports and the `mynetworks` transform acts on,
/// so that a profile's result passes the audit of its role.
///
/// Dangerous, removed by every profile: `0.0.0.0/0`, `::/0` and public ranges
/// wider than /24 (IPv6 /48). Public networks on an mx: removed (an MX relays
/// for nobody but itself). Everything else is kept: loopback, private
/// networks (the host's own LAN or container networks), negations, and table
/// or file references, whose contents this library cannot see.
enum MynetworksPolicy {
  /// The judgement of one word.
  enum Verdict: Equatable {
    /// Kept, with what the plan and the audit say about it (nil: nothing).
    case keep(note: String?, severity: Severity?)
    /// Removed by the profile of this role; the audit reports it.
    case remove(reason: String, severity: Severity)
    /// Malformed: Postfix will complain; kept as it is.
    case invalid(String)
  }

  /// Judges one `mynetworks` word for a role.
  /// - Parameters:
  ///   - word: The word as written (or expanded).
  ///   - role: The role of the service that uses it.
  ///   - isDefault: Whether the value is Postfix's default (the host's own
  ///     addresses from `mynetworks_style`).
  /// - Returns: The verdict.
  static func verdict(_ word: String, role: Role, isDefault: Bool = false) -> Verdict {
    switch CIDR.classify(word) {
    case .invalid(let reason): return .invalid(reason)
    case .other:
      if word.contains("$") { return .keep(note: nil, severity: nil) }
      return .keep(
        note: "\(word): a table or file whose networks are not judged here", severity: nil)
    case .network(let network):
      if word.hasPrefix("!") || network.isLoopback { return .keep(note: nil, severity: nil) }
      if isDefault && network.isSingleHost { return .keep(note: nil, severity: nil) }
      if network.prefixLength == 0 {
        return .remove(reason: "\(word) trusts every address", severity: .error)
      }
      if let range = network.privateRange {
        let whole = network.prefixLength <= range.prefixLength
        switch role {
        case .relay, .submission:
          return .keep(
            note: whole ? "\(word): a whole private range; list the client subnets" : nil,
            severity: whole ? .info : nil)
        case .mx, .sendOnly:
          return .keep(
            note: "\(word): a private network, kept (clients there may relay)", severity: .info)
        }
      }
      let limit = network.address.family == .inet4 ? 24 : 48
      if network.prefixLength < limit {
        return .remove(reason: "\(word) is a public range wider than /\(limit)", severity: .error)
      }
      switch role {
      case .mx:
        return .remove(
          reason: "\(word) is a public network an mx should not relay for", severity: .warning)
      case .sendOnly:
        return .keep(
          note: "\(word): a public network; harmless while only loopback listens",
          severity: .info)
      case .relay, .submission:
        return .keep(note: nil, severity: nil)
      }
    }
  }

  /// Narrows a `mynetworks` value: drops the words ``verdict(_:role:isDefault:)``
  /// removes, keeps the others in order.
  /// - Parameters:
  ///   - words: The value's words as written.
  ///   - role: The role judged by.
  /// - Returns: The words kept, the words removed with reasons, and the notes
  ///   on what was kept.
  static func narrow(_ words: [String], role: Role) -> (
    kept: [String], removed: [String], notes: [String]
  ) {
    var kept: [String] = []
    var removed: [String] = []
    var notes: [String] = []
    for word in words {
      switch verdict(word, role: role) {
      case .remove(let reason, _): removed.append(reason)
      case .keep(let note, _):
        kept.append(word)
        if let note { notes.append(note) }
      case .invalid:
        kept.append(word)
      }
    }
    return (kept, removed, notes)
  }
}
