/// What an smtpd service (or the whole host) is for; severities depend on it.
public enum Role: String, CaseIterable, Sendable, Codable {
  /// The host only sends (web apps, system mail): nothing listens beyond loopback.
  case sendOnly = "send-only"
  /// Relays mail for internal systems listed in `mynetworks`.
  case relay
  /// Receives mail from the internet for its domains (port 25).
  case mx
  /// Accepts mail from authenticated users (ports 587 and 465).
  case submission
}

/// How serious a finding is.
public enum Severity: String, CaseIterable, Sendable, Comparable, Codable {
  case info
  case warning
  case error

  public static func < (lhs: Severity, rhs: Severity) -> Bool {
    lhs.rank < rhs.rank
  }

  var rank: Int {
    switch self {
    case .info: return 0
    case .warning: return 1
    case .error: return 2
    }
  }
}
