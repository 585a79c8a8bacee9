import PostfixConfig

/// The configuration a profile starts from, and the smallest edits that close
/// each risk in it while keeping what the admin wrote.
///
/// Every decision here is per master.cf service, from what the service
/// listens on (address and port) rather than its name: loopback listeners
/// (content-filter return paths) keep their overrides, an existing 587 or 465
/// service is hardened rather than a second one added, and a service that
/// authenticates keeps relaying for its users.
struct ExistingConfiguration {
  let configuration: PostfixConfiguration
  /// The smtpd services with inferred roles (behind postscreen: its pass service).
  let services: [SMTPService]
  /// Every inet listener of master.cf.
  let listeners: [Listener]
  /// What was deliberately kept, and why (for the plan).
  var kept: [String] = []

  init(_ configuration: PostfixConfiguration) {
    self.configuration = configuration
    self.services = RoleInference.services(in: configuration, options: AuditOptions()).services
    self.listeners = Listener.all(in: configuration)
    // Grouped once: a master.cf of thousands of loopback services read every
    // entry for each of them.
    let overrideCounts = configuration.masterCF?.overrideCountsByService() ?? [:]
    for service in services where service.loopbackOnly {
      let key = MasterCF.ServiceKey(
        service: Array(service.name.utf8), type: Array(service.type.utf8))
      if let count = overrideCounts[key], count > 0 {
        kept.append(
          "\(service.key): listens on loopback only (\(service.listener)); its \(count) -o override(s) are kept"
        )
      }
    }
  }

  /// The smtpd services reachable from outside.
  var publicServices: [SMTPService] { services.filter { !$0.loopbackOnly } }

  /// Whether `inet_interfaces` keeps every listener on loopback.
  var listensOnLoopbackOnly: Bool {
    RoleInference.isLoopbackOnly(configuration.setting("inet_interfaces").words)
  }

  func setting(_ name: String, for service: SMTPService? = nil) -> PostfixConfiguration.Setting {
    guard let service else { return configuration.setting(name) }
    return configuration.setting(name, service: service.name, type: service.type)
  }

  /// Whether `service` has its own `-o name=…`.
  func overrides(_ name: String, in service: SMTPService) -> Bool {
    if case .masterCF = setting(name, for: service).source { return true }
    return false
  }

  /// Whether the service offers SASL authentication.
  func authenticates(_ service: SMTPService?) -> Bool {
    setting("smtpd_sasl_auth_enable", for: service).isYes
  }

  /// The public smtpd services that listen on `port`.
  func services(onPort port: Int) -> [SMTPService] {
    publicServices.filter { service in
      listener(of: service)?.port == port
    }
  }

  /// The listener a service accepts connections on (postscreen's for a pass service).
  func listener(of service: SMTPService) -> Listener? {
    listeners.first { $0.service == service.listener && $0.type == "inet" }
  }

  /// The host every inet smtpd listener names (`192.0.2.10` for
  /// `192.0.2.10:smtp`), so that new services listen where the others do;
  /// nil when one listens on `inet_interfaces` or they differ.
  var commonListenerHost: String? {
    let hosts = listeners.filter { $0.command == "smtpd" || $0.command == "postscreen" }
      .map { Listener.split($0.service).host }
    guard let first = hosts.first, let host = first, hosts.allSatisfy({ $0 == host }) else {
      return nil
    }
    return host.contains(":") ? "[\(host)]" : host
  }

  /// Whether any inet service of master.cf binds `port` (any command).
  func isBound(port: Int) -> Bool { listeners.contains { $0.port == port } }

  /// The words of a list value as written (blanks and commas separate them).
  static func writtenWords(_ setting: PostfixConfiguration.Setting) -> [String] {
    ApplyPlanner.words(setting.raw).map { String(decoding: $0, as: UTF8.self) }
  }

  // MARK: - Relay restrictions

  /// Closes the relay lists to outsiders and keeps them open to logged-in users.
  ///
  /// Edits `smtpd_relay_restrictions` and `smtpd_recipient_restrictions`
  /// (main.cf and each public service's own `-o`) so that anonymous outside
  /// clients cannot relay and authenticated users of services that
  /// authenticate still can. Every entry the admin wrote is kept.
  /// - Parameter extraAuthenticated: Whether main.cf's lists must admit
  ///   authenticated clients even if no service authenticates yet.
  /// - Returns: The transform, or nil when nothing needs changing.
  mutating func relayRestrictions(extraAuthenticated: Bool = false) -> Transform? {
    let names = ["smtpd_relay_restrictions", "smtpd_recipient_restrictions"]
    var main: [String: [String]] = [:]
    var mainChanged: Set<String> = []
    for name in names { main[name] = setting(name).words }
    var serviceValues: [String: [String: [String]]] = [:]
    var serviceChanged: [String: Set<String>] = [:]
    var edits: [String] = []

    func fix(_ service: SMTPService?, authenticated: Bool) {
      func source(_ name: String) -> String? {
        guard let service, overrides(name, in: service) else { return nil }
        return service.key
      }
      func value(_ name: String) -> [String] {
        if let service, let key = source(name) {
          return serviceValues[key]?[name] ?? setting(name, for: service).words
        }
        return main[name] ?? []
      }
      func store(_ name: String, _ words: [String], _ what: String) {
        let scope = source(name) ?? "main.cf"
        if let key = source(name) {
          serviceValues[key, default: [:]][name] = words
          serviceChanged[key, default: []].insert(name)
        } else {
          main[name] = words
          mainChanged.insert(name)
        }
        edits.append("\(scope) \(name): \(what)")
      }
      let relay = value(names[0])
      let recipient = value(names[1])
      let rejectsAnonymous = [relay, recipient].contains { list in
        if case .rejects = RestrictionList.evaluate(list, mynetworksIsEveryone: false) {
          return true
        }
        return false
      }
      if !rejectsAnonymous {
        // Close the list that lets outsiders through (the relay list first, as
        // smtpd reads them); when neither decides, the recipient list's end.
        func opens(_ list: [String]) -> Bool {
          if case .permits = RestrictionList.evaluate(list, mynetworksIsEveryone: false) {
            return true
          }
          return false
        }
        let target =
          opens(relay) ? names[0] : opens(recipient) || !recipient.isEmpty ? names[1] : names[0]
        let permits = ["permit_mynetworks", "permit_sasl_authenticated"].filter { word in
          (relay + recipient).contains { $0.lowercased() == word }
        }
        let keep = target == names[0] && relay.isEmpty ? ["permit_mynetworks"] : permits
        if let closed = RestrictionList.closing(value(target), keeping: keep) {
          store(target, closed, "reject_unauth_destination inserted, every other entry kept")
        }
      }
      guard authenticated else { return }
      for name in names {
        if let admitted = RestrictionList.admittingAuthenticated(value(name)) {
          store(
            name, admitted,
            "permit_sasl_authenticated inserted so that logged-in users can still send")
        }
      }
    }

    fix(nil, authenticated: extraAuthenticated || authenticates(nil))
    for service in publicServices {
      fix(service, authenticated: authenticates(service))
    }
    var settings: [Transform.Setting] = []
    for name in names where mainChanged.contains(name) {
      settings.append(.init(name, (main[name] ?? []).joined(separator: ", ")))
    }
    var services: [Transform.Service] = []
    for service in publicServices {
      guard let changed = serviceChanged[service.key], !changed.isEmpty else { continue }
      let overrides = names.filter(changed.contains).map {
        Transform.Setting($0, (serviceValues[service.key]?[$0] ?? []).joined(separator: ","))
      }
      services.append(
        .init(name: service.name, type: service.type, overrides: overrides, onlyIfPresent: true))
    }
    guard !settings.isEmpty || !services.isEmpty else { return nil }
    return Transform(
      id: "relay-restrictions",
      summary: "refuse to relay for anonymous outside clients, keep relaying for logged-in users ("
        + edits.joined(separator: "; ") + ")",
      settings: settings, services: services,
      ruleIDs: [RuleID.openRelay, RuleID.smtpdRefusesToRun, RuleID.saslRelay])
  }

  // MARK: - mynetworks

  /// Narrows `mynetworks` (main.cf and public services' own `-o`) to what
  /// `role` may trust, adding `networks`; tables, files, loopback and private
  /// networks stay.
  /// - Parameters:
  ///   - role: The role main.cf's value is judged by.
  ///   - networks: Networks to add (`--network`).
  /// - Returns: The transform, or nil when nothing needs changing.
  mutating func mynetworks(role: Role, adding networks: [Network] = []) -> Transform? {
    var settings: [Transform.Setting] = []
    var removedAll: [String] = []
    let current = setting("mynetworks")
    let added = networks.map(\.postfixText)
    if current.isExplicit {
      let written = Self.writtenWords(current)
      let (keptWords, removed, notes) = MynetworksPolicy.narrow(written, role: role)
      kept += notes.map { "mynetworks: " + $0 }
      var words = keptWords
      for network in added where !words.contains(network) { words.append(network) }
      if words.isEmpty { words = Transform.loopbackNetworks }
      if !removed.isEmpty || words != written {
        settings.append(.init("mynetworks", words.joined(separator: " ")))
        removedAll += removed
      }
      for word in written where word.contains("$") {
        kept.append("mynetworks: \(word) kept; its networks are judged after expansion only")
      }
    } else if !added.isEmpty {
      settings.append(
        .init("mynetworks", (Transform.loopbackNetworks + added).joined(separator: " ")))
    } else {
      let dangerous = current.words.contains { word in
        if case .remove = MynetworksPolicy.verdict(word, role: role, isDefault: true) {
          return true
        }
        return false
      }
      if dangerous {
        settings.append(.init("mynetworks_style", "host"))
        removedAll.append("mynetworks_style trusted more than this host")
      }
    }
    var services: [Transform.Service] = []
    for service in publicServices where overrides("mynetworks", in: service) {
      let written = setting("mynetworks", for: service).words
      let (keptWords, removed, _) = MynetworksPolicy.narrow(written, role: service.role)
      guard !removed.isEmpty else { continue }
      let words = keptWords.isEmpty ? Transform.loopbackNetworks : keptWords
      removedAll += removed.map { "\(service.key): \($0)" }
      services.append(
        .init(
          name: service.name, type: service.type,
          overrides: [.init("mynetworks", words.joined(separator: ","))], onlyIfPresent: true))
    }
    guard !settings.isEmpty || !services.isEmpty else { return nil }
    let summary =
      removedAll.isEmpty
      ? "trust also " + added.joined(separator: " ")
      : "stop trusting: " + removedAll.joined(separator: "; ")
    return Transform(
      id: "mynetworks", summary: summary, settings: settings, services: services,
      ruleIDs: [RuleID.mynetworksNarrow])
  }

  // MARK: - relay_domains

  /// Drops the words of `relay_domains` that match every domain and adds
  /// `domains`; tables and listed domains stay.
  /// - Parameter domains: Domains to add (`--relay-domain`).
  /// - Returns: The transform, or nil when nothing needs changing.
  mutating func relayDomains(adding domains: [String]) -> Transform? {
    let current = setting("relay_domains")
    var words = current.isExplicit ? Self.writtenWords(current) : []
    let wild = words.filter(RelayDomainsRule.matchesEverything)
    words.removeAll(where: RelayDomainsRule.matchesEverything)
    let tables = words.filter { $0.contains(":") || $0.hasPrefix("/") }
    if !tables.isEmpty {
      kept.append("relay_domains: \(tables.joined(separator: " ")) kept (tables and files)")
    }
    var added: [String] = []
    for domain in domains where !words.contains(where: { $0.lowercased() == domain.lowercased() }) {
      words.append(domain)
      added.append(domain)
    }
    guard !wild.isEmpty || !added.isEmpty else { return nil }
    if !current.isExplicit && added.isEmpty { return nil }
    var parts: [String] = []
    if !wild.isEmpty {
      parts.append("stop relaying for every domain (\(wild.joined(separator: " ")))")
    }
    if !added.isEmpty { parts.append("relay for " + added.joined(separator: ", ")) }
    return Transform(
      id: "relay-domains", summary: parts.joined(separator: "; "),
      settings: [.init("relay_domains", words.joined(separator: ", "))],
      ruleIDs: [RuleID.relayDomains])
  }

  // MARK: - HELO and DATA restrictions

  /// The mx's HELO checks, unless main.cf already has its own list (kept).
  mutating func heloRestrictions() -> Transform {
    let current = setting("smtpd_helo_restrictions")
    if current.words.isEmpty { return .heloRestrictions }
    kept.append(
      "smtpd_helo_restrictions: your list is kept (\(current.words.joined(separator: " ")))")
    return .requireHELO
  }

  /// `reject_unauth_pipelining` in front of main.cf's data restrictions,
  /// which are kept; nil when it is already there.
  mutating func rejectUnauthPipelining() -> Transform? {
    let current = setting("smtpd_data_restrictions").words
    if current.contains(where: { $0.lowercased() == "reject_unauth_pipelining" }) { return nil }
    if !current.isEmpty {
      kept.append("smtpd_data_restrictions: your entries are kept after reject_unauth_pipelining")
    }
    return Transform(
      id: "reject-unauth-pipelining", summary: "reject clients that pipeline without permission",
      settings: [
        .init(
          "smtpd_data_restrictions",
          (["reject_unauth_pipelining"] + current).joined(separator: ", "))
      ],
      ruleIDs: [RuleID.unauthPipelining])
  }

  // MARK: - Submission services

  /// Hardens the public smtpd services already on 587 and 465, whatever
  /// their names: TLS mandatory (587) or implicit (465), no anonymous suites,
  /// and with `requireAuthentication`, SASL on.
  /// - Parameter requireAuthentication: Whether to turn SASL on (the
  ///   submission profile).
  /// - Returns: The transform, or nil when they need nothing.
  mutating func existingSubmissionServices(requireAuthentication: Bool) -> Transform? {
    var hardened: [Transform.Service] = []
    for port in [587, 465] {
      for service in services(onPort: port) {
        var overrides: [Transform.Setting] = []
        if port == 465 {
          if !setting("smtpd_tls_wrappermode", for: service).isYes {
            overrides.append(.init("smtpd_tls_wrappermode", "yes"))
          }
        } else {
          let level = setting("smtpd_tls_security_level", for: service).text.trimmingBlanks()
          if level != "encrypt" && !level.hasPrefix("fingerprint") && !level.hasPrefix("verify") {
            overrides.append(.init("smtpd_tls_security_level", "encrypt"))
          }
        }
        let excluded = setting("smtpd_tls_exclude_ciphers", for: service).words
        if !excluded.contains(where: { $0.lowercased() == "anull" }) {
          overrides.append(
            .init("smtpd_tls_exclude_ciphers", (excluded + ["aNULL"]).joined(separator: ",")))
        }
        if requireAuthentication && !authenticates(service) {
          overrides.append(.init("smtpd_sasl_auth_enable", "yes"))
        }
        if requireAuthentication || authenticates(service),
          !setting("smtpd_tls_auth_only", for: service).isYes
        {
          overrides.append(.init("smtpd_tls_auth_only", "yes"))
        }
        guard !overrides.isEmpty else { continue }
        kept.append(
          "\(service.key): the existing port-\(port) service is hardened in place; its other -o overrides are kept"
        )
        hardened.append(
          .init(name: service.name, type: service.type, overrides: overrides, onlyIfPresent: true))
      }
    }
    guard !hardened.isEmpty else { return nil }
    return Transform(
      id: "submission-services-hardened",
      summary: "existing submission services: TLS required, no anonymous suites",
      settings: [], services: hardened,
      ruleIDs: [RuleID.submissionTLS, RuleID.tlsAuthOnly, RuleID.tlsDHParameters])
  }

  /// Whether any public service offers AUTH.
  var anyServiceAuthenticates: Bool {
    authenticates(nil) || publicServices.contains { authenticates($0) }
  }
}
