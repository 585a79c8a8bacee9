import Testing

@testable import PostfixConfig

@Suite struct MainCFParseTests {
  private func value(_ document: MainCF, _ name: String) -> String? {
    document.value(of: name).map { String(decoding: $0, as: UTF8.self) }
  }

  @Test func simpleEntriesAndSpacingVariants() {
    let document = parseRoundTripping(
      "relayhost=a.example\nmydomain =example.com\nmyorigin= $mydomain\n"
        + "myhostname\t=\tmail.example.com\nsmtpd_banner = a=b = c\nalias_maps==weird\n")
    #expect(value(document, "relayhost") == "a.example")
    #expect(value(document, "mydomain") == "example.com")
    #expect(value(document, "myorigin") == "$mydomain")
    #expect(value(document, "myhostname") == "mail.example.com")
    #expect(value(document, "smtpd_banner") == "a=b = c")
    #expect(value(document, "alias_maps") == "=weird")
    #expect(value(document, "absent") == nil)
    #expect(document.entries.map(\.line) == [1, 2, 3, 4, 5, 6])
    #expect(document.diagnostics(path: "main.cf").isEmpty)
  }

  @Test func continuationKeepsLeadingWhitespaceAndSkipsComments() {
    let text =
      "mynetworks = 127.0.0.0/8\n    # c\n    10.0.0.0/8\n# c0\n\t192.168.0.0/16\n\n  \nnext = 1\n"
    let document = parseRoundTripping(text)
    #expect(value(document, "mynetworks") == "127.0.0.0/8    10.0.0.0/8\t192.168.0.0/16")
    let entries = document.entries
    #expect(entries.count == 2)
    #expect(entries[0].lines == 1...5)
    #expect(entries[0].byteRange == 0..<69)
    #expect(entries[1].line == 8)
    #expect(entries[1].name == "next")
  }

  @Test func crIsWhitespaceNotALineEnd() {
    let document = parseRoundTripping("a = c\r\n  d\r\nb = x\ry = z\n")
    #expect(value(document, "a") == "c\r  d")
    #expect(value(document, "b") == "x\ry = z")
    #expect(document.lineCount == 3)
  }

  @Test func nulTruncatesTheLogicalLine() {
    let document = parseRoundTripping(Array("relayhost = a.exa\0mple\nmydomain = e\n".utf8))
    #expect(value(document, "relayhost") == "a.exa")
    #expect(value(document, "mydomain") == "e")
  }

  @Test func nulFirstLineIsAMissingName() {
    let document = parseRoundTripping(Array("a = 1\n\0b = 2\nc = 3\n".utf8))
    #expect(
      document.diagnostics(path: "./main.cf").map(\.message) == [
        "./main.cf, line 2: missing attribute name: \"\""
      ])
  }

  @Test func verticalWhitespaceContinuesAndIsTrimmed() {
    let document = parseRoundTripping("m = 1\n\u{0C}2\n\u{0B}3\nr = a\u{0C}\u{0B}\n")
    #expect(value(document, "m") == "1\u{0C}2\u{0B}3")
    #expect(value(document, "r") == "a")
  }

  @Test func duplicatesLastWinsAndWarnOnlyWhenDifferent() {
    let document = parseRoundTripping(
      "relayhost = a.example\nmydomain = example.com\nrelayhost = b.example\n"
        + "relayhost = b.example\nrelayhost =\n   c.example\nrelayhost = final.example\n")
    #expect(value(document, "relayhost") == "final.example")
    let diagnostics = document.diagnostics(path: "$CONFDIR/main.cf")
    #expect(
      diagnostics.map(\.message) == [
        "$CONFDIR/main.cf, line 3: overriding earlier entry: relayhost=a.example",
        "$CONFDIR/main.cf, line 5: overriding earlier entry: relayhost=b.example",
        "$CONFDIR/main.cf, line 7: overriding earlier entry: relayhost=c.example",
      ])
    #expect(diagnostics.allSatisfy { $0.severity == .warning && $0.file == "$CONFDIR/main.cf" })
    #expect(diagnostics.map(\.line) == [3, 5, 7])
    let parameters = document.parameters
    #expect(parameters.map(\.name) == ["relayhost", "mydomain"])
    #expect(
      parameters.map { String(decoding: $0.value, as: UTF8.self) } == [
        "final.example", "example.com",
      ])
    #expect(parameters.map(\.line) == [7, 2])
    #expect(document.entries.count == 6)
  }

  @Test func definitionsListEveryEntryOfOneNameInFileOrder() {
    let document = parseRoundTripping(
      "relayhost = a.example\nmydomain = example.com\nrelayhost =\n   b.example\n"
        + "# relayhost = commented\nrelayhost = c.example\n")
    let definitions = document.definitions(of: "relayhost")
    #expect(definitions.map(\.line) == [1, 3, 6])
    #expect(definitions.map(\.lines) == [1...1, 3...4, 6...6])
    #expect(
      definitions.map { String(decoding: $0.value, as: UTF8.self) } == [
        "a.example", "b.example", "c.example",
      ])
    #expect(definitions == document.entries.filter { $0.name == "relayhost" })
    #expect(document.definitions(of: "mydomain").map(\.line) == [2])
    #expect(document.definitions(of: "myhostname").isEmpty)
  }

  @Test func fatalStopsTheDiagnostics() {
    let document = parseRoundTripping(
      "a = 1\na = 2\nrelayhost\n  a.example\na = 3\n= x\n")
    let diagnostics = document.diagnostics(path: "p")
    #expect(
      diagnostics.map(\.message) == [
        "p, line 2: overriding earlier entry: a=1",
        "p, line 3: missing '=' after attribute name: \"relayhost  a.example\"",
      ])
    #expect(diagnostics.last?.severity == .fatal)
    #expect(diagnostics.last?.line == 3)
    // The document still lists the well-formed entries after the fatal line.
    #expect(value(document, "a") == "3")
  }

  @Test func missingAttributeName() {
    let document = parseRoundTripping("= a.example\n")
    #expect(
      document.diagnostics(path: "f").map(\.message) == [
        "f, line 1: missing attribute name: \"= a.example\""
      ])
    #expect(document.entries.isEmpty)
  }

  @Test func equalsOnAContinuationLine() {
    let document = parseRoundTripping("relayhost\n = x\n")
    #expect(value(document, "relayhost") == "x")
    #expect(document.entries.first?.lines == 1...2)
  }

  @Test func orphanTextWarnsAndIsTruncatedTo30Bytes() {
    let document = parseRoundTripping(
      "  relayhost = a-very-long-host-name.example.com\n    continued\nmydomain = example.com\n")
    let diagnostics = document.diagnostics(path: "$CONFDIR/main.cf")
    #expect(
      diagnostics.map(\.message) == [
        "$CONFDIR/main.cf: logical line must not start with whitespace: \"  relayhost = a-very-long-host...\""
      ])
    #expect(diagnostics.first?.line == 1)
    #expect(value(document, "relayhost") == nil)
    #expect(value(document, "mydomain") == "example.com")
  }

  @Test func orphanQuoteStopsAtNulButEllipsisCountsAllBytes() {
    let document = parseRoundTripping(Array("  abcdefghijklmnopqrstuvwxyz01\0x\nc = 3\n".utf8))
    #expect(
      document.diagnostics(path: "m").map(\.message) == [
        "m: logical line must not start with whitespace: \"  abcdefghijklmnopqrstuvwxyz01...\""
      ])
  }

  @Test func diagnosticsAreSanitised() {
    let document = parseRoundTripping([0xE9, 0x3D, 0x31, 0x0A, 0xE9, 0x3D, 0x09, 0x32, 0x09, 0x33])
    #expect(
      document.diagnostics(path: "m").map(\.message) == ["m, line 2: overriding earlier entry: ?=1"]
    )
    #expect(document.value(ofName: [0xE9]) == [0x32, 0x09, 0x33])
    #expect(document.diagnostics(path: "m").first?.line == 2)
  }

  @Test func emptyValuesAndNoTrailingComments() {
    let document = parseRoundTripping("relayhost =\nmydomain = \t \nr = x # y\n")
    #expect(value(document, "relayhost") == "")
    #expect(value(document, "mydomain") == "")
    #expect(value(document, "r") == "x # y")
  }

  @Test func lastLineWithoutNewlineKeepsItsNumber() {
    let document = parseRoundTripping("a = 1\nb")
    #expect(
      document.diagnostics(path: "m").map(\.message) == [
        "m, line 2: missing '=' after attribute name: \"b\""
      ])
    #expect(document.lineCount == 2)
  }

  @Test func manyEntriesIndexCorrectly() {
    var text = ""
    for number in 0..<5000 { text += "name\(number % 1000) = \(number)\n" }
    let document = parseRoundTripping(text)
    #expect(document.parameters.count == 1000)
    #expect(value(document, "name7") == "4007")
    #expect(document.diagnostics(path: "m").count == 4000)
  }
}

@Suite struct MainCFScalingTests {
  private func seconds(_ body: () -> Void) -> Double {
    let start = ContinuousClock.now
    body()
    let elapsed = ContinuousClock.now - start
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
  }

  @Test func hugeInputsStayLinear() {
    // One entry of 200,000 continuation lines, 200,000 orphan lines, and
    // 200,000 distinct names: each would take minutes if anything were quadratic.
    var continuation = Array("mynetworks = 127.0.0.0/8\n".utf8)
    var orphans: [UInt8] = []
    var names: [UInt8] = []
    for number in 0..<200_000 {
      continuation += Array("    10.\(number % 256).0.0/16\n".utf8)
      orphans += Array("  orphan \(number)\n".utf8)
      names += Array("name\(number) = \(number)\n".utf8)
    }
    var documents: [MainCF] = []
    let elapsed = seconds {
      for input in [continuation, orphans, names] { documents.append(MainCF(bytes: input)) }
    }
    #expect(elapsed < 20)
    #expect(documents[0].entries.first?.lines == 1...200_001)
    #expect(documents[1].entries.isEmpty)
    #expect(documents[1].diagnostics(path: "m").count == 1)
    #expect(documents[2].parameters.count == 200_000)
    #expect(documents[2].value(of: "name199999") == Array("199999".utf8))
  }
}
