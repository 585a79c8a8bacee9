import Foundation
import Testing

@testable import SMTPProbe

/// Scans real `openssl s_server` instances on 127.0.0.1 and compares with sslscan and
/// `openssl x509`.
@Suite(.serialized, .enabled(if: TLSTools.shouldRun, TLSTools.skipComment))
struct TLSEndToEndTests {
  /// What sslscan reported.
  struct SSLScanReport {
    var protocols: [String: Bool] = [:]
    var suites: [String: Set<String>] = [:]
    var dhBits: [String: Int] = [:]  // "TLSv1.2 0x009F" -> bits
    var tls13Groups: Set<UInt16> = []
    var tls12Groups: Set<UInt16> = []
  }

  static func sslscan(port: UInt16) throws -> SSLScanReport {
    try sslscan(arguments: ["--xml=-", "127.0.0.1:\(port)"])
  }

  /// sslscan through STARTTLS on an SMTP port.
  static func sslscanStartTLS(port: UInt16) throws -> SSLScanReport {
    try sslscan(arguments: ["--starttls-smtp", "--xml=-", "127.0.0.1:\(port)"])
  }

  static func sslscan(arguments: [String]) throws -> SSLScanReport {
    let run = try TLSTools.run(TLSTools.sslscan, arguments)
    var report = SSLScanReport()
    let names = [
      "2": "SSLv2", "3": "SSLv3", "1.0": "TLSv1.0", "1.1": "TLSv1.1",
      "1.2": "TLSv1.2", "1.3": "TLSv1.3",
    ]
    for line in run.stdout.split(separator: "\n") {
      let attributes = Self.attributes(String(line))
      if line.contains("<protocol "), let version = attributes["version"],
        let name = names[version]
      {
        report.protocols[name] = attributes["enabled"] == "1"
      }
      if line.contains("<group "), attributes["sslversion"] == "TLSv1.3",
        let id = attributes["id"].flatMap({ UInt16($0.dropFirst(2), radix: 16) })
      {
        report.tls13Groups.insert(id)
      }
      if line.contains("<group "), attributes["sslversion"] == "TLSv1.2",
        let id = attributes["id"].flatMap({ UInt16($0.dropFirst(2), radix: 16) })
      {
        report.tls12Groups.insert(id)
      }
      if line.contains("<cipher "), let version = attributes["sslversion"],
        let id = attributes["id"]?.uppercased().replacingOccurrences(of: "0X", with: "0x")
      {
        report.suites[version, default: []].insert(id)
        if let bits = attributes["dhebits"].flatMap(Int.init) {
          report.dhBits["\(version) \(id)"] = bits
        }
      }
    }
    return report
  }

  static func attributes(_ line: String) -> [String: String] {
    var result: [String: String] = [:]
    let pattern = try? NSRegularExpression(pattern: #"([a-zA-Z-]+)="([^"]*)""#)
    let range = NSRange(line.startIndex..., in: line)
    for match in pattern?.matches(in: line, range: range) ?? [] {
      if let key = Range(match.range(at: 1), in: line),
        let value = Range(match.range(at: 2), in: line)
      {
        result[String(line[key])] = String(line[value])
      }
    }
    return result
  }

  /// `openssl x509` facts of a certificate file.
  static func x509Facts(_ file: String) throws -> (
    keyBits: Int, keyType: String, notAfter: String, selfSigned: Bool, sans: [String],
    signature: String
  ) {
    let path = TLSFixtures.certs + "/" + file
    let text = try TLSTools.run(TLSTools.openssl, ["x509", "-in", path, "-noout", "-text"]).stdout
    let bits = text.firstMatch(of: /Public-Key: \((\d+) bit\)/).flatMap { Int($0.1) } ?? -1
    let type = text.contains("rsaEncryption") ? "RSA" : text.contains("id-ecPublicKey") ? "EC" : "?"
    let signature = text.firstMatch(of: /Signature Algorithm: (\S+)/).map { String($0.1) } ?? "?"
    let end = try TLSTools.run(
      TLSTools.openssl, ["x509", "-in", path, "-noout", "-enddate", "-dateopt", "iso_8601"]
    ).stdout
    // notAfter=2036-11-26 08:16:00Z
    let iso = end.trimmingCharacters(in: .whitespacesAndNewlines)
      .replacingOccurrences(of: "notAfter=", with: "").replacingOccurrences(of: " ", with: "T")
    let subject = try TLSTools.run(
      TLSTools.openssl, ["x509", "-in", path, "-noout", "-subject", "-nameopt", "RFC2253"]
    ).stdout
    let issuer = try TLSTools.run(
      TLSTools.openssl, ["x509", "-in", path, "-noout", "-issuer", "-nameopt", "RFC2253"]
    ).stdout
    let selfSigned =
      subject.replacingOccurrences(of: "subject=", with: "")
      == issuer.replacingOccurrences(of: "issuer=", with: "")
    let sanLine = try TLSTools.run(
      TLSTools.openssl, ["x509", "-in", path, "-noout", "-ext", "subjectAltName"]
    ).stdout
    let sans = sanLine.matches(of: /DNS:([^,\s]+)/).map { String($0.1) }
    return (bits, type, iso, selfSigned, sans, signature)
  }

  static func scan(_ server: TLSTestServer, serverName: String? = "mail.example.test")
    -> TLSScanResult
  {
    var options = TLSScanOptions(
      now: Int64(Date().timeIntervalSince1970), role: .relay, serverName: serverName)
    options.backoff = []
    options.handshakeTimeout = .seconds(5)
    let port = server.port
    return TLSScanner(options: options) { try TLSLoopbackChannel(port: port) }.scan()
  }

  func compare(_ arguments: [String], certificate: String) throws -> TLSScanResult {
    try TLSTools.require()
    let server = try TLSTestServer(arguments)
    defer { server.stop() }
    let result = Self.scan(server)
    let reference = try Self.sslscan(port: server.port)
    print("scan of s_server \(arguments.joined(separator: " ")): \(result.connections) connections")
    #expect(result.notes == [])
    #expect(!result.ciphers.isEmpty)
    for name in ["SSLv3", "TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3"] {
      #expect(result.protocols[name] == reference.protocols[name], "\(name)")
      let ours = Set(result.ciphers.filter { $0.protocol == name }.map(\.id))
      #expect(ours == reference.suites[name, default: []], "\(name) suites")
    }
    let groups = Set(
      result.tls13Groups.compactMap { name in
        TLSNamedGroup.enumerationOrder.first { $0.name == name }?.rawValue
      })
    #expect(groups == reference.tls13Groups)
    if result.protocols["TLSv1.3"] != true {
      let curves = Set(
        result.ecdheCurves.compactMap { name in
          TLSNamedGroup.enumerationOrder.first { $0.name == name }?.rawValue
        })
      #expect(curves == reference.tls12Groups)
    }
    for row in result.ciphers where row.kex == "DHE" || row.kex == "ADH" {
      if row.protocol != "TLSv1.3" {
        #expect(
          row.kexBits == reference.dhBits["\(row.protocol) \(row.id)"],
          "\(row.protocol) \(row.name)")
      }
    }
    let facts = try Self.x509Facts(certificate)
    let summary = try #require(result.certificate)
    #expect(summary.keyBits == facts.keyBits)
    #expect(summary.keyType == facts.keyType)
    #expect(summary.notAfter == facts.notAfter)
    #expect(summary.selfSigned == facts.selfSigned)
    #expect(summary.subjectAltNames == facts.sans)
    #expect(summary.leaf.signatureAlgorithm == facts.signature)
    return result
  }

  @Test func oldServerWithRSA1024AndDH1024() throws {
    let result = try compare(
      [
        "-cert", "rsa1024.pem", "-key", "rsa1024.key", "-dhparam", "dh1024.pem",
        "-cipher", "ALL:@SECLEVEL=0",
      ],
      certificate: "rsa1024.pem")
    #expect(result.protocols["TLSv1.0"] == true)
    #expect(result.minDHBits == 1024)
    let ids = Set(result.findings.map(\.id))
    #expect(
      ids.isSuperset(of: [
        "tls-tls10-offered", "tls-tls11-offered", "tls-weak-dh", "tls-weak-certificate-key",
      ]))
  }

  /// OpenSSL's automatic DH parameters, as Postfix 3.7 uses them: 2048 bits for
  /// authenticated DHE, 1024 for the 128-bit anonymous suites, 3072 for the 256-bit ones.
  @Test func automaticDHParametersLikePostfix() throws {
    let result = try compare(
      ["-cert", "rsa2048.pem", "-key", "rsa2048.key", "-cipher", "ALL:@SECLEVEL=0"],
      certificate: "rsa2048.pem")
    #expect(result.minDHBits == 2048)
    #expect(result.minAnonDHBits == 1024)
    let anon = result.ciphers.filter { $0.kex == "ADH" && $0.protocol == "TLSv1.2" }
    #expect(
      anon.contains { $0.name == "TLS_DH_anon_WITH_AES_256_GCM_SHA384" && $0.kexBits == 3072 })
    let mx = Set(result.findings.map(\.id))
    #expect(mx.contains("tls-weak-anon-dh"))
    #expect(!mx.contains("tls-weak-dh"))
  }

  @Test func serverPreferenceIsDetected() throws {
    try TLSTools.require()
    for serverPreference in [false, true] {
      let server = try TLSTestServer(
        ["-cert", "rsa2048.pem", "-key", "rsa2048.key"] + (serverPreference ? ["-serverpref"] : []))
      defer { server.stop() }
      let result = Self.scan(server)
      #expect(result.serverPreference == serverPreference)
    }
  }

  /// The certificate is encrypted in TLS 1.3: the scanner completes a handshake with the
  /// TLS client to read it, and one more to ask for a certificate of another key type.
  @Test func tls13OnlyCertificateIsReadByCompletingAHandshake() throws {
    try TLSTools.require()
    let server = try TLSTestServer(["-cert", "rsa2048.pem", "-key", "rsa2048.key", "-tls1_3"])
    defer { server.stop() }
    let result = Self.scan(server)
    let reference = try Self.sslscan(port: server.port)
    #expect(
      result.protocols == [
        "SSLv3": false, "TLSv1.0": false, "TLSv1.1": false, "TLSv1.2": false, "TLSv1.3": true,
      ])
    #expect(Set(result.ciphers.map(\.id)) == reference.suites["TLSv1.3", default: []])
    #expect(result.certificate?.seenWith == "TLSv1.3")
    #expect(result.certificate?.keyType == "RSA")
    #expect(result.certificate?.keyBits == 2048)
    #expect(result.otherCertificates.isEmpty)
    #expect(result.notes == [])
    #expect(!result.findings.contains { $0.id == "tls-certificate-not-seen" })
  }

  @Test func defaultServer() throws {
    let result = try compare(
      ["-cert", "rsa2048.pem", "-key", "rsa2048.key"], certificate: "rsa2048.pem")
    #expect(result.protocols["TLSv1.3"] == true)
    #expect(result.tls13Groups.first == "X25519")
  }

  @Test func modernServerWithECKey() throws {
    let result = try compare(
      ["-cert", "ec-prime256v1.pem", "-key", "ec-prime256v1.key", "-no_tls1", "-no_tls1_1"],
      certificate: "ec-prime256v1.pem")
    #expect(result.protocols["TLSv1.1"] == false)
    #expect(result.certificate?.keyBits == 256)
  }

  @Test func modernServerWithRSA4096() throws {
    _ = try compare(
      ["-cert", "rsa4096.pem", "-key", "rsa4096.key", "-tls1_2", "-dhparam", "dh2048.pem"],
      certificate: "rsa4096.pem")
  }

  /// The prober over a real socket on an implicit-TLS port: no plaintext greeting, then
  /// the analysis through the production channel opener.
  @Test func proberAnalysesImplicitTLS() throws {
    try TLSTools.require()
    let server = try TLSTestServer(["-cert", "rsa2048.pem", "-key", "rsa2048.key"])
    defer { server.stop() }
    var options = ProbeOptions()
    options.implicitTLS = true
    options.implicitTLSListen = .milliseconds(300)
    options.stepTimeout = .seconds(5)
    let report = Prober.probe(host: "127.0.0.1", port: server.port, options: options)
    let reference = try Self.sslscan(port: server.port)
    #expect(report.tlsMode == .implicit)
    // s_server completes the handshake but sends no SMTP greeting inside TLS: the SMTP
    // checks cannot run there, the analysis runs all the same.
    #expect(report.checks.first { $0.check == "banner" }?.state == .notRun)
    #expect(report.checks.first { $0.check == "tls" }?.state == .ran)
    #expect(report.transcript.contains { $0.tls?.hasPrefix("TLSv1.3") ?? false })
    let tls = try #require(report.tls)
    #expect(tls.notes == [])
    #expect(report.connections == 1 + tls.connections)
    for name in ["SSLv3", "TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3"] {
      #expect(tls.protocols[name] == (reference.protocols[name] ?? false), "\(name)")
      let ours = Set(tls.ciphers.filter { $0.protocol == name }.map(\.id))
      #expect(ours == reference.suites[name, default: []], "\(name) suites")
    }
    #expect(tls.certificate?.keyBits == 2048)
    #expect(report.findings.contains { $0.id == "implicit-tls" })
  }
}
