import PostfixConfig

/// Shared readings of TLS parameters.
enum TLSFacts {
  /// Whether smtpd offers or requires TLS on `service`.
  static func serverTLSEnabled(_ context: AuditContext, _ service: SMTPService) -> Bool {
    if context.setting("smtpd_tls_wrappermode", for: service).isYes { return true }
    let level = context.setting("smtpd_tls_security_level", for: service).text.lowercased()
      .trimmingBlanks()
    if !level.isEmpty { return level != "none" }
    return context.setting("smtpd_use_tls", for: service).isYes
      || context.setting("smtpd_enforce_tls", for: service).isYes
  }

  /// Whether smtpd requires TLS before mail on `service`.
  static func serverTLSMandatory(_ context: AuditContext, _ service: SMTPService) -> Bool {
    if context.setting("smtpd_tls_wrappermode", for: service).isYes { return true }
    let level = context.setting("smtpd_tls_security_level", for: service).text.lowercased()
      .trimmingBlanks()
    if !level.isEmpty { return level == "encrypt" }
    return context.setting("smtpd_enforce_tls", for: service).isYes
  }

  static let protocolOrder = ["sslv2", "sslv3", "tlsv1", "tlsv1.1", "tlsv1.2", "tlsv1.3"]

  /// The protocols a Postfix protocol list allows (lower-case names).
  static func allowedProtocols(_ words: [String]) -> [String] {
    var positive: [String] = []
    var excluded: Set<String> = []
    var low = 0
    var high = protocolOrder.count - 1
    for raw in words {
      let word = raw.lowercased()
      if word.hasPrefix(">=") {
        if let index = protocolOrder.firstIndex(of: String(word.dropFirst(2))) { low = index }
      } else if word.hasPrefix("<=") {
        if let index = protocolOrder.firstIndex(of: String(word.dropFirst(2))) { high = index }
      } else if word.hasPrefix("!") {
        excluded.insert(String(word.dropFirst()))
      } else if protocolOrder.contains(word) {
        positive.append(word)
      }
    }
    let base = positive.isEmpty ? protocolOrder : positive
    return base.filter { name in
      guard let index = protocolOrder.firstIndex(of: name) else { return false }
      return index >= low && index <= high && !excluded.contains(name)
    }
  }
}
