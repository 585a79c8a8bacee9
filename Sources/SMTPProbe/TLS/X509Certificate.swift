/// The facts the probe reports about an X.509 certificate, read with ``DER``.
public struct X509Certificate: Equatable, Sendable {
  /// The subject's common name (the last CN), if any.
  public var subjectCommonName: String?
  /// The subject as `C=DE, O=Example, CN=mail.example.org`.
  public var subject: String
  /// The issuer in the same form.
  public var issuer: String
  /// `notBefore` as seconds since 1970-01-01T00:00:00Z.
  public var notBefore: Int64
  /// `notAfter` as seconds since 1970-01-01T00:00:00Z.
  public var notAfter: Int64
  /// The key type: `RSA`, `RSA-PSS`, `EC`, `DSA`, `Ed25519`, `Ed448`, or the OID.
  public var keyType: String
  /// The key size: RSA modulus bits, EC curve bits, DSA prime bits.
  public var keyBits: Int?
  /// The EC curve (`P-256`), for EC keys.
  public var curve: String?
  /// The signature algorithm as OpenSSL names it (`sha256WithRSAEncryption`), or the OID.
  public var signatureAlgorithm: String
  /// DNS names from subjectAltName.
  public var subjectAltNames: [String]
  /// Whether issuer and subject are the same name (byte for byte).
  public var selfSigned: Bool

  /// Whether the signature uses SHA-1 or an older digest.
  public var hasWeakSignatureDigest: Bool {
    [
      "sha1WithRSAEncryption", "ecdsa-with-SHA1", "dsaWithSHA1", "md5WithRSAEncryption",
      "md2WithRSAEncryption",
    ].contains(signatureAlgorithm)
  }

  /// `notAfter` as `2036-11-26T08:16:00Z`.
  public var notAfterText: String { X509Time.format(notAfter) }

  /// Reads a DER certificate.
  /// - Parameter der: The certificate bytes.
  /// - Returns: The facts.
  /// - Throws: `SMTPProbeError` with code `.protocolViolation` when it is not a certificate.
  public static func parse(_ der: [UInt8]) throws -> X509Certificate {
    let root = try DER.parse(der)
    guard root.tag == 0x30, root.children.count == 3 else { throw bad("Certificate") }
    let tbs = root.children[0]
    guard tbs.tag == 0x30 else { throw bad("TBSCertificate") }
    var fields = tbs.children[...]
    if fields.first?.tag == 0xA0 { fields = fields.dropFirst() }  // [0] version
    let list = Array(fields)
    guard list.count >= 6 else { throw bad("TBSCertificate fields") }
    let issuer = list[2]
    let validity = list[3]
    let subject = list[4]
    let spki = list[5]
    guard issuer.tag == 0x30, subject.tag == 0x30, validity.tag == 0x30,
      validity.children.count == 2, spki.tag == 0x30, spki.children.count == 2
    else { throw bad("TBSCertificate layout") }
    let key = try publicKey(spki)
    var sans: [String] = []
    for field in list.dropFirst(6) where field.tag == 0xA3 {
      sans = try subjectAltNames(field)
    }
    return X509Certificate(
      subjectCommonName: try commonName(subject), subject: try distinguishedName(subject),
      issuer: try distinguishedName(issuer), notBefore: try X509Time.parse(validity.children[0]),
      notAfter: try X509Time.parse(validity.children[1]), keyType: key.type, keyBits: key.bits,
      curve: key.curve, signatureAlgorithm: try algorithmName(root.children[1]),
      subjectAltNames: sans, selfSigned: issuer.encoded == subject.encoded)
  }

  /// Whether `host` matches the certificate: DNS subjectAltNames when present, else
  /// the common name; a leftmost `*` label matches exactly one label (RFC 6125).
  /// - Parameter host: The host name to check.
  /// - Returns: Whether some name matches.
  public func matches(host: String) -> Bool {
    let names = subjectAltNames.isEmpty ? (subjectCommonName.map { [$0] } ?? []) : subjectAltNames
    let wanted = Self.labels(host)
    guard !wanted.isEmpty else { return false }
    return names.contains { name in
      let pattern = Self.labels(name)
      guard pattern.count == wanted.count, pattern.count >= 2 else { return false }
      for (index, label) in pattern.enumerated() {
        if index == 0, label == "*", pattern.count >= 3 { continue }
        if label != wanted[index] { return false }
      }
      return true
    }
  }

  private static func labels(_ name: String) -> [String] {
    var text = name.lowercased()
    if text.hasSuffix(".") { text.removeLast() }
    let parts = text.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
    return parts.contains("") ? [] : parts
  }

  static func bad(_ what: String) -> SMTPProbeError {
    SMTPProbeError(.protocolViolation, "X.509: malformed \(what)")
  }

  private static let attributeNames: [String: String] = [
    "2.5.4.3": "CN", "2.5.4.6": "C", "2.5.4.7": "L", "2.5.4.8": "ST", "2.5.4.10": "O",
    "2.5.4.11": "OU", "2.5.4.5": "serialNumber", "1.2.840.113549.1.9.1": "emailAddress",
    "0.9.2342.19200300.100.1.25": "DC",
  ]

  private static func attributes(_ name: DERNode) throws -> [(String, String)] {
    var result: [(String, String)] = []
    for set in name.children {
      guard set.tag == 0x31 else { throw bad("Name") }
      for pair in set.children {
        guard pair.tag == 0x30, pair.children.count == 2, pair.children[0].tag == 0x06 else {
          throw bad("AttributeTypeAndValue")
        }
        let oid = try DER.objectIdentifier(pair.children[0].content)
        result.append((attributeNames[oid] ?? oid, text(pair.children[1])))
      }
    }
    return result
  }

  private static func commonName(_ name: DERNode) throws -> String? {
    try attributes(name).last { $0.0 == "CN" }?.1
  }

  private static func distinguishedName(_ name: DERNode) throws -> String {
    try attributes(name).map { "\($0.0)=\($0.1)" }.joined(separator: ", ")
  }

  /// Renders a string value; control bytes and invalid UTF-8 become `\xNN`.
  private static func text(_ node: DERNode) -> String {
    var bytes = node.content
    if node.tag == 0x1E {  // BMPString: UTF-16BE, keep the ASCII subset
      bytes = stride(from: 0, to: bytes.count - 1, by: 2).map {
        bytes[$0] == 0 ? bytes[$0 + 1] : UInt8(ascii: "?")
      }
    }
    var out = ""
    for scalar in String(decoding: bytes, as: UTF8.self).unicodeScalars {
      if scalar.value < 0x20 || scalar.value == 0x7F || scalar.value == 0xFFFD {
        let value = min(scalar.value, 0xFF)
        let digits = Array("0123456789ABCDEF")
        out += "\\x" + String(digits[Int(value >> 4)]) + String(digits[Int(value & 0xF)])
      } else {
        out.unicodeScalars.append(scalar)
      }
    }
    return out
  }

  private static let signatureNames: [String: String] = [
    "1.2.840.113549.1.1.2": "md2WithRSAEncryption", "1.2.840.113549.1.1.4": "md5WithRSAEncryption",
    "1.2.840.113549.1.1.5": "sha1WithRSAEncryption",
    "1.2.840.113549.1.1.10": "rsassaPss", "1.2.840.113549.1.1.11": "sha256WithRSAEncryption",
    "1.2.840.113549.1.1.12": "sha384WithRSAEncryption",
    "1.2.840.113549.1.1.13": "sha512WithRSAEncryption",
    "1.2.840.113549.1.1.14": "sha224WithRSAEncryption", "1.2.840.10045.4.1": "ecdsa-with-SHA1",
    "1.2.840.10045.4.3.1": "ecdsa-with-SHA224", "1.2.840.10045.4.3.2": "ecdsa-with-SHA256",
    "1.2.840.10045.4.3.3": "ecdsa-with-SHA384", "1.2.840.10045.4.3.4": "ecdsa-with-SHA512",
    "1.2.840.10040.4.3": "dsaWithSHA1", "2.16.840.1.101.3.4.3.2": "dsa_with_SHA256",
    "1.3.101.112": "ED25519", "1.3.101.113": "ED448",
  ]

  private static func algorithmName(_ identifier: DERNode) throws -> String {
    guard identifier.tag == 0x30, let oid = identifier.children.first, oid.tag == 0x06 else {
      throw bad("AlgorithmIdentifier")
    }
    let dotted = try DER.objectIdentifier(oid.content)
    return signatureNames[dotted] ?? dotted
  }

  private static let curves: [String: (String, Int)] = [
    "1.2.840.10045.3.1.7": ("P-256", 256), "1.3.132.0.34": ("P-384", 384),
    "1.3.132.0.35": ("P-521", 521), "1.3.132.0.33": ("P-224", 224),
    "1.2.840.10045.3.1.1": ("P-192", 192), "1.3.132.0.10": ("secp256k1", 256),
    "1.3.36.3.3.2.8.1.1.7": ("brainpoolP256r1", 256),
    "1.3.36.3.3.2.8.1.1.11": ("brainpoolP384r1", 384),
    "1.3.36.3.3.2.8.1.1.13": ("brainpoolP512r1", 512),
  ]

  private static func publicKey(_ spki: DERNode) throws -> (
    type: String, bits: Int?, curve: String?
  ) {
    let algorithm = spki.children[0]
    let keyBits = spki.children[1]
    guard algorithm.tag == 0x30, let oidNode = algorithm.children.first, oidNode.tag == 0x06,
      keyBits.tag == 0x03, let unused = keyBits.content.first, unused == 0
    else { throw bad("SubjectPublicKeyInfo") }
    let oid = try DER.objectIdentifier(oidNode.content)
    let key = Array(keyBits.content.dropFirst())
    switch oid {
    case "1.2.840.113549.1.1.1", "1.2.840.113549.1.1.10":
      let rsa = try DER.parse(key)
      guard rsa.tag == 0x30, rsa.children.count == 2, rsa.children[0].tag == 0x02 else {
        throw bad("RSAPublicKey")
      }
      let type = oid.hasSuffix(".1") ? "RSA" : "RSA-PSS"
      return (type, tlsBitLength(ofBigEndian: rsa.children[0].content), nil)
    case "1.2.840.10045.2.1":
      guard algorithm.children.count == 2, algorithm.children[1].tag == 0x06 else {
        return ("EC", nil, nil)  // explicit or implicit curve parameters
      }
      let curveOID = try DER.objectIdentifier(algorithm.children[1].content)
      if let (name, bits) = curves[curveOID] { return ("EC", bits, name) }
      return ("EC", nil, curveOID)
    case "1.2.840.10040.4.1":
      if algorithm.children.count == 2, let prime = algorithm.children[1].children.first,
        prime.tag == 0x02
      {
        return ("DSA", tlsBitLength(ofBigEndian: prime.content), nil)
      }
      return ("DSA", nil, nil)
    case "1.3.101.112": return ("Ed25519", 256, nil)
    case "1.3.101.113": return ("Ed448", 456, nil)
    default: return (oid, nil, nil)
    }
  }

  private static func subjectAltNames(_ wrapper: DERNode) throws -> [String] {
    guard let extensions = wrapper.children.first, extensions.tag == 0x30 else {
      throw bad("Extensions")
    }
    var names: [String] = []
    for ext in extensions.children {
      guard ext.tag == 0x30, ext.children.count >= 2, ext.children[0].tag == 0x06,
        let value = ext.children.last, value.tag == 0x04
      else { throw bad("Extension") }
      guard try DER.objectIdentifier(ext.children[0].content) == "2.5.29.17" else { continue }
      let general = try DER.parse(value.content)
      guard general.tag == 0x30 else { throw bad("subjectAltName") }
      for name in general.children where name.tag == 0x82 {
        names.append(text(name))
      }
    }
    return names
  }
}

/// UTCTime and GeneralizedTime in X.509 validity, as Unix seconds.
enum X509Time {
  static func parse(_ node: DERNode) throws -> Int64 {
    let digits = node.content
    let yearDigits: Int
    switch (node.tag, digits.count) {
    case (0x17, 13): yearDigits = 2  // YYMMDDHHMMSSZ
    case (0x18, 15): yearDigits = 4  // YYYYMMDDHHMMSSZ
    default: throw X509Certificate.bad("time")
    }
    guard digits.last == UInt8(ascii: "Z") else { throw X509Certificate.bad("time zone") }
    var values: [Int] = []
    var index = 0
    for width in [yearDigits, 2, 2, 2, 2, 2] {
      var value = 0
      for _ in 0..<width {
        let byte = digits[index]
        guard byte >= 0x30, byte <= 0x39 else { throw X509Certificate.bad("time digit") }
        value = value * 10 + Int(byte - 0x30)
        index += 1
      }
      values.append(value)
    }
    var year = values[0]
    if yearDigits == 2 { year += year < 50 ? 2000 : 1900 }
    let (month, day, hour, minute, second) = (values[1], values[2], values[3], values[4], values[5])
    guard (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
    else { throw X509Certificate.bad("time value") }
    let days = daysFromCivil(year: year, month: month, day: day)
    return Int64(days) * 86_400 + Int64(hour * 3_600 + minute * 60 + second)
  }

  // Howard Hinnant's days_from_civil.
  static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
    let y = month <= 2 ? year - 1 : year
    let era = (y >= 0 ? y : y - 399) / 400
    let yoe = y - era * 400
    let mp = (month + 9) % 12
    let doy = (153 * mp + 2) / 5 + day - 1
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
    return era * 146_097 + doe - 719_468
  }

  static func format(_ seconds: Int64) -> String {
    let days = Int(seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400)
    let rest = Int(seconds - Int64(days) * 86_400)
    let z = days + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let doe = z - era * 146_097
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
    let mp = (5 * doy + 2) / 153
    let day = doy - (153 * mp + 2) / 5 + 1
    let month = mp < 10 ? mp + 3 : mp - 9
    let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
    func pad(_ value: Int, _ width: Int) -> String {
      let text = String(value)
      return String(repeating: "0", count: max(0, width - text.count)) + text
    }
    return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(rest / 3_600, 2)):"
      + "\(pad(rest / 60 % 60, 2)):\(pad(rest % 60, 2))Z"
  }
}
