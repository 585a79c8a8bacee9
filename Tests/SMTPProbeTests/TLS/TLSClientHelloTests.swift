import Testing

@testable import SMTPProbe

@Suite struct TLSClientHelloTests {
  /// Walks a ClientHello record and returns (client_version, suites, extensions by type).
  static func dissect(_ record: [UInt8]) throws -> (
    recordVersion: UInt16, version: UInt16, sessionID: Int, suites: [UInt16],
    extensions: [UInt16: [UInt8]]
  ) {
    var reader = TLSByteReader(record)
    #expect(try reader.readUInt8("type") == 22)
    let recordVersion = try reader.readUInt16("version")
    var fragment = try reader.subVector16("record")
    try reader.expectEnd("record")
    #expect(try fragment.readUInt8("handshake type") == 1)
    var body = try fragment.subVector24("body")
    try fragment.expectEnd("fragment")
    let version = try body.readUInt16("client version")
    _ = try body.readBytes(32, "random")
    let session = try body.readVector8("session")
    var suiteReader = try body.subVector16("suites")
    var suites: [UInt16] = []
    while !suiteReader.isAtEnd { suites.append(try suiteReader.readUInt16("suite")) }
    #expect(try body.readVector8("compression") == [0])
    var extensions: [UInt16: [UInt8]] = [:]
    if !body.isAtEnd {
      var list = try body.subVector16("extensions")
      while !list.isAtEnd {
        let type = try list.readUInt16("type")
        #expect(extensions[type] == nil)
        extensions[type] = try list.readVector16("data")
      }
    }
    try body.expectEnd("hello")
    return (recordVersion, version, session.count, suites, extensions)
  }

  @Test func sslv3HasNoExtensionsAndTheRenegotiationSCSV() throws {
    let hello = TLSClientHello(version: .sslv3, cipherSuites: [0x0035, 0x000A])
    let parts = try Self.dissect(try hello.encode())
    #expect(parts.recordVersion == 0x0300)
    #expect(parts.version == 0x0300)
    #expect(parts.suites == [0x0035, 0x000A, 0x00FF])
    #expect(parts.extensions.isEmpty)
  }

  @Test func tls10HasCurvesButNoSignatureAlgorithms() throws {
    let hello = TLSClientHello(
      version: .tls10, cipherSuites: [0xC014], serverName: "mx.example.org")
    let parts = try Self.dissect(try hello.encode())
    #expect(parts.recordVersion == 0x0301)
    #expect(parts.version == 0x0301)
    #expect(parts.extensions[10] != nil)
    #expect(parts.extensions[11] == [1, 0])
    #expect(parts.extensions[13] == nil)
    #expect(parts.extensions[0xFF01] == [0])
    #expect(parts.extensions[0] == [0, 17, 0, 0, 14] + Array("mx.example.org".utf8))
    #expect(parts.extensions[43] == nil)
  }

  @Test func tls12OffersSignatureAlgorithmsAndNoFiniteFieldGroups() throws {
    let hello = TLSClientHello(version: .tls12, cipherSuites: [0xC02F, 0x009E])
    let parts = try Self.dissect(try hello.encode())
    #expect(parts.version == 0x0303)
    let groups = try #require(parts.extensions[10])
    #expect(Array(groups.prefix(4)) == [0, UInt8(groups.count - 2), 0, 29])
    #expect(!groups.contains(0x01))  // no 0x01xx ffdhe groups
    #expect(parts.extensions[13] != nil)
    #expect(parts.extensions[0] == nil)
  }

  @Test func tls13UsesSupportedVersionsAndKeyShares() throws {
    var generator = TLSSplitMix64(seed: 7)
    let hello = TLSClientHello(
      version: .tls13, cipherSuites: [0x1301, 0x1302], serverName: "mail.example.test",
      groups: [.x25519, .x448, .secp256r1], keyShareGroups: [.x25519, .x448])
    let parts = try Self.dissect(try hello.encode(using: &generator))
    #expect(parts.version == 0x0303)
    #expect(parts.sessionID == 32)
    #expect(parts.extensions[43] == [2, 3, 4])
    let shares = try #require(parts.extensions[51])
    #expect(shares.count == 2 + 4 + 32 + 4 + 56)
    #expect(Array(shares.prefix(6)) == [0, 96, 0, 29, 0, 32])
    #expect(parts.extensions[10] == [0, 6, 0, 29, 0, 30, 0, 23])
  }

  @Test func emptyKeyShareForHelloRetryRequest() throws {
    let hello = TLSClientHello(version: .tls13, cipherSuites: [0x1301], keyShareGroups: [])
    let parts = try Self.dissect(try hello.encode())
    #expect(parts.extensions[51] == [0, 0])
  }

  @Test func refusesWhatItCannotBuild() {
    #expect(throws: SMTPProbeError(.invalidRequest, "")) {
      try TLSClientHello(version: .tls13, cipherSuites: [0x1301], keyShareGroups: [.secp256r1])
        .encode()
    }
    #expect(throws: SMTPProbeError(.invalidRequest, "")) {
      try TLSClientHello(version: .tls12, cipherSuites: []).encode()
    }
    #expect(throws: SMTPProbeError(.invalidRequest, "")) {
      try TLSClientHello(version: .tls12, cipherSuites: [1], serverName: "bad name\r\n").encode()
    }
  }

  @Test func ipLiteralsSendNoServerName() throws {
    for name in ["127.0.0.1", "::1"] {
      let parts = try Self.dissect(
        try TLSClientHello(version: .tls12, cipherSuites: [1], serverName: name).encode())
      #expect(parts.extensions[0] == nil)
    }
  }

  @Test func allRegistrySuitesFitInOneHello() throws {
    let suites = CipherSuiteRegistry.legacySuites.map(\.id)
    let parts = try Self.dissect(try TLSClientHello(version: .tls12, cipherSuites: suites).encode())
    #expect(parts.suites == suites)
  }

  @Test func matchesWhatOpenSSLSent() throws {
    // The recorded s_client hellos parse with the same reader.
    for name in ["tls12-ecdhe-rsa2048", "tls13-x25519"] {
      let parts = try Self.dissect(try TLSFixtures.bytes("flights/\(name).hello.bin"))
      #expect(parts.version == 0x0303)
      #expect(!parts.suites.isEmpty)
    }
  }
}
