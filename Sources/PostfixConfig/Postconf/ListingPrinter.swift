/// Formats a long parameter listing (`postconf`, `-n`, `-d`, with or without
/// `-x`) on two threads.
///
/// The ids are cut into blocks, formatted on two threads and printed in
/// order (``TwoThreads/inOrder(blocks:lookahead:makeState:format:output:)``);
/// the other thread runs at most ``lookahead`` blocks ahead. A block in which some
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
    // Only expansion looks values up: without `-x` a thread remembers
    // nothing (a table of a slot per name is made, zeroed and walked to be
    // freed by each thread).
    let names = mode.contains(.expand) ? frozen.model.names.count : 0
    let handed = TwoThreads.inOrder(
      blocks: blocks.count, lookahead: Self.lookahead,
      makeState: { FrozenParameterModel.LookupCache(count: names) },
      format: { index, cache, out in format(ids[blocks[index]], cache: &cache, into: &out) },
      output: output)
    return handed < blocks.count ? blocks[handed].lowerBound : ids.count
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
      switch frozen.expandSimple(value, of: id, mode: mode, into: &expanded, cache: &cache) {
      case .plain(let end): printLine(id, UnsafeBufferPointer(rebasing: value[..<end]), into: &out)
      case .expanded: expanded.withUnsafeBufferPointer { printLine(id, $0, into: &out) }
      case .gaveUp: return false
      }
      return true
    }
    guard printed == false, var value = try frozen.model.value(of: id, mode: mode) else { return }
    // The shortcut gave up (else the line is printed): the engine's own
    // shortcut, which follows fewer levels, would too.
    value = try frozen.expand(value, mode: mode, cache: &cache, engineOnly: true)
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
