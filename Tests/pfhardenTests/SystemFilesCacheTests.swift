import Foundation
import Testing

@testable import pfharden

@Suite struct SystemFilesCacheTests {
  @Test(
    arguments: [
      // PFHARDEN_CACHE_DIR wins, whatever else is set.
      (
        ["PFHARDEN_CACHE_DIR": "/var/cache/x", "XDG_CACHE_HOME": "/c", "HOME": "/h"], "/var/cache/x"
      ),
      (["PFHARDEN_CACHE_DIR": "", "XDG_CACHE_HOME": "/c", "HOME": "/h"], nil),
      (["PFHARDEN_CACHE_DIR": "off", "XDG_CACHE_HOME": "/c", "HOME": "/h"], nil),
      (["PFHARDEN_CACHE_DIR": "relative/dir", "HOME": "/h"], nil),
      // Then the XDG base directory, then HOME.
      (["XDG_CACHE_HOME": "/c", "HOME": "/h"], "/c/pfharden"),
      (["XDG_CACHE_HOME": "", "HOME": "/h"], "/h/.cache/pfharden"),
      (["XDG_CACHE_HOME": "relative", "HOME": "/h"], "/h/.cache/pfharden"),
      (["HOME": "/home/u"], "/home/u/.cache/pfharden"),
      (["HOME": ""], nil),
      (["HOME": "relative"], nil),
      ([:], nil),
    ] as [([String: String], String?)])
  func cacheDirectoryFollowsTheEnvironment(_ environment: [String: String], _ expected: String?) {
    #expect(SystemFiles.cacheDirectory(environment: environment) == expected)
  }

  @Test(.enabled(if: RealPostfix.shouldRun, RealPostfix.skipComment))
  func postconfPrintsTheSameWithAndWithoutTheCache() throws {
    try RealPostfix.requirePostconf()
    let cache = NSTemporaryDirectory() + "pfharden-cache-\(UUID().uuidString)"
    defer { try? FileManager.default.removeItem(atPath: cache) }
    let examples = Vectors.repositoryRoot.appendingPathComponent("Examples/debian").path
    func run(_ environment: [String: String]) -> (Int32, String, String) {
      var console = Console.capturing(environment: environment)
      let status = CLI.run(
        arguments: ["pfharden", "postconf", "-c", examples, "-n", "-x"], console: &console)
      return (
        status, String(decoding: console.stdout, as: UTF8.self),
        String(decoding: console.stderr, as: UTF8.self)
      )
    }
    let uncached = run(["PFHARDEN_CACHE_DIR": "off"])
    let storing = run(["PFHARDEN_CACHE_DIR": cache])
    let entries = try FileManager.default.contentsOfDirectory(atPath: cache)
    // The postconf -d output and the catalogue built from it.
    #expect(entries.count == 2)
    #expect(entries.allSatisfy { $0.hasPrefix("postconf-d-") })
    let reading = run(["PFHARDEN_CACHE_DIR": cache])
    #expect(uncached.0 == 0)
    #expect(!uncached.1.isEmpty)
    #expect(storing == uncached)
    #expect(reading == uncached)
  }
}
