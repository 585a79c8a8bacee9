import Foundation
import Testing

@testable import PostfixConfig

/// A long master.cf is read in two halves at once; the document must be the
/// one a single pass reads, whatever falls at the cut.
@Suite struct MasterCFHalvesTests {
  // Entries of every kind: continuation lines with comments and blank lines
  // inside, braces over several lines, bad field counts, brace warnings, a
  // NUL byte, CRLF, indented comments.
  static let pieces = [
    "smtp      inet  n       -       y       -       -       smtpd\n",
    "submission inet n       -       y       -       -       smtpd\n  -o syslog_name=postfix/submission\n#  -o smtpd_tls_security_level=encrypt\n\n  -o smtpd_sasl_auth_enable=yes\n",
    "relay unix - - n - - smtp -o { a = b\n  c } -o\n    smtp_helo_timeout=5\n",
    "bad unix - - n\n",
    "broken unix - - n - - smtp -o {x}y -o { =z }\n",
    "nul unix - - n - - pipe\u{0}argv=/bin/true\n",
    "crlf unix - - n - - smtp\r\n  -o a=b\r\n",
    "   # indented comment\n",
    "\n",
    "retry unix - - n - - error\n",
  ]

  static func document(size: Int, seed: UInt64) -> [UInt8] {
    var generator = SeededGenerator(seed: seed)
    // Text before the first entry: orphans, kept in the first half.
    var text = "  orphan text\n# comment\n"
    var index = 0
    while text.utf8.count < size {
      text += generator.pick(pieces).replacingOccurrences(of: "relay", with: "relay\(index)")
      index += 1
    }
    return Array(text.utf8)
  }

  static func singlePass(_ bytes: [UInt8]) -> (
    lines: [MasterCF.Line], entries: [MasterCF.Entry], orphans: [MasterCF.Orphan]
  ) {
    let lines = MasterCF.splitLines(bytes)
    var entries: [MasterCF.Entry] = []
    var orphans: [MasterCF.Orphan] = []
    MasterCF.group(lines: lines, bytes: bytes, entries: &entries, orphans: &orphans)
    return (lines, entries, orphans)
  }

  /// `-M` in pieces, formatted block by block on two threads, prints what
  /// the one-piece listing prints.
  @Test(arguments: [false, true])
  func piecesPrintWhatOnePiecePrints(fold: Bool) {
    // Without the entry of a bad field count, which ends the command
    // before anything is printed.
    let bytes = Self.document(size: 300_000, seed: 9).split(
      separator: 0x0A, omittingEmptySubsequences: false
    ).filter { !$0.elementsEqual("bad unix - - n".utf8) }.joined(separator: [0x0A])
    let document = MasterCF(bytes: Array(bytes))
    #expect(document.entries.allSatisfy(\.isValid) && document.entries.count > 2_000)
    var pieces: [[UInt8]] = []
    document.printEntries(fold: fold, pieceSize: 1 << 12) { pieces.append($0) }
    #expect(pieces.count > 20)
    #expect(Array(pieces.joined()) == document.printEntries(fold: fold).output)
  }

  @Test(arguments: [1 as UInt64, 2, 3])
  func halvesReadWhatOnePassReads(seed: UInt64) throws {
    let bytes = Self.document(size: MasterCF.halvesThreshold + 50_000, seed: seed)
    let split = try #require(MasterCF.halfway(bytes))
    #expect(split >= bytes.count / 2 && split < bytes.count)
    #expect(split == 0 || bytes[split - 1] == 0x0A)
    let halves = MasterCF(bytes: bytes)
    let single = Self.singlePass(bytes)
    #expect(halves.serialized() == bytes)
    #expect(Array(halves.lines) == single.lines)
    #expect(halves.orphans == single.orphans)
    #expect(halves.entries.count == single.entries.count)
    for (left, right) in zip(halves.entries, single.entries) {
      #expect(left == right)
      #expect(left.lastLine == right.lastLine)
      #expect(left.arguments == right.arguments)
      #expect(left.isValid == right.isValid)
      #expect(left.warningTexts == right.warningTexts)
      #expect(left.overrides == right.overrides)
    }
  }

  @Test func theCutIsAtTheFirstEntryAfterTheMiddle() throws {
    // One entry whose continuation lines and comments run past the middle:
    // the cut is at the next entry, not inside it.
    let head = Array("first inet n - n - - smtpd\n".utf8)
    var long = head
    while long.count < MasterCF.halvesThreshold {
      long += Array("  -o a=b\n# note\n\n".utf8)
    }
    let tail = Array("second unix - - n - - smtp\n".utf8)
    let bytes = long + tail
    #expect(MasterCF.halfway(bytes) == long.count)
    #expect(
      MasterCF(bytes: bytes).entries.map(\.firstLine)
        == Self.singlePass(bytes).entries.map(\.firstLine))
    // Nothing starts an entry after the middle: one pass.
    #expect(MasterCF.halfway(long) == nil)
    #expect(MasterCF.halfway(Array(bytes.prefix(1000))) == nil)
  }
}
