import Foundation
import Testing

/// Replays every postconf 3.7.11 vector against pfharden invoked as `postconf`.
///
/// Each vector's command line runs in bash with a `postconf` symlink to the
/// pfharden binary first on PATH; stdout, stderr, exit status and the files
/// after an edit must equal what real postconf produced. Vectors listed in
/// ``deviations`` are documented differences (docs/postconf.md): they must
/// still differ, so a fixed deviation shows up as a failure to update the list.
@Suite struct PostconfVectorTests {
  static let deviations: [String: String] = [
    "edit_e_append_several_new_random":
      "postconf's order is random per run; ours is its NORANDOMIZE=1 order",
    "lex_hot_file_reread": "postconf re-reads a file touched within a second; we read once",
    "edit_X_same_name_twice_segfault": "postconf crashes; we treat the repeated name once",
    "m_attached_o_bug": "postconf splits -oNAME=VALUE again at every later 'o'; we split once",
    "m_attached_o_bug_edit": "postconf writes the mis-split options back; we write them right",
    "m_first_arg_brace_bug": "postconf drops the braces of the first non-option argument",
    "m_first_arg_brace_bug_edit": "postconf writes the unbraced argument back; we keep the braces",
    "m_brace_edge": "the first non-option argument keeps its braces",
  ]

  /// Vectors whose command line runs /usr/sbin/postconf itself or compares
  /// with a file of the installed Postfix.
  static let needInstalledPostfix: Set<String> = [
    "host_process_name_id", "m_M_hash_then_X_comment_untouched",
  ]

  static var runnable: Bool { Vectors.isAvailable || RealPostfix.isRequired }

  @Test(
    .enabled(
      if: runnable, "needs ../shared/postfix-spec/vectors beside the project"),
    arguments: Vectors.names(prefixes: ["lex_", "edit_", "out_", "warn_", "x_", "m_", "host_"]))
  func vector(_ name: String) throws {
    let binary = try #require(Vectors.pfhardenBinary, "pfharden binary not built")
    if name.hasPrefix("host_") && getuid() != 0 {
      return  // these use unshare, which needs root
    }
    if Self.needInstalledPostfix.contains(name) && !RealPostfix.isInstalled {
      return  // the command itself runs the installed postconf or reads its files
    }
    let mismatches = try Vectors.replay(name, postconf: binary)
    if let reason = Self.deviations[name] {
      withKnownIssue(Comment(rawValue: reason)) {
        for mismatch in mismatches { Issue.record(Comment(rawValue: mismatch.description)) }
      }
      return
    }
    for mismatch in mismatches {
      Issue.record(Comment(rawValue: "\(name): \(mismatch)"))
    }
  }

  @Test func vectorsArePresentWhenRequired() throws {
    if RealPostfix.isRequired {
      #expect(Vectors.isAvailable, "vectors missing at \(Vectors.directory.path)")
    }
  }
}
