/// How strict TLS is: `--tls compatible|intermediate|modern`.
public enum TLSStrength: String, CaseIterable, Sendable {
  /// TLS 1.0 and up where TLS is optional; 1.2 and up where it is mandatory.
  case compatible
  /// TLS 1.2 and up; high-grade ciphers where TLS is mandatory.
  case intermediate
  /// TLS 1.3 only; high-grade ciphers.
  case modern

  /// `smtpd_tls_protocols`/`smtpd_tls_mandatory_protocols` syntax, valid on every 3.x.
  func protocols(mandatory: Bool) -> String {
    let base = ["!SSLv2", "!SSLv3"]
    switch self {
    case .compatible:
      return (mandatory ? base + ["!TLSv1", "!TLSv1.1"] : base).joined(separator: ", ")
    case .intermediate:
      return (base + ["!TLSv1", "!TLSv1.1"]).joined(separator: ", ")
    case .modern:
      return (base + ["!TLSv1", "!TLSv1.1", "!TLSv1.2"]).joined(separator: ", ")
    }
  }

  /// The cipher grade (`medium` or `high`).
  func cipherGrade(mandatory: Bool) -> String {
    switch self {
    case .compatible: return "medium"
    case .intermediate: return mandatory ? "high" : "medium"
    case .modern: return "high"
    }
  }
}
