import Dispatch
import Synchronization

/// The two ways work is shared between the calling thread and one other.
///
/// - ``alongside(other:mine:)`` runs one part on another thread while the caller runs
///   its own, and waits for both: a file, a value or a table walk cut in two.
/// - ``inOrder(blocks:lookahead:makeState:format:output:)`` formats a long
///   output in blocks, the odd ones on another thread, and hands every block
///   over in order: a listing or a run of warnings that must come out in one
///   order, without being held whole.
enum TwoThreads {
  /// Values at least this long (256 KiB) are printed, walked for tables and
  /// expanded in two parts at once; below it, handing a part over costs more
  /// than it saves.
  static let longValue = 1 << 18

  /// Runs `other` on another thread while `mine` runs on this one, and
  /// returns both results once both are done.
  ///
  /// The call returns only after `other` has finished, also when `mine`
  /// throws (the error is rethrown then), so both closures may use memory
  /// and values that live only for the call. They must not change anything
  /// the other one reads.
  /// - Parameters:
  ///   - other: The part run on another thread.
  ///   - mine: The part run on the calling thread.
  /// - Returns: Both results.
  static func alongside<Mine, Other>(
    other: () -> Other, mine: () throws -> Mine
  ) rethrows -> (mine: Mine, other: Other) {
    try withoutActuallyEscaping(other) { other in
      let part = OtherPart(other)
      DispatchQueue.global().async { part.run() }
      // `other` may read what this frame owns: wait for it on every way out.
      let own: Mine
      do {
        own = try mine()
      } catch {
        part.done.wait()
        throw error
      }
      part.done.wait()
      guard let result = part.result else {
        preconditionFailure("the other thread signalled without a result")
      }
      return (own, result)
    }
  }

  /// The part ``alongside(other:mine:)`` runs on the other thread.
  ///
  /// It holds the closure and, once `done` is signalled, its result. The
  /// closure is dropped before the signal, so it does not outlive the call.
  private final class OtherPart<Result>: @unchecked Sendable {
    var body: (() -> Result)?
    var result: Result?
    let done = DispatchSemaphore(value: 0)

    init(_ body: @escaping () -> Result) { self.body = body }

    func run() {
      result = body?()
      body = nil
      done.signal()
    }
  }

  /// Formats `blocks` blocks on two threads and hands them to `output` in order.
  ///
  /// Another thread formats the odd blocks while the calling thread formats
  /// the even ones and hands every block over in order; the other thread
  /// runs at most `lookahead` blocks ahead, so at most `lookahead + 1` of its
  /// buffers exist at once, whatever the length of the whole. A block whose
  /// `format` returns false stops the run: neither it nor any later block is
  /// handed over.
  /// - Parameters:
  ///   - blocks: How many blocks there are.
  ///   - lookahead: How many formatted blocks may wait for `output`.
  ///   - makeState: Makes what one thread keeps from block to block (a cache);
  ///     called once on each thread.
  ///   - format: Appends block `index`'s bytes to `out` (empty when called);
  ///     false when the block cannot be formatted. Called on both threads:
  ///     it may only read what it shares.
  ///   - output: Receives each block's bytes in order, on the calling thread;
  ///     the bytes are reused once it returns.
  /// - Returns: The index of the first block not handed over (`blocks` when all were).
  static func inOrder<State>(
    blocks: Int, lookahead: Int = 2, makeState: @escaping @Sendable () -> State,
    format: @escaping @Sendable (_ index: Int, _ state: inout State, _ out: inout [UInt8]) -> Bool,
    output: ([UInt8]) -> Void
  ) -> Int {
    // A single block (or none) is formatted here, without another thread.
    guard blocks > 1 else {
      var (state, out) = (makeState(), [UInt8]())
      guard blocks == 1, format(0, &state, &out) else { return 0 }
      output(out)
      return 1
    }
    let handoff = Handoff(blocks: blocks, lookahead: lookahead)
    DispatchQueue.global().async {
      var state = makeState()
      // Each iteration formats one odd block, or stops.
      for index in stride(from: 1, to: blocks, by: 2) {
        handoff.room.wait()
        if handoff.stopped.load(ordering: .acquiring) { break }
        let slot = handoff.buffer(for: index)
        handoff.buffers[slot].removeAll(keepingCapacity: true)
        handoff.succeeded[index] = format(index, &state, &handoff.buffers[slot])
        handoff.done[index].signal()
      }
      handoff.finished.signal()
    }
    var state = makeState()
    var buffer: [UInt8] = []
    var handed = blocks
    for index in 0..<blocks {
      if index % 2 == 0 {
        buffer.removeAll(keepingCapacity: true)
        guard format(index, &state, &buffer) else {
          handed = index
          break
        }
        output(buffer)
      } else {
        handoff.done[index].wait()
        guard handoff.succeeded[index] else {
          handed = index
          break
        }
        output(handoff.buffers[handoff.buffer(for: index)])
        handoff.room.signal()
      }
    }
    // Stops the other thread (which may be waiting for room) and waits for it.
    handoff.stopped.store(true, ordering: .releasing)
    handoff.room.signal()
    handoff.finished.wait()
    return handed
  }

  /// What the two threads of ``inOrder(blocks:lookahead:makeState:format:output:)``
  /// share, in raw memory (an array read on one thread while written on the
  /// other could be copied on write).
  ///
  /// The other thread fills a block's buffer and flag before it signals the
  /// block's semaphore; the caller reads them after waiting on it and
  /// signals `room` once it has handed the buffer over, which the other
  /// thread then reuses: with at most `lookahead` blocks waiting and one
  /// being formatted, `lookahead + 1` buffers go round. `stopped` is atomic:
  /// the other thread may read it after a `room` signalled before the caller
  /// set it.
  private final class Handoff: @unchecked Sendable {
    let succeeded: UnsafeMutableBufferPointer<Bool>
    let buffers: UnsafeMutableBufferPointer<[UInt8]>
    let done: [DispatchSemaphore]
    let room: DispatchSemaphore
    let finished = DispatchSemaphore(value: 0)
    let stopped = Atomic<Bool>(false)

    init(blocks: Int, lookahead: Int) {
      succeeded = .allocate(capacity: blocks)
      succeeded.initialize(repeating: false)
      buffers = .allocate(capacity: lookahead + 1)
      buffers.initialize(repeating: [])
      done = (0..<blocks).map { _ in DispatchSemaphore(value: 0) }
      // Created empty and signalled: libdispatch refuses to free a semaphore
      // whose count ends below the one it was created with.
      room = DispatchSemaphore(value: 0)
      for _ in 0..<lookahead { room.signal() }
    }

    /// The buffer of the other thread's block `index` (an odd number).
    func buffer(for index: Int) -> Int { index / 2 % buffers.count }

    deinit {
      succeeded.deallocate()
      buffers.deinitialize()
      buffers.deallocate()
    }
  }
}

extension TwoThreads {
  /// Hands `value` to another thread, which frees it, when `elsewhere`;
  /// otherwise frees it here.
  ///
  /// The tables of a long file take a while to free, and nothing waits for
  /// it: the caller goes on (or the program ends) meanwhile. The caller
  /// gives up `value`, so the last reference is the other thread's. Small
  /// tables are freed sooner than a thread starts (a run over a real
  /// main.cf would start one only for this).
  static func release<Value>(_ value: consuming Value, elsewhere: Bool = true) {
    guard elsewhere else { return }
    let box = Unmanaged.passRetained(Released(value))
    DispatchQueue.global().async { box.release() }
  }

  private final class Released<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: consuming Value) { self.value = value }
  }
}
