import Foundation
import Testing

@testable import PostfixConfig

/// The embedded catalogue against the installed Postfix (the oracle).
@Suite(.enabled(if: RealPostfix.shouldRun, RealPostfix.skipComment))
struct CatalogRealPostfixTests {
  typealias Fixtures = CatalogFixtures
  let catalog = ParameterCatalog.embedded

  /// `postconf -c DIR -d` with an empty main.cf and the stock Debian master.cf.
  private func stockDefaults(extra: [String] = []) throws -> [UInt8] {
    try RealPostfix.requirePostconf()
    let master = try Fixtures.text("debian-master.cf")
    let dir = try Fixtures.scratchDirectory(files: ["main.cf": "", "master.cf": master])
    defer { try? FileManager.default.removeItem(at: dir) }
    let output = try InstalledPostfix.run(
      postconf: RealPostfix.postconfPath, arguments: ["-c", dir.path, "-d"] + extra)
    #expect(output.status == 0)
    #expect(output.stderr.isEmpty)
    return output.stdout
  }

  private func stockServiceParameters() throws -> [String: CatalogParameter] {
    var result: [String: CatalogParameter] = [:]
    for (service, command) in Fixtures.services(masterCf: try Fixtures.text("debian-master.cf")) {
      for parameter in ServiceParameters.parameters(service: service, command: command) {
        result[parameter.name] = parameter
      }
    }
    return result
  }

  @Test func namesAndDefaultsMatchPostconfD() throws {
    let pairs = PostconfOutput.parse(try stockDefaults())
    let services = try stockServiceParameters()
    let actual = Set(pairs.map(\.name))
    let expected = Set(catalog.names).union(services.keys)
    for name in actual.subtracting(expected).sorted() {
      Issue.record("postconf -d lists \(name), the catalogue does not")
    }
    for name in expected.subtracting(actual).sorted() {
      Issue.record("the catalogue lists \(name), postconf -d does not")
    }
    // The non-service names alone, in postconf's order.
    let builtin = pairs.map(\.name).filter { catalog.parameter($0) != nil }
    #expect(builtin == catalog.names)
    for (name, value) in pairs {
      if let parameter = catalog.parameter(name) {
        if !parameter.isHostDependent && parameter.defaultValue != value {
          Issue.record(
            "\(name): catalogue \(Printable.sanitize(parameter.defaultValue)), postconf -d \(Printable.sanitize(value))"
          )
        }
      } else if let parameter = services[name], parameter.defaultValue != value {
        Issue.record("\(name): service default \(Printable.sanitize(parameter.defaultValue))")
      }
    }
  }

  // postconf -d -C builtin / -C service with the stock master.cf.
  @Test func classesMatchPostconfC() throws {
    let services = try stockServiceParameters()
    let service = PostconfOutput.parse(try stockDefaults(extra: ["-C", "service"]))
    #expect(Set(service.map(\.name)) == Set(services.keys))
    for (name, value) in service {
      #expect(services[name]?.defaultValue == value, "\(name)")
      #expect(services[name]?.parameterClass == .service)
    }
    let builtin = PostconfOutput.parse(try stockDefaults(extra: ["-C", "builtin"])).map(\.name)
    #expect(builtin == catalog.names.filter { services[$0] == nil })
  }

  @Test func unlistedNamesAreKnownToPostconf() throws {
    try RealPostfix.requirePostconf()
    let output = try InstalledPostfix.run(
      postconf: RealPostfix.postconfPath, arguments: ["-d"] + catalog.unlistedNames)
    #expect(output.stderr.isEmpty, "\(Printable.sanitize(output.stderr))")
    let pairs = PostconfOutput.parse(output.stdout)
    #expect(pairs.map(\.name) == catalog.unlistedNames)
    for (name, value) in pairs {
      #expect(catalog.parameter(name)?.defaultValue == value, "\(name)")
    }
  }

  @Test func catalogueFromInstalledPostfixMatchesEmbedded() throws {
    let installed = ParameterCatalog(postconfDefaultsOutput: try stockDefaults(), base: catalog)
    #expect(installed.names == catalog.names)
    #expect(installed.unlistedNames == catalog.unlistedNames)
    #expect(installed.version == catalog.version)
    for name in catalog.names {
      let embedded = try #require(catalog.parameter(name))
      let measured = try #require(installed.parameter(name))
      #expect(measured.introducedIn == embedded.introducedIn, "\(name)")
      #expect(measured.isRaw == embedded.isRaw && measured.isReadOnly == embedded.isReadOnly)
      if !embedded.isHostDependent {
        #expect(measured.defaultValue == embedded.defaultValue, "\(name)")
      }
    }
    // Host-dependent ones carry this host's values.
    #expect(installed.parameter("process_name")?.defaultValue == Array("postconf".utf8))
    #expect(installed.parameter("myhostname")?.defaultValue.isEmpty == false)
  }

  @Test func foldedDefaultsParseLikeUnfolded() throws {
    let plain = PostconfOutput.parse(try stockDefaults())
    let folded = PostconfOutput.parse(try stockDefaults(extra: ["-f"]))
    #expect(plain.count == folded.count)
    for (a, b) in zip(plain, folded) where a.name != "process_id" {
      if a.name != b.name || a.value != b.value {
        Issue.record("\(a.name) differs after folding: \(Printable.sanitize(b.value))")
      }
    }
  }

  @Test func installedVersion() throws {
    try RealPostfix.requirePostconf()
    let version = try InstalledPostfix.version(postconf: RealPostfix.postconfPath)
    #expect(version == catalog.version)
    #expect(InstalledPostfix.postconfPath() != nil)
  }

  @Test func failingPostconfIsReported() throws {
    try RealPostfix.requirePostconf()
    // A non-zero exit status.
    #expect(throws: PostfixConfigError(.postfixTool, "")) {
      _ = try InstalledPostfix.version(postconf: "/bin/false")
    }
    // Exit status 0 but no version on stdout.
    #expect(throws: PostfixConfigError(.invalidVersion, "")) {
      _ = try InstalledPostfix.version(postconf: "/bin/true")
    }
    #expect(throws: PostfixConfigError(.postfixTool, "")) {
      _ = try InstalledPostfix.run(postconf: "/nonexistent/postconf", arguments: [])
    }
  }

  /// The checked-in data must be exactly what the generator prints now.
  @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/python3")))
  func generatedDataIsUpToDate() throws {
    try RealPostfix.requirePostconf()
    let root = Fixtures.packageRoot
    let script = root.appendingPathComponent("Scripts/generate-catalog").path
    let run = try RealPostfix.run("/usr/bin/python3", [script])
    #expect(run.status == 0, "\(String(decoding: run.stderr, as: UTF8.self))")
    let checkedIn = Array(
      try Data(
        contentsOf: root.appendingPathComponent("Sources/PostfixConfig/Catalog/CatalogData.swift")))
    let upToDate = run.stdout == checkedIn
    #expect(
      upToDate,
      "CatalogData.swift is stale: run Scripts/generate-catalog > Sources/PostfixConfig/Catalog/CatalogData.swift"
    )
  }
}
