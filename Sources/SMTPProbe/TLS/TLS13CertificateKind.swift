/// The kinds of server key a TLS 1.3 client can ask for, each by its signature schemes.
///
/// A TLS 1.3 server picks the certificate whose key can sign with a scheme the client
/// offers in `signature_algorithms` (RFC 8446 4.2.3, 4.4.2.2); a server with two
/// certificates (Postfix's `smtpd_tls_chain_files` with an RSA and an ECDSA key) shows
/// the second only to a client that leaves out the schemes of the first. So the scanner
/// offers every kind, reads the certificate, removes that certificate's kind, and offers
/// the rest until the server refuses (`openssl s_client -tls1_3 -sigalgs ...` does the
/// same by hand).
enum TLS13CertificateKind: CaseIterable, Sendable {
  /// ECDSA keys: `ecdsa_secp256r1_sha256`, `ecdsa_secp384r1_sha384`, `ecdsa_secp521r1_sha512`.
  case ecdsa
  /// RSA keys (rsaEncryption): `rsa_pss_rsae_sha256/384/512`, plus the PKCS #1 schemes,
  /// which TLS 1.3 allows for signatures in certificates only.
  case rsa
  /// RSASSA-PSS keys: `rsa_pss_pss_sha256/384/512`.
  case rsaPSS
  /// Ed25519 keys.
  case ed25519
  /// Ed448 keys.
  case ed448

  /// The signature schemes that select this kind.
  var schemes: [UInt16] {
    switch self {
    case .ecdsa: return [0x0403, 0x0503, 0x0603]
    case .rsa: return [0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601]
    case .rsaPSS: return [0x0809, 0x080A, 0x080B]
    case .ed25519: return [0x0807]
    case .ed448: return [0x0808]
    }
  }

  /// The kind whose schemes include `scheme`, the server's `CertificateVerify` algorithm.
  /// - Parameter scheme: A TLS signature scheme.
  init?(scheme: UInt16) {
    guard let kind = Self.allCases.first(where: { $0.schemes.contains(scheme) }) else {
      return nil
    }
    self = kind
  }
}
