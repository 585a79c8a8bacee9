/// What a server sent in reply to a ClientHello, up to the point a scanner needs.
public struct TLSServerFlight: Equatable, Sendable {
  /// The ServerHello or HelloRetryRequest, when one arrived.
  public var serverHello: TLSServerHello?
  /// The certificate chain (DER, leaf first) from a TLS ≤ 1.2 Certificate message.
  public var certificates: [[UInt8]] = []
  /// The ServerKeyExchange parameters, when the suite has one.
  public var serverKeyExchange: TLSServerKeyExchange?
  /// Whether ServerHelloDone arrived (the end of a TLS ≤ 1.2 first flight).
  public var sawServerHelloDone = false
  /// The first alert, when the server sent one instead of (or after) a hello.
  public var alert: TLSAlert?

  /// Creates an empty flight.
  public init() {}
}

/// Parses a server's first flight incrementally, from the record layer up.
///
/// Feed it the bytes as they arrive; it reassembles handshake messages across
/// records and stops at ServerHelloDone, at a TLS 1.3 ServerHello or
/// HelloRetryRequest (the rest is encrypted), or at an alert. Limits: records of
/// at most 18 432 bytes, handshake messages of at most 131 072 bytes, 256 KiB and
/// 512 records per flight, 16 certificates. Anything malformed, oversized or
/// trailing throws `SMTPProbeError` with code `.protocolViolation`.
struct TLSFlightParser {
  /// Largest record fragment accepted (2^14 plus room for expansion).
  public static let maxRecordLength = 16_384 + 2_048
  /// Largest handshake message accepted.
  public static let maxHandshakeLength = 131_072
  /// Most bytes accepted for one flight.
  public static let maxFlightBytes = 262_144
  /// Most records accepted for one flight.
  public static let maxRecords = 512
  /// Most certificates accepted in a chain.
  public static let maxCertificates = 16

  /// What has been parsed so far.
  public private(set) var flight = TLSServerFlight()
  /// Whether the flight is complete; further input is then ignored.
  public private(set) var isComplete = false

  private var buffer: [UInt8] = []
  private var handshake: [UInt8] = []
  private var totalBytes = 0
  private var records = 0
  private var recordVersion: UInt16?

  /// Creates a parser.
  public init() {}

  /// Parses a complete flight in one go.
  /// - Parameter bytes: Everything the server sent.
  /// - Returns: The flight.
  /// - Throws: `SMTPProbeError` with code `.protocolViolation` when the bytes are
  ///   malformed, truncated before the flight ends, or followed by trailing bytes.
  public static func parse(_ bytes: [UInt8]) throws -> TLSServerFlight {
    var parser = TLSFlightParser()
    let leftover = try parser.consume(bytes)
    guard parser.isComplete else { throw TLSByteReader.violation("flight truncated") }
    if leftover > 0, parser.flight.serverHello?.version != .tls13 {
      throw TLSByteReader.violation("\(leftover) trailing bytes after the flight")
    }
    return parser.flight
  }

  /// Feeds bytes.
  /// - Parameter bytes: The next bytes from the server.
  /// - Returns: How many bytes were left unparsed because the flight was already complete.
  /// - Throws: `SMTPProbeError` with code `.protocolViolation` on malformed input.
  @discardableResult
  public mutating func consume(_ bytes: [UInt8]) throws -> Int {
    if isComplete { return bytes.count }
    totalBytes += bytes.count
    guard totalBytes <= Self.maxFlightBytes else {
      throw TLSByteReader.violation("flight exceeds \(Self.maxFlightBytes) bytes")
    }
    buffer.append(contentsOf: bytes)
    var offset = 0
    while !isComplete, buffer.count - offset >= 5 {
      let type = buffer[offset]
      let version = UInt16(buffer[offset + 1]) << 8 | UInt16(buffer[offset + 2])
      let length = Int(buffer[offset + 3]) << 8 | Int(buffer[offset + 4])
      guard version >> 8 == 3 else {
        throw TLSByteReader.violation("record version \(tlsHex16(version))")
      }
      guard length > 0, length <= Self.maxRecordLength else {
        throw TLSByteReader.violation("record length \(length)")
      }
      guard buffer.count - offset - 5 >= length else { break }
      records += 1
      guard records <= Self.maxRecords else {
        throw TLSByteReader.violation("more than \(Self.maxRecords) records")
      }
      let fragment = Array(buffer[(offset + 5)..<(offset + 5 + length)])
      offset += 5 + length
      try record(type: type, version: version, fragment: fragment)
    }
    let leftover = isComplete ? buffer.count - offset : 0
    buffer.removeFirst(offset)
    if isComplete { buffer = [] }
    return leftover
  }

  private mutating func record(type: UInt8, version: UInt16, fragment: [UInt8]) throws {
    switch type {
    case 21:  // alert
      guard handshake.isEmpty else { throw TLSByteReader.violation("alert inside a message") }
      guard fragment.count == 2 else {
        throw TLSByteReader.violation("alert record of \(fragment.count) bytes")
      }
      let alert = TLSAlert(level: fragment[0], description: fragment[1])
      if flight.alert == nil { flight.alert = alert }
      // A warning other than close_notify (say unrecognized_name) does not end the flight.
      if alert.level != 1 || alert.description == 0 { isComplete = true }
    case 22:  // handshake
      if let recordVersion, recordVersion != version, flight.serverHello != nil {
        throw TLSByteReader.violation("record version changed mid-flight")
      }
      recordVersion = version
      handshake.append(contentsOf: fragment)
      try drainHandshake()
    case 20:  // change_cipher_spec (TLS 1.3 compatibility); never before the hello
      throw TLSByteReader.violation("change_cipher_spec before ServerHello")
    default:
      throw TLSByteReader.violation("unexpected record type \(type)")
    }
  }

  private mutating func drainHandshake() throws {
    // Each iteration removes one whole message (at least four bytes) or stops.
    while !isComplete, handshake.count >= 4 {
      let type = handshake[0]
      let length = Int(handshake[1]) << 16 | Int(handshake[2]) << 8 | Int(handshake[3])
      guard length <= Self.maxHandshakeLength else {
        throw TLSByteReader.violation("handshake message of \(length) bytes")
      }
      guard handshake.count - 4 >= length else { return }
      let body = Array(handshake[4..<(4 + length)])
      handshake.removeFirst(4 + length)
      try message(type: type, body: body)
    }
  }

  private mutating func message(type: UInt8, body: [UInt8]) throws {
    guard let hello = flight.serverHello else {
      guard type == 2 else {
        throw TLSByteReader.violation("handshake type \(type) before ServerHello")
      }
      let parsed = try TLSServerHello.parse(body)
      flight.serverHello = parsed
      if parsed.version >= .tls13 {
        isComplete = true
        // Whatever else is in this record is encrypted or belongs to the next flight.
        handshake = []
      }
      return
    }
    switch type {
    case 11:  // Certificate
      guard flight.certificates.isEmpty, flight.serverKeyExchange == nil else {
        throw TLSByteReader.violation("Certificate out of order")
      }
      flight.certificates = try Self.certificates(body)
    case 12:  // ServerKeyExchange
      guard flight.serverKeyExchange == nil else {
        throw TLSByteReader.violation("duplicate ServerKeyExchange")
      }
      let kex = CipherSuiteRegistry.suite(hello.cipherSuite)?.keyExchange ?? .null
      flight.serverKeyExchange = try TLSServerKeyExchange.parse(
        body, keyExchange: kex, version: hello.version)
    case 13, 22:  // CertificateRequest, CertificateStatus: not interpreted
      break
    case 14:  // ServerHelloDone
      guard body.isEmpty else { throw TLSByteReader.violation("non-empty ServerHelloDone") }
      flight.sawServerHelloDone = true
      isComplete = true
      guard handshake.isEmpty else {
        throw TLSByteReader.violation("\(handshake.count) trailing bytes after ServerHelloDone")
      }
    default:
      throw TLSByteReader.violation("unexpected handshake type \(type)")
    }
  }

  private static func certificates(_ body: [UInt8]) throws -> [[UInt8]] {
    var reader = TLSByteReader(body)
    var list = try reader.subVector24("certificate list")
    try reader.expectEnd("Certificate")
    var chain: [[UInt8]] = []
    while !list.isAtEnd {
      guard chain.count < maxCertificates else {
        throw TLSByteReader.violation("more than \(maxCertificates) certificates")
      }
      let count = try list.readUInt24("certificate length")
      guard count > 0 else { throw TLSByteReader.violation("empty certificate") }
      chain.append(try list.readBytes(count, "certificate"))
    }
    return chain
  }
}
