import Foundation
import Testing

@testable import PostfixConfig

/// Library-level replay of the `edit_*` vectors.
@Suite struct MainCFEditVectorTests {
  static let path = "$CONFDIR/main.cf"

  /// One postconf invocation of a vector: the mode and the arguments.
  struct Step: Sendable, CustomStringConvertible {
    var mode: MainCFEdit.Mode
    var arguments: [String]
    var description: String { "\(mode) \(arguments)" }
  }

  static func set(_ arguments: String...) -> [Step] { [Step(mode: .set, arguments: arguments)] }
  static func remove(_ arguments: String...) -> [Step] {
    [Step(mode: .remove, arguments: arguments)]
  }
  static func commentOut(_ arguments: String...) -> [Step] {
    [Step(mode: .commentOut, arguments: arguments)]
  }

  /// The edit each vector's command line performs (transcribed from `command.txt`).
  static let cases: [String: [Step]] = [
    "edit_X_absent": remove("myorigin"),
    "edit_X_blank_name": remove(""),
    "edit_X_continuation": remove("mynetworks"),
    "edit_X_duplicates": remove("relayhost"),
    "edit_X_multiple": remove("relayhost", "mydomain"),
    "edit_X_no_final_newline": remove("relayhost"),
    "edit_X_simple": remove("relayhost"),
    "edit_X_with_value": remove("relayhost=x"),
    "edit_e_append_new": set("myorigin=$mydomain"),
    "edit_e_append_several_new_order": set("zz1=1", "zz2=2", "zz3=3", "zz4=4", "zz5=5"),
    "edit_e_comment_arg": set("#relayhost=x") + set("   relayhost=x"),
    "edit_e_commented_out_not_matched": set("relayhost=new.example"),
    "edit_e_continuation_replaced": set("mynetworks=10.0.0.0/8"),
    "edit_e_crlf": set("relayhost=new.example", "myorigin=example.net"),
    "edit_e_crlf_continuation": set("mynetworks=10.0.0.0/8"),
    "edit_e_duplicate_names": set("relayhost=z.example"),
    "edit_e_empty_value": set("relayhost="),
    "edit_e_file_mode": set("relayhost=x"),
    "edit_e_file_symlink": set("relayhost=x"),
    "edit_e_implicit": set("relayhost=new.example"),
    "edit_e_key_match_rules": set("relayhost=new.example"),
    "edit_e_leading_equals": set("=x"),
    "edit_e_missing_equals": set("relayhost"),
    "edit_e_multiline_arg": set("relayhost=a\nmydomain=b"),
    "edit_e_multiple_existing": set("relayhost=r.example", "mydomain=d.example"),
    "edit_e_no_args": [Step(mode: .set, arguments: [])],
    "edit_e_no_final_newline_append": set("myorigin=example.net"),
    "edit_e_no_final_newline_comment": set("myorigin=example.net"),
    "edit_e_no_final_newline_replace": set("relayhost=new.example"),
    "edit_e_no_validation": set("relayhost=x"),
    "edit_e_nul_byte": set("relayhost=z"),
    "edit_e_odd_name": set("foo-bar.baz=1"),
    "edit_e_orphan_continuation": set("relayhost=new.example"),
    "edit_e_preserves_other_bytes": set("mydomain=new.example"),
    "edit_e_replace_nospace": set("relayhost=new.example"),
    "edit_e_replace_simple": set("relayhost=new.example"),
    "edit_e_same_name_twice": set("relayhost=a.example", "relayhost=b.example"),
    "edit_e_space_in_name": set("relay host=x"),
    "edit_e_value_hash_and_dollar": set("smtpd_banner=$myhostname # \"x\" $$"),
    "edit_e_value_spaces": set("smtpd_banner =   $myhostname    ESMTP   $mail_name  "),
    "edit_hash_already_commented": commentOut("relayhost"),
    "edit_hash_continuation": commentOut("mynetworks"),
    "edit_hash_duplicates_crlf_nonl": commentOut("relayhost"),
    "edit_hash_simple": commentOut("relayhost"),
    "edit_hash_with_value": commentOut("relayhost=x"),
  ]

  /// Vectors that are not a library-level edit, and why.
  static let notLibraryLevel: [String: String] = [
    "edit_X_same_name_twice_segfault": "postconf crashes; covered by repeatedNameIsDeduplicated",
    "edit_e_append_several_new_random": "random order without NORANDOMIZE",
    "edit_e_implicit_first_arg_only": "a lookup, not an edit (command-line parsing)",
    "edit_e_missing_file": "file layer: the edit needs a file",
    "edit_options_exclusive": "option parsing (-e -X together)",
  ]

  @Test func everyEditVectorIsCovered() {
    let names = Set(MainCFFixtures.vectorNames(prefix: "edit_"))
    #expect(names.count == 50)
    #expect(names == Set(Self.cases.keys).union(Self.notLibraryLevel.keys))
  }

  @Test(arguments: cases.keys.sorted())
  func editVector(_ name: String) throws {
    let steps = try #require(Self.cases[name])
    var document = parseRoundTripping(try MainCFFixtures.vectorBytes(name, "main.cf"))
    var stderr: [String] = []
    for step in steps {
      do {
        let edit = try MainCFEdit.parse(
          mode: step.mode, arguments: step.arguments.map { Array($0.utf8) })
        stderr += edit.warnings.map { "postconf: warning: \($0.message)" }
        let result = document.applying(edit, path: Self.path)
        stderr += result.warnings.map { "postconf: warning: \($0.message)" }
        #expect(result.warnings.allSatisfy { $0.file == Self.path })
        document = parseRoundTripping(result.document.serialized())
      } catch let error as PostfixConfigError {
        #expect(error.code == .invalidEdit)
        stderr.append("postconf: fatal: \(error.reason)")
      }
    }
    let expectedStderr = MainCFFixtures.lines(
      try MainCFFixtures.vectorBytes(name, "expected-stderr.txt")
    )
    .map(MainCFFixtures.text)
    #expect(stderr == expectedStderr)
    let expectedAfter = try MainCFFixtures.vectorBytes(name, "expected-main.cf-after")
    #expect(
      document.serialized() == expectedAfter,
      "\(MainCFFixtures.text(document.serialized()).debugDescription)")
  }

  @Test func commentedAppendIsLostForReaders() throws {
    let after = parseRoundTripping(
      try MainCFFixtures.vectorBytes("edit_e_no_final_newline_comment", "expected-main.cf-after"))
    #expect(after.value(of: "myorigin") == nil)
    #expect(after.value(of: "mydomain") == Array("example.com".utf8))
  }

  @Test func repeatedNameIsDeduplicated() throws {
    // postconf 3.7.11 segfaults on `-X relayhost relayhost`; the library removes it once.
    let input = try MainCFFixtures.vectorBytes("edit_X_same_name_twice_segfault", "main.cf")
    for mode in [MainCFEdit.Mode.remove, .commentOut] {
      let edit = try MainCFEdit.parse(
        mode: mode, arguments: [Array("relayhost".utf8), Array(" relayhost".utf8)])
      #expect(edit.requests.map(\.name) == [Array("relayhost".utf8)])
      #expect(edit.warnings.isEmpty)
      let result = parseRoundTripping(input).applying(edit, path: Self.path)
      #expect(result.warnings.isEmpty)
      let expected =
        mode == .remove
        ? "# head comment\nmydomain = example.com\n"
        : "# head comment\n#relayhost = old.example\nmydomain = example.com\n"
      #expect(result.document.serialized() == Array(expected.utf8))
    }
  }
}
