/// How a cipher suite agrees on keys.
public enum TLSKeyExchange: String, Sendable {
  /// No key exchange (`TLS_NULL_WITH_NULL_NULL`).
  case null = "NULL"
  /// RSA key transport (no forward secrecy).
  case rsa = "RSA"
  /// Static Diffie-Hellman from the certificate.
  case dh = "DH"
  /// Ephemeral Diffie-Hellman, authenticated.
  case dhe = "DHE"
  /// Static elliptic-curve Diffie-Hellman from the certificate.
  case ecdh = "ECDH"
  /// Ephemeral elliptic-curve Diffie-Hellman, authenticated.
  case ecdhe = "ECDHE"
  /// Anonymous (unauthenticated) ephemeral Diffie-Hellman.
  case anonymousDH = "ADH"
  /// Anonymous (unauthenticated) ephemeral elliptic-curve Diffie-Hellman.
  case anonymousECDH = "AECDH"
  /// Pre-shared key.
  case psk = "PSK"
  /// Ephemeral Diffie-Hellman with a pre-shared key.
  case dhePSK = "DHEPSK"
  /// RSA key transport with a pre-shared key.
  case rsaPSK = "RSAPSK"
  /// Ephemeral elliptic-curve Diffie-Hellman with a pre-shared key.
  case ecdhePSK = "ECDHEPSK"
  /// Kerberos.
  case krb5 = "KRB5"
  /// Secure Remote Password.
  case srp = "SRP"
  /// Elliptic-curve password authentication (RFC 8492).
  case eccpwd = "ECCPWD"
  /// GOST key agreement (RFC 9189).
  case gost = "GOST"
  /// TLS 1.3: the suite names no key exchange; the group decides.
  case tls13 = "TLS13"
  /// A signalling value that is never negotiated (`*_SCSV`).
  case signalling = "SCSV"
}

/// One entry of the IANA "TLS Cipher Suites" registry.
public struct TLSCipherSuite: Hashable, Sendable {
  /// The two-byte identifier (`0xC02F`).
  public var id: UInt16
  /// The IANA name (`TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256`).
  public var name: String
  /// The key exchange.
  public var keyExchange: TLSKeyExchange
  /// The authentication (`RSA`, `ECDSA`, `DSS`, `PSK`, `None` for anonymous, `any` for TLS 1.3).
  public var authentication: String
  /// The bulk cipher strength in bits (0 for NULL ciphers; 112 for 3DES).
  public var bits: Int
  /// Whether the key exchange is ephemeral (forward secret).
  public var forwardSecret: Bool
  /// Whether the suite is export grade.
  public var export: Bool
  /// OpenSSL's name for the suite, when OpenSSL knows it.
  public var openSSLName: String?

  /// The identifier as `0xC02F`.
  public var hexID: String { tlsHex16(id) }

  /// Whether the key exchange is unauthenticated (anonymous DH or ECDH).
  public var isAnonymous: Bool {
    keyExchange == .anonymousDH || keyExchange == .anonymousECDH
  }

  /// Whether the suite belongs to TLS 1.3.
  public var isTLS13: Bool { keyExchange == .tls13 }
}

/// The IANA cipher-suite registry as data, parsed once on first use from the
/// generated table in `CipherSuiteTable.swift` (regenerate it with
/// `Scripts/generate-cipher-suites`).
enum CipherSuiteRegistry {
  /// Every assigned suite, in registry order.
  public static let all: [TLSCipherSuite] = parse(table)

  private static let byID: [UInt16: TLSCipherSuite] = {
    var map: [UInt16: TLSCipherSuite] = [:]
    for suite in all { map[suite.id] = suite }
    return map
  }()

  /// Looks up a suite by identifier.
  /// - Parameter id: The two-byte identifier.
  /// - Returns: The suite, or `nil` when the registry does not assign `id`.
  public static func suite(_ id: UInt16) -> TLSCipherSuite? { byID[id] }

  /// Suites a TLS 1.0–1.2 or SSLv3 ClientHello offers when enumerating: everything
  /// except TLS 1.3 suites and signalling values.
  public static var legacySuites: [TLSCipherSuite] {
    all.filter { !$0.isTLS13 && $0.keyExchange != .signalling && $0.id != 0 }
  }

  /// Suites a TLS 1.3 ClientHello offers when enumerating.
  public static var tls13Suites: [TLSCipherSuite] { all.filter(\.isTLS13) }

  static func parse(_ text: String) -> [TLSCipherSuite] {
    var suites: [TLSCipherSuite] = []
    for line in text.split(separator: "\n") {
      let fields = line.split(separator: " ")
      guard fields.count == 8, let id = UInt16(fields[0], radix: 16),
        let kex = TLSKeyExchange(rawValue: String(fields[2])), let bits = Int(fields[4])
      else { continue }
      suites.append(
        TLSCipherSuite(
          id: id, name: String(fields[1]), keyExchange: kex, authentication: String(fields[3]),
          bits: bits, forwardSecret: fields[5] == "1", export: fields[6] == "1",
          openSSLName: fields[7] == "-" ? nil : String(fields[7])))
    }
    return suites
  }
}
