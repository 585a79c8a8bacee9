import Testing

@testable import PostfixConfig

/// postconf's master.cf modes grow linearly with the number of services:
/// times at N and 4N services are compared (linear is about 4, quadratic
/// about 16), never absolute times.
///
/// Each `-o` value of `-Mx` looked its service's scope up by searching every
/// scope (10 MB of services with 40 `-o` each: 1.1 s, postconf 0.16 s),
/// and each unknown `-o` name did the same for its warning (40,000
/// services: 8 s, postconf 0.7 s).
@Suite(.serialized) struct PostconfScalingTests {
  /// `count` loopback smtpd services, each with an unknown `-o` name and a
  /// `-o` value that refers to it; every second one also with an unknown
  /// name nothing refers to.
  static func master(_ count: Int) -> [UInt8] {
    var text = ""
    for index in 0..<count {
      let address = "127.\(index / 62500).\(index / 250 % 250).\(index % 250 + 1)"
      text += "\(address):2525 inet n - y - - smtpd\n"
      text += "  -o zz_unknown_\(index)=x\(index)\n"
      text += "  -o smtpd_client_restrictions=$zz_unknown_\(index)\n"
      if index % 2 == 1 { text += "  -o zz_lone_\(index)=y\n" }
    }
    return Array(text.utf8)
  }

  /// One run of `arguments` over main.cf `mynetworks = 127.0.0.0/8` and
  /// `master`, with its time in seconds.
  static func run(_ arguments: [String], _ master: [UInt8]) -> (Double, [UInt8], [UInt8]) {
    let inputs = PostconfInputs(
      programName: "postconf", configDirectory: "/etc/postfix", configDirectoryInjected: false,
      mainCF: .contents(Array("mynetworks = 127.0.0.0/8\n".utf8)), masterCF: .contents(master),
      host: PostconfInternalsTests.host, catalog: .embedded)
    guard
      case .success(let options) = PostconfOptions.parse(
        arguments.map { Array($0.utf8) }, programName: "postconf")
    else {
      Issue.record("options \(arguments)")
      return (0, [], [])
    }
    let clock = ContinuousClock()
    var outcome = PostconfOutcome()
    let elapsed = clock.measure {
      var session = PostconfSession(options: options, inputs: inputs)
      session.execute()
      outcome = session.finish()
    }
    var out: [UInt8] = []
    var err: [UInt8] = []
    for chunk in outcome.chunks {
      switch chunk {
      case .stdout(let bytes): out += bytes
      case .stderr(let bytes): err += bytes
      }
    }
    let seconds =
      Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    return (seconds, out, err)
  }

  /// The best of three runs at `count` services, with the last run's output.
  static func best(_ arguments: [String], _ count: Int) -> (Double, [UInt8], [UInt8]) {
    let master = Self.master(count)
    var result = run(arguments, master)
    for _ in 0..<2 {
      let again = run(arguments, master)
      if again.0 < result.0 { result = again }
    }
    return result
  }

  static func lines(_ bytes: [UInt8]) -> [Substring] {
    String(decoding: bytes, as: UTF8.self).split(separator: "\n")
  }

  @Test func expandedOverridesOfManyServicesAreLinear() {
    let small = Self.best(["-Mx"], 1000)
    let large = Self.best(["-Mx"], 4000)
    // Every service's reference is expanded in its own scope.
    for (count, output) in [(1000, small.1), (4000, large.1)] {
      let expanded = Self.lines(output).filter {
        $0.contains("-o smtpd_client_restrictions=x\(count - 1)")
      }
      #expect(!Self.lines(output).contains { $0.contains("$zz_unknown") })
      #expect(expanded.count == 1)
      #expect(Self.lines(output).count == count)
    }
    #expect(large.0 / max(small.0, 1e-4) < 10, "1000: \(small.0) s, 4000: \(large.0) s")
  }

  @Test func unusedOverrideWarningsOfManyServicesAreLinear() {
    let small = Self.best(["-M"], 1000)
    let large = Self.best(["-M"], 4000)
    // A name its own service refers to is used; a lone one is not, and is
    // warned about once.
    for (count, output, errors) in [(1000, small.1, small.2), (4000, large.1, large.2)] {
      #expect(Self.lines(output).count == count)
      let warnings = Self.lines(errors)
      #expect(warnings.count == count / 2)
      #expect(warnings.allSatisfy { $0.contains("unused parameter: zz_lone_") })
      #expect(warnings.last?.hasSuffix("zz_lone_\(count - 1)=y") == true)
    }
    #expect(large.0 / max(small.0, 1e-4) < 10, "1000: \(small.0) s, 4000: \(large.0) s")
  }
}
