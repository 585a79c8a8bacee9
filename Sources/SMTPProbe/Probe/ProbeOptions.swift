/// How a probe behaves: its role, vantage, deadlines and budgets.
///
/// Times are `Duration`s; a negative one counts as zero, and one too long for
/// the clock's 64-bit nanoseconds as forever.
public struct ProbeOptions: Sendable {
  /// The assumed role of the server.
  public var role: ProbeRole = .mx
  /// The name sent with EHLO/HELO.
  ///
  /// Fully qualified and resolvable, so that HELO
  /// restrictions do not pre-empt the other checks.
  public var heloName: String = "example.com"
  /// Test as this client address via XCLIENT (when the server allows it): a numeric
  /// IPv4 or IPv6 address, without brackets.
  public var xclientAddress: String?
  /// The local address connections are bound to (`--source`), as reported in the vantage.
  public var sourceAddress: SocketAddress?
  /// Treat the port as implicit TLS (TLS before the greeting).
  public var implicitTLS = false
  /// The user name that surely does not exist (random when nil).
  public var controlUser: String?
  /// Each step (connect, one command and its reply) gives up after this long.
  public var stepTimeout: Duration = .seconds(10)
  /// Each session gives up after this long.
  public var sessionTimeout: Duration = .seconds(60)
  /// The whole probe gives up after this long.
  public var totalTimeout: Duration = .seconds(300)
  /// The most TCP connections the probe makes.
  ///
  /// Connections are never concurrent: the probe holds one at a time.
  public var connectionBudget = 10
  /// A session stops adding commands once the server refused this many (Postfix's
  /// `smtpd_soft_error_limit` is 10: the probe stays well below it).
  public var negativeRepliesPerSession = 6
  /// The most relay transactions (MAIL, RCPT, RSET) in one session.
  public var relayAttemptsPerSession = 5
  /// Retries after a `421` greeting, each after a back-off.
  public var greetingRetries = 1
  /// The first back-off after a `421`; it doubles each time.
  public var initialBackoff: Duration = .seconds(2)
  /// The longest back-off.
  public var maxBackoff: Duration = .seconds(30)
  /// How long to listen for a plaintext greeting on an implicit-TLS port, and on the first
  /// connection to any port before a TLS ClientHello tests for implicit TLS.
  public var implicitTLSListen: Duration = .milliseconds(1500)
  /// Whether a port that sends no greeting within ``implicitTLSListen`` is
  /// offered a TLS ClientHello on the same connection, and probed as implicit TLS when it
  /// answers one (only when the step timeout is longer than the listening window).
  public var detectImplicitTLS = true
  /// Whether a server that refuses commands before STARTTLS (`530 5.7.0 Must issue a
  /// STARTTLS command first`: Postfix's `smtpd_tls_security_level = encrypt`) is probed
  /// inside TLS: each SMTP session sends EHLO and STARTTLS after the greeting and runs
  /// its checks inside TLS.
  public var checksInsideTLS = true
  /// Whether to analyse TLS (protocols, suites, DH sizes, certificate) when STARTTLS is
  /// offered or the port speaks implicit TLS (`--no-tls` turns it off).
  public var analyseTLS = true
  /// Run only the greeting, EHLO, the STARTTLS check and the TLS analysis: no VRFY, relay
  /// or enumeration tests (`--tls-only`).
  public var tlsOnly = false
  /// The most TCP connections the TLS analysis makes, on top of ``connectionBudget``
  /// (each handshake needs a fresh one; one at a time).
  public var tlsConnectionBudget = 300
  /// The current time in seconds since 1970, for certificate expiry; nil: the system's.
  public var currentTime: Int64?
  /// Bounds on replies.
  public var replyLimits = ReplyLimits()
  /// The clock deadlines are measured on.
  public var clock: any ProbeClock = SystemClock()

  /// Options with every default.
  public init() {}
}

extension ProbeOptions {
  /// ``stepTimeout`` in the clock's nanoseconds.
  var stepTimeoutNanoseconds: UInt64 { stepTimeout.clampedNanoseconds }
}
