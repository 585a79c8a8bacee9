import PostfixConfig

/// Where server TLS gets its certificate from, if anywhere.
enum ServerCertificate: Equatable {
  /// `--cert`/`--key`, both readable.
  case given(Transform.Certificate)
  /// The certificate the configuration already names, readable.
  case existing
  /// None usable, with the reason.
  case missing(String)

  static func resolve(
    given: Transform.Certificate?, configuration: PostfixConfiguration,
    isReadable: (String) -> Bool
  ) -> ServerCertificate {
    if let given {
      for file in [given.certificateFile, given.keyFile] where !isReadable(file) {
        return .missing("cannot read \(Printable.sanitize(file.utf8))")
      }
      return .given(given)
    }
    let chain = configuration.setting("smtpd_tls_chain_files").words
    let files: [String]
    if !chain.isEmpty {
      files = chain
    } else {
      let certificate = configuration.setting("smtpd_tls_cert_file").text
      guard !certificate.isEmpty else { return .missing("no certificate configured") }
      let key = configuration.setting("smtpd_tls_key_file").text
      files = [certificate, key.isEmpty ? certificate : key]
    }
    for file in files where !isReadable(file) {
      return .missing("the configured \(Printable.sanitize(file.utf8)) is not readable")
    }
    return .existing
  }

  var isMissing: Bool {
    if case .missing = self { return true }
    return false
  }

  func transforms(
    strength: TLSStrength, opportunisticFloor: Bool, excludeAnonymous: Bool = false
  ) -> [Transform] {
    switch self {
    case .given(let certificate):
      return [
        .serverTLS(
          certificate: certificate, strength: strength, opportunisticFloor: opportunisticFloor,
          excludeAnonymous: excludeAnonymous)
      ]
    case .existing:
      return [
        .serverTLS(
          certificate: nil, strength: strength, opportunisticFloor: opportunisticFloor,
          excludeAnonymous: excludeAnonymous)
      ]
    case .missing:
      return []
    }
  }
}
