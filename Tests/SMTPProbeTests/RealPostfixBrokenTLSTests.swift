import Foundation
import Testing

@testable import SMTPProbe

/// The probe against a real Postfix whose key does not match its certificate.
///
/// With such an `smtpd_tls_key_file`, Postfix on 127.0.0.1 advertises STARTTLS and answers
/// `454 4.7.0 TLS not available due to local problem`. The probe must report
/// `starttls-broken`, as `openssl s_client -starttls smtp` fails on it; the same set-up
/// with the matching key is the control.
@Suite(.serialized, .enabled(if: BrokenTLSGate.shouldRun, BrokenTLSGate.skipComment))
struct RealPostfixBrokenTLSTests {
  /// A self-signed certificate for one RSA key and a second, unrelated RSA key.
  final class Keys {
    let directory: URL
    var certificate: String { directory.appendingPathComponent("cert.pem").path }
    var key: String { directory.appendingPathComponent("cert.key").path }
    var otherKey: String { directory.appendingPathComponent("other.key").path }

    init() throws {
      directory = FileManager.default.temporaryDirectory
        .appendingPathComponent("pfharden-keys-\(UUID().uuidString.prefix(8))")
      try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
      chmod(directory.path, 0o755)
      for arguments in [
        ["genrsa", "-out", key, "2048"], ["genrsa", "-out", otherKey, "2048"],
        [
          "req", "-new", "-x509", "-key", key, "-out", certificate, "-days", "30", "-subj",
          "/CN=mail.example.test",
        ],
      ] {
        let run = try RealPostfix.run(BrokenTLSGate.openssl, arguments)
        guard run.status == 0 else {
          throw PostfixInstance.Failure(
            "openssl \(arguments[0]) failed: \(String(decoding: run.stderr, as: UTF8.self))")
        }
      }
    }

    deinit { try? FileManager.default.removeItem(at: directory) }
  }

  func probe(_ instance: PostfixInstance) -> ProbeReport {
    var options = ProbeOptions()
    options.tlsOnly = true
    options.stepTimeout = .seconds(5)
    options.initialBackoff = .milliseconds(100)
    return Prober.probe(host: "127.0.0.1", port: instance.port, options: options)
  }

  /// `openssl s_client -starttls smtp` with nothing on stdin, at most 20 seconds.
  func sClient(_ port: UInt16) throws -> TLSTools.Run {
    try TLSTools.run(
      "/usr/bin/timeout",
      [
        "20", BrokenTLSGate.openssl, "s_client", "-starttls", "smtp", "-connect",
        "127.0.0.1:\(port)",
      ])
  }

  @Test func keyNotMatchingTheCertificateIsAnError() throws {
    try BrokenTLSGate.require()
    let keys = try Keys()
    let instance = try PostfixInstance(
      posture: .stock,
      tls: PostfixInstance.TLSSettings(certificate: keys.certificate, key: keys.otherKey))
    defer { instance.stop() }
    try instance.start()

    let report = probe(instance)
    #expect(report.failure == nil, "\(report.failure?.reason ?? "")")
    #expect(report.startTLSOffered)
    let finding = try #require(
      report.findings.first { $0.id == "starttls-broken" },
      "\(report.findings.map(\.id)) \(instance.log())")
    #expect(finding.severity == .error)
    #expect(
      finding.message.contains("454 4.7.0 TLS not available due to local problem"),
      "\(finding.message)")
    #expect(report.startTLSStatus == .refused)
    #expect(report.hasFindings(atLeast: .error))
    print("Postfix 127.0.0.1:\(instance.port), mismatched key: \(finding.message)")

    // The ground truth: OpenSSL cannot get a session either.
    let reference = try sClient(instance.port)
    #expect(reference.status != 0, "\(reference.stdout)")
    #expect(reference.stdout.contains("Cipher is (NONE)"), "\(reference.stdout)")
    // And smtpd says why (once per process).
    usleep(300_000)
    #expect(instance.log().contains("key values mismatch"), "\(instance.log())")
  }

  @Test func theMatchingKeyIsTheControl() throws {
    try BrokenTLSGate.require()
    let keys = try Keys()
    let instance = try PostfixInstance(
      posture: .stock,
      tls: PostfixInstance.TLSSettings(certificate: keys.certificate, key: keys.key))
    defer { instance.stop() }
    try instance.start()

    let report = probe(instance)
    #expect(report.failure == nil, "\(report.failure?.reason ?? "")")
    #expect(report.startTLSStatus == .works)
    #expect(report.tls?.outcome == .accepted)
    #expect(!report.findings.contains { $0.id == "starttls-broken" })
    let reference = try sClient(instance.port)
    #expect(reference.status == 0, "\(reference.stderr)")
    #expect(!reference.stdout.contains("Cipher is (NONE)"))
  }
}

/// The gate of ``RealPostfixBrokenTLSTests``: real Postfix instances (root) and openssl.
enum BrokenTLSGate {
  static let openssl = "/usr/bin/openssl"

  static var hasOpenSSL: Bool { FileManager.default.isExecutableFile(atPath: openssl) }

  static var shouldRun: Bool {
    (RealPostfix.isInstalled && RealPostfix.isRoot && hasOpenSSL) || RealPostfix.isRequired
  }

  static let skipComment: Comment =
    "needs root, /usr/sbin/postfix and /usr/bin/openssl (apt-get install postfix openssl); set PFHARDEN_REQUIRE_POSTFIX=1 to fail instead of skipping"

  /// Throws when a required run lacks Postfix, root or openssl.
  static func require() throws {
    try RealPostfix.requireInstances()
    if !hasOpenSSL {
      throw RealPostfix.Missing(description: "PFHARDEN_REQUIRE_POSTFIX=1 but \(openssl) is missing")
    }
  }
}
