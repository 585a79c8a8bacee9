/// One accepted cipher suite of one protocol version.
public struct TLSCipherResult: Equatable, Sendable {
  /// `SSLv3`, `TLSv1.0` … `TLSv1.3`.
  public var `protocol`: String
  /// The suite identifier as `0xC02F`.
  public var id: String
  /// The IANA name, or the identifier when the registry does not know it.
  public var name: String
  /// The key exchange, such as `RSA`, `DHE`, `ECDHE`, `ADH` or `AECDH`.
  ///
  /// For TLS 1.3 suites it is `ECDHE` or `DHE`, after the group the server prefers.
  public var kex: String
  /// DH prime bits, or the curve size as sslscan reports it (X25519 253, P-256 256).
  public var kexBits: Int?
  /// The curve or TLS 1.3 group (`X25519`, `P-256`, `ffdhe2048`).
  public var group: String?
  /// The suite identifier.
  public var suiteID: UInt16
  /// Whether the key exchange is anonymous.
  public var anonymous: Bool
  /// Whether the key exchange is forward secret.
  public var forwardSecret: Bool
}

/// Certificate facts for the report.
public struct TLSCertificateSummary: Equatable, Sendable {
  /// The key type: `RSA`, `EC`, `DSA`, `Ed25519` and so on.
  public var keyType: String
  /// RSA modulus bits or EC curve bits.
  public var keyBits: Int?
  /// `notAfter` as `2036-11-26T08:16:00Z`.
  public var notAfter: String
  /// Whether issuer and subject are the same.
  public var selfSigned: Bool
  /// DNS names from subjectAltName.
  public var subjectAltNames: [String]
  /// The full facts of the leaf certificate.
  public var leaf: X509Certificate
  /// Whether the host given to the scan matches; `nil` when none was given.
  public var matchesHost: Bool?
  /// How many certificates the server sent.
  public var chainLength: Int
  /// The protocol version of the handshake the certificate was read from (`TLSv1.2`; for
  /// `TLSv1.3` it was read inside the encrypted handshake of the TLS client).
  public var seenWith: String? = nil
}

/// A TLS finding: a stable rule id, a severity, a message and a reference.
public struct TLSFinding: Equatable, Sendable {
  /// How bad a finding is.
  public enum Severity: String, Sendable, Comparable {
    /// Worth knowing; nothing to fix.
    case info
    /// Should be fixed.
    case warning
    /// Must be fixed.
    case error

    private var rank: Int {
      switch self {
      case .info: return 0
      case .warning: return 1
      case .error: return 2
      }
    }

    public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }
  }

  /// Stable kebab-case id (`tls-weak-dh`).
  public var id: String
  /// The severity for the role the scan ran for.
  public var severity: Severity
  /// What was found.
  public var message: String
  /// Where the rule comes from (RFC, Postfix document, advisory).
  public var reference: String

  /// Creates a finding.
  /// - Parameters:
  ///   - id: Stable kebab-case id.
  ///   - severity: The severity.
  ///   - message: What was found.
  ///   - reference: Where the rule comes from.
  public init(id: String, severity: Severity, message: String, reference: String) {
    self.id = id
    self.severity = severity
    self.message = message
    self.reference = reference
  }
}

/// Everything the TLS analysis found.
public struct TLSScanResult: Equatable, Sendable {
  /// `SSLv3`, `TLSv1.0`, `TLSv1.1`, `TLSv1.2`, `TLSv1.3` → accepted or not (only versions tested).
  public var protocols: [String: Bool] = [:]
  /// Accepted suites per protocol, oldest protocol first, in the order found.
  public var ciphers: [TLSCipherResult] = []
  /// Whether the server imposes its own cipher order (`nil`: could not tell).
  public var serverPreference: Bool?
  /// The smallest DH prime over the authenticated DHE suites.
  public var minDHBits: Int?
  /// The smallest DH prime over the anonymous DH suites.
  public var minAnonDHBits: Int?
  /// The leaf certificate; `nil` when none was seen (TLS 1.3 only, anonymous only).
  public var certificate: TLSCertificateSummary?
  /// The leaf certificates of the server's other key types (dual certificates, RSA and
  /// ECDSA through `smtpd_tls_chain_files`): each accepted TLS ≤ 1.2 suite names the key
  /// type it authenticates with, so the server shows the certificate for that key.
  public var otherCertificates: [TLSCertificateSummary] = []
  /// The TLS 1.3 groups the server accepts, in the order it chose them.
  public var tls13Groups: [String] = []
  /// The curves accepted for ECDHE in TLS ≤ 1.2, in the order chosen; listed only when
  /// TLS 1.3 is not accepted (else ``tls13Groups`` names them).
  public var ecdheCurves: [String] = []
  /// Findings for the role the scan ran for.
  public var findings: [TLSFinding] = []
  /// TCP connections used.
  public var connections = 0
  /// Why the result may be incomplete (budget, time, errors); empty when complete.
  public var notes: [String] = []
  /// How many times the scan waited out a connection rate limit and resumed
  /// (``TLSScanOptions/rateLimitWait``); a scan that resumed and then finished has no notes.
  public var resumes = 0
  /// How long the scan waited in all before those resumes: ``resumes`` times
  /// ``TLSScanOptions/rateLimitWait`` (the short ``TLSScanOptions/backoff`` steps are not
  /// counted).
  public var resumeWait: Duration = .zero
  /// Connections that reached the handshake (the channel factory succeeded: for STARTTLS,
  /// the server answered `220`); at most ``connections``.
  public var handshakes = 0
  /// Whether any handshake succeeded, set by the scan.
  public var outcome: TLSHandshakeOutcome = .unknown
  /// Why the first handshake of each version tried ended without a ServerHello (an alert,
  /// a closed or reset connection, a timeout, bytes that are not TLS): version name →
  /// reason, printable ASCII, at most ``TLSScanResult/maxReasonLength`` characters.
  public var handshakeFailures: [String: String] = [:]
  /// The server's reply when it refused `STARTTLS` on every connection the scan tried
  /// (`454 4.7.0 TLS not available due to local problem`), escaped and at most
  /// ``TLSScanResult/maxReasonLength`` characters; set by the prober when
  /// ``outcome`` is ``TLSHandshakeOutcome/notStarted``, else nil.
  public var startTLSRefusal: String?

  /// The longest reason kept in ``handshakeFailures`` and ``startTLSRefusal``.
  public static let maxReasonLength = 200

  /// Creates an empty result.
  public init() {}
}

/// Whether a server that offers TLS could complete the first step of any handshake.
public enum TLSHandshakeOutcome: String, Equatable, Sendable {
  /// Some protocol version was accepted.
  case accepted
  /// Connections reached the handshake and every protocol version was tried, but none got
  /// as far as a ServerHello (alerts, resets, timeouts: see
  /// ``TLSScanResult/handshakeFailures``): the server advertises TLS it cannot do.
  case allFailed = "all-failed"
  /// No connection reached the handshake: opening one failed every time (see
  /// ``TLSScanResult/notes``; a refused `STARTTLS` also sets
  /// ``TLSScanResult/startTLSRefusal``).
  case notStarted = "not-started"
  /// The scan stopped before it could tell (budget, time, a rate limit), or the server
  /// answered without accepting any version the scan asks for.
  case unknown
}
