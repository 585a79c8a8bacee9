import Testing

@testable import SMTPProbe

/// SHA-2 against FIPS 180-4 examples, HMAC against RFC 4231, HKDF against RFC 5869.
@Suite struct HashTests {
  @Test func sha256Vectors() {
    #expect(
      hexString(SHA256.hash([]))
        == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    #expect(
      hexString(SHA256.hash(Array("abc".utf8)))
        == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    #expect(
      hexString(SHA256.hash(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)))
        == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
  }

  @Test func sha256StreamingMatchesOneShot() {
    var hasher = SHA256()
    let chunk = [UInt8](repeating: 0x61, count: 1000)
    for _ in 0..<1000 { hasher.update(chunk) }
    #expect(
      hexString(hasher.finalize())
        == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    let message = (0..<300).map { UInt8(truncatingIfNeeded: $0 &* 7) }
    for split in [0, 1, 55, 56, 63, 64, 65, 200, 300] {
      var streaming = SHA256()
      streaming.update(Array(message[0..<split]))
      let midway = streaming.finalize()
      #expect(midway == SHA256.hash(Array(message[0..<split])))
      streaming.update(Array(message[split...]))
      #expect(streaming.finalize() == SHA256.hash(message), "split \(split)")
    }
  }

  @Test func sha384AndSha512Vectors() {
    #expect(
      hexString(SHA384.hash(Array("abc".utf8)))
        == "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed"
        + "8086072ba1e7cc2358baeca134c825a7")
    #expect(
      hexString(SHA512.hash(Array("abc".utf8)))
        == "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
        + "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f")
    #expect(
      hexString(SHA384.hash([]))
        == "38b060a751ac96384cd9327eb1b1e36a21fdb71114be07434c0cc7bf63f6e1da"
        + "274edebfe76f65fbd51ad2f14898b95b")
    let long = Array(
      ("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
        + "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu").utf8)
    #expect(
      hexString(SHA512.hash(long))
        == "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018"
        + "501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909")
  }

  @Test func hmacRFC4231() {
    let key1 = [UInt8](repeating: 0x0b, count: 20)
    let data1 = Array("Hi There".utf8)
    #expect(
      hexString(HMAC<SHA256>.authenticate(data1, key: key1))
        == "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
    #expect(
      hexString(HMAC<SHA384>.authenticate(data1, key: key1))
        == "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59c"
        + "faea9ea9076ede7f4af152e8b2fa9cb6")
    let data2 = Array("what do ya want for nothing?".utf8)
    #expect(
      hexString(HMAC<SHA256>.authenticate(data2, key: Array("Jefe".utf8)))
        == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    let key6 = [UInt8](repeating: 0xaa, count: 131)
    let data6 = Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8)
    #expect(
      hexString(HMAC<SHA256>.authenticate(data6, key: key6))
        == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
  }

  @Test func hkdfRFC5869() {
    let ikm = [UInt8](repeating: 0x0b, count: 22)
    let prk = HKDF<SHA256>.extract(
      salt: hexBytes("000102030405060708090a0b0c"), inputKeyMaterial: ikm)
    #expect(hexString(prk) == "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5")
    let okm = HKDF<SHA256>.expand(
      pseudorandomKey: prk, info: hexBytes("f0f1f2f3f4f5f6f7f8f9"), length: 42)
    #expect(
      hexString(okm)
        == "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865")
    let prk3 = HKDF<SHA256>.extract(salt: [], inputKeyMaterial: ikm)
    #expect(hexString(prk3) == "19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04")
    #expect(
      hexString(HKDF<SHA256>.expand(pseudorandomKey: prk3, info: [], length: 42))
        == "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8")
  }
}
