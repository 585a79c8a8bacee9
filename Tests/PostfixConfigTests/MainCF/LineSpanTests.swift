import Testing

@testable import PostfixConfig

/// A continued entry whose lines follow one another is handed over as one
/// span of the file (``MainCFLogicalLine/spansLines``) and kept so by
/// `postconf`'s reader (`.lines`): the span's bytes without their newlines
/// must be the joined text Postfix's `readllines()` makes, and the span is
/// taken only where words read over it are the joined text's words.
@Suite struct LineSpanTests {
  typealias Recorder = MainCFPipelinedScannerTests.Recorder

  /// One logical line as the rules of SPEC §2 make it, line by line.
  struct Reference: Equatable {
    var lines: ClosedRange<Int>
    var text: [UInt8]
    /// Continued, no line skipped inside, each continuation line starting
    /// with a space, TAB or CR.
    var spans: Bool
    /// From the first line's start to the last line's end, newline excluded.
    var range: Range<Int>
  }

  /// Physical lines split at `\n`; blank and comment lines skipped wherever
  /// they are; a line that starts with whitespace continues the open logical
  /// line, appended verbatim.
  static func reference(_ bytes: [UInt8]) -> [Reference] {
    var found: [Reference] = []
    var open: Reference?
    var lastContentLine = 0
    var start = 0
    var number = 0
    while start < bytes.count {
      let end = bytes[start...].firstIndex(of: 0x0A) ?? bytes.count
      number += 1
      let content = Array(bytes[start..<end])
      let isSpace = { (byte: UInt8) in byte == 0x20 || (0x09...0x0D).contains(byte) }
      let firstText = content.firstIndex { !isSpace($0) }
      let skipped = firstText.map { content[$0] == UInt8(ascii: "#") } ?? true
      if !skipped {
        if var line = open, isSpace(content[0]) {
          line.text += content
          line.spans =
            line.spans && lastContentLine == number - 1 && [0x20, 0x09, 0x0D].contains(content[0])
          line.lines = line.lines.lowerBound...number
          line.range = line.range.lowerBound..<end
          open = line
        } else {
          if let line = open { found.append(line) }
          open = Reference(lines: number...number, text: content, spans: true, range: start..<end)
        }
        lastContentLine = number
      }
      start = end + 1
    }
    if let line = open { found.append(line) }
    return found.map { line in
      var line = line
      line.spans = line.spans && line.lines.count > 1
      return line
    }
  }

  /// Files of continued entries whose lines are interrupted, start with
  /// `\v`, `\f` or CR, end in blanks, hold NUL or `$`, or end the file.
  static func randomFile(_ random: inout SeededGenerator, lines: Int) -> [UInt8] {
    let starts = ["relay_domains =", "a=b ", "x = $y", "name", " orphan", "mynetworks =\r"]
    let continuations = [
      "  d1.example.com", "\tb,c  ", "  x\u{0}y", " = late", "\u{b}vt", "\u{c}ff", "\rcr",
      "  # comment", "", "   ", " \u{b}", "  $z", "  last\r",
    ]
    var text = ""
    for _ in 0..<lines {
      text += random.chance(30) ? random.pick(starts) : random.pick(continuations)
      text += random.chance(10) ? "\r\n" : "\n"
    }
    if random.chance(30) { text += "  tail without newline" }
    return Array(text.utf8)
  }

  static func scan(_ bytes: [UInt8], elides: Bool) -> [MainCFPipelinedScannerTests.Seen] {
    var recorder = Recorder()
    var scanner = MainCFScanner()
    scanner.keepsJoined = false
    scanner.elidesPlainText = elides
    bytes.withUnsafeBufferPointer { scanner.scan($0, into: &recorder) }
    return recorder.seen
  }

  @Test func spansAreTheLinesReadllinesJoins() {
    var random = SeededGenerator(seed: 0x5_9A_2026)
    var spans = 0
    var interrupted = 0
    for round in 0..<400 {
      let bytes = Self.randomFile(&random, lines: random.below(40))
      let expected = Self.reference(bytes)
      for elides in [false, true] {
        let seen = Self.scan(bytes, elides: elides)
        #expect(seen.map(\.lines) == expected.map(\.lines), "round \(round)")
        #expect(seen.map(\.text) == expected.map(\.text), "round \(round)")
        #expect(seen.map(\.spansLines) == expected.map(\.spans), "round \(round)")
        for (line, reference) in zip(seen, expected) {
          // A span comes as one piece over its lines; any other continued
          // line as one piece per line, whose bytes are its text.
          if reference.spans {
            #expect(line.pieces == [reference.range])
          } else {
            #expect(line.pieces.flatMap { bytes[$0] } == reference.text)
          }
        }
      }
      spans += expected.filter(\.spans).count
      interrupted += expected.filter { $0.lines.count > 1 && !$0.spans }.count
    }
    // Both kinds occur often enough for the comparison to mean something.
    #expect(spans > 300 && interrupted > 300)
  }

  /// What `postconf -n` prints and warns for files of spans equals what it
  /// does for the same values on one line each: printed squeezed, warned
  /// about raw (`unused parameter`, `overriding earlier entry`), expanded
  /// with `-x`, walked for tables.
  @Test func spanValuesPrintAsOneLineValues() {
    var random = SeededGenerator(seed: 0x1_1DE5)
    let names = ["relay_domains", "zz_unused", "mydestination", "alias_maps", "zz_other"]
    let words = ["a.example", "b,c", "hash:/etc/x", "mysql:/etc/m.cf", "$myhostname", "x\u{b}y"]
    let blanks = [" ", "\t", "\r", "  \t", "\u{b}", "\u{c} "]
    for round in 0..<150 {
      var spread = "myhostname = mail.example\n"
      var single = spread
      // Some values are long enough to be printed in two parts at once.
      let long = round % 25 == 24
      for _ in 0..<random.below(6) {
        let name = random.pick(names)
        let first = random.chance(30) ? "" : " " + random.pick(words)
        spread += name + " =" + first
        single += name + " =" + first
        for _ in 0..<(long ? 30_000 : 1 + random.below(4)) {
          let blank = random.pick(blanks)
          let word = random.pick(words)
          let trailing = random.chance(30) ? random.pick(blanks) : ""
          spread += trailing + "\n" + blank + word
          single += trailing + blank + word
        }
        spread += "\n"
        single += "\n"
      }
      for arguments in [["-n"], ["-nx"]] {
        let one = Self.run(single, arguments, twoThreads: false)
        for twoThreads in [false, true] {
          let many = Self.run(spread, arguments, twoThreads: twoThreads)
          let context = "round \(round), \(twoThreads)"
          #expect(many.stdout == one.stdout, "\(context): \(spread.prefix(300).debugDescription)")
          // Warnings name lines: the spread file's differ, their texts do not.
          #expect(
            Self.withoutLines(many.stderr) == Self.withoutLines(one.stderr),
            "\(context): \(spread.prefix(300).debugDescription)")
        }
      }
    }
  }

  /// `postconf` over `mainCF` on one thread, or with the file read and the
  /// listing printed on two whatever their size.
  static func run(_ mainCF: String, _ arguments: [String], twoThreads: Bool) -> PostconfOutcome {
    let inputs = PostconfInternalsTests.inputs(mainCF: Array(mainCF.utf8))
    guard
      case .success(let options) = PostconfOptions.parse(
        arguments.map { Array($0.utf8) }, programName: "postconf")
    else {
      Issue.record("options")
      return PostconfOutcome()
    }
    var session = PostconfSession(options: options, inputs: inputs)
    session.parallelListingThreshold = twoThreads ? 0 : .max
    session.pipelinedReadThreshold = twoThreads ? 0 : .max
    session.execute()
    return session.finish()
  }

  /// The eight-byte helpers behind a span's joined text count and drop
  /// exactly the newlines a byte loop does, next to bytes that differ from a
  /// newline in one bit, at every alignment and length.
  @Test func newlinesAreCountedAndDroppedAsByBytes() {
    var random = SeededGenerator(seed: 0x0A0A)
    let alphabet: [UInt8] = [0x0A, 0x0A, 0x0B, 0x08, 0x8A, 0x09, 0x2A, 0x00, 0xFF, 0x20, 0x61]
    for _ in 0..<3_000 {
      let bytes = (0..<random.below(70)).map { _ in random.pick(alphabet) }
      let skip = min(random.below(8), bytes.count)
      bytes.withUnsafeBufferPointer { whole in
        let part = UnsafeBufferPointer(rebasing: whole[skip...])
        let expected = Array(part.filter { $0 != 0x0A })
        #expect(MainCFLexing.countNewlines(in: part) == part.count - expected.count)
        var out: [UInt8] = [0x7E]
        MainCFLexing.appendLines(of: part, to: &out)
        #expect(out == [0x7E] + expected)
      }
    }
  }

  /// Two blocks whose bytes equal a newline are flagged byte by byte, with no
  /// flag carried into the next byte (as counting them needs).
  @Test func exactlyEqualFlagsEachEqualByte() {
    var random = SeededGenerator(seed: 8)
    for _ in 0..<5_000 {
      let bytes = (0..<8).map { _ in random.pick([0x0A, 0x0B, 0x09, 0x8A, 0x00, 0xFF] as [UInt8]) }
      let block = bytes.withUnsafeBufferPointer { ByteBlock.load($0.baseAddress!) }
      var expected: UInt64 = 0
      for (index, byte) in bytes.enumerated() where byte == 0x0A {
        expected |= 0x80 << UInt64(index * 8)
      }
      #expect(ByteBlock.exactlyEqual(block, 0x0A) == expected)
    }
  }

  static func withoutLines(_ stderr: [UInt8]) -> String {
    String(decoding: stderr, as: UTF8.self).replacing(/line \d+/, with: "line N")
  }
}
