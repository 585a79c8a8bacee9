import Synchronization
import Testing

@testable import PostfixConfig

/// Host names in `inet_interfaces` through an injected resolver.
///
/// What Postfix's `inet_addr_host()` and `own_inet_addr_init()` do; no test
/// here resolves a name with the system.
@Suite struct HostResolverTests {
  typealias Fixtures = CatalogFixtures

  /// A resolver that answers from `table` and records each question.
  final class Recorder: Sendable {
    let questions = Mutex<[(name: String, families: Set<IPAddress.Family>)]>([])
    let table: [String: [IPAddress]]

    init(_ table: [String: [String]]) {
      self.table = table.mapValues { $0.map(Fixtures.ip) }
    }

    var resolver: HostResolver {
      HostResolver { name, families in
        self.questions.withLock { $0.append((name, families)) }
        return self.table[name] ?? []
      }
    }

    var asked: [String] { questions.withLock { $0.map(\.name) } }
    var families: [Set<IPAddress.Family>] { questions.withLock { $0.map(\.families) } }
  }

  /// `mynetworks` as postconf prints it, on `host` with `resolver`.
  private func mynetworks(
    _ main: [String: String], resolver: HostResolver,
    host: HostEnvironment = Fixtures.specHost()
  ) -> HostDefaultResult? {
    var host = host
    host.resolver = resolver
    let result = HostDefaults.value(
      of: "mynetworks", host: host, mainValue: { main[$0].map { Array($0.utf8) } },
      defaultsOnly: false)
    guard case .value(let bytes) = result else { return result }
    return .value(HostDefaultsTests.printed(bytes))
  }

  private func text(_ value: String) -> HostDefaultResult { .value(Array(value.utf8)) }

  @Test func nameWithSeveralAddressesSelectsEachInPostfixOrder() {
    let recorder = Recorder(["mail": ["fd00::2", "192.0.2.2", "::1", "127.0.0.1"]])
    let main = ["inet_interfaces": "mail", "mynetworks_style": "host"]
    #expect(
      mynetworks(main, resolver: recorder.resolver)
        == text("127.0.0.1/32 192.0.2.2/32 [::1]/128 [fd00::2]/128"))
    #expect(
      mynetworks(["inet_interfaces": "mail"], resolver: recorder.resolver)
        == text("127.0.0.0/8 192.0.2.0/24 [::1]/128 [fd00::]/64"))
    #expect(recorder.asked == ["mail", "mail"])
  }

  @Test(arguments: [
    ("all", "127.0.0.0/8 [::1]/128"), ("ipv4", "127.0.0.0/8"), ("ipv6", "[::1]/128"),
  ])
  func lookupAsksForTheFamiliesOfInetProtocols(protocols: String, expected: String) {
    let families: [String: Set<IPAddress.Family>] = [
      "all": [.inet4, .inet6], "ipv4": [.inet4], "ipv6": [.inet6],
    ]
    let recorder = Recorder(["localhost": ["::1", "127.0.0.1"]])
    let main = ["inet_interfaces": "localhost", "inet_protocols": protocols]
    #expect(mynetworks(main, resolver: recorder.resolver) == text(expected))
    #expect(recorder.families == [families[protocols]])
  }

  @Test(arguments: [
    ("mail.invalid", "mail.invalid"), ("[mail.invalid]", "[mail.invalid]"),
    ("127.0.0.1, nowhere, elsewhere", "nowhere"), ("[]", "[]"),
  ])
  func unresolvableNameIsFatalLikePostfix(interfaces: String, reported: String) {
    #expect(
      mynetworks(["inet_interfaces": interfaces], resolver: .empty)
        == .fatal("config variable inet_interfaces: host not found: \(reported)"))
  }

  @Test func addressesOfAnotherFamilyOnlyAreNotFound() {
    // Real postconf with inet_protocols = ipv6 and /etc/hosts listing only
    // 127.0.0.1 for localhost: "host not found: localhost"; a numeric IPv4
    // address is not found either.
    let ipv4Only = HostResolver { _, _ in [Fixtures.ip("127.0.0.1")] }
    for interfaces in ["localhost", "localhost, 127.0.0.1"] {
      #expect(
        mynetworks(["inet_interfaces": interfaces, "inet_protocols": "ipv6"], resolver: ipv4Only)
          == .fatal("config variable inet_interfaces: host not found: localhost"))
    }
    #expect(
      mynetworks(
        ["inet_interfaces": "127.0.0.1, localhost", "inet_protocols": "ipv6"],
        resolver: ipv4Only)
        == .fatal("config variable inet_interfaces: host not found: 127.0.0.1"))
  }

  @Test func bracketsAreRemovedBeforeTheLookup() {
    let recorder = Recorder(["localhost": ["127.0.0.1"]])
    #expect(
      mynetworks(["inet_interfaces": "[localhost],[::1]"], resolver: recorder.resolver)
        == text("127.0.0.0/8 [::1]/128"))
    #expect(recorder.asked == ["localhost"])
  }

  @Test func numericAddressesAndAllAreNotLookedUp() {
    let recorder = Recorder([:])
    #expect(
      mynetworks(["inet_interfaces": "127.0.0.1 ::1"], resolver: recorder.resolver)
        == text("127.0.0.0/8 [::1]/128"))
    #expect(mynetworks([:], resolver: recorder.resolver) != nil)
    #expect(mynetworks(["inet_interfaces": "loopback-only"], resolver: recorder.resolver) != nil)
    #expect(recorder.asked.isEmpty)
  }

  @Test func duplicatesAcrossNamesAreDropped() {
    let recorder = Recorder(["localhost": ["127.0.0.1"], "vm": ["127.0.0.1", "127.0.0.1"]])
    #expect(
      mynetworks(
        ["inet_interfaces": "localhost vm 127.0.0.1", "mynetworks_style": "host"],
        resolver: recorder.resolver) == text("127.0.0.1/32"))
  }

  @Test func resolvedAddressWithoutLocalInterfaceIsFatal() {
    let recorder = Recorder(["mail": ["127.0.0.1", "10.0.0.1"]])
    #expect(
      mynetworks(["inet_interfaces": "mail"], resolver: recorder.resolver)
        == .fatal("parameter inet_interfaces: no local interface found for 10.0.0.1"))
  }

  @Test func hostAddressesTableComesBeforeTheResolver() {
    var host = Fixtures.specHost()
    host.hostAddresses["mail"] = [Fixtures.ip("127.0.0.1")]
    let recorder = Recorder(["mail": ["192.0.2.2"]])
    #expect(
      mynetworks(["inet_interfaces": "mail"], resolver: recorder.resolver, host: host)
        == text("127.0.0.0/8"))
    #expect(recorder.asked.isEmpty)
  }

  #if _endian(little)
  // Measured with real postconf 3.7.11 in a network namespace whose lo has
  // 127.0.0.1/8, 127.0.0.200/8 and 127.1.0.5/8: Postfix compares IPv4
  // addresses by the wrapped difference of their in_addr words, so
  // 127.0.0.200 sorts before 127.0.0.1 whatever the order in main.cf.
  @Test(arguments: [
    "127.0.0.1 127.0.0.200", "127.0.0.200 127.0.0.1", "127.0.0.1 127.0.0.200 127.1.0.5",
    "127.1.0.5 127.0.0.200 127.0.0.1", "127.0.0.200 127.1.0.5 127.0.0.1",
  ])
  func selectedAddressesAreInPostfixSortOrder(interfaces: String) {
    let host = HostEnvironment(
      hostname: "vm",
      interfaces: ["127.0.0.1", "127.0.0.200", "127.1.0.5"].map {
        NetworkInterface(name: "lo", address: Fixtures.ip($0), prefixLength: 8)
      } + [NetworkInterface(name: "lo", address: Fixtures.ip("::1"), prefixLength: 128)],
      processID: 1, processName: "postconf")
    let main = ["inet_interfaces": interfaces, "mynetworks_style": "host"]
    let expected =
      interfaces.contains("127.1.0.5")
      ? "127.0.0.200/32 127.0.0.1/32 127.1.0.5/32" : "127.0.0.200/32 127.0.0.1/32"
    #expect(mynetworks(main, resolver: .empty, host: host) == text(expected))
  }

  // Real postconf on the spec host: the first missing address in sorted order.
  @Test(arguments: ["10.9.9.9 10.0.0.1", "::1 10.0.0.1", "10.0.0.1, 10.9.9.9"])
  func missingInterfaceIsReportedInSortOrder(interfaces: String) {
    #expect(
      mynetworks(["inet_interfaces": interfaces], resolver: .empty)
        == .fatal("parameter inet_interfaces: no local interface found for 10.0.0.1"))
  }
  #endif

  // MARK: - The postconf emulation

  private func postconf(_ arguments: [String], mainCF: String, resolver: HostResolver)
    -> PostconfOutcome
  {
    var host = PostconfInternalsTests.host
    host.resolver = resolver
    let inputs = PostconfInputs(
      programName: "postconf", configDirectory: "/etc/postfix", configDirectoryInjected: false,
      mainCF: .contents(Array(mainCF.utf8)), masterCF: .contents([]), host: host,
      catalog: .embedded)
    return Postconf.run(arguments: arguments.map { Array($0.utf8) }, inputs: inputs)
  }

  @Test(arguments: [["-n"], ["-n", "-x"], ["-x", "inet_interfaces", "mynetworks"]])
  func postconfStopsOnAnUnresolvableName(arguments: [String]) {
    let outcome = postconf(arguments, mainCF: "inet_interfaces = mail.invalid\n", resolver: .empty)
    #expect(outcome.exitStatus == 1)
    #expect(outcome.stdout.isEmpty)
    #expect(
      String(decoding: outcome.stderr, as: UTF8.self)
        == "postconf: fatal: config variable inet_interfaces: host not found: mail.invalid\n")
  }

  @Test func postconfPrintsAResolvedName() {
    let resolver = HostResolver.table(["localhost": [Fixtures.ip("127.0.0.1")]])
    let main = "inet_interfaces = localhost\n"
    let listing = postconf(["-n"], mainCF: main, resolver: resolver)
    #expect(listing.exitStatus == 0)
    #expect(String(decoding: listing.stdout, as: UTF8.self) == "inet_interfaces = localhost\n")
    let expanded = postconf(
      ["-x", "inet_interfaces", "mynetworks"], mainCF: main, resolver: resolver)
    #expect(expanded.exitStatus == 0 && expanded.stderr.isEmpty)
    #expect(
      String(decoding: expanded.stdout, as: UTF8.self)
        == "inet_interfaces = localhost\nmynetworks = 127.0.0.0/8\n")
  }

  // MARK: - The system resolver's bounds

  @Test func systemResolverLooksUpBoundedNamesOnly() {
    #expect(HostInfo.isLookedUp("localhost"))
    #expect(HostInfo.isLookedUp(String(repeating: "a", count: HostInfo.maximumHostNameLength)))
    #expect(!HostInfo.isLookedUp(String(repeating: "a", count: HostInfo.maximumHostNameLength + 1)))
    #expect(!HostInfo.isLookedUp(""))
    #expect(!HostInfo.isLookedUp("local\0host"))
    // Refused before getaddrinfo(), so nothing is resolved.
    #expect(HostInfo.systemResolver().addresses(of: "localhost\0", families: [.inet4]).isEmpty)
    #expect(HostInfo.systemResolver().addresses(of: "localhost", families: []).isEmpty)
  }
}
