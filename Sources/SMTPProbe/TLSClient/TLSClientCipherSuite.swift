/// The cipher suites the TLS client can negotiate.
enum TLSClientCipherSuite: UInt16, CaseIterable, Sendable {
  case tls13AES128GCMSHA256 = 0x1301
  case tls13AES256GCMSHA384 = 0x1302
  case tls13ChaCha20Poly1305SHA256 = 0x1303
  case ecdheECDSAWithAES128GCMSHA256 = 0xC02B
  case ecdheRSAWithAES128GCMSHA256 = 0xC02F
  case ecdheECDSAWithAES256GCMSHA384 = 0xC02C
  case ecdheRSAWithAES256GCMSHA384 = 0xC030
  case ecdheRSAWithChaCha20Poly1305 = 0xCCA8
  case ecdheECDSAWithChaCha20Poly1305 = 0xCCA9

  /// The TLS 1.3 suites, in the client's preference order.
  static let tls13: [TLSClientCipherSuite] = [
    .tls13AES128GCMSHA256, .tls13AES256GCMSHA384, .tls13ChaCha20Poly1305SHA256,
  ]
  /// The TLS 1.2 suites (ECDHE with AEAD only), in the client's preference order.
  static let tls12: [TLSClientCipherSuite] = [
    .ecdheECDSAWithAES128GCMSHA256, .ecdheRSAWithAES128GCMSHA256, .ecdheECDSAWithAES256GCMSHA384,
    .ecdheRSAWithAES256GCMSHA384, .ecdheECDSAWithChaCha20Poly1305, .ecdheRSAWithChaCha20Poly1305,
  ]

  /// Whether the suite belongs to TLS 1.3.
  var isTLS13: Bool { rawValue >> 8 == 0x13 }

  /// The IANA name.
  var name: String {
    switch self {
    case .tls13AES128GCMSHA256: "TLS_AES_128_GCM_SHA256"
    case .tls13AES256GCMSHA384: "TLS_AES_256_GCM_SHA384"
    case .tls13ChaCha20Poly1305SHA256: "TLS_CHACHA20_POLY1305_SHA256"
    case .ecdheECDSAWithAES128GCMSHA256: "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"
    case .ecdheRSAWithAES128GCMSHA256: "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"
    case .ecdheECDSAWithAES256GCMSHA384: "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"
    case .ecdheRSAWithAES256GCMSHA384: "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"
    case .ecdheRSAWithChaCha20Poly1305: "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"
    case .ecdheECDSAWithChaCha20Poly1305: "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"
    }
  }

  /// The hash of the key schedule or PRF.
  var hash: TLSHashAlgorithm {
    switch self {
    case .tls13AES256GCMSHA384, .ecdheECDSAWithAES256GCMSHA384, .ecdheRSAWithAES256GCMSHA384:
      .sha384
    default: .sha256
    }
  }

  /// Whether the AEAD is ChaCha20-Poly1305 (else AES-GCM).
  var isChaCha: Bool {
    switch self {
    case .tls13ChaCha20Poly1305SHA256, .ecdheRSAWithChaCha20Poly1305,
      .ecdheECDSAWithChaCha20Poly1305:
      true
    default: false
    }
  }

  /// The AEAD key length in bytes.
  var keyLength: Int {
    if isChaCha { return 32 }
    return hash == .sha384 ? 32 : 16
  }

  /// The AEAD for a key.
  func cipher(key: [UInt8]) throws -> any AEADCipher {
    isChaCha ? try ChaCha20Poly1305(key: key) : try AESGCM(key: key)
  }
}
