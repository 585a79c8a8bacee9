import Foundation
import Testing

@testable import PostfixConfig

/// HostDefaults for this machine against the installed postconf.
@Suite(.enabled(if: RealPostfix.shouldRun, RealPostfix.skipComment))
struct HostInfoRealPostfixTests {
  private func postconf(_ arguments: [String]) throws -> [(name: String, value: [UInt8])] {
    try RealPostfix.requirePostconf()
    let dir = try CatalogFixtures.scratchDirectory(files: ["main.cf": "", "master.cf": ""])
    defer { try? FileManager.default.removeItem(at: dir) }
    let output = try InstalledPostfix.run(
      postconf: RealPostfix.postconfPath, arguments: ["-c", dir.path] + arguments)
    #expect(output.status == 0, "\(Printable.sanitize(output.stderr))")
    return PostconfOutput.parse(output.stdout)
  }

  @Test func currentHostMatchesPostconfD() throws {
    let real = try postconf(["-d", "myhostname", "mydomain", "mynetworks", "process_name"])
    #expect(real.count == 4)
    let host = HostInfo.current(processName: "postconf")
    #expect(!host.interfaces.isEmpty)
    for (name, value) in real {
      let ours = printed(
        HostDefaults.value(of: name, host: host, mainValue: { _ in nil }, defaultsOnly: true))
      #expect(ours == .value(value), "\(name): postconf says \(Printable.sanitize(value))")
    }
  }

  @Test(arguments: [
    ["compatibility_level": "3.6"], ["inet_protocols": "ipv4"], ["inet_protocols": "ipv6"],
    ["inet_interfaces": "loopback-only"], ["inet_interfaces": "127.0.0.1"],
    ["mynetworks_style": "class"], ["myhostname": "a.b.example"], ["mydomain": "example.net"],
  ])
  func currentHostMatchesPostconfWithOverrides(main: [String: String]) throws {
    let overrides = main.flatMap { ["-o", "\($0.key)=\($0.value)"] }
    let real = try postconf(overrides + ["mynetworks", "mydomain"])
    let host = HostInfo.current(processName: "postconf")
    for (name, value) in real {
      let ours = printed(
        HostDefaults.value(
          of: name, host: host, mainValue: { main[$0].map { Array($0.utf8) } },
          defaultsOnly: false))
      // An override of the name itself is shown as set, not as the default.
      let expected = main[name].map { Array($0.utf8) } ?? value
      #expect(main[name] != nil || ours == .value(expected), "\(name) with \(main)")
    }
  }

  @Test func processIdIsOurs() {
    let host = HostInfo.current(processName: "x")
    #expect(host.processID == ProcessInfo.processInfo.processIdentifier)
    #expect(!host.hostname.isEmpty)
  }

  /// The result as postconf prints it (blanks normalised, none trailing).
  func printed(_ result: HostDefaultResult?) -> HostDefaultResult? {
    guard case .value(let bytes) = result else { return result }
    var out: [UInt8] = []
    LinePrinter.printLine(bytes, fold: false, into: &out)
    return .value(Array(out.dropLast()))
  }
}
