import Foundation

@testable import PostfixConfig

/// Fixtures under `Fixtures/catalog/` and small helpers shared by the catalogue tests.
enum CatalogFixtures {
  static let directory = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Fixtures/catalog")

  static let packageRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

  static func bytes(_ path: String) throws -> [UInt8] {
    Array(try Data(contentsOf: directory.appendingPathComponent(path)))
  }

  static func text(_ path: String) throws -> String {
    String(decoding: try bytes(path), as: UTF8.self)
  }

  /// The spec's catalog.tsv rows: name -> (default, introduced).
  static func specCatalog() throws -> [String: (defaultValue: String, introduced: String)] {
    var rows: [String: (String, String)] = [:]
    for line in try text("catalog.tsv").split(separator: "\n").dropFirst() {
      let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
      guard fields.count == 3 else { continue }
      rows[String(fields[0])] = (String(fields[1]), String(fields[2]))
    }
    return rows
  }

  /// (service, command) of every master.cf entry (no continuation handling needed
  /// for the first eight fields of the stock file).
  static func services(masterCf: String) -> [(service: String, command: String)] {
    var result: [(String, String)] = []
    for line in masterCf.split(separator: "\n") {
      guard let first = line.first, first != "#", first != " ", first != "\t" else { continue }
      let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
      guard fields.count >= 8 else { continue }
      result.append((String(fields[0]), String(fields[7])))
    }
    return result
  }

  /// SPEC 3.2 folding (`postconf -f`) of an unfolded `name = value` listing.
  static func fold(_ listing: [UInt8]) -> [UInt8] {
    var out: [UInt8] = []
    for line in listing.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
      var length = 0
      for word in line.split(separator: UInt8(ascii: " ")) {
        if length > 0 {
          if length + word.count < 80 {
            out.append(UInt8(ascii: " "))
            length += 1
          } else {
            out += Array("\n    ".utf8)
            length = 4
          }
        }
        out += word
        length += word.count
      }
      out.append(UInt8(ascii: "\n"))
    }
    if listing.last == UInt8(ascii: "\n") { out.removeLast() }
    return out
  }

  /// A scratch configuration directory with the given files, mtime 2020-01-01.
  static func scratchDirectory(files: [String: String]) throws -> URL {
    let dir = FileManager.default.temporaryDirectory
      .appendingPathComponent("pfcatalog-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let old = Date(timeIntervalSince1970: 1_577_836_800)
    for (name, content) in files {
      let url = dir.appendingPathComponent(name)
      try Data(content.utf8).write(to: url)
      try FileManager.default.setAttributes([.modificationDate: old], ofItemAtPath: url.path)
    }
    return dir
  }

  /// The host the spec's vectors were recorded on.
  static func specHost(hostname: String = "vm", processName: String = "postconf")
    -> HostEnvironment
  {
    func interface(_ name: String, _ address: String, _ prefix: Int) -> NetworkInterface {
      NetworkInterface(name: name, address: ip(address), prefixLength: prefix)
    }
    return HostEnvironment(
      hostname: hostname,
      interfaces: [
        interface("lo", "127.0.0.1", 8), interface("eth0", "192.0.2.2", 24),
        interface("lo", "::1", 128), interface("eth0", "fd00::2", 64),
        interface("eth0", "fe80::fc:ff:fe00:1", 64),
      ],
      processID: 4242, processName: processName)
  }

  /// A fixture address; the text is a literal in the test, so failure is a test bug.
  static func ip(_ text: String) -> IPAddress {
    guard let address = IPAddress(text) else { preconditionFailure("bad address \(text)") }
    return address
  }
}
