import Foundation
import PostfixConfig
import Testing

@testable import PostfixHardening

@Suite struct IOTests {
  typealias F = AuditFixtures

  @Test func procNetTCPListeningSockets() throws {
    let v4 = ProcNetTCP.parse(try F.bytes("proc", "tcp"))
    #expect(v4.map { "\($0.address):\($0.port)" } == ["0.0.0.0:25", "127.0.0.1:587"])
    let v6 = ProcNetTCP.parse(try F.bytes("proc", "tcp6"))
    #expect(v6.map { "\($0.address):\($0.port)" } == [":::25", "::1:465"])
    #expect(ProcNetTCP.parse(Array("header only\n".utf8)).isEmpty)
    #expect(ProcNetTCP.parse([]).isEmpty)
  }

  @Test func dhParameterPrimeSizes() throws {
    #expect(DHParameterFile.primeBits(pem: try F.bytes("dh", "dh1024-pkcs3.pem")) == 1024)
    #expect(DHParameterFile.primeBits(pem: try F.bytes("dh", "dh2048.pem")) == 2048)
    #expect(DHParameterFile.primeBits(pem: Array("no pem here".utf8)) == nil)
    let truncated = Array(
      "-----BEGIN DH PARAMETERS-----\nMIGHAoGB\n-----END DH PARAMETERS-----\n".utf8)
    #expect(DHParameterFile.primeBits(pem: truncated) == nil)
  }

  @Test func dhParserSurvivesMutations() throws {
    var generator = SystemRandomNumberGenerator()
    let original = try F.bytes("dh", "dh2048.pem")
    for _ in 0..<300 {
      var mutated = original
      let index = Int.random(in: 0..<mutated.count, using: &generator)
      mutated[index] = UInt8.random(in: 0...255, using: &generator)
      _ = DHParameterFile.primeBits(pem: mutated)
      _ = DHParameterFile.primeBits(der: Array(mutated.prefix(index)))
    }
  }

  @Test func fileFactsOfRealFiles() throws {
    let path = F.directory.appendingPathComponent("hardened/main.cf").path
    let fact = HostFactsReader.fact(path)
    #expect(fact.exists)
    #expect(fact.readable)
    #expect(!HostFactsReader.fact(path + ".missing").exists)
  }
}
