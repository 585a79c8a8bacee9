/// A pure emulation of postconf(1) 3.7.11's main.cf and master.cf modes.
///
/// ```swift
/// let options = try PostconfOptions.parse(args, programName: "postconf").get()
/// let outcome = Postconf.run(options: options, inputs: inputs)
/// ```
/// The caller writes ``PostconfOutcome/chunks`` to the standard streams and,
/// after an edit, the replacement file with postconf's edit protocol.
///
/// Deviations from postconf, all deliberate:
/// - where postconf walks a hash table with a per-process random seed (the
///   order of `unused parameter` and `read-only parameter` warnings, of names
///   appended by `-e`), the order is the one postconf has with
///   `NORANDOMIZE=1`;
/// - a main.cf modified within the last second is read once (postconf reads
///   it again every 300 ms and repeats every warning);
/// - postconf sleeps a second before exiting on a fatal error; we do not;
/// - `-X`/`-#` with a name given twice is handled as if given once (postconf
///   crashes).
public enum Postconf {
  /// Runs postconf with parsed options over the given inputs.
  /// - Parameters:
  ///   - options: The parsed command line.
  ///   - inputs: The files and host facts postconf would read.
  /// - Returns: What postconf would print, its exit status, and any file to write.
  public static func run(options: PostconfOptions, inputs: PostconfInputs) -> PostconfOutcome {
    var session = PostconfSession(options: options, inputs: inputs)
    session.execute()
    return session.finish()
  }

  /// Runs postconf and hands each write to `emit` as soon as postconf would
  /// make it, instead of keeping it in the outcome.
  ///
  /// Large outputs are never held in memory twice. Consecutive writes to standard error are handed over
  /// together, up to 64 KiB at a time; any write to standard output hands over the
  /// warnings before it first, so the order of the two streams is postconf's.
  /// - Parameters:
  ///   - options: The parsed command line.
  ///   - inputs: The files and host facts postconf would read.
  ///   - emit: Receives each write, in order.
  /// - Returns: The outcome, with ``PostconfOutcome/chunks`` empty.
  public static func run(
    options: PostconfOptions, inputs: PostconfInputs,
    emit: @escaping (PostconfOutcome.Chunk) -> Void
  ) -> PostconfOutcome {
    var session = PostconfSession(options: options, inputs: inputs)
    session.emit = emit
    session.batchesStderr = true
    session.execute()
    return session.finish()
  }

  /// Parses the arguments and runs; usage errors are reported as postconf does.
  /// - Parameters:
  ///   - arguments: The arguments after the program name.
  ///   - inputs: The files and host facts postconf would read.
  /// - Returns: What postconf would print and its exit status.
  public static func run(arguments: [[UInt8]], inputs: PostconfInputs) -> PostconfOutcome {
    switch PostconfOptions.parse(arguments, programName: inputs.programName) {
    case .success(let options):
      return run(options: options, inputs: inputs)
    case .failure(let failure):
      return failureOutcome(failure, programName: inputs.programName)
    }
  }

  /// The outcome of a command line that postconf rejects.
  /// - Parameters:
  ///   - failure: The parse failure.
  ///   - programName: argv[0].
  /// - Returns: The lines postconf prints and status 1.
  public static func failureOutcome(_ failure: PostconfOptions.Failure, programName: String)
    -> PostconfOutcome
  {
    var outcome = PostconfOutcome()
    for line in failure.plainLines {
      outcome.chunks.append(.stderr(Array("\(programName): \(line)\n".utf8)))
    }
    outcome.chunks.append(.stderr(Array("\(programName): fatal: \(failure.fatal)\n".utf8)))
    outcome.exitStatus = 1
    return outcome
  }
}

/// A fatal error inside a run: postconf prints it and exits 1, losing stdout.
struct PostconfFatal: Error {
  var message: String
}

/// The state of one postconf run.
struct PostconfSession {
  let options: PostconfOptions
  let inputs: PostconfInputs
  var outcome = PostconfOutcome()
  /// stdout is block-buffered in postconf: written at exit or before an
  /// `unused parameter` warning, lost on a fatal error.
  var pending: [UInt8] = []
  /// Where writes go at once, when set; otherwise into ``outcome``.
  var emit: ((PostconfOutcome.Chunk) -> Void)?
  /// Standard error not yet handed to ``emit`` (see ``stderrBatchSize``).
  var stderrBatch: [UInt8] = []
  /// Whether consecutive writes to standard error reach ``emit`` together; when not,
  /// each write is a chunk of its own (one warning a chunk).
  var batchesStderr = false
  /// master.cf as last read by ``readMaster``.
  var lastMaster: PostconfMaster?
  /// Listings at least this long are formatted on two threads (see ``ListingPrinter``).
  var parallelListingThreshold = ListingPrinter.parallelThreshold
  /// A main.cf at least this large is scanned on a second thread (see
  /// ``MainCFPipelinedScanner``).
  var pipelinedReadThreshold = MainCFPipelinedScanner.threshold
  /// Values at least this long have their references found on the scanning
  /// thread (``MainSettingsReader/referencesAhead``).
  var referencesAheadLength = MainSettingsReader.referencesAheadLength
  /// The catalogue's client database types as bytes, and which bytes one
  /// starts with, made at the first value scanned for tables.
  var databaseTypes: (types: [[UInt8]], initials: [Bool])?

  /// `PROGRAM: warning: `, which every warning line starts with.
  let warningPrefix: [UInt8]

  init(options: PostconfOptions, inputs: PostconfInputs) {
    self.warningPrefix = Array(inputs.programName.utf8) + Self.warningTag
    self.options = options
    self.inputs = inputs
  }

  var mode: PostconfOptions.Mode { options.mode }
  var mainPath: String { inputs.configDirectory + "/main.cf" }
  var masterPath: String { inputs.configDirectory + "/master.cf" }

  mutating func warn(_ text: String) {
    warnLine { $0 += text.utf8 }
  }

  /// Writes a warning whose text `build` appends (after `postconf: warning: `; the
  /// newline follows), into the batch of standard error when writes are emitted, so a
  /// warning per parameter costs no string and no array of its own.
  mutating func warnLine(_ build: (inout [UInt8]) -> Void) {
    let prefix = warningPrefix
    writeWarningLine { line in
      line += prefix
      build(&line)
    }
  }

  /// ``warnLine(_:)`` for a caller whose `build` writes the
  /// ``warningPrefix`` itself (as part of a longer head built once).
  mutating func writeWarningLine(_ build: (inout [UInt8]) -> Void) {
    func compose(_ out: inout [UInt8]) {
      build(&out)
      out.append(0x0A)
    }
    if emit != nil {
      compose(&stderrBatch)
      if !batchesStderr || stderrBatch.count >= Self.stderrBatchSize { flushStderr() }
    } else {
      var line: [UInt8] = []
      compose(&line)
      outcome.chunks.append(.stderr(line))
    }
  }

  static let warningTag = Array(": warning: ".utf8)

  /// How many bytes of standard error are handed to `emit` at once: consecutive
  /// warnings go out together (one write per batch, not per line), and any write to
  /// standard output, and the end of the run, hands over the batch first, so the two
  /// streams keep postconf's order.
  static let stderrBatchSize = 65536

  /// postconf's stdout buffer size (`VSTREAM_BUFSIZE`).
  ///
  /// A full buffer is written at once, so a later fatal error loses only
  /// what is still buffered. Measured with Postfix 3.7.11, to a pipe and to
  /// a file: a fatal error after N bytes of listing leaves the first N
  /// rounded down to a multiple of 4096.
  static let stdoutBufferSize = 4096

  /// Writes every full buffer, as postconf's stdio does while printing.
  ///
  /// The full buffers go out in one write: nothing comes between stdio's
  /// writes of them, so both streams read exactly as with one write each.
  mutating func drainFullBuffers() {
    let full = pending.count / Self.stdoutBufferSize * Self.stdoutBufferSize
    guard full > 0 else { return }
    write(.stdout(Array(pending[..<full])))
    // Keeps the buffer's capacity: printing goes on into the same memory.
    pending.removeFirst(full)
  }

  /// Prints `bytes` and writes the full buffers, as ``drainFullBuffers()``
  /// after appending them would, with one copy of the bulk instead of two
  /// (none when nothing is buffered and the caller gives up its `bytes`:
  /// the partial buffer at the end is cut off in place).
  mutating func printAndDrain(_ bytes: consuming [UInt8]) {
    let full = (pending.count + bytes.count) / Self.stdoutBufferSize * Self.stdoutBufferSize
    guard full > 0 else {
      pending += bytes
      return
    }
    let taken = full - pending.count
    if pending.isEmpty {
      if taken < bytes.count {
        pending += bytes[taken...]
        bytes.removeSubrange(taken...)
      }
      write(.stdout(consume bytes))
      return
    }
    var chunk: [UInt8] = []
    chunk.reserveCapacity(full)
    chunk += pending
    chunk += bytes[..<taken]
    write(.stdout(chunk))
    pending.removeAll(keepingCapacity: true)
    pending += bytes[taken...]
  }

  mutating func write(_ chunk: PostconfOutcome.Chunk) {
    guard let emit else {
      outcome.chunks.append(chunk)
      return
    }
    switch chunk {
    case .stderr(let bytes):
      stderrBatch += bytes
      if !batchesStderr || stderrBatch.count >= Self.stderrBatchSize { flushStderr() }
    case .stdout:
      flushStderr()
      emit(chunk)
    }
  }

  /// Writes `block`, whole lines for standard error, at once.
  ///
  /// It goes after the batch waiting, without a copy into it (a block is
  /// already as long as a batch); kept like any write when none are emitted.
  mutating func writeStderrBlock(_ block: [UInt8]) {
    guard let emit else { return write(.stderr(block)) }
    flushStderr()
    emit(.stderr(block))
  }

  /// Hands the batch of standard error to `emit`.
  mutating func flushStderr() {
    guard let emit, !stderrBatch.isEmpty else { return }
    emit(.stderr(stderrBatch))
    stderrBatch.removeAll(keepingCapacity: true)
  }

  mutating func flush() {
    if !pending.isEmpty {
      write(.stdout(pending))
      pending = []
    }
  }

  mutating func finish() -> PostconfOutcome {
    if outcome.exitStatus == 0 { flush() }
    flushStderr()
    return outcome
  }

  mutating func fail(_ fatal: PostconfFatal) {
    pending = []
    write(.stderr(Array("\(inputs.programName): fatal: \(fatal.message)\n".utf8)))
    outcome.exitStatus = 1
    outcome.mainCFReplacement = nil
    outcome.masterCFReplacement = nil
  }

  mutating func execute() {
    do {
      if !mode.isDisjoint(with: [.showSASLServer, .showSASLClient, .showLocks, .showMaps, .showTLS])
        || !mode.isDisjoint(with: [.expandTemplates, .dumpTemplates])
      {
        throw PostconfFatal(
          message: "this postconf emulation supports main.cf and master.cf modes only")
      }
      let editing = !mode.isDisjoint(with: PostconfOptions.Mode.editing)
      let master = !mode.isDisjoint(with: PostconfOptions.Mode.master)
      if master && !editing {
        try showMaster()
      } else if editing {
        if options.operands.isEmpty { throw PostconfFatal(message: "missing service argument") }
        if master { try editMaster() } else { try editMain() }
      } else {
        try showMain()
      }
    } catch let fatal as PostconfFatal {
      fail(fatal)
    } catch {
      fail(PostconfFatal(message: "\(error)"))
    }
  }
}
