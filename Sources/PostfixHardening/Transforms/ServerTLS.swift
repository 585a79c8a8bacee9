extension Transform {
  /// A certificate and its private key, both files readable now.
  public struct Certificate: Sendable, Equatable {
    /// The certificate (chain) file.
    public var certificateFile: String
    /// The private key file.
    public var keyFile: String

    /// Creates a pair.
    /// - Parameters:
    ///   - certificateFile: The certificate file.
    ///   - keyFile: The key file.
    public init(certificateFile: String, keyFile: String) {
      self.certificateFile = certificateFile
      self.keyFile = keyFile
    }
  }

  /// Opportunistic server TLS (`smtpd_tls_security_level = may`, never `encrypt`
  /// on port 25) with the protocols and ciphers of `strength`.
  /// - Parameters:
  ///   - certificate: Files to name, or `nil` to keep the certificate the
  ///     configuration already names.
  ///   - strength: The TLS strength.
  ///   - opportunisticFloor: When true (port 25 of an MX) optional TLS keeps
  ///     `compatible` protocols whatever `strength` is, because refusing old TLS
  ///     there only makes those peers send in plain text.
  ///   - excludeAnonymous: When true (a relay), anonymous suites are excluded:
  ///     Postfix 3.7 with OpenSSL 3 gives them 1024-bit DH, acceptable on an MX
  ///     only (TLS_README).
  /// - Returns: The transform.
  public static func serverTLS(
    certificate: Certificate?, strength: TLSStrength, opportunisticFloor: Bool,
    excludeAnonymous: Bool = false
  ) -> Transform {
    var settings: [Setting] = []
    if let certificate {
      settings.append(Setting("smtpd_tls_cert_file", literal(certificate.certificateFile)))
      settings.append(Setting("smtpd_tls_key_file", literal(certificate.keyFile)))
    }
    let optional = opportunisticFloor ? TLSStrength.compatible : strength
    settings += [
      Setting("smtpd_tls_security_level", "may"),
      Setting("smtpd_tls_protocols", optional.protocols(mandatory: false)),
      Setting("smtpd_tls_mandatory_protocols", strength.protocols(mandatory: true)),
      Setting("smtpd_tls_ciphers", optional.cipherGrade(mandatory: false)),
      Setting("smtpd_tls_mandatory_ciphers", strength.cipherGrade(mandatory: true)),
    ]
    if excludeAnonymous { settings.append(Setting("smtpd_tls_exclude_ciphers", "aNULL")) }
    return Transform(
      id: "server-tls", summary: "offer TLS to clients (\(strength.rawValue))",
      settings: settings,
      ruleIDs: [
        RuleID.serverTLS, RuleID.tlsProtocols, RuleID.tlsCiphers, RuleID.tlsFFDHEGroups,
        RuleID.tlsDHParameters,
      ])
  }
}

extension Transform {
  /// A file name as main.cf must spell it so that Postfix reads it back
  /// unchanged: every `$` doubled (`/x/$mail_name.pem` would otherwise name
  /// `/x/Postfix.pem`).
  /// - Parameter value: The file name as given.
  /// - Returns: The value to write.
  public static func literal(_ value: String) -> String {
    var result = ""
    for character in value {
      result.append(character)
      if character == "$" { result.append("$") }
    }
    return result
  }
}
