import PostfixConfig

#if canImport(Glibc)
import Glibc
#endif

/// Checks a server certificate and key before they are written into main.cf.
///
/// smtpd reads them at the first TLS handshake, not at reload: a key that does
/// not match its certificate makes every STARTTLS answer `454 4.7.0 TLS not
/// available due to local problem`, and smtpd logs why only once. So `apply`
/// refuses them first. The checks run the system's `openssl` (which every
/// Postfix with TLS has beside it); without it nothing is taken on trust.
public enum TLSMaterial {
  /// One problem with the files.
  public struct Problem: Sendable, Equatable, CustomStringConvertible {
    /// What is wrong, in one line.
    public var description: String
  }

  /// The smallest RSA key accepted for a server (NIST SP 800-57; the
  /// hardening guide's "server key ≥ 2048 bits").
  public static let minimumRSABits = 2048

  /// Checks `certificate` and `key` as smtpd would use them.
  /// - Parameters:
  ///   - certificate: The certificate (chain) file, leaf first.
  ///   - key: The private key file (may be the certificate file itself).
  ///   - openssl: The `openssl` program, or nil when none is installed.
  ///   - now: Seconds since the epoch, for expiry (nil: now).
  /// - Returns: The problems; empty when the pair is usable.
  public static func problems(
    certificate: String, key: String, openssl: String?, now: Int? = nil
  ) -> [Problem] {
    let now = now ?? HostFiles.now()
    var problems: [Problem] = []
    func say(_ text: String) { problems.append(Problem(description: text)) }
    let shownCertificate = Printable.sanitize(certificate.utf8)
    let shownKey = Printable.sanitize(key.utf8)
    for (path, shown) in [(certificate, shownCertificate), (key, shownKey)]
    where !HostFiles.isReadable(path) {
      say("cannot read \(shown)")
    }
    if !problems.isEmpty { return problems }
    var info = stat()
    if stat(key, &info) == 0, info.st_mode & 0o004 != 0 {
      say("\(shownKey) is readable by every user: chmod o-r (smtpd reads it as root)")
    }
    guard let openssl else {
      say("cannot check the certificate and key: openssl is not installed")
      return problems
    }
    guard
      let certificateKey = run(openssl, ["x509", "-in", certificate, "-noout", "-pubkey"]),
      certificateKey.status == 0
    else {
      say("\(shownCertificate) holds no PEM certificate openssl can read")
      return problems
    }
    guard let privateKey = run(openssl, ["pkey", "-in", key, "-pubout"]), privateKey.status == 0
    else {
      say("\(shownKey) holds no PEM private key openssl can read (or it needs a passphrase)")
      return problems
    }
    if certificateKey.stdout != privateKey.stdout {
      say("the key in \(shownKey) does not match the certificate in \(shownCertificate)")
    }
    let seconds = max(0, now - HostFiles.now())
    if let expiry = run(
      openssl, ["x509", "-in", certificate, "-noout", "-checkend", "\(seconds)"]),
      expiry.status != 0
    {
      let end = run(openssl, ["x509", "-in", certificate, "-noout", "-enddate"])
      let date = end.map { Printable.sanitize($0.stdout.prefix(100)) } ?? ""
      say("the certificate in \(shownCertificate) has expired (\(date))")
    }
    if let text = run(openssl, ["pkey", "-in", key, "-noout", "-text"]), text.status == 0,
      let bits = keyBits(text.stdout), isRSA(text.stdout), bits < minimumRSABits
    {
      say("the RSA key in \(shownKey) has \(bits) bits; use \(minimumRSABits) or more")
    }
    return problems
  }

  /// `Private-Key: (2048 bit, 2 primes)` → 2048.
  static func keyBits(_ text: [UInt8]) -> Int? {
    let line = text.split(separator: 0x0A).first.map { String(decoding: $0, as: UTF8.self) } ?? ""
    guard let open = line.firstIndex(of: "(") else { return nil }
    let digits = line[line.index(after: open)...].prefix { $0.isNumber }
    return Int(digits)
  }

  /// Whether `openssl pkey -text` describes an RSA key (modulus and exponent).
  static func isRSA(_ text: [UInt8]) -> Bool {
    let string = String(decoding: text.prefix(4096), as: UTF8.self)
    return string.contains("modulus:") && string.contains("publicExponent:")
  }

  static func run(_ program: String, _ arguments: [String]) -> InstalledPostfix.Output? {
    try? SystemCommand.run(program, arguments)
  }

  /// The system's `openssl`, if installed.
  public static func openssl() -> String? {
    SystemCommand.find(["/usr/bin/openssl", "/usr/local/bin/openssl", "/bin/openssl"])
  }
}
