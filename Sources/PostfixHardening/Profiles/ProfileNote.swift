/// Something a profile left alone or could not do, as a value: what happened
/// and the facts, for a caller to phrase in its own words.
///
/// ``description`` is a neutral sentence; a command line can name its own
/// options instead (pfharden says "give --cert FILE --key FILE" for
/// ``Kind/serverTLSUnchanged(reason:)``).
public struct ProfileNote: Equatable, Sendable, CustomStringConvertible {
  /// What happened.
  public enum Kind: Equatable, Sendable {
    /// Server TLS is left as it is: no usable certificate and key was found or
    /// given (``ProfileOptions/certificate``); the reason says why.
    case serverTLSUnchanged(reason: String)
    /// Port 25 keeps compatible TLS protocols although a stricter strength was
    /// asked for: refusing old TLS there only makes peers send in plain text.
    case compatibleTLSOnPortTwentyFive
    /// `smtpd_tls_auth_only` is left as it is: without TLS, requiring it would
    /// stop every login.
    case tlsAuthOnlyUnchanged
    /// No submission service is added: they need TLS and so a certificate.
    case submissionServicesNeedTLS
    /// Only loopback will listen, and these services (`name/type`)
    /// authenticate users, who will no longer reach them from outside.
    case loopbackOnlyStrandsLogins(services: [String])
  }

  /// What happened.
  public var kind: Kind

  /// Creates a note.
  /// - Parameter kind: What happened.
  public init(_ kind: Kind) { self.kind = kind }

  /// The note as a sentence that names no command-line option.
  public var description: String {
    switch kind {
    case .serverTLSUnchanged(let reason):
      return "server TLS left as it is: \(reason); it needs a certificate and its key"
    case .compatibleTLSOnPortTwentyFive:
      return
        "port 25 keeps compatible TLS protocols: refusing old TLS there only makes peers send in plain text"
    case .tlsAuthOnlyUnchanged:
      return "smtpd_tls_auth_only left as it is: without TLS, requiring it would stop every login"
    case .submissionServicesNeedTLS:
      return "submission services not added: they need TLS and so a certificate"
    case .loopbackOnlyStrandsLogins(let services):
      return "only loopback will listen: \(services.joined(separator: ", ")) "
        + "authenticate users, who will no longer reach them from outside"
    }
  }
}

/// Why a profile cannot be built from the options given: the
/// ``PostfixHardeningError/underlying`` error of the error
/// ``Profile/build(options:configuration:isReadable:)`` throws, for a caller
/// to phrase with its own option names.
public enum ProfileRequirement: Error, Equatable, Sendable {
  /// The relay profile needs the networks it relays for
  /// (``ProfileOptions/networks``).
  case networksMissing
  /// The certificate and key given (``ProfileOptions/certificate``) cannot be
  /// used; the reason says why.
  case certificateUnusable(reason: String)
}
