import PostfixConfig

/// A named set of transforms for one role: `pfharden apply --profile NAME`.
public enum Profile: String, CaseIterable, Sendable {
  /// The host only sends (web apps, system mail).
  case sendOnly = "send-only"
  /// Relays mail for internal systems (``ProfileOptions/networks``).
  case relay
  /// Receives mail from the internet (``ProfileOptions/domains``).
  case mx
  /// Accepts authenticated mail on 587 and 465.
  case submission

  /// The role an audit of the result judges the services by.
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
    case .relay: return "relays mail for the networks it is given"
    case .mx: return "receives mail from the internet for the domains it is given"
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
    /// What the profile left alone or could not do, and why.
    public var notes: [ProfileNote]
    /// What the admin wrote that the profile deliberately kept, and why.
    public var kept: [String] = []
  }

  /// The transforms this profile applies to `configuration`: the smallest
  /// edits that close each risk, decided per master.cf service, keeping the
  /// admin's tables, networks, restriction entries and the overrides of
  /// loopback and internal services.
  /// - Parameters:
  ///   - options: The command line's choices.
  ///   - configuration: The current configuration.
  ///   - isReadable: Whether a file can be read now (certificates and keys).
  /// - Returns: The transforms, notes and what was kept.
  /// - Throws: ``PostfixHardeningError`` `invalidRequest` when a required option
  ///   is missing (`relay` without networks; the underlying error is
  ///   ``ProfileRequirement/networksMissing``) or the profile cannot work on
  ///   this host (relay, mx or submission where `inet_interfaces` is
  ///   loopback-only); `configuration` when a given certificate or key cannot
  ///   be read (underlying: ``ProfileRequirement/certificateUnusable(reason:)``).
  public func build(
    options: ProfileOptions, configuration: PostfixConfiguration,
    isReadable: (String) -> Bool
  ) throws -> Build {
    var notes: [ProfileNote] = []
    var existing = ExistingConfiguration(configuration)
    if self != .sendOnly, existing.listensOnLoopbackOnly {
      let value = configuration.setting("inet_interfaces").text
      throw PostfixHardeningError(
        .invalidRequest,
        "the \(rawValue) profile cannot work here: inet_interfaces = \(Printable.sanitize(value.utf8)) "
          + "keeps every service on loopback, so no client can reach it; set inet_interfaces "
          + "to the addresses clients use (that needs a restart) or use the send-only profile")
    }
    if self == .relay, options.networks.isEmpty {
      throw PostfixHardeningError(
        .invalidRequest, "the relay profile needs the networks (CIDR) of the systems it relays for",
        underlying: ProfileRequirement.networksMissing)
    }
    let certificate = ServerCertificate.resolve(
      given: options.certificate, configuration: configuration, isReadable: isReadable)
    if options.certificate != nil, case .missing(let why) = certificate {
      // A certificate and key given explicitly that cannot be used is an error, never a note.
      throw PostfixHardeningError(
        .configuration, "not using the certificate and key given: \(why)",
        underlying: ProfileRequirement.certificateUnusable(reason: why))
    }
    if case .missing(let why) = certificate, self != .sendOnly {
      notes.append(ProfileNote(.serverTLSUnchanged(reason: why)))
    }
    let hasTLS = !certificate.isMissing
    var transforms: [Transform] = []
    func add(_ transform: Transform?) {
      if let transform { transforms.append(transform) }
    }
    // mynetworks is judged by the role of the port-25 service the profile is for.
    let mynetworksRole: Role
    switch self {
    case .sendOnly: mynetworksRole = .sendOnly
    case .relay: mynetworksRole = .relay
    case .mx: mynetworksRole = .mx
    case .submission:
      mynetworksRole =
        existing.publicServices.first { existing.listener(of: $0)?.port == 25 }?.role ?? .relay
    }
    // The submission services to add: only for ports no service binds yet.
    var creating: Set<String> = []
    if self == .submission && hasTLS {
      for (port, name) in [(587, "submission"), (465, "submissions")] {
        if existing.isBound(port: port) {
          let names = existing.listeners.filter { $0.port == port }.map(\.key)
          existing.kept.append(
            "port \(port) is already served by \(names.joined(separator: ", ")): no \(name) service added"
          )
        } else {
          creating.insert(name)
        }
      }
    }
    switch self {
    case .sendOnly:
      transforms.append(.loopbackOnly)
      add(existing.mynetworks(role: mynetworksRole))
      add(existing.relayRestrictions())
      add(existing.relayDomains(adding: []))
      transforms += [.disableVRFY, .requireHELO, .clientTLS, .clientTLSLogging]
    case .relay:
      add(existing.mynetworks(role: mynetworksRole, adding: options.networks))
      add(existing.relayRestrictions())
      add(existing.relayDomains(adding: options.relayDomains))
      transforms += [.disableVRFY, .requireHELO, .clientTLS, .clientTLSLogging]
      transforms += certificate.transforms(
        strength: options.tls, opportunisticFloor: false, excludeAnonymous: true)
    case .mx:
      add(existing.mynetworks(role: mynetworksRole))
      add(existing.relayRestrictions())
      add(existing.relayDomains(adding: []))
      if !options.domains.isEmpty {
        transforms.append(
          .destinations(
            adding: options.domains,
            to: String(decoding: configuration.setting("mydestination").raw, as: UTF8.self)))
      }
      transforms.append(existing.heloRestrictions())
      add(existing.rejectUnauthPipelining())
      transforms += [.disableVRFY, .clientTLS, .clientTLSLogging]
      transforms += certificate.transforms(strength: options.tls, opportunisticFloor: true)
      if options.tls != .compatible, hasTLS {
        notes.append(ProfileNote(.compatibleTLSOnPortTwentyFive))
      }
    case .submission:
      add(existing.mynetworks(role: mynetworksRole))
      // New services inherit main.cf's lists: they must admit logged-in users.
      add(existing.relayRestrictions(extraAuthenticated: !creating.isEmpty))
      add(existing.relayDomains(adding: []))
      transforms += [.disableVRFY, .requireHELO, .clientTLS, .clientTLSLogging]
      // Port 25 of a relay refuses anonymous suites (1024-bit DH), as the relay profile does.
      transforms += certificate.transforms(
        strength: options.tls, opportunisticFloor: true,
        excludeAnonymous: mynetworksRole == .relay)
    }
    if self != .sendOnly {
      transforms.append(.serverTLSLogging)
      if hasTLS {
        add(existing.existingSubmissionServices(requireAuthentication: self == .submission))
        if existing.anyServiceAuthenticates {
          transforms.append(.tlsAuthOnly)
        }
      } else if existing.anyServiceAuthenticates {
        notes.append(ProfileNote(.tlsAuthOnlyUnchanged))
      }
    }
    if self == .submission {
      if !hasTLS {
        notes.append(ProfileNote(.submissionServicesNeedTLS))
      } else {
        var services = Transform.submissionServices(
          sasl: options.sasl, path: options.saslPath, strength: options.tls, creating: creating,
          host: existing.commonListenerHost)
        if options.saslPath == nil, existing.setting("smtpd_sasl_type").isExplicit {
          // A SASL backend main.cf already names is what logged-in users use now.
          services.settings.removeAll {
            $0.name == "smtpd_sasl_type" || $0.name == "smtpd_sasl_path"
          }
          existing.kept.append(
            "smtpd_sasl_type, smtpd_sasl_path: the configured SASL backend is kept (a SASL path "
              + "given with the profile replaces it)"
          )
        }
        transforms.append(services)
      }
    }
    if hasTLS || self == .sendOnly {
      for grade in ["export", "low", "medium", "high", "null"] {
        let name = "tls_\(grade)_cipherlist"
        if configuration.setting(name).isExplicit {
          existing.kept.append(
            "\(name): your cipher list is kept (check warns: Postfix's docs advise against editing it)"
          )
        }
      }
    }
    if self == .sendOnly {
      let authenticating = existing.publicServices.filter { existing.authenticates($0) }
      if !authenticating.isEmpty {
        notes.append(ProfileNote(.loopbackOnlyStrandsLogins(services: authenticating.map(\.key))))
      }
    }
    transforms += [.banner, .forbidBareNewline]
    return Build(transforms: transforms, notes: notes, kept: existing.kept)
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
