extension Transform {
  /// Logs a summary of every TLS handshake on the client side (`smtp_tls_loglevel = 1`).
  public static let clientTLSLogging = Transform(
    id: "tls-loglevel-client", summary: "log outgoing TLS handshakes",
    settings: [Setting("smtp_tls_loglevel", "1")], ruleIDs: [RuleID.tlsLogLevel])

  /// Logs a summary of every TLS handshake on the server side (`smtpd_tls_loglevel = 1`).
  public static let serverTLSLogging = Transform(
    id: "tls-loglevel-server", summary: "log incoming TLS handshakes",
    settings: [Setting("smtpd_tls_loglevel", "1")], ruleIDs: [RuleID.tlsLogLevel])
}

extension Transform {
  /// Offers AUTH only after STARTTLS (`smtpd_tls_auth_only = yes`); only with
  /// server TLS configured, or logins would stop.
  public static let tlsAuthOnly = Transform(
    id: "tls-auth-only", summary: "offer AUTH only over TLS",
    settings: [Setting("smtpd_tls_auth_only", "yes")], ruleIDs: [RuleID.tlsAuthOnly])
}
