import Dispatch
import Synchronization

/// ``MainCFScanner`` on a second thread, for large files: the scanner groups
/// lines into logical lines ahead while the sink takes them on the calling
/// thread, in the same order and with the same offsets as a plain scan.
///
/// Logical lines travel in batches. A batch keeps its own copy of the joined
/// text of continued lines (the scanner reuses its buffer), and the lines'
/// offsets into joined text are moved to point into that copy. At most
/// ``batchesInFlight`` batches wait at once, so memory stays bounded. When the
/// sink stops (a fatal reading error), the scanner stops at its next batch
/// and the call returns once it has.
enum MainCFPipelinedScanner {
  /// Files at least this large are scanned on a second thread.
  static let threshold = 1 << 20
  /// Logical lines per batch.
  static let batchLines = 1024
  /// Batches scanned but not yet taken, at most.
  static let batchesInFlight = 4
  /// Joined text after which a batch is sent whatever its number of lines.
  static let batchJoinedBytes = 1 << 18
  /// Batches waiting to be taken from which the look-ahead takes every value.
  static let eagerBacklog = 2

  /// Scans `file` into `sink` with the scanning on another thread.
  /// - Parameters:
  ///   - file: The whole file; it must stay valid and unchanged during the call.
  ///   - sink: Takes the logical lines in order, on the calling thread.
  ///   - ahead: Work on long values done on the scanning thread, whose
  ///     results the sink takes with each line.
  ///   - elidesPlainText: Whether continued entries free of `$` and NUL come
  ///     without their joined text (``MainCFScanner/elidesPlainText``): no
  ///     copy of them is made, and the look-ahead skips them.
  ///   - prepare: Runs on the calling thread once the scanning has started and
  ///     before the sink takes the first line: work on the whole file that
  ///     the sink needs done first (sizing its tables) is done meanwhile.
  static func scan<Sink: MainCFLineSink>(
    _ file: UnsafeBufferPointer<UInt8>, into sink: inout Sink,
    ahead: MainCFLookAhead? = nil, elidesPlainText: Bool = false,
    prepare: (inout Sink) -> Void = { _ in }
  ) {
    let queue = BatchQueue(capacity: batchesInFlight)
    // The call waits for the scanning thread before it returns, so the
    // buffer outlives every use of it there.
    nonisolated(unsafe) let shared = file
    DispatchQueue.global().async {
      var batcher = Batcher(queue: queue, ahead: ahead)
      var scanner = MainCFScanner()
      scanner.keepsJoined = false
      scanner.elidesPlainText = elidesPlainText
      scanner.scan(shared, into: &batcher)
      batcher.finish()
    }
    prepare(&sink)
    let hasNameWork = ahead?.nameWork != nil
    // Each iteration takes one batch; the end marker or a stop ends the loop.
    while let batch = queue.next() {
      let completed = batch.joined.withUnsafeBufferPointer { joined in
        batch.found.withUnsafeBufferPointer { found in
          if hasNameWork {
            for index in 0..<min(nameWorkDistance, batch.lines.count) {
              expect(batch, index, in: &sink)
            }
          }
          for (index, line) in batch.lines.enumerated() {
            if hasNameWork { expect(batch, index + nameWorkDistance, in: &sink) }
            let pieces = batch.pieces[batch.pieceStarts[index]..<batch.pieceStarts[index + 1]]
            let ahead = UnsafeBufferPointer(
              rebasing: found[batch.foundStarts[index]..<batch.foundStarts[index + 1]])
            let name = hasNameWork && line.kind == .entry ? batch.nameWork[index] : nil
            guard
              sink.take(
                line, file: file, joined: joined, pieces: pieces,
                ahead: (batch.tags[index], ahead, name))
            else { return false }
          }
          return true
        }
      }
      if !completed {
        queue.stop()
        break
      }
    }
    queue.waitUntilScannerEnds()
  }

  /// How many lines ahead the sink learns what ``MainCFLookAhead/nameWork``
  /// gave for an entry's name (``MainCFLineSink/expect(nameWork:)``): far
  /// enough for memory fetched then to have come when the line is taken.
  static let nameWorkDistance = 8

  // Tells the sink of line `index`'s name work, if it is an entry.
  @inline(__always)
  private static func expect<Sink: MainCFLineSink>(
    _ batch: Batch, _ index: Int, in sink: inout Sink
  ) {
    guard index < batch.lines.count, batch.lines[index].kind == .entry else { return }
    sink.expect(nameWork: batch.nameWork[index])
  }

  /// Logical lines as the sink will see them.
  struct Batch {
    var lines: [MainCFLogicalLine] = []
    /// `pieces[pieceStarts[i]..<pieceStarts[i + 1]]` are line `i`'s pieces.
    var pieceStarts: [Int] = [0]
    var pieces: [Range<Int>] = []
    var joined: [UInt8] = []
    /// The joined length of the batch's elided lines, whose text is not copied.
    var elidedBytes = 0
    /// Per line, the look-ahead's tag; `found[foundStarts[i]..<foundStarts[i + 1]]`
    /// is what it found in line `i`'s value.
    var tags: [UInt8] = []
    var foundStarts: [Int] = [0]
    var found: [Range<UInt32>] = []
    /// Per line, what the look-ahead's name work gave (0 for a line that is
    /// no entry, or without name work).
    var nameWork: [UInt64] = []

    init() {
      lines.reserveCapacity(MainCFPipelinedScanner.batchLines)
      nameWork.reserveCapacity(MainCFPipelinedScanner.batchLines)
      pieceStarts.reserveCapacity(MainCFPipelinedScanner.batchLines + 1)
      tags.reserveCapacity(MainCFPipelinedScanner.batchLines)
      foundStarts.reserveCapacity(MainCFPipelinedScanner.batchLines + 1)
    }
  }

  /// The scanner's sink on the scanning thread: copies lines into batches and
  /// queues each full batch.
  struct Batcher: MainCFLineSink {
    let queue: BatchQueue
    let ahead: MainCFLookAhead?
    var batch = Batch()
    /// Whether the look-ahead takes every value of the batch being filled,
    /// not only the long ones: when batches wait to be taken, this thread
    /// is ahead and has time to spare (decided once per batch).
    var eager = false
    /// Whether the sink stopped: nothing more is queued.
    var halted = false

    init(queue: BatchQueue, ahead: MainCFLookAhead?) {
      self.queue = queue
      self.ahead = ahead
    }

    mutating func take(
      _ line: MainCFLogicalLine, file: UnsafeBufferPointer<UInt8>,
      joined: UnsafeBufferPointer<UInt8>, pieces: ArraySlice<Range<Int>>
    ) -> Bool {
      var moved = line
      // An elided line has no joined text to copy.
      if line.inJoined && !line.textElided {
        // Offsets into the scanner's joined text become offsets into the copy.
        let shift = batch.joined.count - line.textStart
        batch.joined.append(
          contentsOf: UnsafeBufferPointer(rebasing: joined[line.textStart..<line.textEnd]))
        moved.textStart += shift
        moved.textEnd += shift
        moved.textCEnd += shift
        if line.kind == .entry {
          moved.nameStart += shift
          moved.nameEnd += shift
          moved.valueStart += shift
          moved.valueEnd += shift
        }
      }
      batch.lines.append(moved)
      batch.pieces.append(contentsOf: pieces)
      batch.pieceStarts.append(batch.pieces.count)
      var tag: UInt8 = 0
      if let ahead, line.kind == .entry, !line.textElided,
        line.valueEnd - line.valueStart >= (eager ? 1 : ahead.minimumLength)
      {
        let text = line.inJoined ? joined : file
        tag = ahead.work(
          UnsafeBufferPointer(rebasing: text[line.valueStart..<line.valueEnd]), &batch.found)
      }
      batch.tags.append(tag)
      batch.foundStarts.append(batch.found.count)
      if let nameWork = ahead?.nameWork, line.kind == .entry {
        batch.nameWork.append(nameWork(line.name(file: file, joined: joined, pieces: pieces)))
      } else {
        batch.nameWork.append(0)
      }
      // A batch also goes once it holds much joined text: a few long values
      // then travel one at a time instead of piling up in one batch.
      // Elided text counts as if it had been copied.
      if line.textElided { batch.elidedBytes += line.textEnd }
      guard
        batch.lines.count >= MainCFPipelinedScanner.batchLines
          || batch.joined.count + batch.elidedBytes >= MainCFPipelinedScanner.batchJoinedBytes
      else { return true }
      let full = batch
      batch = Batch()
      halted = !queue.put(full)
      eager = queue.backlog >= MainCFPipelinedScanner.eagerBacklog
      return !halted
    }

    /// Queues the last batch and the end marker, unless the sink stopped.
    mutating func finish() {
      if !halted && !batch.lines.isEmpty {
        let last = batch
        batch = Batch()
        halted = !queue.put(last)
      }
      if !halted { _ = queue.put(nil) }
      queue.scannerEnded()
    }
  }

  /// A bounded queue of batches between the two threads.
  ///
  /// Slots are raw memory (an array shared by two threads could be copied on
  /// write). A slot is filled before `filled` is signalled and emptied before
  /// `free` is; `stopped` is atomic, as the scanner may read it after a
  /// `free` signalled before the sink stopped. Semaphores start at zero and
  /// are signalled up, as libdispatch refuses to free one whose count ends
  /// below its start.
  final class BatchQueue: @unchecked Sendable {
    private let slots: UnsafeMutableBufferPointer<Batch?>
    private let free = DispatchSemaphore(value: 0)
    private let filled = DispatchSemaphore(value: 0)
    private let ended = DispatchSemaphore(value: 0)
    private var putIndex = 0
    private var takeIndex = 0
    private let stopped = Atomic<Bool>(false)
    private let waiting = Atomic<Int>(0)

    /// Batches queued and not yet taken (a hint: the other thread moves it).
    var backlog: Int { waiting.load(ordering: .relaxed) }

    init(capacity: Int) {
      slots = .allocate(capacity: capacity)
      slots.initialize(repeating: nil)
      for _ in 0..<capacity { free.signal() }
    }

    deinit {
      slots.deinitialize()
      slots.deallocate()
    }

    /// Scanning thread: queues a batch (nil: the end), waiting for room;
    /// false once the sink has stopped.
    func put(_ batch: Batch?) -> Bool {
      free.wait()
      if stopped.load(ordering: .acquiring) { return false }
      slots[putIndex % slots.count] = batch
      putIndex += 1
      waiting.add(1, ordering: .relaxed)
      filled.signal()
      return true
    }

    /// Scanning thread: says the scanner is done with the file.
    func scannerEnded() { ended.signal() }

    /// Calling thread: the next batch, or nil at the end.
    func next() -> Batch? {
      filled.wait()
      let index = takeIndex % slots.count
      let batch = slots[index]
      slots[index] = nil
      takeIndex += 1
      waiting.subtract(1, ordering: .relaxed)
      free.signal()
      return batch
    }

    /// Calling thread: stops the scanner at its next batch.
    func stop() {
      stopped.store(true, ordering: .releasing)
      free.signal()
    }

    /// Calling thread: waits until the scanning thread no longer reads the file.
    func waitUntilScannerEnds() { ended.wait() }
  }
}
