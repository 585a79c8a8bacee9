import Foundation
import Testing

@testable import pfharden

/// `postconf -nx` over thousands of values that reference one another in
/// chains the shortcut leaves to the engine (conditionals, relational
/// operators, chains past the nesting limit, loops): long enough for the
/// two-thread listing and the expansions it keeps from value to value,
/// compared byte for byte with real postconf.
@Suite(.serialized) struct PostconfChainListingTests {
  /// A main.cf of `count` values in chains of up to `longest` (`x0 = a`,
  /// `xN = $x(N-1) …`), each link of one of several forms.
  static func chains(count: Int, longest: Int, seed: UInt64, tail: String = "") -> [UInt8] {
    var random = SeededGenerator(seed: seed)
    var text = "myhostname = mail.example.com\nmydomain = example.com\n"
    var index = 0
    var chain = 0
    while index < count {
      let length = Int.random(in: 0..<longest, using: &random) + 1
      for link in 0..<length where index < count {
        let name = "zz_\(chain)_\(link)"
        let below = "zz_\(chain)_\(link - 1)"
        let value: String
        if link == 0 {
          value =
            ["a", "$mydomain", "${myhostname?{m}:{n}}"][Int.random(in: 0..<3, using: &random)]
        } else {
          switch Int.random(in: 0..<5, using: &random) {
          case 0: value = "$\(below) ${myhostname:y}"
          case 1: value = "${\(below)?{$\(below) c}:{d}}"
          case 2: value = "${{$\(below)} != {}?{$\(below)}:{e}} f"
          case 3: value = "$\(below), $(mydomain)"
          default: value = "$\(below)"
          }
        }
        text += "\(name) = \(value)\n"
        index += 1
      }
      chain += 1
    }
    return Array((text + tail).utf8)
  }

  /// Compares each command's outcome with real postconf's; returns real
  /// postconf's exit status and standard output length per command.
  @discardableResult
  func agree(_ name: String, _ main: [UInt8], _ commands: [[String]]) throws -> [(Int32, Int)] {
    try RealPostfix.requirePostconf()
    let directory = try PostconfComparison.makeDirectory("chains-\(name)")
    defer { try? FileManager.default.removeItem(at: directory) }
    try PostconfComparison.write(["main.cf": main], into: directory)
    var seen: [(Int32, Int)] = []
    for command in commands {
      let (expected, actual) = try PostconfComparison.compare(directory, command)
      #expect(actual.status == expected.status, "\(name): \(command)")
      #expect(actual.stderr == expected.stderr, "\(name): \(command)")
      #expect(actual.stdout == expected.stdout, "\(name): \(command)")
      seen.append((expected.status, expected.stdout.utf8.count))
    }
    return seen
  }

  /// Chains up to 45 long, every value expanded without error.
  @Test(.enabled(if: RealPostfix.shouldRun, RealPostfix.skipComment))
  func chainsWithinTheLimitsAgree() throws {
    let main = Self.chains(count: 9000, longest: 45, seed: 11)
    let seen = try agree("within", main, [["-nx"], ["-x"] + (0..<40).map { "zz_\($0)_0" }])
    #expect(seen.map(\.0) == [0, 0])
  }

  /// A fatal error in a listing leaves what postconf had written of its
  /// 4096-byte output buffer: lines of several lengths before a value that
  /// fails.
  @Test(.enabled(if: RealPostfix.shouldRun, RealPostfix.skipComment))
  func aFatalErrorKeepsTheBuffersPostconfWrote() throws {
    for width in [30, 1000, 3000, 9000] {
      let count = width == 30 ? 400 : 10
      var text = ""
      for index in 0..<count {
        text += "a\(index) = " + String(repeating: "v", count: width) + "\n"
      }
      text += "b = " + (0..<count).map { "$a\($0)" }.joined(separator: " ") + " $zzzz\n"
      text += "zzzz = $zzzz\n"
      let seen = try agree("flush-\(width)", Array(text.utf8), [["-nx"]])
      // Something was written before the fatal error, and not everything.
      #expect(seen.first?.0 == 1 && (seen.first?.1 ?? 0) >= 4096, "width \(width)")
    }
  }

  /// Chains past Postfix's nesting limit: the first value that passes it
  /// ends the listing with postconf's warnings and fatal error, after the
  /// values before it were expanded with kept expansions.
  @Test(.enabled(if: RealPostfix.shouldRun, RealPostfix.skipComment))
  func chainsPastTheNestingLimitAgree() throws {
    let main = Self.chains(count: 9000, longest: 160, seed: 12)
    let past = try agree("past", main, [["-nx"]])
    let looped = Self.chains(
      count: 8000, longest: 30, seed: 13,
      tail: "zz_loop_a = $zz_loop_b x\nzz_loop_b = ${zz_loop_a?{$zz_loop_a}}\n")
    let loop = try agree("loop", looped, [["-nx"]])
    // Both fail after a part of the listing was written.
    for (status, written) in past + loop { #expect(status == 1 && written >= 4096) }
  }
}
