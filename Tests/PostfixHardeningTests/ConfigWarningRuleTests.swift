import PostfixConfig
import Testing

@testable import PostfixHardening

@Suite struct ConfigWarningRuleTests {
  typealias F = AuditFixtures

  @Test func typosDuplicatesAndUndefinedNamesHaveLines() throws {
    let findings = F.run(ConfigWarningRule(), try F.configuration("typos"))
    let located = findings.map {
      "\($0.file ?? "-"):\($0.line.map(String.init) ?? "-") \($0.message)"
    }
    #expect(
      located.sorted() == [
        "main.cf:33 overriding earlier entry: mailbox_size_limit=0",
        "main.cf:34 undefined parameter: helo_required_setting",
        "main.cf:36 unused parameter: inet_interface=loopback-only; did you mean 'inet_interfaces'?",
        "master.cf:13 unused parameter: smtpd_tls_securty_level=may; did you mean 'smtpd_tls_security_level'?",
        "master.cf:14 undefined parameter: undefined_tag",
      ])
    #expect(findings.first { $0.file == "master.cf" }?.service == "smtp/inet")
    #expect(findings.allSatisfy { $0.severity == .warning })
  }

  @Test func cleanConfigurationsHaveNone() throws {
    #expect(F.run(ConfigWarningRule(), try F.configuration("hardened")).isEmpty)
    #expect(F.run(ConfigWarningRule(), try F.configuration("debian-pristine")).isEmpty)
  }

  /// The catalogue is indexed at the first unknown name only, and the lazy
  /// index answers as the index does.
  @Test func theCatalogueIsIndexedOnlyForAnUnknownName() {
    let names = ParameterCatalog.embedded.names
    let lazy = LazySuggestionIndex(names)
    #expect(!lazy.isBuilt)
    let index = SuggestionIndex(names.map { Array($0.utf8) })
    for word in ["smtpd_helo_requird", "relayhots", "zz_nothing_like_it", "mydomian"] {
      #expect(lazy.closest(to: word) == index.closest(to: word))
    }
    #expect(lazy.isBuilt)
  }

  @Test func suggestionsNeedACloseName() {
    let rule = ConfigWarningRule()
    #expect(rule.suggestion(for: "myhostnam", catalog: .embedded) == "myhostname")
    #expect(rule.suggestion(for: "completely_unrelated_thing", catalog: .embedded) == nil)
  }

  @Test func referencesMatchWholeNames() {
    let rule = ConfigWarningRule()
    #expect(rule.references("foo", in: Array("a $foo b".utf8)))
    #expect(rule.references("foo", in: Array("${foo?x}".utf8)))
    #expect(rule.references("foo", in: Array("$(foo)".utf8)))
    #expect(!rule.references("foo", in: Array("$foobar".utf8)))
  }

  @Test func parameterTooNew() throws {
    let main = try F.hardenedMain()
    let old = AuditOptions(targetVersion: PostfixVersion("3.7.5"))
    let failing = F.run(ParameterTooNewRule(), try F.configuration(main: main), options: old)
    #expect(failing.map(\.parameter) == ["smtpd_forbid_bare_newline"])
    #expect(failing.first?.line == 21)
    let current = AuditOptions(targetVersion: PostfixVersion("3.7.11"))
    #expect(F.run(ParameterTooNewRule(), try F.configuration(main: main), options: current).isEmpty)
    // Without --postfix-version there is nothing to compare with.
    #expect(F.run(ParameterTooNewRule(), try F.configuration(main: main)).isEmpty)
  }

  @Test func differentWarningsOnOneLineStayApart() throws {
    // postconf prints two warnings for this one line; both are findings.
    let configuration = try F.configuration(
      main: "mynetworks = 127.0.0.0/8\np_z = $u1 $u2\n", master: "")
    let messages = F.run(ConfigWarningRule(), configuration).map(\.message)
    #expect(messages.contains("undefined parameter: u1"))
    #expect(messages.contains("undefined parameter: u2"))
    #expect(
      configuration.warnings.count
        == F.run(ConfigWarningRule(), configuration).count)
  }

  @Test func aMissingMasterCFIsAnError() throws {
    let configuration = PostfixConfiguration(
      mainCF: MainCF(bytes: Array("mynetworks = 127.0.0.0/8\n".utf8)), masterCF: nil,
      catalog: .embedded, host: F.host)
    let missing = F.run(
      ConfigWarningRule(), configuration, options: AuditOptions(masterCF: .missing))
    let finding = try #require(missing.first { $0.file == "master.cf" })
    #expect(finding.severity == .error)
    #expect(finding.message.contains("master.cf does not exist"))
    #expect(missing.filter { $0.file == "master.cf" }.count == 1)
    // Audited without master.cf on purpose, postconf's own warning remains.
    let plain = F.run(ConfigWarningRule(), configuration).filter { $0.file == "master.cf" }
    #expect(plain.map(\.severity) == [.warning])
  }

  @Test func anUnreadableMasterCFMakesTheAuditIncomplete() throws {
    let configuration = PostfixConfiguration(
      mainCF: MainCF(bytes: Array("mynetworks = 127.0.0.0/8\n".utf8)), masterCF: nil,
      catalog: .embedded, host: F.host)
    let report = F.audit(
      configuration, options: AuditOptions(masterCF: .unreadable("Permission denied")))
    #expect(!report.isComplete)
    #expect(report.incompleteReason?.contains("Permission denied") == true)
    #expect(!report.isSendOnly)
    #expect(!report.roleSummary.contains("send-only"))
    #expect(!report.findings.contains { $0.message.contains("No such file") })
    #expect(F.audit(configuration).isComplete)
  }

  @Test func boundedEditDistanceAgreesWithTheFullOne() {
    var generator = SeededGenerator(seed: 14)
    let alphabet = Array("abc_".utf8)
    for _ in 0..<2000 {
      let a = (0..<Int(generator.next() % 9)).map { _ in alphabet[Int(generator.next() % 4)] }
      let b = (0..<Int(generator.next() % 9)).map { _ in alphabet[Int(generator.next() % 4)] }
      let limit = Int(generator.next() % 5)
      let full = EditDistance.between(a, b)
      #expect(
        EditDistance.between(a, b, atMost: limit) == (full <= limit ? full : nil),
        "\(a) \(b) \(limit)")
    }
  }

  @Test func byteCountBoundNeverExceedsTheDistance() {
    var generator = SeededGenerator(seed: 15)
    // Bytes that share a counter (every byte outside letters, digits and `_`): the bound
    // must hold for them too.
    let alphabet = Array("abc_A!\u{7F}".utf8) + [0x21 + 64]
    var tight = 0
    for _ in 0..<3000 {
      let a = (0..<Int(generator.next() % 10)).map { _ in
        alphabet[Int(generator.next() % UInt64(alphabet.count))]
      }
      let b = (0..<Int(generator.next() % 10)).map { _ in
        alphabet[Int(generator.next() % UInt64(alphabet.count))]
      }
      var counts = [Int32](repeating: 0, count: 64)
      for byte in a { counts[Int(EditDistance.maskBit(byte))] += 1 }
      let bound = EditDistance.lowerBound(counts, b)
      let full = EditDistance.between(a, b)
      #expect(bound <= full, "\(a) \(b)")
      // The bound over every counter: what looking at the other word's only must give.
      var difference = counts
      for byte in b { difference[Int(EditDistance.maskBit(byte))] -= 1 }
      let surplus = difference.filter { $0 > 0 }.reduce(0) { $0 + Int($1) }
      let missing = difference.filter { $0 < 0 }.reduce(0) { $0 - Int($1) }
      #expect(bound == max(surplus, missing), "\(a) \(b)")
      let maskA = EditDistance.byteMask(a)
      let maskB = EditDistance.byteMask(b)
      let lacking = max((maskA & ~maskB).nonzeroBitCount, (maskB & ~maskA).nonzeroBitCount)
      #expect(lacking <= bound, "\(a) \(b)")
      if bound == full { tight += 1 }
    }
    // It is a useful bound, not zero.
    #expect(tight > 300)
  }

  @Test func suggestionIndexFindsWhatAScanOfEveryCandidateFinds() {
    // The reference: every candidate in order, the first of the closest within a
    // quarter of the name's length (at least 2).
    func scan(_ name: [UInt8], _ candidates: [[UInt8]]) -> [UInt8]? {
      let limit = max(2, name.count / 4)
      var best: (name: [UInt8], distance: Int)?
      for candidate in candidates {
        let distance = EditDistance.between(name, candidate)
        if distance <= limit, distance < (best?.distance ?? Int.max) {
          best = (candidate, distance)
        }
      }
      return best?.name
    }
    let catalog = ParameterCatalog.embedded.names.map { Array($0.utf8) }
    let index = SuggestionIndex(catalog)
    var generator = SeededGenerator(seed: 17)
    let alphabet = Array("abcdefghijklmnopqrstuvwxyz_0123456789".utf8)
    var suggested = 0
    for round in 0..<600 {
      // Catalogue names with a few random edits, and random words.
      var word = round % 5 == 4 ? [] : catalog[Int(generator.next() % UInt64(catalog.count))]
      for _ in 0..<Int(generator.next() % 6) {
        let position = word.isEmpty ? 0 : Int(generator.next() % UInt64(word.count + 1))
        let byte = alphabet[Int(generator.next() % UInt64(alphabet.count))]
        switch generator.next() % 3 {
        case 0: word.insert(byte, at: position)
        case 1 where position < word.count: word[position] = byte
        default: if position < word.count { word.remove(at: position) }
        }
      }
      let expected = scan(word, catalog)
      let name = String(decoding: word, as: UTF8.self)
      #expect(
        index.closest(to: name) == expected.map { String(decoding: $0, as: UTF8.self) }, "\(name)")
      if expected != nil { suggested += 1 }
    }
    #expect(suggested > 300)
    // A tie goes to the earlier candidate, whatever its length.
    let tie = SuggestionIndex([Array("abcdefgh1".utf8), Array("abcdefg".utf8)])
    #expect(tie.closest(to: "abcdefgh") == "abcdefgh1")
    let reversed = SuggestionIndex([Array("abcdefg".utf8), Array("abcdefgh1".utf8)])
    #expect(reversed.closest(to: "abcdefgh") == "abcdefg")
  }

  @Test func referencedNamesAgreeWithReferences() {
    let rule = ConfigWarningRule()
    for value in [
      "a $foo b", "${foo?x}", "$(foo)", "$foobar", "$$foo", "$foo-bar ${x_y}", "$fooé $bar→",
      "$", "${", "$ {foo}",
    ] {
      let bytes = Array(value.utf8)
      let found = ConfigWarningRule.referencedNames(in: bytes)
      for name in ["foo", "foobar", "bar", "x_y", "x"] {
        #expect(found.contains(name) == rule.references(name, in: bytes), "\(name) in \(value)")
      }
    }
  }
}
