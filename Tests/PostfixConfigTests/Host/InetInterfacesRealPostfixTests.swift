import Foundation
import Testing

@testable import PostfixConfig

/// Host names in `inet_interfaces`, resolved on this host, against the
/// installed postconf: stdout, stderr and exit status byte for byte.
///
/// No question goes to DNS: the emulation asks the system resolver only what
/// /etc/hosts answers (``hostsFileAnswers(_:families:)``; anything else is
/// not found), and postconf runs with `RES_OPTIONS=attempts:0`, so that its
/// resolver sends nothing and a name /etc/hosts does not answer is not found
/// either (`localhost` with `inet_protocols = ipv6` when /etc/hosts has no
/// IPv6 line for it).
@Suite(.enabled(if: RealPostfix.shouldRun, RealPostfix.skipComment))
struct InetInterfacesRealPostfixTests {
  static let modes: [[String]] = [
    ["-n"], ["-n", "-x"], ["-x", "inet_interfaces", "mynetworks"], ["-d", "mynetworks"],
  ]

  /// Whether /etc/hosts has a line for `name` with an address of one of
  /// `families`, so that glibc's `files` source answers and `dns` is not asked.
  static func hostsFileAnswers(_ name: String, families: Set<IPAddress.Family>) -> Bool {
    guard let text = try? String(contentsOfFile: "/etc/hosts", encoding: .utf8) else {
      return false
    }
    return text.split(separator: "\n").contains { line in
      let fields = line.prefix { $0 != "#" }.split(whereSeparator: { $0 == " " || $0 == "\t" })
      guard let address = fields.first.flatMap({ IPAddress(String($0)) }),
        families.contains(address.family)
      else { return false }
      return fields.dropFirst().contains { $0.lowercased() == name.lowercased() }
    }
  }

  /// The system resolver, for what /etc/hosts answers only.
  static func hostsFileResolver() -> HostResolver {
    let system = HostInfo.systemResolver()
    return HostResolver { name, families in
      hostsFileAnswers(name, families: families)
        ? system.addresses(of: name, families: families) : []
    }
  }

  @Test(
    arguments: ["localhost", "localhost, 127.0.0.1", "127.0.0.1, localhost"],
    ["ipv4", "all", "ipv6"])
  func agreesWithPostconf(interfaces: String, protocols: String) throws {
    try RealPostfix.requirePostconf()
    try #require(
      Self.hostsFileAnswers("localhost", families: [.inet4]),
      "/etc/hosts must list localhost with an IPv4 address")
    let main = "inet_interfaces = \(interfaces)\ninet_protocols = \(protocols)\n"
    let dir = try CatalogFixtures.scratchDirectory(files: ["main.cf": main, "master.cf": ""])
    defer { try? FileManager.default.removeItem(at: dir) }
    var host = HostInfo.current(processName: "postconf")
    host.resolver = Self.hostsFileResolver()
    var environment = ProcessInfo.processInfo.environment
    environment["RES_OPTIONS"] = "attempts:0"
    environment.removeValue(forKey: "MAIL_CONFIG")
    for mode in Self.modes {
      let arguments = ["-c", dir.path] + mode
      let real = try RealPostfix.run(RealPostfix.postconfPath, arguments, environment: environment)
      let inputs = PostconfInputs(
        programName: RealPostfix.postconfPath, configDirectory: dir.path,
        configDirectoryInjected: true,
        mainCF: .contents(try ConfigFile.read(path: dir.appendingPathComponent("main.cf").path)),
        masterCF: .contents(
          try ConfigFile.read(path: dir.appendingPathComponent("master.cf").path)),
        host: host, catalog: .embedded)
      let ours = Postconf.run(arguments: arguments.map { Array($0.utf8) }, inputs: inputs)
      let label = "\(mode) with \(main.debugDescription)"
      #expect(
        String(decoding: ours.stdout, as: UTF8.self)
          == String(decoding: real.stdout, as: UTF8.self), "stdout, \(label)")
      #expect(
        String(decoding: ours.stderr, as: UTF8.self)
          == String(decoding: real.stderr, as: UTF8.self), "stderr, \(label)")
      #expect(ours.exitStatus == real.status, "status, \(label)")
    }
  }
}

/// The system resolver, on a name /etc/hosts answers only.
@Suite struct SystemResolverTests {
  @Test func systemResolverAnswersFromTheHostsFile() throws {
    try #require(
      InetInterfacesRealPostfixTests.hostsFileAnswers("localhost", families: [.inet4]),
      "/etc/hosts must list localhost with an IPv4 address")
    let resolver = HostInfo.systemResolver()
    let addresses = resolver.addresses(of: "localhost", families: [.inet4])
    #expect(addresses.contains(CatalogFixtures.ip("127.0.0.1")))
    #expect(addresses.allSatisfy { $0.family == .inet4 })
    // The same question again is answered from what the resolver remembers.
    #expect(resolver.addresses(of: "localhost", families: [.inet4]) == addresses)
  }
}
