/// Judges a ``TLSScanResult`` for a role.
///
/// Each rule has a stable id; its severity
/// depends on the role because a public MX must stay reachable for opportunistic
/// TLS (RFC 3207 and RFC 7435: any encryption beats plaintext), while relay and
/// submission clients can be told to upgrade.
public enum TLSVerdicts {
  /// Days before `notAfter` from which an expiry warning is given.
  public static let expiryWarningDays: Int64 = 30

  /// Findings for a result.
  /// - Parameters:
  ///   - result: The scan result.
  ///   - role: What the server is for.
  ///   - now: The current time in seconds since 1970.
  /// - Returns: The findings, most severe first.
  public static func findings(for result: TLSScanResult, role: TLSRole, now: Int64)
    -> [TLSFinding]
  {
    var out: [TLSFinding] = []
    let strict = role != .mx
    func add(_ id: String, _ severity: TLSFinding.Severity, _ message: String, _ ref: String) {
      out.append(TLSFinding(id: id, severity: severity, message: message, reference: ref))
    }
    if result.protocols["SSLv3"] == true {
      add(
        "tls-sslv3-offered", .error, "SSLv3 is accepted (POODLE).",
        "RFC 7568; Postfix TLS_README (smtpd_tls_protocols)")
    }
    for (name, id) in [("TLSv1.0", "tls-tls10-offered"), ("TLSv1.1", "tls-tls11-offered")]
    where result.protocols[name] == true {
      add(
        id, strict ? .error : .warning,
        "\(name) is accepted; it is deprecated."
          + (strict ? "" : " On an MX it still beats plaintext for old peers."),
        "RFC 8996; Postfix TLS_README (smtpd_tls_protocols, smtpd_tls_mandatory_protocols)")
    }
    if let bits = result.minDHBits, bits < 2_048 {
      let suites = result.ciphers.filter { $0.kex == "DHE" && ($0.kexBits ?? 0) < 2_048 }
      add(
        "tls-weak-dh", bits < 1_024 || strict ? .error : .warning,
        "Authenticated DHE suites use a \(bits)-bit DH prime (\(summary(suites))); use at "
          + "least 2048 bits.",
        "Logjam, https://weakdh.org/; RFC 7919; Postfix FORWARD_SECRECY_README "
          + "(smtpd_tls_dh1024_param_file)")
    }
    if let bits = result.minAnonDHBits, bits < 2_048 {
      let suites = result.ciphers.filter { $0.kex == "ADH" && ($0.kexBits ?? 0) < 2_048 }
      add(
        "tls-weak-anon-dh", strict ? .error : .info,
        "Anonymous DH suites use a \(bits)-bit DH prime (\(summary(suites)))."
          + (strict
            ? " Clients here should authenticate the server; exclude aNULL."
            : " Expected on an MX with OpenSSL's automatic parameters; anonymous suites "
              + "are opportunistic anyway."),
        "https://weakdh.org/; RFC 7919; Postfix TLS_README (server_cipher) and "
          + "FORWARD_SECRECY_README")
    }
    if strict, result.ciphers.contains(where: \.anonymous) {
      add(
        "tls-anonymous-suites", .warning,
        "Anonymous (unauthenticated) suites are accepted on a \(role.rawValue) service.",
        "Postfix TLS_README (smtpd_tls_mandatory_exclude_ciphers = aNULL)")
    }
    if !result.ciphers.isEmpty, !result.ciphers.contains(where: \.forwardSecret) {
      add(
        "tls-no-forward-secrecy", .error, "No accepted suite is forward secret.",
        "Postfix FORWARD_SECRECY_README; RFC 7525")
    }
    if result.certificate == nil, !result.ciphers.isEmpty, result.ciphers.allSatisfy(\.anonymous) {
      add(
        "tls-anonymous-only", .warning,
        "Only anonymous suites are accepted: the server presents no certificate, so senders "
          + "that verify it (DANE, MTA-STS, smtp_tls_security_level = verify or secure) cannot "
          + "deliver, and no client can authenticate it; configure a certificate "
          + "(smtpd_tls_chain_files).",
        "RFC 7672 (DANE for SMTP); RFC 8461 (MTA-STS); Postfix TLS_README (server_cert_key)")
    }
    if let certificate = result.certificate {
      // With several certificates (RSA and ECDSA) each message names the key it is about.
      let all = [certificate] + result.otherCertificates
      for each in all {
        certificateFindings(
          each, strict: strict, now: now, label: all.count > 1 ? label(each) : "The certificate",
          add: add)
      }
    } else if result.protocols["TLSv1.3"] == true,
      !result.protocols.contains(where: {
        $0.key != "TLSv1.3" && $0.value
      })
    {
      add(
        "tls-certificate-not-seen", .info,
        "Only TLS 1.3 is accepted; its certificate is encrypted and was not examined.",
        "RFC 8446, 4.4.2")
    }
    return out.sorted { $0.severity > $1.severity }
  }

  /// The finding for a server that does not offer STARTTLS at all.
  ///
  /// An error where clients must use TLS (relay, submission); a warning on an MX, whose
  /// peers fall back to plaintext anyway (RFC 7435).
  /// - Parameter role: What the server is for.
  /// - Returns: The finding (`starttls-not-offered`).
  public static func noSTARTTLS(role: TLSRole) -> TLSFinding {
    TLSFinding(
      id: "starttls-not-offered", severity: role == .mx ? .warning : .error,
      message: "STARTTLS is not offered: mail and credentials to and from this "
        + "\(role.rawValue) travel in plaintext.",
      reference: "RFC 3207; RFC 8314; Postfix TLS_README (smtpd_tls_security_level)")
  }

  /// The finding for a server that offers TLS but cannot start it: `STARTTLS` is
  /// advertised but refused (`454`, `5xx`), or answered `220` (or, for implicit TLS, the
  /// port is silent) but every handshake of every version failed before a ServerHello.
  ///
  /// An error for every role: peers that try TLS fall back to plaintext or defer the
  /// mail, and what looks like TLS to a scanner that only reads EHLO is none. Postfix
  /// behaves so when `smtpd_tls_cert_file` and `smtpd_tls_key_file` do not match or cannot
  /// be read; smtpd logs the cause once per process.
  /// - Parameters:
  ///   - result: The scan result.
  ///   - startTLS: Whether TLS was offered with STARTTLS (else the port speaks implicit TLS).
  ///   - role: What the server is for.
  /// - Returns: `starttls-broken` or `implicit-tls-broken`, or nil when some handshake
  ///   succeeded or the scan could not tell.
  public static func brokenTLS(_ result: TLSScanResult, startTLS: Bool, role: TLSRole)
    -> TLSFinding?
  {
    let reference =
      "RFC 3207; RFC 8314; Postfix TLS_README (smtpd_tls_cert_file, smtpd_tls_key_file)"
    let fallback = "this \(role.rawValue) cannot do TLS, so peers send in plaintext or defer"
    switch result.outcome {
    case .notStarted where startTLS:
      guard let reply = result.startTLSRefusal else { return nil }
      return TLSFinding(
        id: "starttls-broken", severity: .error,
        message: "STARTTLS is advertised but refused (\(reply)): \(fallback); on Postfix, "
          + "check that smtpd_tls_key_file matches smtpd_tls_cert_file and see the smtpd log.",
        reference: reference)
    case .allFailed:
      let what =
        startTLS
        ? "STARTTLS is advertised and answered with 220" : "The port sends no plaintext greeting"
      return TLSFinding(
        id: startTLS ? "starttls-broken" : "implicit-tls-broken", severity: .error,
        message: "\(what), but every TLS handshake failed: "
          + "\(failures(result.handshakeFailures)); \(fallback).",
        reference: reference)
    case .notStarted, .accepted, .unknown:
      return nil
    }
  }

  /// `SSLv3, TLSv1.0: alert protocol_version; TLSv1.2, TLSv1.3: connection closed`: the
  /// versions grouped by reason, in protocol order (at most five versions, so bounded).
  private static func failures(_ reasons: [String: String]) -> String {
    var groups: [(reason: String, versions: [String])] = []
    for version in TLSProtocolVersion.all {
      guard let reason = reasons[version.name] else { continue }
      if let index = groups.firstIndex(where: { $0.reason == reason }) {
        groups[index].versions.append(version.name)
      } else {
        groups.append((reason, [version.name]))
      }
    }
    if groups.isEmpty { return "no reason given" }
    return groups.map { "\($0.versions.joined(separator: ", ")): \($0.reason)" }
      .joined(separator: "; ")
  }

  private static func summary(_ suites: [TLSCipherResult]) -> String {
    let names = suites.prefix(3).map { "\($0.protocol) \($0.name)" }
    let more = suites.count > 3 ? " and \(suites.count - 3) more" : ""
    return names.joined(separator: ", ") + more
  }

  /// `The EC P-256 certificate`, `The RSA 2048-bit certificate`.
  private static func label(_ certificate: TLSCertificateSummary) -> String {
    let leaf = certificate.leaf
    if let curve = leaf.curve { return "The \(leaf.keyType) \(curve) certificate" }
    if let bits = leaf.keyBits { return "The \(leaf.keyType) \(bits)-bit certificate" }
    return "The \(leaf.keyType) certificate"
  }

  private static func certificateFindings(
    _ certificate: TLSCertificateSummary, strict: Bool, now: Int64, label: String,
    add: (String, TLSFinding.Severity, String, String) -> Void
  ) {
    let leaf = certificate.leaf
    if let bits = leaf.keyBits {
      let weak: Bool
      switch leaf.keyType {
      case "RSA", "RSA-PSS", "DSA": weak = bits < 2_048
      case "EC": weak = bits < 224
      default: weak = false
      }
      if weak {
        add(
          "tls-weak-certificate-key", .error,
          "\(label) has a \(bits)-bit \(leaf.keyType) key; use RSA of at least 2048 bits "
            + "or an EC key.",
          "NIST SP 800-131A; Postfix TLS_README (smtpd_tls_cert_file)")
      }
    }
    if leaf.notAfter < now {
      add(
        "tls-certificate-expired", strict ? .error : .warning,
        "\(label) expired on \(leaf.notAfterText).", "RFC 5280, 4.1.2.5")
    } else if leaf.notAfter - now < expiryWarningDays * 86_400 {
      add(
        "tls-certificate-expiring", .warning,
        "\(label) expires on \(leaf.notAfterText), within \(expiryWarningDays) days.",
        "RFC 5280, 4.1.2.5")
    }
    if leaf.notBefore > now {
      add(
        "tls-certificate-not-yet-valid", strict ? .error : .warning,
        "\(label) is valid only from \(X509Time.format(leaf.notBefore)).",
        "RFC 5280, 4.1.2.5")
    }
    if leaf.hasWeakSignatureDigest {
      // A self-signed certificate's own signature is never checked by anyone.
      add(
        "tls-sha1-signature", leaf.selfSigned ? .info : strict ? .error : .warning,
        "\(label) is signed with \(leaf.signatureAlgorithm).",
        "RFC 9155; CA/Browser Forum Baseline Requirements 7.1.3")
    }
    if leaf.selfSigned {
      add(
        "tls-self-signed", strict ? .warning : .info,
        "\(label) is self-signed"
          + (strict ? "; clients cannot verify it." : " (common and harmless for an MX)."),
        "Postfix TLS_README (server_cert_key)")
    }
    if certificate.matchesHost == false {
      add(
        "tls-name-mismatch", strict ? .error : .info,
        "\(label)'s names (\(names(leaf))) do not match the host.", "RFC 6125; RFC 7817")
    }
  }

  private static func names(_ leaf: X509Certificate) -> String {
    let list = leaf.subjectAltNames.isEmpty ? [leaf.subjectCommonName ?? ""] : leaf.subjectAltNames
    return list.prefix(4).joined(separator: ", ")
  }
}
