/// The TLS 1.3 key schedule (RFC 8446, section 7.1) for a connection without PSK.
struct TLS13KeySchedule {
  let hash: TLSHashAlgorithm
  /// The Handshake Secret.
  let handshakeSecret: [UInt8]
  /// The Master Secret.
  let masterSecret: [UInt8]

  /// Runs the schedule up to the Master Secret.
  /// - Parameters:
  ///   - hash: The suite's hash.
  ///   - sharedSecret: The (EC)DHE shared secret.
  init(hash: TLSHashAlgorithm, sharedSecret: [UInt8]) {
    self.hash = hash
    let zeros = [UInt8](repeating: 0, count: hash.length)
    let emptyHash = hash.hash([])
    let early = hash.extract(salt: zeros, inputKeyMaterial: zeros)
    let derivedEarly = hash.deriveSecret(early, "derived", transcriptHash: emptyHash)
    handshakeSecret = hash.extract(salt: derivedEarly, inputKeyMaterial: sharedSecret)
    let derivedHandshake = hash.deriveSecret(handshakeSecret, "derived", transcriptHash: emptyHash)
    masterSecret = hash.extract(salt: derivedHandshake, inputKeyMaterial: zeros)
  }

  /// The client and server handshake traffic secrets.
  /// - Parameter transcriptHash: Hash of ClientHello through ServerHello.
  /// - Returns: The two secrets.
  func handshakeTrafficSecrets(transcriptHash: [UInt8]) -> (client: [UInt8], server: [UInt8]) {
    (
      hash.deriveSecret(handshakeSecret, "c hs traffic", transcriptHash: transcriptHash),
      hash.deriveSecret(handshakeSecret, "s hs traffic", transcriptHash: transcriptHash)
    )
  }

  /// The client and server application traffic secrets.
  /// - Parameter transcriptHash: Hash of ClientHello through the server's Finished.
  /// - Returns: The two secrets.
  func applicationTrafficSecrets(transcriptHash: [UInt8]) -> (client: [UInt8], server: [UInt8]) {
    (
      hash.deriveSecret(masterSecret, "c ap traffic", transcriptHash: transcriptHash),
      hash.deriveSecret(masterSecret, "s ap traffic", transcriptHash: transcriptHash)
    )
  }

  /// The record key and IV of a traffic secret.
  static func trafficKeys(_ hash: TLSHashAlgorithm, secret: [UInt8], keyLength: Int) -> (
    key: [UInt8], iv: [UInt8]
  ) {
    (
      hash.expandLabel(secret, "key", context: [], length: keyLength),
      hash.expandLabel(secret, "iv", context: [], length: 12)
    )
  }

  /// The Finished verify_data for a base key (a handshake traffic secret).
  static func finished(_ hash: TLSHashAlgorithm, baseKey: [UInt8], transcriptHash: [UInt8])
    -> [UInt8]
  {
    let finishedKey = hash.expandLabel(baseKey, "finished", context: [], length: hash.length)
    return hash.hmac(transcriptHash, key: finishedKey)
  }

  /// The next application traffic secret after a KeyUpdate.
  static func nextTrafficSecret(_ hash: TLSHashAlgorithm, _ secret: [UInt8]) -> [UInt8] {
    hash.expandLabel(secret, "traffic upd", context: [], length: hash.length)
  }
}
