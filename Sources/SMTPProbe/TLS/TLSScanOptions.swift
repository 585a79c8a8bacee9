/// What the server is for; it decides how severe TLS findings are.
public enum TLSRole: String, Sendable, CaseIterable {
  /// A public MX: opportunistic TLS (RFC 3207, `smtpd_tls_security_level = may`).
  case mx
  /// A relay that authenticated clients or other MTAs must use with TLS.
  case relay
  /// A submission service (port 587/465) for mail users.
  case submission
}

/// Limits and inputs for a ``TLSScanner``.
public struct TLSScanOptions: Sendable {
  /// The name for SNI and for the certificate name check; `nil` skips both.
  public var serverName: String?
  /// The versions to test, in this order (by default ``TLSProtocolVersion/scanOrder``:
  /// the newest first).
  public var protocols: [TLSProtocolVersion] = TLSProtocolVersion.scanOrder
  /// The most connections the scan may open (each handshake needs one).
  public var maxConnections = 400
  /// How long one handshake may take, from connect to the end of the server's first flight.
  public var handshakeTimeout: Duration = .seconds(10)
  /// How long the whole scan may take.
  public var totalTimeout: Duration = .seconds(600)
  /// Pauses before retrying when opening a connection fails (a `421` reply, a refused
  /// connect); the scan stops when they are used up.
  public var backoff: [Duration] = [.seconds(2), .seconds(10)]
  /// How long the scan waits, once the ``backoff`` steps are used up, when the server
  /// still refuses for now in a way that shows a connection rate limit (a `421` greeting
  /// after this scan's earlier connections were served, or one that says "too many
  /// connections", as Postfix's anvil limits do); then it resumes where it stopped.
  ///
  /// The default, 61 s, outlasts Postfix's `anvil_rate_time_unit` (60 s) with its
  /// one-second granularity. The scan waits only when the wait ends before
  /// ``totalTimeout``; otherwise it stops and its notes say what was not scanned.
  public var rateLimitWait: Duration = .seconds(61)
  /// How many times one scan may wait ``rateLimitWait`` and resume.
  ///
  /// 0 stops at the first rate limit. Four waits cover a full scan (about 120
  /// connections) under Postfix's `smtpd_client_connection_rate_limit` of 30 per minute.
  public var maxResumes = 4
  /// The role findings are judged for.
  public var role: TLSRole = .mx
  /// The current time in seconds since 1970 (for certificate expiry), passed in so
  /// results are reproducible.
  public var now: Int64
  /// Connections run one after another: the scan never holds more than one open.
  public let maxConcurrentConnections = 1
  /// How the scan waits during back-off; replaceable in tests.
  public var sleep: @Sendable (Duration) -> Void = TLSScanOptions.blockingSleep

  /// Creates options.
  /// - Parameters:
  ///   - now: The current time in seconds since 1970.
  ///   - role: The role findings are judged for.
  ///   - serverName: The host name for SNI and the certificate name check.
  public init(now: Int64, role: TLSRole = .mx, serverName: String? = nil) {
    self.now = now
    self.role = role
    self.serverName = serverName
  }

  // Blocks the calling thread (nanosleep, in the socket layer).
  @Sendable static func blockingSleep(_ duration: Duration) {
    sleepNanoseconds(duration.clampedNanoseconds)
  }
}

extension Duration {
  /// The duration in seconds, with milliseconds when it has any (`61`, `0.25`).
  var secondsText: String {
    let milliseconds = clampedNanoseconds / 1_000_000
    let fraction = milliseconds % 1000
    guard fraction > 0 else { return "\(milliseconds / 1000)" }
    var digits = String(fraction)
    digits = String(repeating: "0", count: max(0, 3 - digits.count)) + digits
    // At most three digits to drop.
    while digits.hasSuffix("0") { digits.removeLast() }
    return "\(milliseconds / 1000).\(digits)"
  }
}
