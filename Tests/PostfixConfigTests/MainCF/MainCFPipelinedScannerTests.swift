import Testing

@testable import PostfixConfig

/// The scanner on a second thread hands the sink exactly what the plain scan
/// does, in order, and stops where the sink stops.
@Suite struct MainCFPipelinedScannerTests {
  /// What a sink saw of one logical line, with offsets resolved to bytes
  /// (the two scans keep joined text in different buffers).
  struct Seen: Equatable {
    var kind: MainCFLogicalLine.Kind
    var inJoined: Bool
    var lines: ClosedRange<Int>
    var bytes: Range<Int>
    var text: [UInt8]
    var cText: [UInt8]
    var name: [UInt8]
    var value: [UInt8]
    var pieces: [Range<Int>]
    var spansLines: Bool
  }

  /// Records every line, an elided one (``MainCFLogicalLine/textElided``)
  /// resolved through its pieces; stops after `stopAfter` lines when set.
  struct Recorder: MainCFLineSink {
    var seen: [Seen] = []
    /// Per line, whether it came without its joined text.
    var elided: [Bool] = []
    var stopAfter: Int?

    mutating func take(
      _ line: MainCFLogicalLine, file: UnsafeBufferPointer<UInt8>,
      joined: UnsafeBufferPointer<UInt8>, pieces: ArraySlice<Range<Int>>
    ) -> Bool {
      let joinedHere =
        line.textElided ? pieces.flatMap { Array(file[$0]) }.filter { $0 != 0x0A } : []
      joinedHere.withUnsafeBufferPointer { joinedHere in
        let text = line.textElided ? joinedHere : line.inJoined ? joined : file
        let isEntry = line.kind == .entry
        seen.append(
          Seen(
            kind: line.kind, inJoined: line.inJoined, lines: line.firstLine...line.lastLine,
            bytes: line.byteStart..<line.byteEnd,
            text: Array(text[line.textStart..<line.textEnd]),
            cText: Array(text[line.textStart..<line.textCEnd]),
            name: isEntry ? Array(text[line.nameStart..<line.nameEnd]) : [],
            value: isEntry ? Array(text[line.valueStart..<line.valueEnd]) : [],
            pieces: Array(pieces), spansLines: line.spansLines))
      }
      elided.append(line.textElided)
      return stopAfter.map { seen.count < $0 } ?? true
    }
  }

  /// A random main.cf of about `lines` physical lines: entries, continuation
  /// lines, comments and blank lines inside them, orphans, NULs, CRLF,
  /// missing names and `=`, and no final newline at times.
  static func randomFile(_ random: inout SeededGenerator, lines: Int) -> [UInt8] {
    let starts = ["relayhost =", "name=value", "x = $y", " orphan", "= no name", "noequals"]
    let tails = [" a", " b,c", "", " ${z}", "\u{0}nul", " \u{b}", " long value with words"]
    var text = ""
    for _ in 0..<lines {
      switch random.below(10) {
      case 0: text += random.pick(["# comment", "", "   ", "\t#x"])
      case 1, 2: text += random.pick(["  ", "\t"]) + random.pick(tails)
      default: text += random.pick(starts) + random.pick(tails)
      }
      text += random.chance(10) ? "\r\n" : "\n"
    }
    if random.chance(30) { text += "last = no newline" }
    return Array(text.utf8)
  }

  static func plain(_ bytes: [UInt8], stopAfter: Int? = nil) -> [Seen] {
    var recorder = Recorder(stopAfter: stopAfter)
    var scanner = MainCFScanner()
    scanner.keepsJoined = false
    bytes.withUnsafeBufferPointer { scanner.scan($0, into: &recorder) }
    return recorder.seen
  }

  static func pipelined(_ bytes: [UInt8], stopAfter: Int? = nil) -> [Seen] {
    var recorder = Recorder(stopAfter: stopAfter)
    bytes.withUnsafeBufferPointer { MainCFPipelinedScanner.scan($0, into: &recorder) }
    return recorder.seen
  }

  @Test func randomFilesScanAlikeOnBothThreads() {
    var random = SeededGenerator(seed: 0x91_2026)
    for round in 0..<40 {
      // Across batch boundaries: up to several batches of logical lines.
      let size = random.pick([0, 1, 5, 900, 1500, 4000, 9000])
      let bytes = Self.randomFile(&random, lines: size)
      let expected = Self.plain(bytes)
      #expect(Self.pipelined(bytes) == expected, "round \(round), \(size) lines")
    }
  }

  /// The look-ahead's name work reaches the sink twice for every entry: with
  /// the line, and through ``MainCFLineSink/expect(nameWork:)`` before it,
  /// in order, at most ``MainCFPipelinedScanner/nameWorkDistance`` entries
  /// ahead; lines that are no entry carry none.
  @Test func nameWorkIsExpectedBeforeItsLine() {
    struct Sink: MainCFLineSink {
      var pending: [UInt64] = []
      var entries = 0
      var mismatches = 0
      var furthestAhead = 0

      mutating func take(
        _ line: MainCFLogicalLine, file: UnsafeBufferPointer<UInt8>,
        joined: UnsafeBufferPointer<UInt8>, pieces: ArraySlice<Range<Int>>
      ) -> Bool { true }

      mutating func take(
        _ line: MainCFLogicalLine, file: UnsafeBufferPointer<UInt8>,
        joined: UnsafeBufferPointer<UInt8>, pieces: ArraySlice<Range<Int>>,
        ahead: MainCFLookAhead.Result
      ) -> Bool {
        guard line.kind == .entry else {
          if ahead.name != nil { mismatches += 1 }
          return true
        }
        entries += 1
        let name = line.name(file: file, joined: joined, pieces: pieces)
        let work = MainCFPipelinedScannerTests.nameWork(name)
        if ahead.name != work || pending.first != work { mismatches += 1 }
        if !pending.isEmpty { pending.removeFirst() }
        return true
      }

      mutating func expect(nameWork: UInt64) {
        pending.append(nameWork)
        furthestAhead = max(furthestAhead, pending.count)
      }
    }
    var random = SeededGenerator(seed: 0x4A3E)
    for lines in [1, 7, 9, 3_000, 9_000] {
      let bytes = Self.randomFile(&random, lines: lines)
      var sink = Sink()
      let ahead = MainCFLookAhead(minimumLength: 1, work: { _, _ in 0 }, nameWork: Self.nameWork)
      bytes.withUnsafeBufferPointer {
        MainCFPipelinedScanner.scan($0, into: &sink, ahead: ahead, elidesPlainText: true)
      }
      #expect(sink.mismatches == 0, "\(lines) lines")
      #expect(sink.pending.isEmpty)
      #expect(sink.furthestAhead <= MainCFPipelinedScanner.nameWorkDistance + 1)
      #expect(sink.entries == Self.plain(bytes).filter { $0.kind == .entry }.count)
      if lines > 100 { #expect(sink.furthestAhead > 1) }
    }
  }

  /// Name work that tells names apart by their bytes.
  @Sendable static func nameWork(_ name: UnsafeBufferPointer<UInt8>) -> UInt64 {
    name.reduce(UInt64(name.count)) { $0 &* 31 &+ UInt64($1) }
  }

  @Test(arguments: [1, 2, 1023, 1024, 1025, 2048, 3000])
  func stopsWhereTheSinkStops(after count: Int) {
    var random = SeededGenerator(seed: UInt64(count))
    let bytes = Self.randomFile(&random, lines: 8000)
    let all = Self.plain(bytes)
    let seen = Self.pipelined(bytes, stopAfter: count)
    #expect(seen.count == min(count, all.count))
    #expect(seen == Self.plain(bytes, stopAfter: count))
  }

  /// Through postconf: main.cf read on two threads gives the same output,
  /// warnings and fatal error as read on one, wherever the trouble lies.
  @Test(arguments: [nil, "orphan", "overriding", "fatal-early", "fatal-late"])
  func mainCFReadsAlikeOnTwoThreads(trouble: String?) {
    let count = 6_000
    var text = trouble == "orphan" ? "  orphan text first\n" : ""
    text += "mydomain = example.com\nsmtpd_restriction_classes ="
    for index in 0..<count { text += " zz_\(index)" }
    text += "\n"
    for index in 0..<count {
      text += "zz_\(index) = check_client_access,\n  # inside\n  permit, $mydomain\n"
      if index % 1000 == 999 { text += "zz_unused_\(index) = 1\n" }
      if trouble == "overriding" && index % 700 == 0 { text += "zz_\(index / 2) = other\n" }
      if trouble == "fatal-early" && index == 1_500 { text += "= missing name\n" }
    }
    if trouble == "fatal-late" { text += "no equals here\n" }
    let (one, two) = PostconfInternalsTests.listTwice(Array(text.utf8)) {
      $0.pipelinedReadThreshold = 0
    }
    #expect(PostconfInternalsTests.streams(two) == PostconfInternalsTests.streams(one))
    #expect(two.exitStatus == one.exitStatus)
    #expect(one.exitStatus == (trouble?.hasPrefix("fatal") == true ? 1 : 0))
    if trouble == nil { #expect(one.stdout.count > 300_000) }
  }

  /// Values with references of every kind read alike on two threads.
  ///
  /// Simple ones, undefined ones (warned about), escapes, values the engine
  /// must scan (conditionals), continued and long values. Long values (and
  /// with `length` 1, every value) have their references found on the
  /// scanning thread: simple, plain, escapes only, the engine's, over
  /// continuation lines.
  @Test(arguments: [MainSettingsReader.referencesAheadLength, 1])
  func valuesWithReferencesReadAlikeOnTwoThreads(aheadFrom length: Int) {
    var text = "mydomain = example.com\nsmtpd_restriction_classes ="
    let count = 5_000
    for index in 0..<count { text += " zz_\(index)" }
    text += "\n"
    let long = String(repeating: "$mydomain x ", count: 600)
    let plain = String(repeating: "w", count: 2_048)
    let lines = (0..<200).map { "  $undefined_\($0 % 7) ${mydomain}\n" }.joined()
    for index in 0..<count {
      if index % 50 == 49 {
        // Each references a name of its own last (unused if the reference were lost).
        text += "zz_ref_\(index) = x\n"
        switch index / 50 % 5 {
        case 0: text += "zz_\(index) = \(plain)\n"
        case 1: text += "zz_\(index) = \(plain) $$ $$ $zz_ref_\(index)\n"
        case 2: text += "zz_\(index) = \(plain) ${mydomain?{$myhostname}} $zz_ref_\(index)\n"
        case 3: text += "zz_\(index) = \(plain)\n\(lines)  $zz_ref_\(index)\n"
        default: text += "zz_\(index) = $myhostname \(plain) $(mydomain) $zz_ref_\(index)\n"
        }
        continue
      }
      switch index % 7 {
      case 0: text += "zz_\(index) = permit, $mydomain ${myhostname} $(mydomain)\n"
      case 1: text += "zz_\(index) = $undefined_\(index % 13) $$literal\n"
      case 2: text += "zz_\(index) = ${mydomain?{yes}:{no}} $mydomain\n"
      case 3: text += "zz_\(index) = ${myhostname?yes} ${undefined_x:no}\n"
      case 4: text += "zz_\(index) = \(long)\n"
      case 5: text += "zz_\(index) = first\n  $mydomain, $zz_\(index - 1)\n"
      default: text += "zz_unused_\(index) = $mydomain\n"
      }
    }
    let (one, two) = PostconfInternalsTests.listTwice(Array(text.utf8)) {
      $0.pipelinedReadThreshold = 0
      $0.referencesAheadLength = length
    }
    #expect(PostconfInternalsTests.streams(two) == PostconfInternalsTests.streams(one))
    #expect(two.exitStatus == one.exitStatus)
    #expect(one.exitStatus == 0)
    #expect(!one.stderr.isEmpty)
  }
}
