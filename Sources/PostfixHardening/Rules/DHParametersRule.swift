import PostfixConfig

/// Diffie-Hellman parameters: no custom file under 2048 bits; anonymous
/// suites excluded where their 1024-bit DH matters.
///
/// Rationale: a custom `smtpd_tls_dh1024_param_file` with a prime under 2048
/// bits weakens every DHE suite (Logjam). On Postfix 3.7 and later with
/// OpenSSL 3 an empty setting lets OpenSSL choose: 2048-bit DH for
/// authenticated suites but 1024-bit DH for the 128-bit anonymous (ADH) ones.
/// Anonymous suites are acceptable on an mx (TLS_README: excluding them is
/// generally unnecessary), but on a relay or submission service they should
/// be excluded with `smtpd_tls_exclude_ciphers = aNULL`, the judgement the
/// probe makes on the live server.
///
/// Inspects: `smtpd_tls_dh1024_param_file` (the prime's size, read from the
/// PEM file), `smtpd_tls_exclude_ciphers` and
/// `smtpd_tls_mandatory_exclude_ciphers`, per smtpd service with TLS on.
///
/// Fix: remove the weak file or generate a 2048-bit one; on relay and
/// submission set `smtpd_tls_exclude_ciphers = aNULL` (transform `server-tls`).
///
/// Reference: FORWARD_SECRECY_README; TLS_README "Server-side cipher controls";
/// postconf(5) `smtpd_tls_dh1024_param_file`.
struct DHParametersRule: AuditRule {
  let id = RuleID.tlsDHParameters
  let summary = "Weak Diffie-Hellman parameters."
  let inspects = [
    "smtpd_tls_dh1024_param_file", "smtpd_tls_exclude_ciphers",
    "smtpd_tls_mandatory_exclude_ciphers", "smtpd_tls_security_level", "smtpd_tls_wrappermode",
    "smtpd_use_tls", "smtpd_enforce_tls",
  ]

  func check(_ context: AuditContext) -> [Finding] {
    // Folded as found: a main.cf value is judged once per service.
    var findings = FindingMerger()
    for service in context.publicServices where TLSFacts.serverTLSEnabled(context, service) {
      let file = context.setting("smtpd_tls_dh1024_param_file", for: service)
      let path = file.text.trimmingBlanks()
      if !path.isEmpty {
        guard let host = context.options.host, let measured = host.dhParameterBits[path] else {
          continue
        }
        guard let bits = measured else {
          findings.add(
            context.finding(
              id, .info, "cannot verify the DH parameters in \(path)", setting: file,
              fix: "Make sure \(path) holds PEM DH parameters of 2048 bits or more."))
          continue
        }
        if bits < 2048 {
          findings.add(
            context.finding(
              id, service.role == .mx ? .warning : .error,
              "\(path) holds \(bits)-bit DH parameters (under 2048)", setting: file,
              fix: "Remove smtpd_tls_dh1024_param_file or generate 2048-bit parameters."))
        }
        continue
      }
      guard service.role == .relay || service.role == .submission,
        let version = context.targetVersion, let threshold = PostfixVersion("3.7"),
        version >= threshold
      else { continue }
      let exclude = context.setting("smtpd_tls_exclude_ciphers", for: service)
      let mandatory = context.setting("smtpd_tls_mandatory_exclude_ciphers", for: service)
      let excluded = (exclude.words + mandatory.words).contains { $0.lowercased() == "anull" }
      guard !excluded else { continue }
      findings.add(
        context.finding(
          id, .warning,
          "anonymous cipher suites are offered with 1024-bit DH on a \(service.role.rawValue) service",
          setting: exclude, fix: "Set smtpd_tls_exclude_ciphers = aNULL (transform server-tls)."))
    }
    return findings.findings
  }
}
