import Testing

@testable import SMTPProbe

/// X25519 against RFC 7748, sections 5.2 and 6.1.
@Suite struct X25519Tests {
  @Test func scalarMultiplicationVectors() {
    #expect(
      hexString(
        X25519.scalarMultiply(
          scalar: hexBytes("a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4"),
          point: hexBytes("e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c")))
        == "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552")
    #expect(
      hexString(
        X25519.scalarMultiply(
          scalar: hexBytes("4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d"),
          point: hexBytes("e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493")))
        == "95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957")
  }

  @Test func iteratedThousandTimes() {
    var k = X25519.basePoint
    var u = X25519.basePoint
    for iteration in 1...1000 {
      let next = X25519.scalarMultiply(scalar: k, point: u)
      u = k
      k = next
      if iteration == 1 {
        #expect(
          hexString(k) == "422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079")
      }
    }
    #expect(hexString(k) == "684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51")
  }

  @Test func diffieHellman() {
    let alice = hexBytes("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a")
    let bob = hexBytes("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb")
    let alicePublic = X25519.publicKey(privateKey: alice)
    let bobPublic = X25519.publicKey(privateKey: bob)
    #expect(
      hexString(alicePublic) == "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a")
    #expect(
      hexString(bobPublic) == "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f")
    let shared = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742"
    #expect(hexString(X25519.scalarMultiply(scalar: alice, point: bobPublic)) == shared)
    #expect(hexString(X25519.scalarMultiply(scalar: bob, point: alicePublic)) == shared)
  }

  @Test func lowOrderPointGivesZero() {
    let zero = [UInt8](repeating: 0, count: 32)
    #expect(X25519.scalarMultiply(scalar: X25519.basePoint, point: zero) == zero)
  }
}
