/// What a profile is built from: the command line's choices.
public struct ProfileOptions: Sendable {
  /// `--network`: the internal networks a relay serves.
  public var networks: [Network] = []
  /// `--relay-domain`: domains a relay forwards mail for (default: none).
  public var relayDomains: [String] = []
  /// `--domain`: the domains an MX receives mail for.
  public var domains: [String] = []
  /// `--tls`: the TLS strength.
  public var tls: TLSStrength = .intermediate
  /// `--cert`/`--key`, when given.
  public var certificate: Transform.Certificate?
  /// `--sasl`: the SASL implementation for submission.
  public var sasl: Transform.SASL = .dovecot
  /// `--sasl-path`, or `nil` for the implementation's default.
  public var saslPath: String?

  /// Options with every default.
  public init() {}
}
