import Foundation
import Testing

@testable import SMTPProbe

/// The probe's TLS analysis over STARTTLS against real Postfix instances on 127.0.0.1,
/// compared with `sslscan --starttls-smtp --xml=-` on the same instance and with
/// `openssl x509` on its certificate.
@Suite(.serialized, .enabled(if: PostfixTLSGate.shouldRun, PostfixTLSGate.skipComment))
struct RealPostfixTLSTests {
  static func certificate(_ name: String) -> String { TLSFixtures.certs + "/" + name }

  /// Starts the instance, probes it with `--tls-only`, runs sslscan and compares.
  func compare(
    _ tls: PostfixInstance.TLSSettings, certificateFile: String,
    sourceLocation: SourceLocation = #_sourceLocation
  ) throws -> ProbeReport {
    try RealPostfix.requireInstances()
    try TLSTools.require()
    let instance = try PostfixInstance(posture: .stock, tls: tls)
    defer { instance.stop() }
    try instance.start()
    usleep(300_000)  // postlogd writes the log asynchronously
    let beforeProbe = instance.loggedConnections()
    var options = ProbeOptions()
    options.tlsOnly = true
    options.stepTimeout = .seconds(5)
    let started = Date()
    let report = Prober.probe(host: "127.0.0.1", port: instance.port, options: options)
    let ours = Date().timeIntervalSince(started)
    usleep(300_000)
    let afterProbe = instance.loggedConnections()
    let reference = try TLSEndToEndTests.sslscanStartTLS(port: instance.port)
    let theirs = Date().timeIntervalSince(started) - ours - 0.3
    usleep(300_000)
    let sslscanConnections = instance.loggedConnections() - afterProbe
    print(
      "Postfix 127.0.0.1:\(instance.port) \(tls.parameters): probe \(report.connections) "
        + "connections in \(String(format: "%.2f", ours)) s; sslscan \(sslscanConnections) "
        + "in \(String(format: "%.2f", theirs)) s")

    #expect(
      report.failure == nil, "\(report.failure?.reason ?? "")", sourceLocation: sourceLocation)
    let result = try #require(report.tls, sourceLocation: sourceLocation)
    #expect(result.notes == [], sourceLocation: sourceLocation)
    #expect(!result.ciphers.isEmpty, "\(instance.log())", sourceLocation: sourceLocation)
    #expect(
      report.connections == afterProbe - beforeProbe, "every connection counted",
      sourceLocation: sourceLocation)
    for name in ["SSLv3", "TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3"] {
      #expect(
        result.protocols[name] == (reference.protocols[name] ?? false), "\(name)",
        sourceLocation: sourceLocation)
      let suites = Set(result.ciphers.filter { $0.protocol == name }.map(\.id))
      #expect(
        suites == reference.suites[name, default: []], "\(name) suites",
        sourceLocation: sourceLocation)
    }
    var dhChecked = 0
    for row in result.ciphers
    where row.protocol != "TLSv1.3" && (row.kex == "DHE" || row.kex == "ADH") {
      #expect(
        row.kexBits == reference.dhBits["\(row.protocol) \(row.id)"],
        "\(row.protocol) \(row.name)", sourceLocation: sourceLocation)
      dhChecked += 1
    }
    print("  compared \(result.ciphers.count) suites, \(dhChecked) DH sizes")
    let facts = try TLSEndToEndTests.x509Facts(certificateFile)
    let summary = try #require(result.certificate, sourceLocation: sourceLocation)
    #expect(summary.keyType == facts.keyType, sourceLocation: sourceLocation)
    #expect(summary.keyBits == facts.keyBits, sourceLocation: sourceLocation)
    #expect(summary.notAfter == facts.notAfter, sourceLocation: sourceLocation)
    #expect(summary.selfSigned == facts.selfSigned, sourceLocation: sourceLocation)
    #expect(summary.subjectAltNames == facts.sans, sourceLocation: sourceLocation)
    #expect(summary.leaf.signatureAlgorithm == facts.signature, sourceLocation: sourceLocation)
    return report
  }

  @Test func rsa1024WithA1024BitDHFileAndTLS10() throws {
    let report = try compare(
      PostfixInstance.TLSSettings(
        certificate: Self.certificate("rsa1024.pem"), key: Self.certificate("rsa1024.key"),
        parameters: [
          "smtpd_tls_dh1024_param_file = \(Self.certificate("dh1024.pem"))",
          "smtpd_tls_protocols = >=TLSv1", "smtpd_tls_ciphers = low",
          "tls_low_cipherlist = ALL:COMPLEMENTOFALL",
        ]),
      certificateFile: "rsa1024.pem")
    let tls = try #require(report.tls)
    #expect(tls.protocols["TLSv1.0"] == true)
    #expect(tls.minDHBits == 1024)
    let ids = Set(report.findings.map(\.id))
    #expect(
      ids.isSuperset(of: ["tls-tls10-offered", "tls-weak-dh", "tls-weak-certificate-key"]))
  }

  @Test func defaultsWithRSA2048() throws {
    let report = try compare(
      PostfixInstance.TLSSettings(
        certificate: Self.certificate("rsa2048.pem"), key: Self.certificate("rsa2048.key")),
      certificateFile: "rsa2048.pem")
    let tls = try #require(report.tls)
    // Postfix 3.7 with OpenSSL 3: 2048-bit DH for authenticated DHE, 1024 for anonymous.
    #expect(tls.minDHBits == 2048)
    #expect(tls.minAnonDHBits == 1024)
    let ids = Set(report.findings.map(\.id))
    #expect(ids.contains("tls-weak-anon-dh"))
    #expect(!ids.contains("tls-weak-dh"))
    #expect(!ids.contains("tls-weak-certificate-key"))
  }

  @Test func tls12AndLaterWithAnECKey() throws {
    let report = try compare(
      PostfixInstance.TLSSettings(
        certificate: Self.certificate("ec-prime256v1.pem"),
        key: Self.certificate("ec-prime256v1.key"),
        parameters: ["smtpd_tls_protocols = >=TLSv1.2"]),
      certificateFile: "ec-prime256v1.pem")
    let tls = try #require(report.tls)
    #expect(tls.protocols["TLSv1.1"] == false)
    #expect(tls.protocols["TLSv1.2"] == true)
    #expect(tls.certificate?.keyType == "EC")
    #expect(tls.certificate?.keyBits == 256)
  }
}

/// The gate of ``RealPostfixTLSTests``: real Postfix instances and the TLS oracles.
enum PostfixTLSGate {
  static var shouldRun: Bool {
    (RealPostfix.isInstalled && RealPostfix.isRoot && TLSTools.isInstalled)
      || RealPostfix.isRequired
  }

  static let skipComment: Comment =
    "needs root, /usr/sbin/postfix, /usr/bin/sslscan and /usr/bin/openssl (apt-get install postfix sslscan openssl); set PFHARDEN_REQUIRE_POSTFIX=1 to fail instead of skipping"
}
