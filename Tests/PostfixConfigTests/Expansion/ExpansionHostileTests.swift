import Foundation
import Testing

@testable import PostfixConfig

/// Hostile and large inputs: everything ends, nothing overflows the stack,
/// and failures carry the right message.
@Suite struct ExpansionHostileTests {
  static var expander: ParameterExpander {
    ParameterExpander(lookup: { name in
      switch name {
      case "v_set": return Array("hello".utf8)
      case "v_rel": return Array("${{$v_rel} == {x}}".utf8)
      default: return nil
      }
    })
  }

  static func repeated(_ piece: String, _ count: Int) -> [UInt8] {
    Array(String(repeating: piece, count: count).utf8)
  }

  @Test func hundredThousandUnterminatedOpenings() {
    let value = Self.repeated("${", 100_000)
    let result = Self.expander.expand(value)
    #expect(
      result.warnings == [
        "truncated macro reference: \"\(String(decoding: value, as: UTF8.self))\""
      ])
    let scan = ParameterExpander.scan(value, isDefined: { _ in true })
    #expect(scan.hadError)
    #expect(scan.warnings.count == 1)
  }

  @Test func hundredThousandNestedConditionals() {
    let value = Self.repeated("${v_set?{", 100_000) + Self.repeated("}}", 100_000)
    let result = Self.expander.expand(value)
    // The 101st nested callback fails; its piece is the rest of the nest.
    #expect(result.warnings.count == 1)
    #expect(result.warnings.first?.hasPrefix("unreasonable macro call nesting: \"v_set?{") == true)
    let scan = ParameterExpander.scan(value, isDefined: { _ in true })
    #expect(scan.hadError)
    #expect(scan.referencedNames.count == 101)
  }

  @Test func hundredThousandNestedRelationals() {
    // Postfix restarts its counter in each operand and takes O(n^2) time or
    // crashes; pfharden stops at ExpansionLimits.maximumDepth.
    let value = Self.repeated("${{", 100_000) + Self.repeated("} == {x}}", 100_000)
    let result = Self.expander.expand(value)
    #expect(result.value == nil)
    #expect(result.warnings.first?.hasPrefix("unreasonable macro call nesting: \"") == true)
    #expect(ParameterExpander.scan(value, isDefined: { _ in true }).hadError)
  }

  @Test func selfReferenceThroughAnOperandFails() {
    // Real postconf dies with SIGSEGV here.
    let result = Self.expander.expand(Array("$v_rel".utf8))
    #expect(result.value == nil)
    #expect(result.warnings.allSatisfy { $0.hasPrefix("unreasonable macro call nesting: \"") })
  }

  @Test func exponentialResultIsBounded() {
    var table: [String: [UInt8]] = [:]
    for index in 1...40 { table["a\(index)"] = Array("$a\(index + 1)$a\(index + 1)".utf8) }
    table["a41"] = Array("xxxxxxxx".utf8)
    let limits = ExpansionLimits(
      maximumDepth: 1000, maximumResultBytes: 1 << 20, maximumSteps: 50_000_000)
    let expander = ParameterExpander(lookup: { table[$0] }, limits: limits)
    #expect(
      expander.expand(Array("$a1".utf8))
        == .failure(
          warnings: ["macro expansion result exceeds 1048576 bytes"],
          fatal: "macro processing error"))
  }

  @Test func exponentialWorkIsBounded() {
    var table: [String: [UInt8]] = [:]
    for index in 1...60 {
      table["r\(index)"] = Array("${{$r\(index + 1)} == {}}${{$r\(index + 1)} == {}}".utf8)
    }
    let limits = ExpansionLimits(
      maximumDepth: 1000, maximumResultBytes: 1 << 20, maximumSteps: 200_000)
    let expander = ParameterExpander(lookup: { table[$0] }, limits: limits)
    #expect(
      expander.expand(Array("$r1".utf8))
        == .failure(
          warnings: ["macro expansion exceeds 200000 steps"], fatal: "macro processing error"))
  }

  @Test func oneMegabytePlainValueIsCopiedExactly() {
    var value: [UInt8] = []
    var state: UInt32 = 12_345
    while value.count < 1 << 20 {
      state = state &* 1_103_515_245 &+ 12_345
      let byte = UInt8(truncatingIfNeeded: state >> 16)
      value.append(byte == UInt8(ascii: "$") || byte == 0 ? UInt8(ascii: "x") : byte)
    }
    #expect(Self.expander.expand(value) == .success(value))
    #expect(ParameterExpander.scan(value, isDefined: { _ in true }).events.isEmpty)
  }

  @Test func oneMegabyteOfReferencesAndDollars() {
    let value = Self.repeated("$v_set $$ ${v_set?{a}:{b}} ", 40_000)
    let expected = Self.repeated("hello $ a ", 40_000)
    #expect(Self.expander.expand(value) == .success(expected))
  }

  @Test func tenMegabytesExpandInLinearTime() {
    let value = Self.repeated("smtp.example.com permit_mynetworks ", 300_000)
    let start = Date()
    #expect(Self.expander.expand(value).value?.count == value.count)
    #expect(Date().timeIntervalSince(start) < 20)
  }

  @Test func errorsAfterAFailureKeepRaisingTheLevel() {
    // Postfix never lowers the nesting level after an error, so every later
    // piece beyond the hundredth warns.
    let value = Array("${a b}".utf8) + Self.repeated(" $v_set", 60)
    let warnings = Self.expander.expand(value).warnings
    #expect(warnings.count == 21)
    #expect(warnings.last == "unreasonable macro call nesting: \"v_set\"")
  }

  @Test func randomMutationsNeverTrap() {
    let alphabet = Array("${}()?:=<>!a_1 \t{${{}}$$".utf8)
    var state: UInt64 = 42
    for _ in 0..<3000 {
      var value: [UInt8] = []
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      let length = Int(state >> 58)
      for _ in 0..<length {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        value.append(alphabet[Int(state >> 33) % alphabet.count])
      }
      let expansion = Self.expander.expand(value)
      if case .failure(_, let fatal) = expansion { #expect(!fatal.isEmpty) }
      _ = ParameterExpander.scan(value, isDefined: { _ in false })
    }
  }

  @Test func deepExpansionsRunOnSmallCallerStacks() {
    // A 256 KiB thread: deep values move to the expander's own large stack.
    let nested = Self.repeated("${{", 5000) + Self.repeated("} == {x}}", 5000)
    var chain: [String: [UInt8]] = [:]
    for index in 1..<100 { chain["c\(index)"] = Array("$c\(index + 1)".utf8) }
    chain["c100"] = Array("end".utf8)
    let table = chain
    let finished = DispatchSemaphore(value: 0)
    nonisolated(unsafe) var results: [Expansion] = []
    let thread = Thread {
      let expander = ParameterExpander(lookup: { table[$0] })
      results.append(expander.expand(nested))
      results.append(expander.expand(Array("$c1".utf8)))
      results.append(Self.expander.expand(Array("$v_rel".utf8)))
      finished.signal()
    }
    thread.stackSize = 256 << 10
    thread.start()
    finished.wait()
    #expect(results.count == 3)
    #expect(results.first?.warnings.first?.hasPrefix("unreasonable macro call nesting") == true)
    #expect(results.dropFirst().first == .success(Array("end".utf8)))
    #expect(results.last?.value == nil)
  }
}
