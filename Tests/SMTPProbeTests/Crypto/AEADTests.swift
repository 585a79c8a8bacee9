import Testing

@testable import SMTPProbe

/// AES against FIPS 197, AES-GCM against the GCM specification's test cases, ChaCha20,
/// Poly1305 and the AEAD against RFC 8439.
@Suite struct AEADTests {
  @Test func aesBlockFIPS197() throws {
    let plaintext = hexBytes("00112233445566778899aabbccddeeff")
    let aes128 = try AES(key: hexBytes("000102030405060708090a0b0c0d0e0f"))
    #expect(hexString(aes128.encrypt(block: plaintext)) == "69c4e0d86a7b0430d8cdb78070b4c55a")
    let aes256 = try AES(
      key: hexBytes("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"))
    #expect(hexString(aes256.encrypt(block: plaintext)) == "8ea2b7ca516745bfeafc49904b496089")
    #expect(throws: SMTPProbeError.self) { try AES(key: [1, 2, 3]) }
  }

  struct GCMCase: Sendable {
    var key: String
    var iv: String
    var plaintext: String
    var aad: String
    var ciphertext: String
    var tag: String
  }

  static let gcmPlaintext =
    "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
    + "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255"
  static let gcmAAD = "feedfacedeadbeeffeedfacedeadbeefabaddad2"

  static let gcmCases: [GCMCase] = [
    GCMCase(
      key: "00000000000000000000000000000000", iv: "000000000000000000000000", plaintext: "",
      aad: "", ciphertext: "", tag: "58e2fccefa7e3061367f1d57a4e7455a"),
    GCMCase(
      key: "00000000000000000000000000000000", iv: "000000000000000000000000",
      plaintext: "00000000000000000000000000000000", aad: "",
      ciphertext: "0388dace60b6a392f328c2b971b2fe78", tag: "ab6e47d42cec13bdf53a67b21257bddf"),
    GCMCase(
      key: "feffe9928665731c6d6a8f9467308308", iv: "cafebabefacedbaddecaf888",
      plaintext: gcmPlaintext, aad: "",
      ciphertext: "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
        + "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985",
      tag: "4d5c2af327cd64a62cf35abd2ba6fab4"),
    GCMCase(
      key: "feffe9928665731c6d6a8f9467308308", iv: "cafebabefacedbaddecaf888",
      plaintext: String(gcmPlaintext.prefix(120)), aad: gcmAAD,
      ciphertext: "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
        + "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
      tag: "5bc94fbc3221a5db94fae95ae7121a47"),
    GCMCase(
      key: "0000000000000000000000000000000000000000000000000000000000000000",
      iv: "000000000000000000000000", plaintext: "", aad: "", ciphertext: "",
      tag: "530f8afbc74536b9a963b4f1c4cb738b"),
    GCMCase(
      key: "0000000000000000000000000000000000000000000000000000000000000000",
      iv: "000000000000000000000000", plaintext: "00000000000000000000000000000000", aad: "",
      ciphertext: "cea7403d4d606b6e074ec5d3baf39d18", tag: "d0d1c8a799996bf0265b98b5d48ab919"),
    GCMCase(
      key: "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308",
      iv: "cafebabefacedbaddecaf888", plaintext: String(gcmPlaintext.prefix(120)), aad: gcmAAD,
      ciphertext: "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
        + "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
      tag: "76fc6ece0f4e1768cddf8853bb2d551b"),
  ]

  @Test(arguments: gcmCases)
  func aesGCMVectors(_ vector: GCMCase) throws {
    let cipher = try AESGCM(key: hexBytes(vector.key))
    let sealed = cipher.seal(
      hexBytes(vector.plaintext), nonce: hexBytes(vector.iv), additionalData: hexBytes(vector.aad))
    #expect(hexString(sealed) == vector.ciphertext + vector.tag)
    let opened = cipher.open(
      sealed, nonce: hexBytes(vector.iv), additionalData: hexBytes(vector.aad))
    #expect(opened == hexBytes(vector.plaintext))
    var tampered = sealed
    tampered[tampered.count - 1] ^= 1
    #expect(
      cipher.open(tampered, nonce: hexBytes(vector.iv), additionalData: hexBytes(vector.aad)) == nil
    )
  }

  @Test func chacha20BlockRFC8439() {
    var block = [UInt8](repeating: 0, count: 64)
    ChaCha20.xor(
      &block,
      key: ChaCha20Poly1305.words(
        hexBytes("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")),
      nonce: ChaCha20Poly1305.words(hexBytes("000000090000004a00000000")), counter: 1)
    #expect(
      hexString(block)
        == "10f1e7e4d13b5915500fdd1fa32071c4c7d1f4c733c068030422aa9ac3d46c4e"
        + "d2826446079faa0914c2d705d98b02a2b5129cd1de164eb9cbd083e8a2503c4e")
  }

  @Test func poly1305RFC8439() {
    var mac = Poly1305(
      key: hexBytes("85d6be7857556d337f4452fe42d506a80103808afb0db2fd4abff6af4149f51b"))
    mac.update(Array("Cryptographic Forum Research Group".utf8))
    #expect(hexString(mac.finalize()) == "a8061dc1305136c6c22b8baf0c0127a9")
  }

  @Test func chacha20Poly1305RFC8439() throws {
    let plaintext = Array(
      ("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for "
        + "the future, sunscreen would be it.").utf8)
    let cipher = try ChaCha20Poly1305(
      key: hexBytes("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"))
    let nonce = hexBytes("070000004041424344454647")
    let aad = hexBytes("50515253c0c1c2c3c4c5c6c7")
    let sealed = cipher.seal(plaintext, nonce: nonce, additionalData: aad)
    #expect(
      hexString(sealed)
        == "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6"
        + "3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36"
        + "92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc"
        + "3ff4def08e4b7a9de576d26586cec64b6116" + "1ae10b594f09e26a7e902ecbd0600691")
    #expect(cipher.open(sealed, nonce: nonce, additionalData: aad) == plaintext)
    #expect(cipher.open(sealed, nonce: nonce, additionalData: [1]) == nil)
    #expect(cipher.open(Array(sealed.prefix(10)), nonce: nonce, additionalData: aad) == nil)
  }

  @Test func roundTripsAtEveryLength() throws {
    let gcm = try AESGCM(key: [UInt8](repeating: 7, count: 32))
    let chacha = try ChaCha20Poly1305(key: [UInt8](repeating: 9, count: 32))
    let nonce = [UInt8](repeating: 3, count: 12)
    for length in [0, 1, 15, 16, 17, 63, 64, 65, 129, 1000] {
      let message = (0..<length).map { UInt8(truncatingIfNeeded: $0) }
      for cipher in [gcm, chacha] as [any AEADCipher] {
        let sealed = cipher.seal(message, nonce: nonce, additionalData: [1, 2])
        #expect(sealed.count == length + 16)
        #expect(cipher.open(sealed, nonce: nonce, additionalData: [1, 2]) == message)
      }
    }
  }

  /// Prints throughput of a 16 KiB record, for the report (not a pass/fail measure).
  @Test func throughput() throws {
    let record = [UInt8](repeating: 0x5A, count: 16_384)
    let nonce = [UInt8](repeating: 0, count: 12)
    let ciphers: [(String, any AEADCipher)] = [
      ("AES-128-GCM", try AESGCM(key: [UInt8](repeating: 1, count: 16))),
      ("AES-256-GCM", try AESGCM(key: [UInt8](repeating: 1, count: 32))),
      ("ChaCha20-Poly1305", try ChaCha20Poly1305(key: [UInt8](repeating: 1, count: 32))),
    ]
    for (name, cipher) in ciphers {
      let clock = ContinuousClock()
      let rounds = 16
      let elapsed = clock.measure {
        for _ in 0..<rounds { _ = cipher.seal(record, nonce: nonce, additionalData: []) }
      }
      let seconds =
        Double(elapsed.components.seconds)
        + Double(elapsed.components.attoseconds) / 1e18
      let rate = Double(rounds * record.count) / max(seconds, 1e-9) / 1_048_576
      print("\(name): \(Int(rate)) MiB/s sealing 16 KiB records")
    }
  }
}
