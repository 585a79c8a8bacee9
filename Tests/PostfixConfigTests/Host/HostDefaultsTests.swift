import Testing

@testable import PostfixConfig

@Suite struct HostDefaultsTests {
  typealias Fixtures = CatalogFixtures

  private func value(
    _ name: String, host: HostEnvironment, main: [String: String] = [:], defaultsOnly: Bool = false
  ) -> HostDefaultResult? {
    HostDefaults.value(
      of: name, host: host, mainValue: { main[$0].map { Array($0.utf8) } },
      defaultsOnly: defaultsOnly)
  }

  /// The value as postconf prints it (blanks normalised, none trailing).
  private func text(_ result: HostDefaultResult?) -> String? {
    guard case .value(let bytes) = result else { return nil }
    return String(decoding: Self.printed(bytes), as: UTF8.self)
  }

  /// What postconf's line printer makes of a value.
  static func printed(_ bytes: [UInt8]) -> [UInt8] {
    var out: [UInt8] = []
    LinePrinter.printLine(bytes, fold: false, into: &out)
    return Array(out.dropLast())
  }

  @Test func mynetworksEndsWithABlankLikePostfix() {
    // Postfix writes "NETWORK " for each network: `[$mynetworks]` expands to
    // "[127.0.0.0/8 ]" with real postconf.
    let result = value("mynetworks", host: loopbackOnly)
    #expect(result == .value(Array("127.0.0.0/8 [::1]/128 ".utf8)))
  }

  /// Only lo up (fresh network namespace with `ip link set lo up`).
  private let loopbackOnly = HostEnvironment(
    hostname: "vm",
    interfaces: [
      NetworkInterface(name: "lo", address: Fixtures.ip("127.0.0.1"), prefixLength: 8),
      NetworkInterface(name: "lo", address: Fixtures.ip("::1"), prefixLength: 128),
    ],
    processID: 1, processName: "postconf")

  @Test func reproducesOutDHostValues() throws {
    let expected = Dictionary(
      PostconfOutput.parse(try Fixtures.bytes("out_d/expected-output.txt")).map {
        ($0.name, $0.value)
      },
      uniquingKeysWith: { first, _ in first })
    let host = Fixtures.specHost()
    for name in ["myhostname", "mydomain", "mynetworks", "process_name"] {
      let ours = value(name, host: host, defaultsOnly: true).map { result -> HostDefaultResult in
        if case .value(let bytes) = result { return .value(Self.printed(bytes)) }
        return result
      }
      #expect(ours == .value(expected[name] ?? []), "\(name)")
    }
    #expect(expected["process_id"] == Array("<PID>".utf8))
    #expect(value("process_id", host: host, defaultsOnly: true) == .value(Array("4242".utf8)))
    #expect(value("relayhost", host: host, defaultsOnly: true) == nil)
  }

  @Test func hostMyhostnameFqdn() throws {
    let lines = PostconfOutput.parse(try Fixtures.bytes("host_myhostname_fqdn/expected-output.txt"))
    let host = Fixtures.specHost(hostname: "mail.example.org")
    #expect(lines[0].name == "myhostname" && lines[1].name == "mydomain")
    #expect(value("myhostname", host: host, defaultsOnly: true) == .value(lines[0].value))
    #expect(value("mydomain", host: host, defaultsOnly: true) == .value(lines[1].value))
  }

  @Test func hostMyhostnameNodot() throws {
    let lines = PostconfOutput.parse(
      try Fixtures.bytes("host_myhostname_nodot/expected-output.txt"))
    let host = Fixtures.specHost(hostname: "box")
    let main = ["mydomain": "example.com"]
    // postconf -d ignores main.cf ...
    #expect(
      value("myhostname", host: host, main: main, defaultsOnly: true) == .value(lines[0].value))
    #expect(value("mydomain", host: host, main: main, defaultsOnly: true) == .value(lines[1].value))
    // ... plain postconf appends main.cf's mydomain.
    #expect(value("myhostname", host: host, main: main) == .value(lines[2].value))
    #expect(value("mydomain", host: host, main: main) == .value(lines[3].value))
  }

  @Test func hostMydomainDerivation() throws {
    let expected = PostconfOutput.parseValues(
      try Fixtures.bytes("host_mydomain_derivation/expected-output.txt"))
    let names = ["host.example.com", "host.com", "a.b.c.d", "hostonly"]
    #expect(expected.count == names.count)
    for (name, want) in zip(names, expected) {
      let result = value("mydomain", host: Fixtures.specHost(), main: ["myhostname": name])
      #expect(result == .value(want), "\(name)")
    }
  }

  @Test func hostMynetworksStyles() throws {
    let expected = PostconfOutput.parseValues(
      try Fixtures.bytes("host_mynetworks_styles/expected-output.txt"))
    let overrides: [[String: String]] = [
      [:], ["mynetworks_style": "host"], ["mynetworks_style": "class"],
      ["compatibility_level": "2"], ["inet_protocols": "ipv4"],
    ]
    #expect(expected.count == overrides.count)
    for (main, want) in zip(overrides, expected) {
      #expect(
        text(value("mynetworks", host: loopbackOnly, main: main)).map { Array($0.utf8) } == want,
        "\(main)")
    }
  }

  @Test func hostNoInterfaces() throws {
    let host = HostEnvironment(
      hostname: "vm", interfaces: [], processID: 1, processName: "postconf")
    let fatal = HostDefaultResult.fatal("could not find any active network interfaces")
    #expect(value("mynetworks", host: host, defaultsOnly: true) == fatal)
    #expect(value("mynetworks", host: host) == fatal)
    // The vector's stdout: two failing runs, then the partial -d listing.
    let output = try Fixtures.text("host_no_interfaces/expected-output.txt")
    #expect(output.hasPrefix("rc=1\nrc=1\n"))
  }

  @Test func hostProcessNameId() throws {
    let lines = PostconfOutput.parse(try Fixtures.bytes("host_process_name_id/expected-output.txt"))
    let host = Fixtures.specHost(processName: "my-postconf")
    #expect(value("process_name", host: host) == .value(lines[0].value))
    #expect(lines[1].value == Array("<PID>".utf8))
    #expect(value("process_id", host: host) == .value(Array("4242".utf8)))
  }

  // Measured with real postconf 3.7.11 on the spec host (same interfaces as SPEC's header):
  // `postconf -c DIR <overrides> -h mynetworks`.
  @Test(
    arguments: [
      ([:], "127.0.0.0/8 192.0.2.0/24 [::1]/128 [fd00::]/64 [fe80::]/64"),
      (["inet_interfaces": "loopback-only"], "127.0.0.0/8 [::1]/128"),
      (["inet_interfaces": "127.0.0.1"], "127.0.0.0/8"),
      (["inet_interfaces": "192.0.2.2,::1"], "192.0.2.0/24 [::1]/128"),
      (["inet_protocols": "ipv6"], "[::1]/128 [fd00::]/64 [fe80::]/64"),
      (
        ["inet_protocols": "ipv6", "mynetworks_style": "host"],
        "[::1]/128 [fd00::2]/128 [fe80::fc:ff:fe00:1]/128"
      ),
      (["inet_protocols": ""], ""),
      (
        ["compatibility_level": "3.6"],
        "127.0.0.1/32 192.0.2.2/32 [::1]/128 [fd00::2]/128 [fe80::fc:ff:fe00:1]/128"
      ),
      (
        ["compatibility_level": "1.9"], "127.0.0.0/8 192.0.2.0/24 [::1]/128 [fd00::]/64 [fe80::]/64"
      ),
      (["mynetworks_style": "class"], "127.0.0.0/8 192.0.2.0/24 [::1]/128 [fd00::]/64 [fe80::]/64"),
    ] as [([String: String], String)])
  func mynetworksOnSpecHost(main: [String: String], expected: String) {
    #expect(text(value("mynetworks", host: Fixtures.specHost(), main: main)) == expected)
  }

  @Test(
    arguments: [
      (["mynetworks_style": "bogus"], "unknown mynetworks mask style value \"bogus\" in \"bogus\""),
      (["mynetworks_style": "HOST"], "unknown mynetworks mask style value \"HOST\" in \"HOST\""),
      (
        ["mynetworks_style": "host,subnet"],
        "bad mynetworks_style value: host,subnet; specify exactly one value"
      ),
      (["inet_protocols": "bogus"], "unknown inet_protocols value \"bogus\" in \"bogus\""),
      (
        ["inet_interfaces": "10.9.9.9"],
        "parameter inet_interfaces: no local interface found for 10.9.9.9"
      ),
      (
        ["inet_interfaces": "mail.invalid"],
        "config variable inet_interfaces: host not found: mail.invalid"
      ),
    ] as [([String: String], String)])
  func mynetworksFatalErrors(main: [String: String], message: String) {
    #expect(value("mynetworks", host: Fixtures.specHost(), main: main) == .fatal(message))
  }

  @Test func defaultsOnlyIgnoresMainValues() {
    var asked: [String] = []
    let result = HostDefaults.value(
      of: "mynetworks", host: Fixtures.specHost(),
      mainValue: { name in
        asked.append(name)
        return Array("host".utf8)
      }, defaultsOnly: true)
    #expect(asked.isEmpty)
    #expect(text(result) == "127.0.0.0/8 192.0.2.0/24 [::1]/128 [fd00::]/64 [fe80::]/64")
  }

  @Test func classfulIPv4AndDuplicates() {
    let host = HostEnvironment(
      hostname: "h",
      interfaces: [
        NetworkInterface(name: "a", address: Fixtures.ip("10.1.2.3"), prefixLength: 24),
        NetworkInterface(name: "b", address: Fixtures.ip("172.16.5.4"), prefixLength: 24),
        NetworkInterface(name: "c", address: Fixtures.ip("192.168.7.9"), prefixLength: 28),
        NetworkInterface(name: "d", address: Fixtures.ip("10.200.0.1"), prefixLength: 16),
        NetworkInterface(name: "e", address: Fixtures.ip("0.0.0.0"), prefixLength: 0),
      ], processID: 1, processName: "p")
    #expect(
      text(value("mynetworks", host: host, main: ["mynetworks_style": "class"]))
        == "10.0.0.0/8 172.16.0.0/16 192.168.7.0/24")
    #expect(
      text(value("mynetworks", host: host, main: ["mynetworks_style": "subnet"]))
        == "10.1.2.0/24 172.16.5.0/24 192.168.7.0/28 10.200.0.0/16")
  }

  @Test func hostNamesInInetInterfacesUseTheHostTable() {
    var host = Fixtures.specHost()
    host.hostAddresses["localhost"] = [Fixtures.ip("127.0.0.1")]
    #expect(
      text(value("mynetworks", host: host, main: ["inet_interfaces": "localhost"])) == "127.0.0.0/8"
    )
  }
}

@Suite struct IPAddressTests {
  @Test(arguments: [
    ("127.0.0.1", "127.0.0.1"), ("::1", "::1"), ("::", "::"), ("fd00::2", "fd00::2"),
    ("fe80::fc:ff:fe00:1", "fe80::fc:ff:fe00:1"), ("FD00:0:0:0:0:0:0:2", "fd00::2"),
    ("1:0:0:1:0:0:0:1", "1:0:0:1::1"), ("1:0:1:0:1:0:1:0", "1:0:1:0:1:0:1:0"),
    ("::ffff:192.0.2.1", "::ffff:192.0.2.1"), ("::192.0.2.1", "::192.0.2.1"),
    ("2001:db8::", "2001:db8::"), ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),
  ])
  func roundTrips(input: String, shown: String) throws {
    let address = try #require(IPAddress(input))
    #expect(address.description == shown)
    #expect(IPAddress(shown) == address)
  }

  @Test(arguments: [
    "", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1..2.3", ":", ":::", "1::2::3", "1:2:3:4:5:6:7:8:9",
    "12345::", "g::1", "1:2:3:4:5:6:7:", "[::1]", "::1%eth0", "1.2.3.4::",
  ])
  func rejects(input: String) {
    #expect(IPAddress(input) == nil)
  }

  @Test func masksAndClassifies() throws {
    let address = try #require(IPAddress("fe80::fc:ff:fe00:1"))
    #expect(address.masked(prefixLength: 64).description == "fe80::")
    #expect(address.masked(prefixLength: 0).description == "::")
    #expect(address.masked(prefixLength: 128) == address)
    #expect(
      try #require(IPAddress("192.0.2.200")).masked(prefixLength: 25).description == "192.0.2.128")
    #expect(try #require(IPAddress("127.9.9.9")).isLoopback)
    #expect(try #require(IPAddress("::1")).isLoopback)
    #expect(!(try #require(IPAddress("::2")).isLoopback))
    #expect(try #require(IPAddress("0.0.0.0")).isUnspecified)
  }
}
