import Dispatch

/// Formats a long parameter listing (`postconf`, `-n`, `-d`, with or without
/// `-x`) on two threads.
///
/// The ids are cut into blocks; two blocks at a time are formatted at once,
/// each into its own buffer, and handed on in order. A block in which some
/// value would warn or fail (an expansion error, a host default that cannot
/// be computed) stops the run: the caller prints from that block on with the
/// plain loop, which produces the warnings and the fatal error exactly. Until
/// then nothing is printed but the lines the plain loop would print, so the
/// output is the same byte for byte. The model is frozen: the threads only
/// read it.
struct ListingPrinter: Sendable {
  /// Listings shorter than this are printed by the plain loop.
  static let parallelThreshold = 4096
  /// Parameters per block: small enough that two blocks of output are little
  /// memory, large enough that handing blocks over costs nothing.
  static let blockSize = 2048

  let frozen: FrozenParameterModel
  let mode: PostconfOptions.Mode

  /// Formats and hands over the lines of `ids` in order.
  /// - Parameters:
  ///   - ids: The parameters in listing order (all valid names).
  ///   - output: Receives each formatted block, in order.
  /// - Returns: The index of the first id not printed (`ids.count` when all were).
  func print(_ ids: [NameTable.ID], output: ([UInt8]) -> Void) -> Int {
    let model = frozen.model
    var caches = [
      FrozenParameterModel.LookupCache(count: model.names.count),
      FrozenParameterModel.LookupCache(count: model.names.count),
    ]
    var start = 0
    // Each round formats up to two blocks and moves `start` past every
    // block it prints; a round that prints nothing ends the loop.
    while start < ids.count {
      let ranges = [
        start..<min(start + Self.blockSize, ids.count),
        min(start + Self.blockSize, ids.count)..<min(start + 2 * Self.blockSize, ids.count),
      ]
      var blocks: [[UInt8]?] = [nil, nil]
      caches.withUnsafeMutableBufferPointer { cacheBuffer in
        blocks.withUnsafeMutableBufferPointer { blockBuffer in
          nonisolated(unsafe) let caches = cacheBuffer
          nonisolated(unsafe) let results = blockBuffer
          // Each thread writes only its own cache and result slot.
          DispatchQueue.concurrentPerform(iterations: 2) { index in
            results[index] = format(ids[ranges[index]], cache: &caches[index])
          }
        }
      }
      for (index, block) in blocks.enumerated() where !ranges[index].isEmpty {
        guard let block else { return ranges[index].lowerBound }
        output(block)
        start = ranges[index].upperBound
      }
    }
    return start
  }

  /// The lines of `ids`, or nil when one of them would warn or fail.
  func format(
    _ ids: ArraySlice<NameTable.ID>, cache: inout FrozenParameterModel.LookupCache
  ) -> [UInt8]? {
    var out: [UInt8] = []
    for id in ids {
      guard id >= 0, frozen.model.isKnown(id) else { return nil }
      do {
        try appendLine(id, cache: &cache, into: &out)
      } catch {
        return nil
      }
    }
    return out
  }

  /// Appends the line postconf prints for the valid name `id` (nothing when
  /// it has no value in this mode).
  /// - Throws: ``PostconfFatal`` when a host default cannot be computed,
  ///   ``PostconfExpansionFailure`` when `-x` fails on the value.
  func appendLine(
    _ id: NameTable.ID, cache: inout FrozenParameterModel.LookupCache, into out: inout [UInt8]
  ) throws {
    let model = frozen.model
    guard var value = try model.value(of: id, mode: mode) else { return }
    if mode.contains(.expand) && !model.nodes[Int(id)].has(ParameterModel.Node.raw) {
      value = try frozen.expand(value, mode: mode, cache: &cache)
    }
    model.names.withName(id) { name in
      LinePrinter.printParameter(
        name: name, value: value, hideName: mode.contains(.hideName),
        hideValue: mode.contains(.hideValue), fold: mode.contains(.fold), into: &out)
    }
  }
}
