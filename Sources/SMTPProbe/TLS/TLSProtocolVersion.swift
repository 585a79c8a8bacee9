/// A TLS or SSL protocol version as sent on the wire.
public struct TLSProtocolVersion: RawRepresentable, Hashable, Comparable, Sendable {
  /// The two-byte wire value (`0x0303` for TLS 1.2).
  public var rawValue: UInt16

  /// Creates a version from its wire value.
  /// - Parameter rawValue: The two-byte wire value.
  public init(rawValue: UInt16) { self.rawValue = rawValue }

  /// SSL 3.0.
  public static let sslv3 = TLSProtocolVersion(rawValue: 0x0300)
  /// TLS 1.0.
  public static let tls10 = TLSProtocolVersion(rawValue: 0x0301)
  /// TLS 1.1.
  public static let tls11 = TLSProtocolVersion(rawValue: 0x0302)
  /// TLS 1.2.
  public static let tls12 = TLSProtocolVersion(rawValue: 0x0303)
  /// TLS 1.3.
  public static let tls13 = TLSProtocolVersion(rawValue: 0x0304)

  /// Every version the scanner tests, oldest first.
  public static let all: [TLSProtocolVersion] = [.sslv3, .tls10, .tls11, .tls12, .tls13]
  /// The order the scanner tests them in: what matters most first (TLS 1.3, 1.2, then the
  /// older ones), so that a scan cut short by a rate limit (`421`), the connection budget
  /// or the time limit still knows the modern protocols.
  public static let scanOrder: [TLSProtocolVersion] = [.tls13, .tls12, .tls11, .tls10, .sslv3]

  /// The report name: `SSLv3`, `TLSv1.0` … `TLSv1.3`, or the hex value.
  public var name: String {
    switch rawValue {
    case 0x0300: return "SSLv3"
    case 0x0301: return "TLSv1.0"
    case 0x0302: return "TLSv1.1"
    case 0x0303: return "TLSv1.2"
    case 0x0304: return "TLSv1.3"
    default: return tlsHex16(rawValue)
    }
  }

  public static func < (lhs: TLSProtocolVersion, rhs: TLSProtocolVersion) -> Bool {
    lhs.rawValue < rhs.rawValue
  }
}

/// A named group (elliptic curve or finite-field group) from the IANA
/// "TLS Supported Groups" registry.
public struct TLSNamedGroup: RawRepresentable, Hashable, Sendable {
  /// The two-byte wire value.
  public var rawValue: UInt16

  /// Creates a group from its wire value.
  /// - Parameter rawValue: The two-byte wire value.
  public init(rawValue: UInt16) { self.rawValue = rawValue }

  /// NIST P-256 (secp256r1).
  public static let secp256r1 = TLSNamedGroup(rawValue: 23)
  /// NIST P-384 (secp384r1).
  public static let secp384r1 = TLSNamedGroup(rawValue: 24)
  /// NIST P-521 (secp521r1).
  public static let secp521r1 = TLSNamedGroup(rawValue: 25)
  /// Curve25519 for ECDH.
  public static let x25519 = TLSNamedGroup(rawValue: 29)
  /// Curve448 for ECDH.
  public static let x448 = TLSNamedGroup(rawValue: 30)
  /// RFC 7919 2048-bit finite-field group.
  public static let ffdhe2048 = TLSNamedGroup(rawValue: 256)

  private static let known: [UInt16: (name: String, bits: Int, finiteField: Bool)] = [
    19: ("P-192", 192, false), 21: ("P-224", 224, false), 22: ("secp256k1", 256, false),
    23: ("P-256", 256, false), 24: ("P-384", 384, false), 25: ("P-521", 521, false),
    26: ("brainpoolP256r1", 256, false), 27: ("brainpoolP384r1", 384, false),
    28: ("brainpoolP512r1", 512, false), 29: ("X25519", 253, false), 30: ("X448", 448, false),
    31: ("brainpoolP256r1tls13", 256, false), 32: ("brainpoolP384r1tls13", 384, false),
    33: ("brainpoolP512r1tls13", 512, false),
    256: ("ffdhe2048", 2048, true), 257: ("ffdhe3072", 3072, true),
    258: ("ffdhe4096", 4096, true), 259: ("ffdhe6144", 6144, true),
    260: ("ffdhe8192", 8192, true),
    0x11EB: ("SecP256r1MLKEM768", 256, false), 0x11EC: ("X25519MLKEM768", 253, false),
    0x11ED: ("SecP384r1MLKEM1024", 384, false),
  ]

  /// Groups offered when enumerating, in OpenSSL's default order first.
  public static let enumerationOrder: [TLSNamedGroup] = [
    29, 23, 30, 25, 24, 256, 257, 258, 259, 260, 0x11EC, 0x11EB, 0x11ED, 31, 32, 33, 26, 27, 28,
    22, 21, 19,
  ].map { TLSNamedGroup(rawValue: $0) }

  /// Elliptic-curve groups offered in TLS 1.0–1.2 hellos (finite-field groups are
  /// left out so that servers pick their own DHE parameters, as other scanners see them).
  public static let legacyCurves: [TLSNamedGroup] = [
    29, 23, 30, 25, 24, 26, 27, 28, 22, 21, 19,
  ].map { TLSNamedGroup(rawValue: $0) }

  /// The common name (`X25519`, `P-256`, `ffdhe2048`), or the hex value when unknown.
  public var name: String { Self.known[rawValue]?.name ?? tlsHex16(rawValue) }

  /// The key-exchange size as sslscan reports it: X25519 253, P-256 256, X448 448,
  /// ffdhe2048 2048; `nil` when unknown.
  public var kexBits: Int? { Self.known[rawValue]?.bits }

  /// Whether this is a finite-field (DHE) group rather than an elliptic curve.
  public var isFiniteField: Bool { Self.known[rawValue]?.finiteField ?? false }
}
