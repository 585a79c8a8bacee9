import Dispatch
import Synchronization

/// Formats a long parameter listing (`postconf`, `-n`, `-d`, with or without
/// `-x`) on two threads.
///
/// The ids are cut into blocks. A worker thread formats the odd blocks while
/// the calling thread formats the even ones and prints every block in order;
/// the worker runs at most ``lookahead`` blocks ahead. A block in which some
/// value would warn or fail (an expansion error, a host default that cannot
/// be computed) stops the run: the caller prints from that block on with the
/// plain loop, which produces the warnings and the fatal error exactly. Until
/// then nothing is printed but the lines the plain loop would print, so the
/// output is the same byte for byte. The model is frozen: the threads only
/// read it.
struct ListingPrinter: Sendable {
  /// Listings shorter than this are printed by the plain loop.
  static let parallelThreshold = 4096
  /// Parameters per block: small enough that a few blocks of output are
  /// little memory, large enough that handing blocks over costs nothing.
  static let blockSize = 2048
  /// How many formatted blocks the worker may keep waiting for the printer.
  static let lookahead = 2

  let frozen: FrozenParameterModel
  let mode: PostconfOptions.Mode

  /// Formats and hands over the lines of `ids` in order.
  /// - Parameters:
  ///   - ids: The parameters in listing order (all valid names).
  ///   - output: Receives each formatted block, in order; the bytes are
  ///     reused for a later block once it returns.
  /// - Returns: The index of the first id not printed (`ids.count` when all were).
  func print(_ ids: [NameTable.ID], output: ([UInt8]) -> Void) -> Int {
    let blocks = stride(from: 0, to: ids.count, by: Self.blockSize).map {
      $0..<min($0 + Self.blockSize, ids.count)
    }
    let handoff = Handoff(blocks: blocks.count, lookahead: Self.lookahead)
    let names = frozen.model.names.count
    DispatchQueue.global().async {
      var cache = FrozenParameterModel.LookupCache(count: names)
      // Each iteration formats one odd block, or stops.
      for index in stride(from: 1, to: blocks.count, by: 2) {
        handoff.room.wait()
        if handoff.stopped.load(ordering: .acquiring) { break }
        handoff.succeeded[index] = format(
          ids[blocks[index]], cache: &cache, into: &handoff.buffers[handoff.buffer(for: index)])
        handoff.done[index].signal()
      }
      handoff.finished.signal()
    }
    var cache = FrozenParameterModel.LookupCache(count: names)
    var buffer: [UInt8] = []
    var printed = ids.count
    for (index, block) in blocks.enumerated() {
      if index % 2 == 0 {
        guard format(ids[block], cache: &cache, into: &buffer) else {
          printed = block.lowerBound
          break
        }
        output(buffer)
      } else {
        handoff.done[index].wait()
        guard handoff.succeeded[index] else {
          printed = block.lowerBound
          break
        }
        output(handoff.buffers[handoff.buffer(for: index)])
        handoff.room.signal()
      }
    }
    // Stops the worker (which may be waiting for room) and waits for it.
    handoff.stopped.store(true, ordering: .releasing)
    handoff.room.signal()
    handoff.finished.wait()
    return printed
  }

  /// What the two threads share, in raw memory (an array read on one thread
  /// while written on the other could be copied on write).
  ///
  /// The worker fills a block's buffer and flag before it signals the block's
  /// semaphore; the printer reads them after waiting on it and signals `room`
  /// once it has printed the buffer, which the worker then reuses: with at
  /// most `lookahead` blocks waiting and one being formatted, `lookahead + 1`
  /// buffers go round. `stopped` is atomic: the worker may read it after a
  /// `room` signalled before the printer set it.
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

    /// The buffer of the worker's block `index` (an odd number).
    func buffer(for index: Int) -> Int { index / 2 % buffers.count }

    deinit {
      succeeded.deallocate()
      buffers.deinitialize()
      buffers.deallocate()
    }
  }

  /// Formats the lines of `ids` into `out` (emptied first); false when one
  /// of them would warn or fail.
  func format(
    _ ids: ArraySlice<NameTable.ID>, cache: inout FrozenParameterModel.LookupCache,
    into out: inout [UInt8]
  ) -> Bool {
    out.removeAll(keepingCapacity: true)
    for id in ids {
      guard id >= 0, frozen.model.isKnown(id) else { return false }
      do {
        try appendLine(id, cache: &cache, into: &out)
      } catch {
        return false
      }
    }
    return true
  }

  /// Appends the line postconf prints for the valid name `id` (nothing when
  /// it has no value in this mode).
  /// - Throws: ``PostconfFatal`` when a host default cannot be computed,
  ///   ``PostconfExpansionFailure`` when `-x` fails on the value.
  func appendLine(
    _ id: NameTable.ID, cache: inout FrozenParameterModel.LookupCache, into out: inout [UInt8]
  ) throws {
    // Closures here capture `frozen`, a class reference, never a copy of the
    // model (whose every table would be retained and released per line).
    let expands =
      mode.contains(.expand) && !frozen.model.nodes[Int(id)].has(ParameterModel.Node.raw)
    if !expands, printPieces(id, into: &out) { return }
    // The value where it is and, for a simple one, its expansion in a buffer
    // kept from line to line; anything else takes the general way below.
    var valueBuffer: [UInt8] = []
    var expanded: [UInt8] = []
    swap(&valueBuffer, &cache.valueBuffer)
    swap(&expanded, &cache.expansionBuffer)
    defer {
      swap(&valueBuffer, &cache.valueBuffer)
      swap(&expanded, &cache.expansionBuffer)
    }
    let printed = try frozen.model.withValue(of: id, mode: mode, scratch: &valueBuffer) { value in
      guard expands else {
        printLine(id, value, into: &out)
        return true
      }
      switch frozen.expandSimple(value, mode: mode, into: &expanded, cache: &cache) {
      case .plain(let end): printLine(id, UnsafeBufferPointer(rebasing: value[..<end]), into: &out)
      case .expanded: expanded.withUnsafeBufferPointer { printLine(id, $0, into: &out) }
      case .gaveUp: return false
      }
      return true
    }
    guard printed == false, var value = try frozen.model.value(of: id, mode: mode) else { return }
    value = try frozen.expand(value, mode: mode, cache: &cache)
    value.withUnsafeBufferPointer { printLine(id, $0, into: &out) }
  }

  /// Prints the line of `id` from the main.cf lines its value lies over.
  ///
  /// A value printed as it is is squeezed from its continuation lines in
  /// the file, never joined. False, with nothing printed, for any other
  /// value or form.
  private func printPieces(_ id: NameTable.ID, into out: inout [UInt8]) -> Bool {
    guard !mode.contains(.showDefaults), frozen.model.isKnown(id) else { return false }
    let printed = frozen.model.withSettingPieces(id) { file, pieces in
      frozen.model.names.withName(id) { name in
        LinePrinter.printParameter(
          name: name, pieces: pieces, of: file, hideName: mode.contains(.hideName),
          hideValue: mode.contains(.hideValue), fold: mode.contains(.fold), into: &out)
      }
    }
    return printed == true
  }

  private func printLine(
    _ id: NameTable.ID, _ value: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]
  ) {
    frozen.model.names.withName(id) { name in
      LinePrinter.printParameter(
        name: name, value: value, hideName: mode.contains(.hideName),
        hideValue: mode.contains(.hideValue), fold: mode.contains(.fold), into: &out)
    }
  }

}
