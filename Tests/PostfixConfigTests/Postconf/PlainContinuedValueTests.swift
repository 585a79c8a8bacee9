import Synchronization
import Testing

@testable import PostfixConfig

/// Continued main.cf values without `$` are read, walked for tables and
/// printed from their lines in the file, never joined: each shortcut gives
/// what the joined value gives, and falls back to joining where it cannot.
@Suite struct PlainContinuedValueTests {
  typealias Recorder = MainCFPipelinedScannerTests.Recorder

  /// A random main.cf rich in continued entries: `$`, NUL, `=` on a later
  /// line, comment and blank lines inside, lines that start with `\v`, CRLF.
  static func randomFile(_ random: inout SeededGenerator, lines: Int) -> [UInt8] {
    let starts = ["relay_domains =", "a=b", "x = $y", "name", " orphan", "= none", "mynetworks = "]
    let continuations = [
      "  d1.example.com", "\tb,c", "  hash:/etc/x", " $z", " ${q}", "  x\u{0}y", "  = late",
      "\u{b}vt", "  # comment", "", "   ", "  mysql:/etc/m.cf", "  ldap:src,", "  {brace",
    ]
    var text = ""
    for _ in 0..<lines {
      if random.chance(35) {
        text += random.pick(starts)
      } else {
        text += random.pick(continuations)
      }
      text += random.chance(8) ? "\r\n" : "\n"
    }
    return Array(text.utf8)
  }

  static func scan(_ bytes: [UInt8], elides: Bool) -> Recorder {
    var recorder = Recorder()
    var scanner = MainCFScanner()
    scanner.keepsJoined = false
    scanner.elidesPlainText = elides
    bytes.withUnsafeBufferPointer { scanner.scan($0, into: &recorder) }
    return recorder
  }

  /// An elided line resolves through its pieces to what the joined scan
  /// gives; only continued entries whose text has no `$` and no NUL, and
  /// whose `=` is on the first line, are elided.
  @Test func elidedLinesReadAsJoinedOnes() {
    var random = SeededGenerator(seed: 0x5EED_2026)
    var elidedCount = 0
    for round in 0..<300 {
      let bytes = Self.randomFile(&random, lines: random.below(60))
      let joined = Self.scan(bytes, elides: false)
      let elided = Self.scan(bytes, elides: true)
      #expect(elided.seen == joined.seen, "round \(round)")
      #expect(!joined.elided.contains(true))
      for (index, line) in elided.seen.enumerated() where elided.elided[index] {
        elidedCount += 1
        #expect(line.kind == .entry && line.inJoined)
        #expect(line.spansLines ? line.pieces.count == 1 : line.pieces.count > 1)
        #expect(!line.text.contains(0x24) && !line.text.contains(0))
        #expect(line.pieces.first.map { Array(bytes[$0]).contains(0x3D) } == true)
      }
    }
    // The shortcut is taken often enough for the comparison to mean something.
    #expect(elidedCount > 100)
  }

  /// The same on the scanning thread, where elided lines are neither
  /// copied nor scanned ahead.
  @Test func elidedLinesReadAlikeOnTwoThreads() {
    var random = SeededGenerator(seed: 77)
    for round in 0..<20 {
      let bytes = Self.randomFile(&random, lines: random.pick([10, 2_000, 9_000]))
      var recorder = Recorder()
      bytes.withUnsafeBufferPointer {
        MainCFPipelinedScanner.scan(
          $0, into: &recorder, ahead: MainSettingsReader.referencesAhead, elidesPlainText: true)
      }
      #expect(recorder.seen == Self.scan(bytes, elides: false).seen, "round \(round)")
      #expect(recorder.elided == Self.scan(bytes, elides: true).elided)
    }
  }

  /// An elided line's text counts toward the batch's size as copied text
  /// does: a few long values travel one batch at a time, so the reading
  /// thread starts on the first while the next is scanned.
  @Test func elidedTextFillsBatchesAsCopiedTextDoes() {
    let queue = MainCFPipelinedScanner.BatchQueue(capacity: 8)
    var batcher = MainCFPipelinedScanner.Batcher(queue: queue, ahead: nil)
    let size = MainCFPipelinedScanner.batchJoinedBytes / 2 + 1
    var line = MainCFLogicalLine(
      kind: .entry, inJoined: true, firstLine: 1, lastLine: 2, byteStart: 0, byteEnd: 0,
      textStart: 0, textEnd: size, textCEnd: size, nameStart: 0, nameEnd: 1, valueStart: 2,
      valueEnd: size)
    line.textElided = true
    let empty = UnsafeBufferPointer<UInt8>(start: nil, count: 0)
    let first = batcher.take(line, file: empty, joined: empty, pieces: [0..<1, 2..<3])
    #expect(first && queue.backlog == 0)
    let second = batcher.take(line, file: empty, joined: empty, pieces: [0..<1, 2..<3])
    #expect(second && queue.backlog == 1)
    let batch = queue.next()
    #expect(batch?.lines.count == 2)
    #expect(batch?.joined.isEmpty == true)
    #expect(batch?.pieces.count == 4)
    batcher.finish()
  }

  /// The table walk over a value's lines in the file reports what the walk
  /// of the joined value reports, and declines (reporting nothing) where
  /// the lines differ from it: a brace, a line between the pieces, a piece
  /// that starts with `\v`.
  @Test func tablesAreWalkedWhereTheValueLies() {
    var random = SeededGenerator(seed: 4_404)
    let words = [
      "hash:/etc/x", "mysql:/etc/m.cf", "proxy:ldap:src", "ldap:.hidden", "pgsql:db", "permit",
      "a:b:c", "{mysql:/x}", "sqlite:/s", ",", "d.example.com",
    ]
    var walked = 0
    var declined = 0
    for round in 0..<500 {
      // Lines of words; each line after the first starts with a separator
      // unless it starts with `\v`, and a comment line may sit between two.
      var file: [UInt8] = Array("relay_domains = ".utf8)
      var pieces: [Range<UInt32>] = []
      var joined: [UInt8] = []
      for index in 0..<(1 + random.below(6)) {
        var line = index == 0 ? "" : random.pick(["  ", "\t", ",", "\u{b}", " , "])
        for _ in 0..<(1 + random.below(3)) { line += random.pick(words) + random.pick([" ", ","]) }
        line += random.pick(words)
        if index > 0 && random.chance(10) { file += Array("# between\n".utf8) }
        let start = UInt32(file.count)
        file += Array(line.utf8)
        pieces.append(start..<UInt32(file.count))
        joined += Array(line.utf8)
        file.append(0x0A)
      }
      let wanted: LegacyDatabase.TypeFilter = { !$0.elementsEqual("hash".utf8) }
      var expected: [LegacyDatabase.Event] = []
      LegacyDatabase.forEachEvent(in: joined, types: wanted) { expected.append($0) }
      var events: [LegacyDatabase.Event] = []
      let done = file.withUnsafeBufferPointer { source in
        pieces.withUnsafeBufferPointer { pieces in
          LegacyDatabase.forEachEvent(inPieces: pieces, of: source, types: wanted) {
            events.append($0)
          }
        }
      }
      let text = String(decoding: file, as: UTF8.self)
      let mustDecline =
        joined.contains(UInt8(ascii: "{")) || text.contains("# between")
        || text.contains("\n\u{b}")
      #expect(done == !mustDecline, "round \(round): \(text)")
      if done {
        walked += 1
        #expect(events == expected, "round \(round): \(text)")
      } else {
        declined += 1
        #expect(events.isEmpty)
      }
    }
    #expect(walked > 100 && declined > 100)
  }

  /// Through postconf: a long list value over continuation lines prints and
  /// warns as the same value on one line does (read, table walk and printing
  /// all take their shortcuts for the first and the plain paths for the
  /// second), on one thread and on two.
  @Test(arguments: [false, true])
  func continuedListValueReadsAsItsOneLineForm(twoThreads: Bool) {
    var lines: [String] = []
    for index in 0..<20_000 {
      switch index % 500 {
      case 7: lines.append("mysql:/etc/postfix/m\(index % 3).cf")
      case 8: lines.append("proxy:ldap:src\(index / 500 % 2)")
      default: lines.append("hash:/etc/postfix/t\(index), d\(index).example.com")
      }
    }
    let tail = "src0_server_host = h\nsrc1_search_base = dc=x\nzz_unused = 1\n"
    let continued = "relay_domains =\n    " + lines.joined(separator: "\n    ") + "\n" + tail
    let oneLine = "relay_domains = " + lines.joined(separator: " ") + "\n" + tail
    let opened = Mutex<[String]>([])
    func run(_ text: String) -> PostconfOutcome {
      var inputs = PostconfInternalsTests.inputs(mainCF: Array(text.utf8))
      inputs.databaseClientFileReader = { path in
        opened.withLock { $0.append(String(decoding: path, as: UTF8.self)) }
        return .cannotOpen(errno: 2, reason: "No such file or directory")
      }
      var options = PostconfOptions()
      options.mode = [.mainParameters, .nonDefault]
      var session = PostconfSession(options: options, inputs: inputs)
      session.pipelinedReadThreshold = twoThreads ? 0 : .max
      session.execute()
      return session.finish()
    }
    let one = run(oneLine)
    let openedByOne = opened.withLock { $0 }
    opened.withLock { $0 = [] }
    let many = run(continued)
    let openedByMany = opened.withLock { $0 }
    #expect(openedByMany == openedByOne)
    #expect(openedByOne == ["/etc/postfix/m1.cf", "/etc/postfix/m0.cf", "/etc/postfix/m2.cf"])
    #expect(PostconfInternalsTests.streams(many) == PostconfInternalsTests.streams(one))
    #expect(many.exitStatus == one.exitStatus)
    let stderr = String(decoding: one.stderr, as: UTF8.self)
    #expect(stderr.contains("unused parameter: zz_unused=1"))
    #expect(!stderr.contains("src0_server_host") && !stderr.contains("src1_search_base"))
  }
}
