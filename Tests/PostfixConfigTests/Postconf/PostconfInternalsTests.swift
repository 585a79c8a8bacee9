import Testing

@testable import PostfixConfig

/// The data structures behind the postconf emulation, checked against plain
/// reference implementations on seeded random input.
@Suite struct PostconfInternalsTests {
  /// A host with a loopback interface (the `mynetworks` default needs one).
  static let host = HostEnvironment(
    hostname: "mail.example.com",
    interfaces: IPAddress("127.0.0.1").map {
      [NetworkInterface(name: "lo", address: $0, prefixLength: 8)]
    } ?? [],
    processID: 1, processName: "postconf")

  /// main.cf in /etc/postfix, no master.cf, ``host``, the embedded catalogue.
  static func inputs(mainCF: [UInt8]) -> PostconfInputs {
    PostconfInputs(
      programName: "postconf", configDirectory: "/etc/postfix", configDirectoryInjected: false,
      mainCF: .contents(mainCF), masterCF: .unreadable("No such file or directory"), host: host,
      catalog: .embedded)
  }

  /// postconf's printer as the plain word loop: words joined by one space.
  static func referenceLine(_ pieces: [[UInt8]]) -> [UInt8] {
    let words = pieces.flatMap { piece in
      piece.split(whereSeparator: { [0x20, 0x09, 0x0D, 0x0A].contains($0) })
    }
    var out: [UInt8] = []
    for (index, word) in words.enumerated() {
      if index > 0 { out.append(0x20) }
      out += word
    }
    return out + [0x0A]
  }

  /// A short value looked up for an expansion is copied into storage of
  /// its own; a long one is not copied (each expansion would copy it).
  @Test func onlyShortValuesAreCopiedForAnExpansion() {
    func address(_ bytes: [UInt8]) -> UnsafeRawPointer? {
      bytes.withUnsafeBytes { $0.baseAddress }
    }
    let limit = ParameterModel.ownCopyLength
    for count in [1, limit / 2, limit] {
      let value = (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }
      let own = ParameterModel.ownCopy(value)
      #expect(own == value)
      #expect(address(own) != address(value), "\(count) bytes")
    }
    let long = [UInt8](repeating: 0x61, count: limit + 1)
    let kept = ParameterModel.ownCopy(long)
    #expect(kept == long)
    #expect(address(kept) == address(long))
    #expect(ParameterModel.ownCopy([]).isEmpty)
  }

  /// A value reference keeps its storage, start and end in eight bytes,
  /// for every storage and the largest start.
  @Test func valueReferencesKeepWhatTheyAreGiven() {
    #expect(MemoryLayout<ParameterModel.ValueRef>.stride == 8)
    let storages: [ParameterModel.ValueRef.Storage] = [.none, .file, .pieces, .lines, .owned]
    for storage in storages {
      for start: UInt32 in [0, 1, 64 << 20, ParameterModel.ValueRef.startMask] {
        for end: UInt32 in [0, 7, .max] {
          let ref = ParameterModel.ValueRef(storage: storage, start: start, end: end)
          #expect(ref.storage == storage && ref.start == start && ref.end == end)
        }
      }
    }
    #expect(ParameterModel.ValueRef().storage == .none)
  }

  @Test func unfoldedPrinterSqueezesSeparatorsLikeTheWordLoop() {
    var random = SeededGenerator(seed: 42)
    let alphabet: [UInt8] = [
      0x20, 0x09, 0x0D, 0x0A, 0x0B, 0x0C, 0x61, 0x62, 0x3D, 0x24, 0xFF, 0x00,
      // Next to `!`, and bytes whose low seven bits are a separator's.
      0x1F, 0x21, 0x80, 0xA0, 0x89, 0x8A, 0x8D,
    ]
    for _ in 0..<3_000 {
      // Names are single words (or empty) mostly; some hold separators, as
      // an operand given on the command line may.
      let spaced = random.below(4) == 0
      let name = (0..<random.below(6)).map { _ in
        spaced
          ? alphabet[random.below(alphabet.count)] : UInt8(ascii: "a") + UInt8(random.below(26))
      }
      // Half the values are mostly word bytes, so that long runs without a
      // separator (copied eight bytes at a time) are common too.
      let wordy = random.below(2) == 0
      let value = (0..<random.below(60)).map { _ in
        wordy && random.below(10) > 0
          ? alphabet[6 + random.below(alphabet.count - 6)] : alphabet[random.below(alphabet.count)]
      }
      var out: [UInt8] = [0x7A]
      LinePrinter.printParameter(
        name: name, value: value, hideName: false, hideValue: false, fold: false, into: &out)
      #expect(out == [0x7A] + Self.referenceLine([name, [0x3D], value]))
      var valueOnly: [UInt8] = []
      LinePrinter.printParameter(
        name: name, value: value, hideName: true, hideValue: false, fold: false, into: &valueOnly)
      #expect(valueOnly == Self.referenceLine([value]))
      var line: [UInt8] = []
      LinePrinter.printLine(value, fold: false, into: &line)
      #expect(line == Self.referenceLine([value]))
    }
  }

  /// Values long enough to be squeezed in two parts at once, cut wherever
  /// the middle falls: in a word, in a run of separators, with nothing but
  /// separators before it or after it.
  @Test func longValuesAreSqueezedInTwoPartsLikeTheWordLoop() {
    var random = SeededGenerator(seed: 61)
    let size = TwoThreads.longValue + 1_000
    func words(_ count: Int) -> [UInt8] {
      (0..<count).map { _ in
        random.below(6) == 0
          ? [0x20, 0x09, 0x0D, 0x0A][random.below(4)] : UInt8(ascii: "a") + UInt8(random.below(26))
      }
    }
    let blanks = { (count: Int) in [UInt8](repeating: 0x20, count: count) }
    let values: [[UInt8]] = [
      words(size),
      blanks(size / 2 + 10) + words(size / 2),
      words(size / 2 - 10) + blanks(size / 2 + 20),
      [UInt8](repeating: UInt8(ascii: "w"), count: size),
      blanks(size / 2 - 3) + [UInt8(ascii: "x")] + blanks(size / 2),
      blanks(size / 2) + [UInt8(ascii: "x")],
      blanks(size),
    ]
    for value in values {
      var line: [UInt8] = []
      LinePrinter.printLine(value, fold: false, into: &line)
      #expect(line == Self.referenceLine([value]))
      var named: [UInt8] = [0x7A]
      LinePrinter.printParameter(
        name: Array("name".utf8), value: value, hideName: false, hideValue: false, fold: false,
        into: &named)
      #expect(named == [0x7A] + Self.referenceLine([Array("name".utf8), [0x3D], value]))
    }
  }

  /// A value over continuation lines is printed from its pieces of the file
  /// as its joined text is: pieces that start with a separator or not (a
  /// vertical tab), empty ones, separators only, and values long enough to
  /// be squeezed in two parts, cut in a piece or between two.
  @Test func valuesInPiecesArePrintedAsTheirJoinedText() {
    var random = SeededGenerator(seed: 83)
    let alphabet: [UInt8] = [0x20, 0x09, 0x0D, 0x0B, 0x0C, 0x61, 0x62, 0x24, 0x80, 0x8A]
    func piece(_ length: Int) -> [UInt8] {
      (0..<length).map { _ in
        random.below(3) == 0 ? alphabet[random.below(alphabet.count)] : UInt8(ascii: "w")
      }
    }
    for round in 0..<400 {
      let long = round % 20 == 0
      var source: [UInt8] = Array("# head\n".utf8)
      var pieces: [Range<UInt32>] = []
      let count = long ? 4_000 : random.below(8)
      for _ in 0..<count {
        let length = long ? 40 + random.below(120) : random.below(12)
        let start = source.count
        // Most continuation lines start with a blank, as in a main.cf.
        if length > 0, random.below(4) > 0 { source.append(0x20) }
        source += piece(length)
        pieces.append(UInt32(start)..<UInt32(source.count))
        source += [0x0A, 0x20]
      }
      if long, round % 60 != 0 {
        // Nothing but separators in the first half, or in the second.
        let half = round % 60 == 20 ? pieces[..<(count / 2)] : pieces[(count / 2)...]
        for range in half {
          for index in Int(range.lowerBound)..<Int(range.upperBound) { source[index] = 0x20 }
        }
      }
      let joined = pieces.flatMap { source[Int($0.lowerBound)..<Int($0.upperBound)] }
      let name = Array("relay_domains".utf8)
      var expected: [UInt8] = [0x7A]
      LinePrinter.printParameter(
        name: name, value: joined, hideName: false, hideValue: false, fold: false,
        into: &expected)
      func print(fold: Bool, into out: inout [UInt8]) -> Bool {
        name.withUnsafeBufferPointer { name in
          source.withUnsafeBufferPointer { file in
            pieces.withUnsafeBufferPointer { pieces in
              LinePrinter.printParameter(
                name: name, pieces: pieces, of: file, hideName: false, hideValue: false,
                fold: fold, into: &out)
            }
          }
        }
      }
      var printed: [UInt8] = [0x7A]
      #expect(print(fold: false, into: &printed))
      #expect(printed == expected, "round \(round)")
      if long { #expect(joined.count >= TwoThreads.longValue) }
      // Folded or hidden forms are left to the joined text.
      var untouched: [UInt8] = []
      #expect(!print(fold: true, into: &untouched) && untouched.isEmpty)
    }
  }

  /// A long simple value is expanded in two parts at once as the engine expands it.
  ///
  /// A NUL, a part the shortcut does not take, or no separator after the
  /// middle leave it to one pass, with the same result.
  @Test func longValuesAreExpandedInTwoPartsAsTheEngineDoes() throws {
    var model = ParameterModel(inputs: Self.inputs(mainCF: []), mode: [.nonDefault])
    model.set(model.intern(Array("aa".utf8)), owning: Array("one".utf8))
    model.set(model.intern(Array("bb".utf8)), owning: Array("$aa and ${aa}".utf8))
    var random = SeededGenerator(seed: 97)
    let size = TwoThreads.longValue + 500
    let words = ["$aa", "${bb}", "$(aa)", "$$", "$undefined", "plain", "x,", "\t"]
    func long() -> [UInt8] {
      var text: [UInt8] = []
      while text.count < size { text += Array((random.pick(words) + " ").utf8) }
      return text
    }
    let values: [[UInt8]] = [
      long(),
      long(),
      Array(String(repeating: "w ", count: size / 2).utf8),
      long() + [0] + Array(" $aa".utf8),
      long() + Array(" ${aa?x}".utf8),
      Array(" $aa ".utf8) + [UInt8](repeating: UInt8(ascii: "w"), count: size),
    ]
    // The expansion of short pieces cut at blanks, joined: what one pass gives.
    func inPieces(_ value: [UInt8]) -> [UInt8] {
      let end = value.firstIndex(of: 0) ?? value.count
      var joined: [UInt8] = []
      var start = 0
      while start < end {
        var stop = min(start + 4_096, end)
        while stop < end, value[stop] != 0x20 { stop += 1 }
        var part: [UInt8] = []
        #expect(model.expandSimple(Array(value[start..<stop]), into: &part))
        joined += part
        start = stop
      }
      return joined
    }
    for (index, value) in values.enumerated() {
      var output: [UInt8] = []
      let simple = model.expandSimple(value, into: &output)
      #expect(simple == (index != 4), "value \(index)")
      guard simple else { continue }
      #expect(output == inPieces(value), "value \(index)")
      // The engine itself, on one of them (it is slow on long values).
      if index == 0 { #expect(try output == model.expand(value, mode: [.expand])) }
    }
  }

  @Test func nameTableFindsEveryInternedNameAndNothingElse() {
    var random = SeededGenerator(seed: 7)
    var table = NameTable()
    var reference: [[UInt8]: NameTable.ID] = [:]
    for _ in 0..<20_000 {
      let name = (0..<random.below(12)).map { _ in UInt8(random.below(6)) + 0x61 }
      let id = table.intern(name)
      if let known = reference[name] {
        #expect(id == known)
      } else {
        #expect(Int(id) == reference.count)
        reference[name] = id
      }
    }
    #expect(table.count == reference.count)
    for (name, id) in reference {
      #expect(table.find(name) == id)
      #expect(table.bytes(id) == name)
      #expect(table.hashes[Int(id)] == HashOrder.hash(name))
    }
    #expect(table.find(Array("zzzzzzzzzzzzz".utf8)) == nil)
    let ids = Array(table.ids)
    let sorted = table.sorted(ids).map { table.bytes($0) }
    #expect(sorted == reference.keys.sorted { $0.lexicographicallyPrecedes($1) })
  }

  /// Names kept as ranges of the file (no copy) behave as copied ones: the
  /// same ids, bytes, hashes and sort order; a range that does not hold the
  /// name is not trusted (the name is copied instead); the slots reserved up
  /// front hold every name without growing.
  @Test func namesKeptInTheFileActAsCopiedOnes() {
    var random = SeededGenerator(seed: 11)
    var text: [UInt8] = []
    var placed: [(name: [UInt8], offset: Int)] = []
    for _ in 0..<5_000 {
      let name = (0..<(1 + random.below(10))).map { _ in UInt8(random.below(5)) + 0x61 }
      placed.append((name, text.count))
      text += name + Array(" = x\n".utf8)
    }
    var kept = NameTable()
    kept.keepNames(in: FileBytes(text))
    kept.reserve(placed.count, bytes: 0, slotsFor: placed.count)
    var copied = NameTable()
    for (index, entry) in placed.enumerated() {
      // Every seventh name claims a wrong place: it must be copied, not misread.
      let offset = index % 7 == 0 ? entry.offset + 1 : entry.offset
      let id = entry.name.withUnsafeBufferPointer { kept.intern($0, fileOffset: offset) }
      #expect(id == copied.intern(entry.name))
    }
    #expect(kept.count == copied.count)
    for id in kept.ids {
      #expect(kept.bytes(id) == copied.bytes(id))
      #expect(kept.hashes[Int(id)] == copied.hashes[Int(id)])
      #expect(kept.find(copied.bytes(id)) == id)
    }
    #expect(kept.find(Array("f".utf8)) == nil)
    #expect(kept.sorted(Array(kept.ids)) == copied.sorted(Array(copied.ids)))
  }

  /// The names a value references are recorded in order whatever repeats:
  /// within one value, from one value to the next, and names of one length.
  @Test func recordedReferencesAreTheNamesInOrder() {
    var model = ParameterModel(inputs: Self.inputs(mainCF: []), mode: [.nonDefault])
    var random = SeededGenerator(seed: 5)
    let names = ["aa", "ab", "ba", "a", "mydomain", "myhostname"]
    for index in 0..<2_000 {
      let picked = (0..<random.below(7)).map { _ in random.pick(names) }
      let text = picked.map { random.chance(50) ? "$\($0) " : "${\($0)}," }.joined()
      let id = model.intern(Array("zz_\(index)".utf8))
      Array(text.utf8).withUnsafeBufferPointer { model.recordScan(id, of: $0) }
      let expected = picked.map { model.intern(Array($0.utf8)) }
      #expect(model.scannedReferences(id).map(Array.init) == expected, "\(text)")
    }
  }

  /// A model kept for lookups drops its start-up scans and still takes new
  /// names and settings; its scans then read as "not recorded".
  @Test func aModelWithoutStartUpScansStillTakesNamesAndSettings() {
    var model = ParameterModel(inputs: Self.inputs(mainCF: []), mode: [.nonDefault])
    let first = model.intern(Array("alpha".utf8))
    model.set(first, owning: Array("$beta".utf8))
    Array("$beta".utf8).withUnsafeBufferPointer { model.recordScan(first, of: $0) }
    #expect(model.scannedReferences(first).map(Array.init) == [model.intern(Array("beta".utf8))])
    model.dropStartUpScans()
    #expect(model.scannedReferences(first) == nil)
    let second = model.intern(Array("gamma".utf8))
    model.set(second, owning: Array("$alpha".utf8))
    Array("$alpha".utf8).withUnsafeBufferPointer { model.recordScan(second, of: $0) }
    #expect(model.setting(second) == Array("$alpha".utf8))
    #expect(model.scannedReferences(second) == nil)
    #expect(model.setting(first) == Array("$beta".utf8))
  }

  /// One pass counts the newlines and the lines that may start an entry.
  @Test func linesAndEntryStartsAreCountedAsASplitCountsThem() {
    var random = SeededGenerator(seed: 5)
    // Bytes a newline differs from by one bit, or by the high bit (0x8A, 0x0B, 0x0E), too.
    let pieces = [
      "a = b\n", "  c\n", "\tc\n", "# x\n", "\n", "#\n", "x", "\r\n", "=\n", "\u{8A}y\n", "\u{0B}",
      "\u{0E}z", "é\n",
    ]
    for _ in 0..<600 {
      let bytes = Array(
        (0..<random.below(30)).map { _ in pieces[random.below(pieces.count)] }.joined().utf8)
      let lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false)
      // The piece after the last newline is a line only when it is not empty.
      let starts = lines.filter { line in
        guard let first = line.first else { return false }
        // Postfix's whitespace (space, \t to \r) continues an entry; # is a comment.
        return first != 0x20 && !(0x09...0x0D).contains(first) && first != 0x23
      }.count
      let counted = bytes.withUnsafeBufferPointer { MainCFLexing.countLines(in: $0) }
      #expect(counted.newlines == bytes.filter { $0 == 0x0A }.count)
      #expect(counted.entryStarts == starts)
    }
  }

  /// The hash-order simulation by position gives what the one on an array
  /// of hashes gives.
  @Test func hashOrderByPositionEqualsHashOrderOnHashes() {
    var random = SeededGenerator(seed: 3)
    for count in [0, 1, 12, 13, 14, 27, 28, 500, 3_000] {
      let hashes = (0..<count).map { _ in UInt64(random.below(1 << 30)) &* 0x9E37_79B9 }
      let plain = HashOrder.distinctOrder(hashes: hashes, initialSize: 13)
      let positional = HashOrder.distinctOrder(
        count: count, initialSize: 13, hash: { hashes[$0] }, element: { $0 })
      #expect(plain == positional)
      #expect(plain.sorted() == Array(0..<count))
    }
  }

  /// `postconf -n` keeps values spread over continuation lines as ranges of
  /// the file; what it prints and warns must equal the document's reading.
  @Test func continuedValuesReadAsTheDocumentReadsThem() {
    var random = SeededGenerator(seed: 2026)
    let names = ["relayhost", "myorigin", "alias_maps", "smtpd_banner", "relay_domains"]
    let fragments = [
      " ", "\t", "\r", "a", "b,c", "=", " = ", "x\u{0}y", "#", "word", "\u{b}",
    ]
    for _ in 0..<400 {
      var text = ""
      for _ in 0..<random.below(8) {
        text += names[random.below(names.count)]
        text += random.below(3) == 0 ? "\n =" : " ="
        for _ in 0..<random.below(4) {
          text += fragments[random.below(fragments.count)]
          switch random.below(5) {
          case 0: text += "\n  "
          case 1: text += "\n# comment\n\t"
          case 2: text += "\n\n "
          default: break
          }
        }
        text += "\n"
      }
      let bytes = Array(text.utf8)
      let document = MainCF(bytes: bytes)
      guard
        !document.diagnostics(path: "/etc/postfix/main.cf").contains(where: {
          $0.severity == .fatal
        })
      else { continue }
      var expected: [UInt8] = []
      let effective = document.effectiveEntries.sorted {
        $0.nameBytes.lexicographicallyPrecedes($1.nameBytes)
      }
      for entry in effective {
        LinePrinter.printParameter(
          name: entry.nameBytes, value: entry.value, hideName: false, hideValue: false,
          fold: false, into: &expected)
      }
      let warnings = document.diagnostics(path: "/etc/postfix/main.cf").map {
        Array("postconf: warning: \($0.message)\n".utf8)
      }
      let inputs = Self.inputs(mainCF: bytes)
      let outcome = Postconf.run(arguments: [Array("-n".utf8)], inputs: inputs)
      #expect(outcome.stdout == expected, "\(text.debugDescription)")
      #expect(
        outcome.stderr
          == warnings.joined()
          + Array(
            "postconf: warning: open /etc/postfix/master.cf: No such file or directory\n".utf8),
        "\(text.debugDescription)")
    }
  }

  @Test func legacyDatabaseNamesFollowEveryTypePrefixToken() {
    let suffixes: (String) -> [String] = { type in
      type == "ldap" ? ["server_host", "search_base"] : type == "mysql" ? ["hosts"] : []
    }
    let value = Array(
      "hash:/etc/x, ldap:src1 proxy:ldap:src2\tproxy:mysql:/etc/m.cf mysql:db,ldap:.hidden pcre:p permit"
        .utf8)
    #expect(
      LegacyDatabase.parameterNames(in: value, suffixes: suffixes) == [
        "src1_server_host", "src1_search_base", "src2_server_host", "src2_search_base", "db_hosts",
      ])
    var random = SeededGenerator(seed: 99)
    let pieces = ["ldap", "proxy", "mysql", ":", "/", ".", "a", " ", ",", "\t", "\n"]
    for _ in 0..<2_000 {
      let text = (0..<random.below(14)).map { _ in pieces[random.below(pieces.count)] }.joined()
      // The reference: split first, then the same rule per token.
      var expected: [String] = []
      let separators: Set<UInt8> = [0x20, 0x2C, 0x09, 0x0D, 0x0A]
      for token in Array(text.utf8).split(whereSeparator: { separators.contains($0) }) {
        let parts = token.split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false)
        var index = 0
        while index + 1 < parts.count && parts[index].elementsEqual("proxy".utf8) { index += 1 }
        guard index + 1 < parts.count else { continue }
        // The prefix is everything after the type's colon, colons included;
        // an empty one makes `_suffix` names, as in postconf.
        let prefix = token[(parts[index].endIndex + 1)...]
        if let first = prefix.first, first == UInt8(ascii: "/") || first == UInt8(ascii: ".") {
          continue
        }
        let stem = String(decoding: prefix, as: UTF8.self)
        expected += suffixes(String(decoding: parts[index], as: UTF8.self)).map { stem + "_" + $0 }
      }
      #expect(LegacyDatabase.parameterNames(in: Array(text.utf8), suffixes: suffixes) == expected)
    }
  }

  /// What the two streams receive, in order: adjacent writes to the same
  /// stream merged (how many writes carry the bytes is not observable).
  static func streams(_ outcome: PostconfOutcome) -> [String] {
    var merged: [(isStdout: Bool, bytes: [UInt8])] = []
    for chunk in outcome.chunks {
      let (isStdout, bytes): (Bool, [UInt8])
      switch chunk {
      case .stdout(let out): (isStdout, bytes) = (true, out)
      case .stderr(let err): (isStdout, bytes) = (false, err)
      }
      if let last = merged.last, last.isStdout == isStdout {
        merged[merged.count - 1].bytes += bytes
      } else {
        merged.append((isStdout, bytes))
      }
    }
    return merged.map {
      ($0.isStdout ? "out: " : "err: ") + String(decoding: $0.bytes, as: UTF8.self)
    }
  }

  /// `postconf -n -x` over `mainCF` as it runs by default (long main.cf
  /// and listings handled on one thread) and with `change` made to the
  /// session first.
  static func listTwice(_ mainCF: [UInt8], _ change: (inout PostconfSession) -> Void) -> (
    plain: PostconfOutcome, changed: PostconfOutcome
  ) {
    let inputs = Self.inputs(mainCF: mainCF)
    let arguments = [Array("-n".utf8), Array("-x".utf8)]
    guard case .success(let options) = PostconfOptions.parse(arguments, programName: "postconf")
    else {
      Issue.record("options")
      return (PostconfOutcome(), PostconfOutcome())
    }
    var plain = PostconfSession(options: options, inputs: inputs)
    plain.parallelListingThreshold = .max
    plain.pipelinedReadThreshold = .max
    var changed = plain
    change(&changed)
    plain.execute()
    changed.execute()
    return (plain.finish(), changed.finish())
  }

  /// A long listing formatted on two threads prints exactly what the plain
  /// loop prints, also when a value in the middle fails under `-x` (then the
  /// output drained before the failure, the warnings and the fatal error).
  @Test(arguments: [nil, 777, 4_500, 9_999])
  func parallelListingEqualsThePlainLoop(failingAt failing: Int?) {
    var text = "mydomain = example.com\nsmtpd_restriction_classes ="
    let count = 10_000
    for index in 0..<count { text += " zz_\(index)" }
    text += "\n"
    for index in 0..<count {
      let value = index == failing ? "${{$mydomain} == {x}" : "check_client_access, $mydomain"
      text += "zz_\(index) = \(value)\n"
    }
    let (plain, parallel) = Self.listTwice(Array(text.utf8)) { $0.parallelListingThreshold = 1 }
    #expect(Self.streams(parallel) == Self.streams(plain))
    #expect(parallel.exitStatus == plain.exitStatus)
    #expect(plain.exitStatus == (failing == nil ? 0 : 1))
    if failing == nil {
      #expect(plain.stdout.count > 300_000)
    }
  }

  /// Thousands of unused-parameter warnings, formatted block by block on
  /// two threads, come out as the plain loop writes them, after the listing:
  /// values in the file, over continuation lines and from `-o`, names and
  /// values with bytes printed as `?`; and where most names are used (so
  /// that whole blocks print nothing), only the unused ones.
  @Test(arguments: [false, true])
  func parallelUnusedWarningsEqualThePlainLoop(mostlyUsed: Bool) throws {
    var main = "myhostname = mail.example.com\n"
    if mostlyUsed {
      // 20,000 names used by one value: whole blocks of the hash order are used.
      main +=
        "smtpd_banner = " + (0..<20_000).map { "$zz_used_\($0)" }.joined(separator: " ") + "\n"
      for index in 0..<20_000 { main += "zz_used_\(index) = u\(index)\n" }
    }
    // Mostly used: 9 unused names among 20,000 used ones, most blocks print nothing.
    for index in 0..<(mostlyUsed ? 9 : 9_000) {
      switch index % 1_000 {
      case 1: main += "zz_continued_\(index) = first\n  second \u{02}\n\tthird\n"
      case 2: main += "zz_\u{7F}odd_\(index) = \u{80}v\n"
      default: main += "zz_unused_\(index) = v\(index) $myhostname \u{01}\n"
      }
    }
    let options = try PostconfOptions.parse(
      [Array("-n".utf8), Array("-o".utf8), Array("zz_override=over \u{03}".utf8)],
      programName: "postconf"
    ).get()
    final class Sink: @unchecked Sendable { var chunks: [PostconfOutcome.Chunk] = [] }
    func streams(threshold: Int) -> [String] {
      let sink = Sink()
      var session = PostconfSession(options: options, inputs: Self.inputs(mainCF: Array(main.utf8)))
      session.emit = { sink.chunks.append($0) }
      session.batchesStderr = true
      session.parallelListingThreshold = threshold
      session.pipelinedReadThreshold = .max
      session.execute()
      var outcome = session.finish()
      outcome.chunks = sink.chunks
      return Self.streams(outcome)
    }
    let plain = streams(threshold: .max)
    let parallel = streams(threshold: 1)
    #expect(parallel == plain)
    // master.cf's warning, the listing, then the unused parameters.
    #expect(plain.count == 3 && plain[1].hasPrefix("out: myhostname = "))
    let last = plain.last ?? ""
    #expect(last.contains("unused parameter: zz_override=over ?\n"))
    #expect(!last.contains("zz_used_"))
    if mostlyUsed {
      #expect(last.components(separatedBy: "unused parameter: ").count == 11)
      #expect(last.contains("unused parameter: zz_continued_1=first  second ??third\n"))
      return
    }
    #expect(last.contains("unused parameter: zz_unused_8999=v8999 $myhostname ?\n"))
    #expect(last.contains("unused parameter: zz_continued_8001=first  second ??third\n"))
    #expect(last.contains("unused parameter: zz_?odd_8002=??v\n"))
  }

  @Test func emittedWarningsGoOutTogetherInPostconfsOrder() throws {
    // Unused parameters with a non-printable byte, a duplicate and an undefined name:
    // warnings before and after the listing.
    var main: [UInt8] = Array("myhostname = mail.example.com\n".utf8)
    for index in 0..<400 { main += Array("zz_unused_\(index) = v\(index) \u{01}\n".utf8) }
    main += Array("myhostname = mx.example.com\nrelayhost = $zz_undefined\n".utf8)
    let options = try PostconfOptions.parse([Array("-n".utf8)], programName: "postconf").get()
    let held = Postconf.run(options: options, inputs: Self.inputs(mainCF: main))
    var emitted: [PostconfOutcome.Chunk] = []
    let streamed = Postconf.run(options: options, inputs: Self.inputs(mainCF: main)) {
      emitted.append($0)
    }
    #expect(streamed.exitStatus == held.exitStatus && streamed.chunks.isEmpty)
    // The same bytes in the same order, stream by stream and interleaved.
    func joined(_ chunks: [PostconfOutcome.Chunk]) -> [UInt8] {
      chunks.flatMap {
        switch $0 {
        case .stdout(let bytes): return [0x31] + bytes
        case .stderr(let bytes): return [0x32] + bytes
        }
      }
    }
    func merged(_ chunks: [PostconfOutcome.Chunk]) -> [PostconfOutcome.Chunk] {
      chunks.reduce(into: []) { out, chunk in
        switch (out.last, chunk) {
        case (.stderr(let a)?, .stderr(let b)): out[out.count - 1] = .stderr(a + b)
        case (.stdout(let a)?, .stdout(let b)): out[out.count - 1] = .stdout(a + b)
        default: out.append(chunk)
        }
      }
    }
    #expect(joined(merged(emitted)) == joined(merged(held.chunks)))
    let warnings = held.chunks.filter {
      if case .stderr = $0 { return true } else { return false }
    }
    let emittedWarnings = emitted.filter {
      if case .stderr = $0 { return true } else { return false }
    }
    #expect(warnings.count > 400)
    // One write per run of warnings (each under 64 KiB here), not one per line.
    #expect(emittedWarnings.count <= 2)
    let text = String(decoding: held.stderr, as: UTF8.self)
    #expect(text.contains("unused parameter: zz_unused_7=v7 ?\n"))
  }

  @Test func simpleExpansionAgreesWithTheFullOne() throws {
    let main = Array(
      """
      alpha = a1 $beta
      beta = b:2 ${myhostname} {x}
      myhostname = mx.example.com
      relay_domains = $alpha, $(zz_unused)
      zz_unused = hash:/etc/postfix/zz
      empty =

      """.utf8)
    let options = try PostconfOptions.parse([Array("-n".utf8)], programName: "postconf").get()
    var session = PostconfSession(options: options, inputs: Self.inputs(mainCF: main))
    let model = try session.buildModel()
    var random = SeededGenerator(seed: 71)
    let parts = [
      "$alpha", "${beta}", "$(myhostname)", "$zz_unused", "$zz_never_set", "$mail_name",
      "${empty}", "$$", " ", ", ", "word", ":", "{", "}", "$", "${alpha", "$(beta)x",
    ]
    var simple = 0
    var gaveUp = 0
    for _ in 0..<3_000 {
      let value = Array(
        (0..<random.below(8)).map { _ in parts[random.below(parts.count)] }.joined().utf8)
      let full = try? model.expand(value, mode: [.expand], scope: nil)
      var fast: [UInt8] = []
      if model.expandSimple(value, into: &fast) {
        simple += 1
        #expect(fast == full, "\(String(decoding: value, as: UTF8.self))")
      } else {
        gaveUp += 1
      }
    }
    // Both ways are taken: defaults ($mail_name) and other syntax give up.
    #expect(simple > 300 && gaveUp > 300)
  }

  /// The listing's shortcut gives up on a value with a form it does not
  /// take as soon as it reaches that value, not after following every
  /// reference before the form (a chain of such values was followed to its
  /// end for each value); what it does expand is unchanged.
  @Test func theShortcutGivesUpAtTheFirstValueItCannotTake() {
    var model = ParameterModel(inputs: Self.inputs(mainCF: []), mode: [.nonDefault])
    let values = [
      ("c0", "x"), ("c1", "$c0 ${c0:y}"), ("c2", "$c1 ${c0:y}"), ("top", "$c2 and"),
      ("s0", "one"), ("s1", "$s0 two"), ("s2", "${s1}, $(s0)"),
    ]
    var ids: [String: ParameterModel.ID] = [:]
    for (name, value) in values {
      let id = model.intern(Array(name.utf8))
      model.set(id, owning: Array(value.utf8))
      ids[name] = id
    }
    let frozen = FrozenParameterModel(model)
    func run(_ name: String) -> (MacroFastPath.InPlace, [String], [UInt8]) {
      var cache = FrozenParameterModel.LookupCache(count: frozen.model.names.count)
      var output: [UInt8] = []
      let id = ids[name] ?? -1
      let value = Array((values.first { $0.0 == name }?.1 ?? "").utf8)
      let outcome = value.withUnsafeBufferPointer {
        frozen.expandSimple($0, of: id, mode: [.expand], into: &output, cache: &cache)
      }
      let looked = values.map(\.0).filter { name in
        ids[name].map { cache.remembered($0) != nil } ?? false
      }
      return (outcome, looked, output)
    }
    // c2 has a conditional: nothing is looked up.
    let (c2, c2Looked, _) = run("c2")
    #expect(c2 == .gaveUp && c2Looked.isEmpty)
    // top is simple, c2 is not: only c2 is looked up, never c1 or c0.
    let (top, topLooked, _) = run("top")
    #expect(top == .gaveUp && topLooked == ["c2"])
    // A simple chain is expanded as before.
    let (s2, s2Looked, output) = run("s2")
    #expect(s2 == .expanded && output == Array("one two, one".utf8))
    #expect(Set(s2Looked) == ["s0", "s1"])
  }

  /// A listing thread's lookup cache has a bounded number of slots, whatever
  /// the number of names: an id takes its slot from the id there before.
  @Test func theLookupCacheIsBounded() {
    let none = FrozenParameterModel.LookupCache(count: 0)
    #expect(none.slots.isEmpty && none.remembered(0) == nil)
    var small = FrozenParameterModel.LookupCache(count: 5)
    #expect(small.slots.count == 8)
    var large = FrozenParameterModel.LookupCache(count: 1_000_000)
    #expect(large.slots.count == FrozenParameterModel.LookupCache.maximumSlots)
    let size = ParameterModel.ID(large.slots.count)
    large.remember(7, Array("seven".utf8))
    large.remember(9, nil)
    #expect(large.remembered(7) == .some(Array("seven".utf8)))
    #expect(large.remembered(9) == .some(nil))
    #expect(large.remembered(8) == nil)
    // An id with the same low bits takes the slot over.
    large.remember(7 + size, Array("other".utf8))
    #expect(large.remembered(7) == nil)
    #expect(large.remembered(7 + size) == .some(Array("other".utf8)))
    small.remember(3, [1])
    #expect(small.remembered(11) == nil && small.remembered(3) == .some([1]))
  }
}
