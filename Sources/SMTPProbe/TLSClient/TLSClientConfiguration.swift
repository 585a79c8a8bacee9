/// What the TLS client offers.
///
/// The client reports certificate facts; it does not authenticate the server. It reads
/// the certificate chain and the `CertificateVerify` (or `ServerKeyExchange`) signature
/// algorithm but verifies neither the chain nor the signature, so the connection is
/// confidential only against passive observers. That is the probe's purpose: to speak
/// SMTP inside TLS and describe what the server presents, as `posttls-finger` does
/// without a trust anchor.
struct TLSClientConfiguration: Sendable {
  /// The SNI host name; IP literals and nil send none.
  var serverName: String?
  /// The versions to offer (TLS 1.2 and TLS 1.3).
  var versions: [TLSProtocolVersion] = [.tls13, .tls12]
  /// The suites to offer, in preference order; those of a version not offered are dropped.
  var cipherSuites: [TLSClientCipherSuite] = TLSClientCipherSuite.tls13 + TLSClientCipherSuite.tls12
  /// Signature schemes for `signature_algorithms`.
  var signatureAlgorithms: [UInt16] = TLSClientHello.defaultSignatureAlgorithms
  /// Whether the first TLS 1.3 ClientHello carries the X25519 key share; false sends an
  /// empty `key_share`, so a TLS 1.3 server must answer with a HelloRetryRequest.
  var sendKeyShareInFirstHello = true
  /// The longest handshake message accepted (a certificate chain is the longest).
  var maxHandshakeMessageBytes = 131_072
  /// The most records the client skips without progress (ChangeCipherSpec, empty
  /// application data, warning alerts, session tickets) before it gives up.
  var maxIgnoredRecords = 64

  /// Creates the configuration.
  /// - Parameter serverName: The SNI host name, if any.
  init(serverName: String? = nil) {
    self.serverName = serverName
  }
}

/// What the TLS client learned in the handshake.
struct TLSClientSessionInfo: Sendable, Equatable {
  /// The negotiated version.
  var version: TLSProtocolVersion
  /// The negotiated suite.
  var cipherSuite: TLSClientCipherSuite
  /// The key exchange group (always X25519).
  var group: TLSNamedGroup
  /// The server's certificates as DER, leaf first, exactly as sent (unverified).
  var certificateChain: [[UInt8]]
  /// The signature scheme of `CertificateVerify` (TLS 1.3) or `ServerKeyExchange` (TLS 1.2);
  /// read, not verified.
  var signatureAlgorithm: UInt16?
  /// Whether the server sent a HelloRetryRequest.
  var helloRetryRequest: Bool
  /// Whether the server asked for a client certificate (the client sends none).
  var certificateRequested: Bool
  /// Whether the extended master secret (RFC 7627) is in use (TLS 1.2).
  var extendedMasterSecret: Bool
}
