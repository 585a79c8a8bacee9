import PostfixConfig

/// Infers the role of each smtpd service (issue 4's rules, stated in reports).
///
/// - No inet smtpd service, or `inet_interfaces` loopback-only: send-only.
/// - Port 587 (`submission`) and 465 (`submissions`, `smtps`): submission.
/// - Port 25 and others: relay when the service's `mynetworks` holds
///   non-loopback networks, else mx.
/// - With `smtp inet ... postscreen`, the port-25 settings are those of the
///   `smtpd pass` service behind it.
public enum RoleInference {
  /// The smtpd services of `configuration` with their roles.
  /// - Parameters:
  ///   - configuration: The effective configuration.
  ///   - options: Role overrides.
  /// - Returns: The services and whether the host is send-only.
  public static func services(
    in configuration: PostfixConfiguration, options: AuditOptions
  ) -> (services: [SMTPService], isSendOnly: Bool) {
    // A configuration Postfix refuses has no roles: only its fatal error is reported.
    if configuration.fatal != nil { return ([], false) }
    let interfacesLoopback = isLoopbackOnly(configuration.setting("inet_interfaces").words)
    var result: [SMTPService] = []
    // At most one a service: the list does not grow by copying (room not
    // used is not touched).
    result.reserveCapacity(configuration.services.count)
    for service in configuration.services where service.type == "inet" {
      var applied = service
      if service.command == "postscreen" {
        let passName = configuration.setting(
          "smtpd_service_name", service: service.name, type: service.type
        ).text.trimmingBlanks()
        guard
          let pass = configuration.services.first(where: {
            $0.type == "pass" && $0.name == passName && $0.command == "smtpd"
          })
        else { continue }
        applied = pass
      } else if service.command != "smtpd" {
        continue
      }
      let (host, port) = listenerParts(service.name)
      let loopback = interfacesLoopback || host.map { isLoopbackOnly([$0]) } ?? false
      var entry = SMTPService(
        name: applied.name, type: applied.type, line: applied.line, listener: service.name,
        port: port, loopbackOnly: loopback, role: .mx, reason: "")
      entry.scopeHint.position = configuration.scopePosition(
        service: applied.name, type: applied.type)
      (entry.role, entry.reason, entry.roleOrigin) = role(
        for: entry, postscreen: applied.name != service.name, configuration: configuration,
        options: options)
      result.append(entry)
    }
    let forcedSendOnly = options.portTwentyFiveRole == .sendOnly
    let sendOnly = forcedSendOnly || result.allSatisfy { $0.loopbackOnly }
    return (result, sendOnly)
  }

  static func role(
    for service: SMTPService, postscreen: Bool, configuration: PostfixConfiguration,
    options: AuditOptions
  ) -> (Role, String, SMTPService.RoleOrigin) {
    for key in [service.key, service.name, service.listener] {
      if let role = options.serviceRoles[key] {
        return (role, "given as \(key)=\(role.rawValue)", .givenForService(key: key))
      }
    }
    // A port-25 role of submission is about the submission services; port 25
    // keeps its inferred role.
    if service.port == 25, let role = options.portTwentyFiveRole, role != .submission {
      return (role, "given for port 25", .givenForPortTwentyFive)
    }
    if service.loopbackOnly { return (.sendOnly, "listens on loopback only", .inferred) }
    switch service.port {
    case 587: return (.submission, "port 587, submission", .inferred)
    case 465: return (.submission, "port 465, submissions with implicit TLS", .inferred)
    default:
      let port = service.port.map { "port \($0)" } ?? "port of \(service.listener)"
      let via = postscreen ? " behind postscreen" : ""
      let setting = configuration.setting(
        "mynetworks", service: service.name, type: service.type)
      let outside = setting.words.contains { word in
        guard let network = CIDR.parse(word), !word.hasPrefix("!") else { return false }
        // The default (mynetworks_style = host) lists the host's own addresses.
        if !setting.isExplicit && network.isSingleHost { return false }
        return !network.isLoopback
      }
      let tables = setting.words.filter { word in
        if case .other = CIDR.classify(word) { return !word.contains("$") }
        return false
      }
      let unknown =
        tables.isEmpty
        ? ""
        : "; mynetworks also names \(tables.joined(separator: " ")), whose networks are unknown"
      return outside
        ? (.relay, "\(port)\(via), mynetworks holds non-loopback networks\(unknown)", .inferred)
        : (.mx, "\(port)\(via), mynetworks is loopback only\(unknown)", .inferred)
    }
  }

  /// Whether every word of an `inet_interfaces`-style list is a loopback address.
  static func isLoopbackOnly(_ words: [String]) -> Bool {
    guard !words.isEmpty else { return false }
    return words.allSatisfy { word in
      let lowered = word.lowercased()
      if lowered == "loopback-only" || lowered == "localhost" { return true }
      var text = lowered
      if text.hasPrefix("["), text.hasSuffix("]") { text = String(text.dropFirst().dropLast()) }
      return IPAddress(text)?.isLoopback ?? false
    }
  }

  static func isMappedLoopback(_ address: IPAddress) -> Bool {
    address.family == .inet6 && address.bytes.prefix(10).allSatisfy { $0 == 0 }
      && address.bytes[10] == 0xFF && address.bytes[11] == 0xFF && address.bytes[12] == 127
  }

  /// Splits a master.cf inet service name into host and port, as
  /// ``Listener`` does (one table of service names for both).
  static func listenerParts(_ name: String) -> (host: String?, port: Int?) {
    let (host, portText) = Listener.split(name)
    return (host, Int(portText) ?? Listener.wellKnownPorts[portText.lowercased()])
  }
}
