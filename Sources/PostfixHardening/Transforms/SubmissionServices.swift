extension Transform {
  /// The SASL implementation smtpd asks (`smtpd_sasl_type`).
  public enum SASL: String, CaseIterable, Sendable {
    /// Dovecot's auth socket.
    case dovecot
    /// Cyrus SASL.
    case cyrus

    /// The default `smtpd_sasl_path` (relative to the queue directory for Dovecot).
    public var defaultPath: String {
      switch self {
      case .dovecot: return "private/auth"
      case .cyrus: return "smtpd"
      }
    }
  }

  /// `submission` (587, STARTTLS) and `submissions` (465, implicit TLS) services
  /// with mandatory TLS, SASL authentication, AUTH only over TLS and relaying
  /// only for authenticated clients.
  /// - Parameters:
  ///   - sasl: The SASL implementation.
  ///   - path: `smtpd_sasl_path`, or `nil` for the implementation's default.
  ///   - strength: The TLS strength of the mandatory TLS.
  ///   - creating: The services to add (`submission`, `submissions`); a port
  ///     master.cf already binds under any name gets no second service.
  ///   - host: The address they listen on (`192.0.2.10:submission`), or nil
  ///     for every address of `inet_interfaces`.
  /// - Returns: The transform.
  public static func submissionServices(
    sasl: SASL, path: String?, strength: TLSStrength,
    creating: Set<String> = ["submission", "submissions"], host: String? = nil
  ) -> Transform {
    let prefix = host.map { $0 + ":" } ?? ""
    let common = [
      Setting("smtpd_tls_security_level", "encrypt"),
      Setting("smtpd_sasl_auth_enable", "yes"),
      Setting("smtpd_tls_auth_only", "yes"),
      Setting("smtpd_client_restrictions", "permit_sasl_authenticated,reject"),
      Setting("smtpd_relay_restrictions", "permit_sasl_authenticated,reject"),
      // Authenticated clients never need anonymous suites, whose DH is
      // 1024 bits with Postfix 3.7 and OpenSSL 3 (TLS_README).
      Setting("smtpd_tls_exclude_ciphers", "aNULL"),
    ]
    return Transform(
      id: "submission-services",
      summary: "accept authenticated mail on 587 (STARTTLS) and 465 (implicit TLS)",
      settings: [
        Setting("smtpd_sasl_type", sasl.rawValue),
        Setting("smtpd_sasl_path", path.map(literal) ?? sasl.defaultPath),
        Setting("smtpd_tls_auth_only", "yes"),
        Setting("smtpd_tls_mandatory_protocols", strength.protocols(mandatory: true)),
        Setting("smtpd_tls_mandatory_ciphers", strength.cipherGrade(mandatory: true)),
      ],
      services: [
        Service(
          name: prefix + "submission", type: "inet",
          overrides: [Setting("syslog_name", "postfix/submission")] + common),
        Service(
          name: prefix + "submissions", type: "inet",
          overrides: [
            Setting("syslog_name", "postfix/submissions"),
            Setting("smtpd_tls_wrappermode", "yes"),
          ] + common),
      ].filter { creating.contains(String($0.name.dropFirst(prefix.count))) },
      ruleIDs: [
        RuleID.submissionTLS, RuleID.tlsAuthOnly, RuleID.tlsProtocols, RuleID.openRelay,
        RuleID.tlsDHParameters,
      ])
  }
}
