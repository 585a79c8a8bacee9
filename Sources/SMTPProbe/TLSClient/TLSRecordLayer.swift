/// Reads and writes TLS records over a ``Transport``, protecting them once keys are set.
///
/// Every record is bounded before its body is read: 2^14 bytes of plaintext,
/// 2^14 + 256 bytes of TLS 1.3 ciphertext, 2^14 + 2048 bytes of TLS 1.2 ciphertext.
/// Bytes received past the current record stay buffered, so a read that times out
/// mid-record can be retried without losing data.
final class TLSRecordLayer {
  /// Content types (RFC 8446, section 5.1).
  enum ContentType {
    static let changeCipherSpec: UInt8 = 20
    static let alert: UInt8 = 21
    static let handshake: UInt8 = 22
    static let applicationData: UInt8 = 23
  }

  /// The largest plaintext fragment.
  static let maxPlaintext = 16_384
  /// The largest TLS 1.3 ciphertext fragment.
  static let maxCiphertext13 = 16_384 + 256
  /// The largest TLS 1.2 ciphertext fragment.
  static let maxCiphertext12 = 16_384 + 2_048

  let transport: any Transport
  /// Protection of records read; nil while they are plaintext.
  var readProtection: TLSRecordProtection?
  /// Protection of records written; nil while they are plaintext.
  var writeProtection: TLSRecordProtection?
  /// Whether TLS 1.3 was negotiated (ChangeCipherSpec is then ignored).
  var isTLS13 = true
  /// The record version of plaintext records written (0x0301 for the first ClientHello).
  var plaintextVersion: UInt16 = 0x0301

  private var inbound: [UInt8] = []
  private var inboundStart = 0

  init(transport: any Transport) {
    self.transport = transport
  }

  /// Whether received bytes are waiting that form no complete record yet.
  var hasBufferedBytes: Bool { inbound.count > inboundStart }

  /// Reads one record and removes its protection.
  /// - Parameter deadline: When to give up.
  /// - Returns: The content type and content, or nil when the peer closed the connection
  ///   at a record boundary.
  /// - Throws: ``SMTPProbeError``: `.timeout`, `.protocolViolation` for an oversized or
  ///   truncated record, `.tlsFailure` when authentication fails.
  func readRecord(deadline: Deadline) throws -> (type: UInt8, content: [UInt8])? {
    guard let (type, version, fragment) = try readRawRecord(deadline: deadline) else {
      return nil
    }
    guard version >> 8 == 3 else {
      throw SMTPProbeError(.protocolViolation, "TLS: record version \(tlsHex16(version))")
    }
    guard var protection = readProtection else {
      guard fragment.count <= Self.maxPlaintext else {
        throw SMTPProbeError(.protocolViolation, "TLS: plaintext record_overflow")
      }
      return (type, fragment)
    }
    if type == ContentType.changeCipherSpec || (isTLS13 && type == ContentType.alert) {
      // TLS 1.3 middlebox compatibility (CCS) and alerts sent before the peer had keys.
      guard fragment.count <= Self.maxPlaintext else {
        throw SMTPProbeError(.protocolViolation, "TLS: plaintext record_overflow")
      }
      return (type, fragment)
    }
    // The additional data of both versions names 0x0303; any other value would be
    // authenticated by a peer that uses the received header.
    guard version == 0x0303 else {
      throw SMTPProbeError(.protocolViolation, "TLS: protected record version \(tlsHex16(version))")
    }
    let opened = try protection.open(type: type, fragment)
    readProtection = protection
    return opened
  }

  private func readRawRecord(deadline: Deadline) throws -> (UInt8, UInt16, [UInt8])? {
    let limit = isTLS13 ? Self.maxCiphertext13 : Self.maxCiphertext12
    // Each pass either returns or appends at least one byte; the record is bounded, so
    // the loop ends (or the deadline passes in the transport).
    while true {
      let available = inbound.count - inboundStart
      if available >= 5 {
        let type = inbound[inboundStart]
        let version = UInt16(inbound[inboundStart + 1]) << 8 | UInt16(inbound[inboundStart + 2])
        let length = Int(inbound[inboundStart + 3]) << 8 | Int(inbound[inboundStart + 4])
        guard (20...23).contains(type) else {
          throw SMTPProbeError(.protocolViolation, "TLS: record of unknown type \(type)")
        }
        guard length <= limit else {
          throw SMTPProbeError(
            .protocolViolation, "TLS: record of \(length) bytes (record_overflow)")
        }
        if available >= 5 + length {
          let body = Array(inbound[(inboundStart + 5)..<(inboundStart + 5 + length)])
          inboundStart += 5 + length
          if inboundStart == inbound.count {
            inbound.removeAll(keepingCapacity: true)
            inboundStart = 0
          }
          return (type, version, body)
        }
      }
      if inboundStart > 0 {
        inbound.removeFirst(inboundStart)
        inboundStart = 0
      }
      let chunk = try transport.receive(maxBytes: Self.maxCiphertext12 + 5, deadline: deadline)
      if chunk.isEmpty {
        if inbound.isEmpty { return nil }
        throw SMTPProbeError(.protocolViolation, "TLS: connection closed inside a record")
      }
      inbound.append(contentsOf: chunk)
    }
  }

  /// Writes content as one or more records.
  /// - Parameters:
  ///   - type: The content type.
  ///   - content: The bytes; split into fragments of at most 2^14 bytes.
  ///   - deadline: When to give up.
  /// - Throws: ``SMTPProbeError``.
  func write(type: UInt8, _ content: [UInt8], deadline: Deadline) throws {
    var output: [UInt8] = []
    var offset = 0
    repeat {
      let end = min(offset + Self.maxPlaintext, content.count)
      let fragment = Array(content[offset..<end])
      if var protection = writeProtection {
        output.append(contentsOf: try protection.seal(type: type, fragment))
        writeProtection = protection
      } else {
        output.append(contentsOf: [
          type, UInt8(plaintextVersion >> 8), UInt8(plaintextVersion & 0xFF),
          UInt8(fragment.count >> 8), UInt8(fragment.count & 0xFF),
        ])
        output.append(contentsOf: fragment)
      }
      offset = end
    } while offset < content.count
    try transport.send(output, deadline: deadline)
  }
}
