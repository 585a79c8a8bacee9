import PostfixConfig
import Testing

@testable import PostfixHardening

/// `Listener.firstClashes(in:)` finds, for each listener, the first earlier
/// one it clashes with, as comparing every pair with `clashes(with:)` does.
@Suite struct ListenerClashTests {
  /// The pairwise definition: each listener against every earlier one.
  static func reference(_ listeners: [Listener]) -> [(listener: Int, earlier: Int)] {
    var result: [(listener: Int, earlier: Int)] = []
    for index in listeners.indices {
      if let earlier = listeners[..<index].firstIndex(where: { $0.clashes(with: listeners[index]) })
      {
        result.append((index, earlier))
      }
    }
    return result
  }

  /// A small pool of addresses, so that random listeners share some: every
  /// kind (wildcards of both families, addresses of both, names).
  static let pool: [Listener.Address] = {
    var pool: [Listener.Address] = [.wildcard(.inet4), .wildcard(.inet6), .named("localhost")]
    pool.append(.named("mail.example.test"))
    for text in ["127.0.0.1", "192.0.2.1", "192.0.2.2", "::1", "2001:db8::1"] {
      if let address = IPAddress(text) { pool.append(.address(address)) }
    }
    return pool
  }()

  static func listener(_ line: Int, port: Int?, _ addresses: [Listener.Address]) -> Listener {
    Listener(
      service: "s\(line)", type: "inet", command: "smtpd", line: line, port: port,
      addresses: addresses)
  }

  @Test func agreesWithThePairwiseDefinitionOnRandomListeners() {
    var generator = SeededGenerator(seed: 0x11_57E4)
    var clashes = 0
    var clashesNotWithTheFirst = 0
    for _ in 0..<400 {
      var listeners: [Listener] = []
      for line in 0..<Int.random(in: 1...14, using: &generator) {
        let port: Int? =
          Int.random(in: 0..<6, using: &generator) == 0
          ? nil : [25, 465, 587][Int.random(in: 0..<3, using: &generator)]
        let addresses = (0..<Int.random(in: 0...3, using: &generator)).map { _ in
          Self.pool[Int.random(in: 0..<Self.pool.count, using: &generator)]
        }
        listeners.append(Self.listener(line + 1, port: port, addresses))
      }
      let found = Listener.firstClashes(in: listeners)
      let expected = Self.reference(listeners)
      #expect(found.map(\.listener) == expected.map(\.listener))
      #expect(found.map(\.earlier) == expected.map(\.earlier))
      clashes += expected.count
      clashesNotWithTheFirst +=
        expected.filter { pair in
          listeners[..<pair.earlier].contains { $0.port == listeners[pair.listener].port }
        }.count
    }
    // The rounds hold clashes, some of them with a listener that is not the
    // first of its port (the index must pick the earliest that overlaps).
    #expect(clashes > 500)
    #expect(clashesNotWithTheFirst > 100)
  }

  @Test func eachKindOfOverlap() throws {
    let v4 = try #require(IPAddress("192.0.2.1"))
    let v6 = try #require(IPAddress("2001:db8::1"))
    let cases: [([Listener.Address], [Listener.Address], Bool)] = [
      ([.wildcard(.inet4)], [.address(v4)], true),
      ([.address(v4)], [.wildcard(.inet4)], true),
      ([.wildcard(.inet6)], [.address(v4)], false),
      ([.address(v6)], [.wildcard(.inet4)], false),
      ([.named("mx")], [.wildcard(.inet6)], true),
      ([.wildcard(.inet4)], [.named("mx")], true),
      ([.named("mx")], [.named("MX2")], false),
      ([.address(v4)], [.address(v4)], true),
      ([.address(v4)], [.named("mx")], false),
    ]
    for (first, second, clash) in cases {
      let pairs = Listener.firstClashes(
        in: [Self.listener(1, port: 25, first), Self.listener(2, port: 25, second)])
      #expect(pairs.map(\.earlier) == (clash ? [0] : []), "\(first) then \(second)")
      // Another port never clashes.
      #expect(
        Listener.firstClashes(
          in: [Self.listener(1, port: 25, first), Self.listener(2, port: 587, second)]
        ).isEmpty)
    }
  }
}
