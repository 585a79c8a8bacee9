/// The greeting and what it reveals.
public struct BannerResult: Equatable, Sendable {
  /// The greeting reply.
  public var reply: Reply
  /// The greeting text (all lines, escaped).
  public var text: String
  /// The mail software the banner names (`Postfix`), if any.
  public var software: String?
  /// The operating system the banner names (`Debian`), if any.
  public var operatingSystem: String?
  /// Whether the greeting refused service (`421` rate limit, `554` postscreen or block).
  public var refused: Bool
  /// The greeting exchange.
  public var evidence: [Exchange]

  /// Whether the banner names the software or the operating system.
  public var disclosesSoftware: Bool { software != nil || operatingSystem != nil }
}

/// How the server offers TLS.
///
/// The handshake itself is analysed elsewhere.
public enum TLSMode: String, Sendable {
  /// STARTTLS is advertised in EHLO.
  case starttls
  /// TLS before the greeting (port 465, `--implicit-tls`).
  case implicit
  /// No TLS seen.
  case none
}

/// Whether STARTTLS leads to TLS, as far as the probe could tell.
public enum STARTTLSStatus: String, Sendable {
  /// EHLO does not advertise STARTTLS.
  case notOffered = "not-offered"
  /// Advertised, but `STARTTLS` is answered with a refusal (`454`, `5xx`) on every
  /// connection the TLS analysis tried.
  case refused
  /// Advertised and answered with `220`, but every handshake of every version failed
  /// (alerts, resets, timeouts).
  case handshakeFailed = "handshake-failed"
  /// Some handshake succeeded.
  case works
}

/// Whether an information oracle (VRFY, EXPN, RCPT) tells users apart.
public enum OracleVerdict: String, Sendable {
  /// The command is refused as not implemented or disabled (`502`, `500`).
  case disabled
  /// A real user and a random non-user get different answers.
  case leaksUsers = "leaks-users"
  /// Both get the same answer.
  case noOracle = "no-oracle"
}

/// The result of comparing a random non-user (the control) with real users.
public struct OracleResult: Equatable, Sendable {
  /// The verdict, or nil when it could not be told (the reason says why).
  public var verdict: OracleVerdict?
  /// Why there is no verdict.
  public var reason: String?
  /// The exchanges compared.
  public var evidence: [Exchange]
}

/// Whether `MAIL` before `HELO`/`EHLO` is refused.
public struct HeloRequiredResult: Equatable, Sendable {
  /// True: refused; false: accepted; nil: could not be told.
  public var required: Bool?
  /// Why there is no answer.
  public var reason: String?
  /// The fresh session's exchanges.
  public var evidence: [Exchange]
}

/// Where the probe stands as the server sees it.
public struct Vantage: Equatable, Sendable {
  /// How the client address was chosen.
  public enum Kind: String, Sendable {
    /// The probe's own address, as the kernel picked it.
    case direct
    /// An address announced with XCLIENT.
    case xclient
    /// The local address bound with `--source`.
    case source
  }
  /// How the client address was chosen.
  public var kind: Kind
  /// The client address the server judges, when known.
  public var address: String?
  /// Whether the server likely trusts that address (loopback, private, same subnet).
  public var likelyTrusted: Bool
  /// Anything that changed the vantage (XCLIENT refused, not advertised).
  public var note: String?
}

/// One of the 16 relay address forms and what the server did with it.
public struct RelayAttempt: Equatable, Sendable {
  /// What the server did.
  public enum Outcome: String, Sendable {
    /// The recipient was accepted (2xx).
    case accepted
    /// Refused as a relay (`5.7.1`/`4.7.1`, "Relay access denied").
    case relayDenied = "relay-denied"
    /// Refused as an unknown or invalid local address: not relayed either.
    case notRelayed = "not-relayed"
    /// Refused for another reason (sender, client, HELO checks, greylisting, rate limit).
    case blocked
    /// Not tried (budget, an earlier refusal, a failed session).
    case notTested = "not-tested"
  }
  /// The variant's stable id (`plain`, `percent-hack-ip`, ...).
  public var id: String
  /// The variant's number in nmap's smtp-open-relay order (1...16).
  public var number: Int
  /// The `MAIL FROM` address.
  public var mailFrom: String
  /// The `RCPT TO` address.
  public var rcptTo: String
  /// What happened.
  public var outcome: Outcome
  /// The deciding reply (RCPT's, or MAIL's when the sender was refused), if any.
  public var reply: Reply?
  /// Whether MAIL was refused, so the recipient was never tried.
  public var senderRefused: Bool
  /// The MAIL/RCPT/RSET exchanges.
  public var evidence: [Exchange]
}

/// A front end such as Postfix's postscreen, met on the first session: after its
/// deep-protocol tests it answers every VRFY and RCPT with `450 4.3.2 Service currently
/// unavailable` and lets a client that passed them through to smtpd when it reconnects.
public struct PostscreenResult: Equatable, Sendable {
  /// True: after reconnecting, the checks reached the server behind it; false: it still
  /// deferred them (those checks have no verdict); nil: the probe could not reconnect.
  public var passed: Bool?
  /// Why it was not passed, if it was not.
  public var reason: String?
  /// The deferrals that revealed it.
  public var evidence: [Exchange]
}

/// The open-relay verdict.
public enum RelayVerdict: String, Sendable {
  /// Some variant was accepted from an outside vantage.
  case open
  /// Every tested variant was refused as a relay (or not relayed).
  case closed
  /// Accepted, but from an address the server likely trusts: test from outside.
  case trustedVantage = "trusted-vantage"
  /// Accepted only with a sender in the server's own domain or address, refused with a
  /// foreign sender: anyone relays by forging a local sender, whatever the vantage.
  case forgedSender = "forged-sender"
  /// Relaying was never really tested (other refusals, failures).
  case inconclusive
}

/// The open-relay test.
public struct RelayResult: Equatable, Sendable {
  /// The verdict.
  public var verdict: RelayVerdict
  /// Ids of the variants accepted.
  public var accepted: [String]
  /// Where the probe stood.
  public var vantage: Vantage
  /// Whether refusals were temporary (`454 4.7.1`: `defer_unauth_destination`).
  public var defers: Bool
  /// Why the verdict is inconclusive, if it is.
  public var reason: String?
  /// Every variant, in order.
  public var attempts: [RelayAttempt]
}

/// `--role submission`: whether `MAIL` before STARTTLS is refused.
public struct SubmissionResult: Equatable, Sendable {
  /// True: refused; false: accepted in plaintext; nil: could not be told.
  public var mailRefusedBeforeStartTLS: Bool?
  /// The exchanges.
  public var evidence: [Exchange]
}

/// The server role the probe assumes.
public enum ProbeRole: String, Sendable, CaseIterable {
  /// A public MX (port 25).
  case mx
  /// An internal relay (smarthost).
  case relay
  /// A submission service for users (port 587).
  case submission
}

/// Everything one probe found.
public struct ProbeReport: Equatable, Sendable {
  /// The host as given.
  public var host: String
  /// The port.
  public var port: UInt16
  /// The address connected to, when a connection was made.
  public var address: String?
  /// The assumed role.
  public var role: ProbeRole
  /// How many TCP connections the probe made, the TLS analysis's included.
  public var connections: Int
  /// Why the probe could not complete, if it could not (no greeting, refused, timed out).
  public var failure: SMTPProbeError?
  /// The greeting.
  public var banner: BannerResult?
  /// The EHLO capabilities (in plaintext, before any STARTTLS).
  public var capabilities: Capabilities?
  /// How TLS is offered.
  public var tlsMode: TLSMode
  /// Whether the port was expected to speak implicit TLS (465, `--implicit-tls`).
  public var implicitTLSExpected = false
  /// Whether AUTH is offered before TLS (plaintext credentials); nil when unknown.
  public var authBeforeStartTLS: Bool?
  /// VRFY.
  public var vrfy: OracleResult?
  /// EXPN.
  public var expn: OracleResult?
  /// RCPT user enumeration for the server's own domain.
  public var rcptEnumeration: OracleResult?
  /// MAIL before HELO.
  public var heloRequired: HeloRequiredResult?
  /// The open-relay test.
  public var openRelay: RelayResult?
  /// The submission check (role submission only).
  public var submission: SubmissionResult?
  /// The findings, most serious first.
  public var findings: [ProbeFinding]
  /// Every exchange of every connection, in order.
  public var transcript: [Exchange]
  /// The TLS analysis, when it ran (STARTTLS offered or implicit TLS, not `--no-tls`).
  public var tls: TLSScanResult? = nil
  /// How far each check got, in the order they run; checks that do not apply (skipped by
  /// an option, TLS without STARTTLS) are absent.
  public var checks: [CheckStatus] = []
  /// Where the SMTP checks after EHLO ran: in plaintext, inside TLS after STARTTLS (the
  /// server requires TLS) or inside implicit TLS; nil when no session got that far.
  public var smtpTransport: SessionTransport? = nil
  /// Why the checks ran inside TLS: the refusal that showed that the server requires
  /// STARTTLS (`530 5.7.0 Must issue a STARTTLS command first`), or that the port speaks
  /// TLS first.
  public var smtpTransportReason: String? = nil
  /// The EHLO capabilities inside TLS, after STARTTLS (only when the checks ran there).
  public var tlsCapabilities: Capabilities? = nil
  /// Whether AUTH is offered inside TLS; nil when no EHLO was sent inside TLS.
  public var authInsideTLS: Bool? = nil
  /// The protocol version and suite of the first TLS session the SMTP checks ran in.
  public var smtpTLSSession: String? = nil
  /// A postscreen-like front end that deferred the first session; nil when none was met.
  public var postscreen: PostscreenResult? = nil

  /// Whether every check ran to the end (or was refused by the server's policy) and the
  /// probe did not fail; false means exit status 2 and a `probe-incomplete` finding.
  public var isComplete: Bool { failure == nil }

  /// Whether STARTTLS was advertised.
  public var startTLSOffered: Bool { capabilities?.startTLS ?? false }

  /// Whether STARTTLS works; nil without EHLO capabilities, on an implicit-TLS port, and
  /// when advertised but not analysed (`--no-tls`) or the analysis could not tell.
  public var startTLSStatus: STARTTLSStatus? {
    guard tlsMode != .implicit, let capabilities else { return nil }
    guard capabilities.startTLS else { return .notOffered }
    switch tls?.outcome {
    case .accepted?: return .works
    case .allFailed?: return .handshakeFailed
    case .notStarted? where tls?.startTLSRefusal != nil: return .refused
    case .notStarted?, .unknown?, nil: return nil
    }
  }

  /// The most serious finding at or above a threshold exists.
  /// - Parameter threshold: The lowest severity that counts.
  /// - Returns: True when some finding is at least `threshold`.
  public func hasFindings(atLeast threshold: ProbeSeverity) -> Bool {
    findings.contains { $0.severity >= threshold }
  }
}
