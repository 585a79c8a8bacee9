import PostfixConfig

/// `/proc/net/tcp` and `/proc/net/tcp6`: the sockets in LISTEN state.
public enum ProcNetTCP {
  /// The largest file read.
  public static let sizeLimit = 16 << 20

  /// Parses one of the files (pure).
  ///
  /// Each row is `sl local_address rem_address st ...` with the address as
  /// hex (IPv4: one little-endian 32-bit word; IPv6: four of them), the port
  /// as hex, and state `0A` for LISTEN. Malformed rows are skipped.
  /// - Parameter bytes: The file's contents.
  /// - Returns: The listening sockets.
  public static func parse(_ bytes: [UInt8]) -> [ListeningSocket] {
    var result: [ListeningSocket] = []
    for line in bytes.split(separator: 0x0A).dropFirst() {
      let fields = line.split(whereSeparator: { $0 == 0x20 || $0 == 0x09 })
      guard fields.count >= 4, fields[3].elementsEqual("0A".utf8) else { continue }
      let local = fields[1].split(separator: 0x3A)
      guard local.count == 2, let port = Int(String(decoding: local[1], as: UTF8.self), radix: 16),
        let address = address(Array(local[0]))
      else { continue }
      result.append(ListeningSocket(address: address, port: port))
    }
    return result
  }

  static func address(_ hex: [UInt8]) -> IPAddress? {
    guard hex.count == 8 || hex.count == 32 else { return nil }
    var bytes: [UInt8] = []
    var index = 0
    while index + 8 <= hex.count {
      guard let word = UInt32(String(decoding: hex[index..<index + 8], as: UTF8.self), radix: 16)
      else { return nil }
      // The kernel prints each 32-bit word in host (little-endian) order.
      bytes += [
        UInt8(word & 0xFF), UInt8(word >> 8 & 0xFF), UInt8(word >> 16 & 0xFF), UInt8(word >> 24),
      ]
      index += 8
    }
    return IPAddress(bytes: bytes)
  }

  /// Reads both files of the running system (missing ones count as empty).
  /// - Returns: The listening sockets.
  public static func current() -> [ListeningSocket] {
    ["/proc/net/tcp", "/proc/net/tcp6"].flatMap { path in
      (try? ConfigFile.read(path: path, limit: sizeLimit)).map(parse) ?? []
    }
  }
}
