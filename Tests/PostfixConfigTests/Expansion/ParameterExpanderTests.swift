import Testing

@testable import PostfixConfig

/// One behaviour per test, with a dictionary as the parameter table.
@Suite struct ParameterExpanderTests {
  static let table: [String: String] = [
    "v_set": "hello", "v_empty": "", "v_ten": "10", "v_nine": "9", "v_two": "$v_set world",
    "v_dollar": "a$$b", "v_loop_a": "$v_loop_b", "v_loop_b": "$v_loop_a", "v_self": "x$v_self",
    "compatibility_level": "2", "mailbox_command": "a$$b$v_set",
  ]

  static func expander(_ extra: [String: String] = [:]) -> ParameterExpander {
    let merged = table.merging(extra) { $1 }
    return ParameterExpander(lookup: { merged[$0].map { Array($0.utf8) } })
  }

  static func expand(_ value: String, _ extra: [String: String] = [:]) -> Expansion {
    expander(extra).expand(Array(value.utf8))
  }

  static func text(_ value: String) -> String? {
    expand(value).value.map { String(decoding: $0, as: UTF8.self) }
  }

  static func warnings(_ value: String) -> [String] { expand(value).warnings }

  @Test func plainTextIsUnchanged() {
    #expect(Self.text("hello world { } ( ) ? : =") == "hello world { } ( ) ? : =")
    #expect(Self.text("") == "")
  }

  @Test func referenceForms() {
    #expect(
      Self.text("[$v_set] [${v_set}] [$(v_set)] [${ v_set }] [$( v_set\t)]")
        == "[hello] [hello] [hello] [hello] [hello]")
  }

  @Test func bareNameIsTheLongestNameRun() {
    #expect(Self.text("$v_set.x $v_set-x $v_setx ${v_set}x") == "hello.x hello-x  hellox")
  }

  @Test func dollarDollarIsLiteralOnce() {
    #expect(
      Self.text("[$$] [$$v_set] [$$$v_set] [$${v_set}] [$$$$]")
        == "[$] [$v_set] [$hello] [${v_set}] [$$]")
  }

  @Test func referencedValuesAreExpandedAgain() {
    #expect(
      Self.text("$v_two|$v_dollar") == "hello world|ab".replacingOccurrences(of: "ab", with: "a$b"))
  }

  @Test func undefinedNamesAreEmpty() {
    #expect(Self.text("[$nosuch] [${nosuch}] [${nosuch?x}] [${nosuch:y}]") == "[] [] [] [y]")
  }

  @Test func questionMark() {
    #expect(Self.text("[${v_set?yes}] [${v_empty?yes}] [${nosuch?yes}]") == "[yes] [] []")
  }

  @Test func colon() {
    #expect(Self.text("[${v_set:no}] [${v_empty:no}] [${nosuch:no}]") == "[] [no] [no]")
  }

  @Test func unbracedOperandIsAllTheRest() {
    #expect(
      Self.text("[${v_set?a:b}] [${v_empty:a?b}] [${v_set? yes}] [${v_set?x{y}z}]")
        == "[a:b] [a?b] [ yes] [x{y}z]")
  }

  @Test func bracedOperandsDropOuterBlanks() {
    #expect(
      Self.text("[${v_set? {a b} }] [${v_set ? {T} : {F}}] [${v_empty?{T}:F}]")
        == "[a b] [T] [F]")
  }

  @Test func nestedBracesStayLiteral() {
    #expect(Self.text("[${v_set?{a{b}c}}] [${v_set?{${v_set?{in}}}}]") == "[a{b}c] [in]")
  }

  @Test func relationalOperators() {
    #expect(Self.text("${{$v_ten} == {10}?{eq}:{ne}}") == "eq")
    #expect(Self.text("${{$v_ten} > {$v_nine}?{gt}:{le}}") == "gt")  // numeric
    #expect(Self.text("${{10} > {9a}?{gt}:{le}}") == "le")  // strcmp
    #expect(Self.text("${{010} == {10}}") == "true")
    #expect(Self.text("${{a}!={a}}") == "")
    #expect(Self.text("${{a} != {b} ? yes}") == " yes")
    #expect(Self.text("${{} == {}}") == "true")
    #expect(Self.text("${{ a } == {a}}") == "")
  }

  @Test func levelOperators() {
    #expect(Self.text("${{$compatibility_level} <level {3.6} ? {old} : {new}}") == "old")
    #expect(Self.text("${{3.10} <level {3.9}?{lt}:{ge}}") == "ge")
    #expect(Self.text("${{3.10} < {3.9}?{lt}:{ge}}") == "lt")
    #expect(Self.text("${{2} ==level {2.0}}") == "true")
    #expect(
      Self.warnings("${{3.x} ==level {3}}") == ["malformed compatibility level syntax: \"3.x\""])
  }

  @Test func badConversionIsFatalAtOnce() {
    #expect(
      Self.expand("${{99999999999999999999} == {1}} $nosuch")
        == .failure(warnings: [], fatal: "mac_exp_eval: bad conversion: 99999999999999999999"))
  }

  @Test func syntaxErrorsCarryPostfixTexts() {
    #expect(
      Self.warnings("[${v_set==hello?{a}:{b}}]") == [
        "attribute name syntax error at: \"...v_set>>>==hello?{a}:{b}\""
      ])
    #expect(Self.warnings("[${v set}]") == ["attribute name syntax error at: \"...v>>> set\""])
    #expect(Self.warnings("[${v_set?{a}x}]") == ["\":\" expected at: \"...a}>>>x\""])
    #expect(Self.warnings("[${v_set?{a}:{b}x}]") == ["unexpected input at: \"...b}>>>x\""])
    #expect(Self.warnings("[${{a}=={a}x}]") == ["\"?\" or \":\" expected at: \"...}>>>x\""])
    #expect(Self.warnings("[${{a} == b}]") == ["\"{expression}\" expected at: \"...{a} ==>>> b\""])
    #expect(
      Self.warnings("[${{a} =~ {b}?{x}}]") == [
        "\"==\" or \"!=\"\" or \"<\"\" or \"<=\"\" or \">=\"\" or \">\" expected at: \"...a}>>>=~ {b}?{x}\""
      ])
    #expect(Self.warnings("[${v_set]") == ["truncated macro reference: \"[${v_set]\""])
    #expect(Self.warnings("[$(v_set}] x") == ["truncated macro reference: \"[$(v_set}] x\""])
    #expect(Self.warnings("cost $ 5") == ["empty macro name: \"cost $ 5\""])
    #expect(Self.warnings("a${}b") == ["empty macro name: \"a${}b\""])
    #expect(Self.warnings("price$") == ["empty macro name: \"price$\""])
    #expect(Self.expand("x").warnings.isEmpty)
  }

  @Test func failuresEndWithMacroProcessingError() throws {
    let failure = Self.expand("${a b}")
    guard case .failure(_, let fatal) = failure else {
      Issue.record("expected a failure")
      return
    }
    #expect(fatal == "macro processing error")
    #expect(throws: PostfixConfigError(.expansion, "")) { try failure.get() }
    #expect(try Self.expand("ok").get() == Array("ok".utf8))
  }

  @Test func wholeTextIsTheCurrentlyParsedText() {
    // The truncated reference sits in a referenced value: that value is quoted.
    #expect(Self.warnings("a $v_bad b") == [])  // undefined: nothing to parse
    let failure = Self.expand("a $v_bad b", ["v_bad": "x${y"])
    #expect(failure.warnings == ["truncated macro reference: \"x${y\""])
  }

  @Test func loopsHitTheNestingLimit() {
    #expect(Self.warnings("x $v_loop_a") == ["unreasonable macro call nesting: \"v_loop_b\""])
    #expect(
      Self.warnings("$v_self") == [
        "unreasonable macro call nesting: \"x\"", "unreasonable macro call nesting: \"v_self\"",
      ])
  }

  @Test func depthLimitIsExactlyOneHundred() {
    for (length, fails) in [(99, false), (100, false), (101, true)] {
      var chain: [String: String] = [:]
      // As in x_depth_*: $c1 -> ... -> $cN, whose value is "end".
      for index in 1..<length { chain["c\(index)"] = "$c\(index + 1)" }
      chain["c\(length)"] = "end"
      let result = Self.expand("$c1", chain)
      if fails {
        #expect(result.warnings == ["unreasonable macro call nesting: \"end\""])
      } else {
        #expect(result == .success(Array("end".utf8)))
      }
    }
  }

  @Test func warningsAreSanitised() {
    #expect(Self.warnings("${a\tb\u{e9}}") == ["attribute name syntax error at: \"...a>>>?b??\""])
  }

  @Test func nulEndsTheValue() {
    let expander = Self.expander(["v_nul": "ok\u{0}$("])
    #expect(expander.expand(Array("a$v_nul\u{0}${".utf8)) == .success(Array("aok".utf8)))
  }

  @Test func rawParametersDisplayVerbatimButExpandWhenReferenced() {
    let expander = Self.expander()
    #expect(expander.displayValue(of: "mailbox_command") == .success(Array("a$$b$v_set".utf8)))
    #expect(expander.displayValue(of: "v_dollar") == .success(Array("a$b".utf8)))
    #expect(expander.displayValue(of: "nosuch") == nil)
    #expect(expander.expand(Array("$mailbox_command".utf8)) == .success(Array("a$bhello".utf8)))
    #expect(!expander.isScanned("forward_path"))
    #expect(expander.isScanned("smtpd_banner"))
    #expect(ParameterExpander.rawParameterNames.count == 9)
  }

  @Test func lookupReceivesTheBareName() {
    var asked: [String] = []
    let expander = ParameterExpander(lookup: { name in
      asked.append(name)
      return nil
    })
    _ = expander.expand(Array("$a ${ b } $(c?x) ${d:y} ${ ?z}".utf8))
    #expect(asked == ["a", "b", "c", "d", ""])
  }
}

@Suite struct ParameterScanTests {
  static func scan(_ value: String, defined: Set<String> = ["v_set", "mail_name"]) -> ScanResult {
    ParameterExpander.scan(Array(value.utf8), isDefined: { defined.contains($0) })
  }

  @Test func reportsEveryReferenceInOrder() {
    let result = Self.scan("$v_set ${nosuch} $(v_set?{$a}:{$b}) ${x:$y}")
    #expect(result.referencedNames == ["v_set", "nosuch", "v_set", "a", "b", "x", "y"])
    #expect(result.undefined == ["nosuch", "a", "b", "x", "y"])
    #expect(result.warnings.isEmpty)
    #expect(!result.hadError)
  }

  @Test func visitsBothBranchesAndRelationalOperands() {
    let result = Self.scan("${{$l} == {$r} ? {$t} : {$f}} ${mail_name?{$in}}")
    #expect(result.referencedNames == ["l", "r", "t", "f", "mail_name", "in"])
  }

  @Test func doesNotFollowReferences() {
    #expect(Self.scan("$v_set").referencedNames == ["v_set"])
  }

  @Test func neverEvaluatesRelations() {
    let result = Self.scan("${{99999999999999999999} == {1}} ${{x} ==level {y}}")
    #expect(result.warnings.isEmpty)
    #expect(!result.hadError)
  }

  @Test func stopsSeeingNamesAfterAnError() {
    let result = Self.scan("$first ${a b} $second")
    #expect(
      result.events == [
        .reference("first", defined: false),
        .warning("attribute name syntax error at: \"...a>>> b\""),
      ])
    #expect(result.hadError)
  }

  @Test func reportsTheEmptyName() {
    #expect(Self.scan("${ } ${?x}").undefined == ["", ""])
  }

  @Test func vectorWarnUserParamReferenced() {
    // A user name referenced only inside a conditional still counts as used.
    #expect(Self.scan("${zz_only_conditional?{yes}}").referencedNames == ["zz_only_conditional"])
  }

  @Test func startUpCheckScansThenExpandsKnownNames() {
    let expander = ParameterExpander(lookup: { _ in nil })
    let bad = Array("${x".utf8)
    let user = expander.startUpCheck(
      name: "zz", value: bad, isKnown: false, isDefined: { _ in true })
    #expect(user.scan?.warnings == ["truncated macro reference: \"${x\""])
    #expect(!user.isFatal)
    let known = expander.startUpCheck(
      name: "smtpd_banner", value: bad, isKnown: true, isDefined: { _ in true })
    #expect(known.failure?.warnings == ["truncated macro reference: \"${x\""])
    #expect(known.isFatal)
    let raw = expander.startUpCheck(
      name: "mailbox_command", value: bad, isKnown: true, isDefined: { _ in true })
    #expect(raw == StartUpCheck(scan: nil, failure: nil))
    let fine = expander.startUpCheck(
      name: "relayhost", value: Array("$nosuch".utf8), isKnown: true, isDefined: { _ in false })
    #expect(fine.scan?.undefined == ["nosuch"])
    #expect(!fine.isFatal)
  }
}
