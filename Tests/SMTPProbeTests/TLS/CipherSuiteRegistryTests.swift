import Foundation
import Testing

@testable import SMTPProbe

@Suite struct CipherSuiteRegistryTests {
  /// The generated table must list exactly the assigned suites of the checked-in IANA CSV;
  /// when the CSV is updated, rerun `Scripts/generate-cipher-suites`.
  @Test func tableMatchesTheIANARegistry() throws {
    let csv = String(decoding: try TLSFixtures.bytes("tls-parameters-4.csv"), as: UTF8.self)
    var expected: [UInt16: String] = [:]
    for line in csv.split(separator: "\n") {
      guard
        let match = line.firstMatch(of: /^"0x([0-9A-F]{2}),0x([0-9A-F]{2})",(TLS_[A-Za-z0-9_]+),/),
        let id = UInt16(String(match.1) + String(match.2), radix: 16)
      else { continue }
      expected[id] = String(match.3)
    }
    let actual = Dictionary(uniqueKeysWithValues: CipherSuiteRegistry.all.map { ($0.id, $0.name) })
    #expect(actual == expected)
    #expect(actual.count > 340)
  }

  @Test func classification() throws {
    let ecdhe = try #require(CipherSuiteRegistry.suite(0xC02F))
    #expect(ecdhe.name == "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256")
    #expect(ecdhe.keyExchange == .ecdhe)
    #expect(ecdhe.authentication == "RSA")
    #expect(ecdhe.bits == 128)
    #expect(ecdhe.forwardSecret)
    #expect(ecdhe.hexID == "0xC02F")
    #expect(ecdhe.openSSLName == "ECDHE-RSA-AES128-GCM-SHA256")
    let adh = try #require(CipherSuiteRegistry.suite(0x00A6))
    #expect(adh.keyExchange == .anonymousDH)
    #expect(adh.isAnonymous)
    #expect(adh.authentication == "None")
    let rsa = try #require(CipherSuiteRegistry.suite(0x000A))
    #expect(rsa.keyExchange == .rsa)
    #expect(rsa.bits == 112)
    #expect(!rsa.forwardSecret)
    #expect(CipherSuiteRegistry.suite(0x1301)?.isTLS13 == true)
    #expect(CipherSuiteRegistry.suite(0xC018)?.keyExchange == .anonymousECDH)
    #expect(CipherSuiteRegistry.suite(0x0014)?.export == true)
    #expect(CipherSuiteRegistry.suite(0x00FF)?.keyExchange == .signalling)
    #expect(CipherSuiteRegistry.suite(0x0A0A) == nil)
  }

  @Test func enumerationListsExcludeSignallingAndTLS13() {
    let legacy = CipherSuiteRegistry.legacySuites
    #expect(!legacy.contains { $0.isTLS13 || $0.keyExchange == .signalling || $0.id == 0 })
    #expect(
      Set(CipherSuiteRegistry.tls13Suites.map(\.id)).isSuperset(of: [0x1301, 0x1302, 0x1303]))
  }

  @Test(.enabled(if: TLSTools.shouldRun, TLSTools.skipComment))
  func everySuiteOpenSSLKnowsIsInTheRegistry() throws {
    try TLSTools.require()
    let out = try TLSTools.run(
      TLSTools.openssl, ["ciphers", "-V", "-stdname", "ALL:COMPLEMENTOFALL:@SECLEVEL=0"]
    ).stdout
    var count = 0
    for line in out.split(separator: "\n") {
      guard let match = line.firstMatch(of: /0x([0-9A-F]{2}),0x([0-9A-F]{2}) +- +(\S+) +- +(\S+)/),
        let id = UInt16(String(match.1) + String(match.2), radix: 16)
      else { continue }
      count += 1
      #expect(CipherSuiteRegistry.suite(id)?.name == String(match.3))
      #expect(CipherSuiteRegistry.suite(id)?.openSSLName == String(match.4))
    }
    #expect(count > 100)
  }
}
