import PostfixConfig

/// A named set of transforms for one role: `pfharden apply --profile NAME`.
public enum Profile: String, CaseIterable, Sendable {
  /// The host only sends (web apps, system mail).
  case sendOnly = "send-only"
  /// Relays mail for internal systems (`--network`).
  case relay
  /// Receives mail from the internet (`--domain`).
  case mx
  /// Accepts authenticated mail on 587 and 465.
  case submission

  /// The role `pfharden check --role` audits the result for.
  public var role: Role {
    switch self {
    case .sendOnly: return .sendOnly
    case .relay: return .relay
    case .mx: return .mx
    case .submission: return .submission
    }
  }

  /// The profile's one-line description.
  public var summary: String {
    switch self {
    case .sendOnly: return "only sends mail; listens on loopback only"
    case .relay: return "relays mail for the networks given with --network"
    case .mx: return "receives mail from the internet for --domain"
    case .submission: return "accepts authenticated mail on ports 587 and 465"
    }
  }

  /// The profile called `name`.
  /// - Parameter name: The name given on the command line.
  /// - Returns: The profile.
  /// - Throws: ``PostfixHardeningError`` `invalidRequest` naming the closest profile.
  public static func named(_ name: String) throws -> Profile {
    if let profile = Profile(rawValue: name) { return profile }
    let names = allCases.map(\.rawValue)
    var message = "unknown profile '\(Printable.sanitize(name.utf8))'"
    let scored = names.map { ($0, Self.editDistance(name.lowercased(), $0)) }
    if let best = scored.min(by: { $0.1 < $1.1 }), best.1 <= max(2, best.0.count / 3) {
      message += " (did you mean '\(best.0)'?)"
    }
    throw PostfixHardeningError(
      .invalidRequest, message + "; profiles: " + names.joined(separator: ", "))
  }

  /// What a profile resolved to for one configuration.
  public struct Build: Sendable {
    /// The transforms, in order (a later setting of the same parameter wins).
    public var transforms: [Transform]
    /// What the profile left alone, and why.
    public var notes: [String]
  }

  /// The transforms this profile applies to `configuration`.
  /// - Parameters:
  ///   - options: The command line's choices.
  ///   - configuration: The current configuration.
  ///   - isReadable: Whether a file can be read now (certificates and keys).
  /// - Returns: The transforms and notes.
  /// - Throws: ``PostfixHardeningError`` `invalidRequest` when a required option
  ///   is missing (`relay` without `--network`).
  public func build(
    options: ProfileOptions, configuration: PostfixConfiguration,
    isReadable: (String) -> Bool
  ) throws -> Build {
    var notes: [String] = []
    let certificate = ServerCertificate.resolve(
      given: options.certificate, configuration: configuration, isReadable: isReadable)
    if case .missing(let why) = certificate, self != .sendOnly {
      notes.append("server TLS left as it is: \(why); give --cert FILE --key FILE")
    }
    var transforms: [Transform]
    switch self {
    case .sendOnly:
      transforms = [
        .loopbackOnly, .mynetworks([]), .relayRestrictions(permitAuthenticated: false),
        .disableVRFY, .requireHELO, .clientTLS, .clientTLSLogging, .banner, .forbidBareNewline,
      ]
    case .relay:
      guard !options.networks.isEmpty else {
        throw PostfixHardeningError(
          .invalidRequest,
          "the relay profile needs --network CIDR (repeatable) for the systems it relays for")
      }
      transforms = [
        .mynetworks(options.networks), .relayRestrictions(permitAuthenticated: false),
        .relayDomains(options.relayDomains), .disableVRFY, .requireHELO, .clientTLS,
        .clientTLSLogging,
      ]
      transforms += certificate.transforms(
        strength: options.tls, opportunisticFloor: false, excludeAnonymous: true)
      transforms += [.banner, .forbidBareNewline]
    case .mx:
      transforms = [.mynetworks([]), .relayRestrictions(permitAuthenticated: false)]
      if !options.domains.isEmpty {
        transforms.append(
          .destinations(
            adding: options.domains,
            to: String(decoding: configuration.setting("mydestination").raw, as: UTF8.self)))
      }
      transforms += [
        .heloRestrictions, .rejectUnauthPipelining, .disableVRFY, .clientTLS, .clientTLSLogging,
      ]
      transforms += certificate.transforms(strength: options.tls, opportunisticFloor: true)
      transforms += [.banner, .forbidBareNewline]
      if options.tls != .compatible, !certificate.isMissing {
        notes.append(
          "port 25 keeps compatible TLS protocols: refusing old TLS there only makes peers send in plain text"
        )
      }
    case .submission:
      transforms = [
        .mynetworks([]), .relayRestrictions(permitAuthenticated: true), .disableVRFY,
        .requireHELO, .clientTLS, .clientTLSLogging,
      ]
      let server = certificate.transforms(strength: options.tls, opportunisticFloor: true)
      transforms += server
      if server.isEmpty {
        notes.append("submission services not added: they need TLS and so a certificate")
      } else {
        transforms.append(
          .submissionServices(sasl: options.sasl, path: options.saslPath, strength: options.tls))
      }
      transforms += [.banner, .forbidBareNewline]
    }
    return Build(transforms: transforms, notes: notes)
  }
}

extension Profile {
  /// Levenshtein distance, for "did you mean".
  static func editDistance(_ lhs: String, _ rhs: String) -> Int {
    let left = Array(lhs.utf8)
    let right = Array(rhs.utf8)
    if left.isEmpty { return right.count }
    var previous = Array(0...right.count)
    for (row, leftByte) in left.enumerated() {
      var current = [row + 1]
      for (column, rightByte) in right.enumerated() {
        let cost = leftByte == rightByte ? 0 : 1
        current.append(min(previous[column] + cost, previous[column + 1] + 1, current[column] + 1))
      }
      previous = current
    }
    return previous[right.count]
  }
}
