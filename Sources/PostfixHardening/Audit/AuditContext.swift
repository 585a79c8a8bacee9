import PostfixConfig

/// Everything a rule may look at: the effective configuration, the smtpd
/// services with their roles, the target version and host facts.
struct AuditContext: Sendable {
  /// The effective configuration.
  let configuration: PostfixConfiguration
  /// The smtpd services that accept connections, with their roles.
  let services: [SMTPService]
  /// Whether the host only sends mail (no smtpd listens beyond loopback).
  let isSendOnly: Bool
  /// The audit options (target version, host facts).
  let options: AuditOptions
  /// The `# pfharden: ignore` comments of main.cf and master.cf.
  let suppressions: Suppressions

  /// Creates a context.
  /// - Parameters:
  ///   - configuration: The effective configuration.
  ///   - services: The smtpd services with roles.
  ///   - isSendOnly: Whether the host only sends mail.
  ///   - options: The audit options.
  ///   - suppressions: The configuration's suppression comments (read from it
  ///     when nil).
  init(
    configuration: PostfixConfiguration, services: [SMTPService], isSendOnly: Bool,
    options: AuditOptions, suppressions: Suppressions? = nil
  ) {
    self.configuration = configuration
    self.services = services
    self.isSendOnly = isSendOnly
    self.options = options
    self.suppressions = suppressions ?? Suppressions(configuration: configuration)
  }

  /// The Postfix release judged against: `--postfix-version`, else the
  /// catalogue's.
  var targetVersion: PostfixVersion? {
    options.targetVersion ?? configuration.catalog.version
  }

  /// The role of the host as a whole: send-only, else the role of the public
  /// port-25 service (mx when there is none).
  var hostRole: Role {
    if isSendOnly { return .sendOnly }
    return services.first { $0.port == 25 && !$0.loopbackOnly }?.role ?? .mx
  }

  /// The services that listen beyond loopback.
  var publicServices: [SMTPService] { services.filter { !$0.loopbackOnly } }

  /// The value of `name` for `service` (or globally).
  /// - Parameters:
  ///   - name: A parameter name.
  ///   - service: The service, or nil for main.cf's view.
  /// - Returns: The effective setting.
  func setting(_ name: String, for service: SMTPService? = nil)
    -> PostfixConfiguration
    .Setting
  {
    guard let service else { return configuration.setting(name) }
    return configuration.setting(
      name, service: service.name, type: service.type, scopePosition: service.scopeHint.position)
  }

  /// A finding located where `setting` came from.
  /// - Parameters:
  ///   - id: The rule id.
  ///   - severity: The severity.
  ///   - message: What is wrong.
  ///   - setting: The setting concerned.
  ///   - fix: How to fix it.
  /// - Returns: The finding, pointing at main.cf, a master.cf `-o` line, or no
  ///   line for a default.
  func finding(
    _ id: String, _ severity: Severity, _ message: String, setting: PostfixConfiguration.Setting,
    fix: String
  ) -> Finding {
    switch setting.source {
    case .mainCF(let line):
      return Finding(
        id: id, severity: severity, message: message, file: "main.cf", line: line,
        parameter: setting.name, fix: fix)
    case .masterCF(let service, let type, let line):
      return Finding(
        id: id, severity: severity, message: message, file: "master.cf", line: line,
        service: "\(service)/\(type)", parameter: setting.name, fix: fix)
    case .defaultValue:
      return Finding(
        id: id, severity: severity, message: message, file: "main.cf", line: nil,
        parameter: setting.name, fix: fix)
    }
  }

  /// A finding about a master.cf service entry as a whole.
  /// - Parameters:
  ///   - id: The rule id.
  ///   - severity: The severity.
  ///   - message: What is wrong.
  ///   - service: The service.
  ///   - fix: How to fix it.
  /// - Returns: The finding, on the service's first line.
  func finding(
    _ id: String, _ severity: Severity, _ message: String, service: SMTPService, fix: String
  ) -> Finding {
    Finding(
      id: id, severity: severity, message: message, file: "master.cf", line: service.line,
      service: service.key, fix: fix)
  }
}

extension PostfixConfiguration.Setting {
  /// Whether a boolean parameter is `yes` (Postfix accepts `yes`/`true`, any case).
  var isYes: Bool {
    let lowered = text.lowercased().trimmingBlanks()
    return lowered == "yes" || lowered == "true"
  }

  /// The value as an integer, when it is one.
  var integer: Int? { Int(text.trimmingBlanks()) }
}

extension String {
  func trimmingBlanks() -> String {
    var scalars = Substring(self)
    while let first = scalars.first, first == " " || first == "\t" { scalars.removeFirst() }
    while let last = scalars.last, last == " " || last == "\t" { scalars.removeLast() }
    return String(scalars)
  }
}
