import Testing

@testable import PostfixConfig

private func b(_ text: String) -> [UInt8] { Array(text.utf8) }
private func s(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

/// Pins the arguments that normalisation rewrites.
///
/// Arguments are kept as ranges of their entry's text unless normalisation
/// rewrites their bytes. These pin the cases where it does (an attached
/// `-oNAME=VALUE`, `-vo` bundles, braces with blanks, malformed braces, a NUL
/// byte, `--`) to what the parser gave when each argument was its own array.
@Suite struct MasterCFArgumentStorageTests {
  static let edge: [UInt8] =
    b("smtp inet n - n - - smtpd -o { a = b\n") + b("sub inet n - n - - smtpd -o a=b") + [0]
    + b(" -o c=d\n  -o e=f\n") + b("relay unix - - n - - smtp -vo x=1 -o\n")
    + b("r2 unix - - n - - smtp -o { n = v }x -- -o y=z {a b} c\n")
    + b("r3 unix - - n - - smtp { a b  } -o late=1\n")
    + b("r4 unix - - n - - smtp -oa=b -o {  x  =  y  } -o { =bad } -o {b}\n")

  static let braceWarnings = [
    "master.cf: missing '}' in \"{ a = b\"",
    "master.cf: syntax error after '}' in \"{ n = v }x\"",
    "master.cf: missing attribute name: \"=bad\"",
    "master.cf: missing '=' after attribute name: \"b\"",
  ]

  @Test func rewrittenArgumentsAndOverrides() {
    let document = MasterCF(bytes: Self.edge)
    #expect(document.serialized() == Self.edge)
    let fields = ["-", "-", "n", "-", "-"]
    #expect(
      document.entries.map { $0.arguments.map(s) } == [
        ["smtp", "inet", "n", "-", "n", "-", "-", "smtpd", "-o", "a=b"],
        ["sub", "inet", "n", "-", "n", "-", "-", "smtpd", "-o", "a=b"],
        ["relay", "unix"] + fields + ["smtp", "-v", "-o", "x=1", "-o"],
        ["r2", "unix"] + fields + ["smtp", "-o", "n=v", "--", "-o", "y=z", "a b", "c"],
        ["r3", "unix"] + fields + ["smtp", "a b", "-o", "late=1"],
        ["r4", "unix"] + fields + ["smtp", "-o", "a=b", "-o", "x=y", "-o", "=bad", "-o", "b"],
      ])
    #expect(
      document.entries.map { $0.overrides.map { "\(s($0.name))=\(s($0.value))@\($0.line)" } } == [
        ["a=b@1"], ["a=b@2"], ["x=1@4"], ["n=v@5"], [], ["a=b@7", "x=y@7"],
      ])
    #expect(document.entries[1].text == b("sub inet n - n - - smtpd -o a=b"))
    #expect(
      document.entries[4].tokens.map(s) == ["r3", "unix"] + fields + [
        "smtp", "{ a b  }", "-o", "late=1",
      ])
    #expect(
      document.entries.map { $0.command.map(s) } == Array(repeating: "smtpd", count: 2)
        + Array(repeating: "smtp", count: 4))
    #expect(document.diagnostics().map(\.message) == Self.braceWarnings)
  }

  @Test func listingsOfRewrittenArguments() {
    let document = MasterCF(bytes: Self.edge)
    let pad = "  -       -       n       -       -       smtp"
    #expect(
      s(document.printEntries().output)
        == "smtp       inet  n       -       n       -       -       smtpd -o a=b\n"
        + "sub        inet  n       -       n       -       -       smtpd -o a=b\n"
        + "relay      unix\(pad) -v -o x=1 -o\n"
        + "r2         unix\(pad) -o n=v -- -o y=z {a b} c\n"
        + "r3         unix\(pad) {a b} -o late=1\n"
        + "r4         unix\(pad) -o a=b -o x=y -o =bad -o b\n")
    #expect(
      s(document.printEntries(fold: true).output)
        == "smtp       inet  n       -       n       -       -       smtpd\n    -o a=b\n"
        + "sub        inet  n       -       n       -       -       smtpd\n    -o a=b\n"
        + "relay      unix\(pad) -v\n    -o x=1\n    -o\n"
        + "r2         unix\(pad)\n    -o n=v\n    -- -o y=z {a b} c\n"
        + "r3         unix\(pad) {a b} -o late=1\n"
        + "r4         unix\(pad)\n    -o a=b\n    -o x=y\n    -o =bad\n    -o b\n")
    #expect(
      s(document.printParameters().output)
        == "smtp/inet/a = b\nsub/inet/a = b\nrelay/unix/x = 1\nr2/unix/n = v\n"
        + "r4/unix/a = b\nr4/unix/x = y\n")
    #expect(document.printParameters().diagnostics.map(\.message) == Self.braceWarnings)
  }

  @Test func editsOfRewrittenArguments() {
    let document = MasterCF(bytes: Self.edge)
    let rest =
      "relay unix - - n - - smtp -vo x=1 -o\nr2 unix - - n - - smtp -o { n = v }x -- -o y=z {a b} c\n"
      + "r3 unix - - n - - smtp { a b  } -o late=1\n"
      + "r4 unix - - n - - smtp -oa=b -o {  x  =  y  } -o { =bad } -o {b}\n"
    let parameter = document.edited(
      .setParameter, requests: [b("smtp/inet/a=new"), b("sub/inet/name=v2")])
    #expect(
      s(parameter.document.serialized())
        == "smtp       inet  n       -       n       -       -       smtpd\n    -o a=new\n"
        + "sub        inet  n       -       n       -       -       smtpd\n    -o a=b\n"
        + "    -o e=f\n    -o name=v2\n" + rest)
    #expect(parameter.diagnostics.map(\.message) == ["master.cf: missing '}' in \"{ a = b?\""])
    let command = document.edited(
      .setField, requests: [b("smtp/inet/command=pipe -o x=y {a b} -vo z=1")])
    #expect(
      s(command.document.serialized())
        == "smtp       inet  n       -       n       -       -       pipe\n    -o x=y\n"
        + "    {a b} -vo z=1\nsub inet n - n - - smtpd -o a=b  -o e=f\n" + rest)
  }

  @Test func bracesAcrossLines() {
    let document = MasterCF(
      bytes: b("smtp inet n - n - - smtpd -o {\n  a = b }\n  -o c=d {x\n#c\n  y} -o e=f\n"))
    let entry = document.entries[0]
    #expect(s(entry.text) == "smtp inet n - n - - smtpd -o {  a = b }  -o c=d {x  y} -o e=f")
    #expect(
      entry.arguments.map(s) == [
        "smtp", "inet", "n", "-", "n", "-", "-", "smtpd", "-o", "a=b", "-o", "c=d", "x  y", "-o",
        "e=f",
      ])
    #expect(
      entry.overrides.map { "\(s($0.name))=\(s($0.value))@\($0.line)" } == ["a=b@1", "c=d@3"])
    var changed = entry
    changed.text = b("other")
    #expect(changed.text == b("other"))
    #expect(changed.arguments == entry.arguments)
  }

  @Test func repeatedNamesKeepFirstPlaceAndLastValue() {
    var text = "smtp inet n - n - - smtpd"
    for index in 0..<40 { text += "\n  -o p\(index % 23)=v\(index)" }
    text += "\nsmtp inet n - n - - smtpd -o p3=again -o q=1\n"
    let document = MasterCF(bytes: b(text))
    var names = (0..<23).map { "p\($0)" }.sorted() + ["q"]
    var listing = names.map { name -> String in
      let index = Int(name.dropFirst()) ?? 0
      let value = name == "q" ? "1" : name == "p3" ? "again" : "v\(index < 17 ? index + 23 : index)"
      return "smtp/inet/\(name) = \(value)\n"
    }.joined()
    listing += listing
    #expect(s(document.printParameters().output) == listing)
    // Warned about in the order postconf walks the service's dictionary.
    names = PostconfAdapters.hashOrder(
      ((0..<23).map { "p\($0)" } + ["q"]).map { (key: b($0), value: [UInt8]()) }
    ).map { s($0.key) }
    let unused = document.unusedParameterWarnings { _, name in name.count % 2 == 0 }
    let expected = names.filter { $0.count % 2 == 1 }.map { name -> String in
      let index = Int(name.dropFirst()) ?? 0
      let value = name == "q" ? "1" : "v\(index < 17 ? index + 23 : index)"
      return "master.cf: unused parameter: \(name)=\(value)"
    }
    #expect(unused.map(\.message) == expected + expected)
    let overrides = document.overrides(service: b("smtp"), type: b("inet"))
    #expect(overrides.count == 42)
    #expect(overrides.last.map { s($0.name) } == "q")
    let value = document.effectiveValue(of: b("p3"), service: b("smtp"), type: b("inet")) { _ in nil
    }
    #expect(value.map(s) == "again")
  }
}
