import Testing

@testable import PostfixConfig

/// A value nested deeper than ``LargeStack/inlineDepth`` goes on in place
/// when the caller's stack has room for every level allowed, and moves to a
/// thread of its own only when it has not; the answer is the same either way.
@Suite struct LargeStackTests {
  /// `c0 = x`, `cN = $c(N-1) ${x?y}`: each level has a conditional, so the
  /// shortcut leaves the whole chain to the engine.
  static let chain: [String: [UInt8]] = {
    var values = ["c0": Array("x".utf8), "x": Array("1".utf8)]
    for index in 1...140 { values["c\(index)"] = Array("$c\(index - 1) ${x?y}".utf8) }
    return values
  }()

  /// Runs the engine on `$c<depth>` on a new thread with a `stackSize`-byte stack.
  static func expand(depth: Int, stackSize: Int) -> MacroEngine.Run? {
    var run: MacroEngine.Run?
    let started = LargeStack.run(stackSize: stackSize) {
      run = MacroEngine.runEngine(
        Array("$c\(depth)".utf8), scanning: false, limits: .default,
        lookup: { chain[$0] })
    }
    return started ? run : nil
  }

  @Test(arguments: [20, 40, 60, 98, 99, 140])
  func aRoomyStackKeepsTheValueInPlace(depth: Int) throws {
    let roomy = try #require(Self.expand(depth: depth, stackSize: 64 << 20))
    // glibc may give a thread a cached stack up to four times the size
    // asked for: 512 KiB asked is at most 2 MiB given, never more than
    // the spare alone.
    let small = try #require(Self.expand(depth: depth, stackSize: 512 << 10))
    // Past 30 levels the small stack has no room for the 1,000 levels the
    // limits allow; the roomy one has, and starts no thread for the value.
    #expect(!roomy.movedToLargeStack)
    #expect(small.movedToLargeStack == (depth + 2 > LargeStack.inlineDepth))
    #expect(roomy.events == small.events)
    switch (roomy.outcome, small.outcome) {
    case (.success(let inPlace), .success(let moved)):
      #expect(inPlace.result == moved.result)
      #expect(inPlace.error == moved.error)
      if depth <= 60 {
        #expect(inPlace.result == Array(("x" + String(repeating: " y", count: depth)).utf8))
        #expect(!inPlace.error)
      } else if depth > ExpansionLimits.nestingLimit {
        #expect(inPlace.error)
        #expect(!roomy.warnings.isEmpty)
      }
    default:
      Issue.record("both runs should end: \(roomy.outcome) / \(small.outcome)")
    }
  }

  /// The bounds read for this thread's stack hold the caller, and no more
  /// than the size the thread was made with lies between them and it.
  @Test func theStackBoundsHoldTheCaller() throws {
    var found: (bounds: Range<UInt>?, here: UInt) = (nil, 0)
    let size = 4 << 20
    #expect(
      LargeStack.run(stackSize: size) { found = (LargeStack.stackBounds(), LargeStack.here()) })
    let bounds = try #require(found.bounds)
    #expect(bounds.contains(found.here))
    // At least the size asked for; glibc may reuse a larger cached stack.
    #expect(bounds.count >= size && bounds.count <= 4 * size + (1 << 20))
    // This thread's own bounds, asked twice, are the same (kept per thread),
    // and are not the other thread's.
    let own = try #require(LargeStack.stackBounds())
    #expect(LargeStack.stackBounds() == own)
    #expect(own.contains(LargeStack.here()))
    #expect(own.lowerBound != bounds.lowerBound)
    // Heap memory is not on the stack.
    let heap = UnsafeMutablePointer<UInt8>.allocate(capacity: 64)
    defer { heap.deallocate() }
    #expect(!own.contains(UInt(bitPattern: heap)))
    // A level that found room may go down to half the spare above the bottom.
    #expect(LargeStack.floor() == own.lowerBound + UInt(LargeStack.spare / 2))
  }

  /// Room is what is left below the caller against what the levels so far
  /// took, times ``LargeStack/safetyFactor``, plus ``LargeStack/spare``.
  @Test func roomIsMeasuredAgainstTheLevelsSoFar() throws {
    var answers: [Bool] = []
    #expect(
      LargeStack.run(stackSize: 8 << 20) {
        let here = LargeStack.here()
        // The room this thread really has (glibc may hand it a cached stack
        // larger than asked), less what the calls below take.
        guard let bounds = LargeStack.stackBounds() else { return }
        let room = Int(here - bounds.lowerBound) - 4_096
        let spare = LargeStack.spare
        // As if each of ten levels had taken a bit less than 1,000 more
        // could take at twice the rate, with the spare left: room. (The
        // levels are measured down to the stack pointer inside the call, a
        // few hundred bytes lower: 600 bytes a level keep it in.)
        let fits = (room - spare) / (2 * 1_000) - 600
        answers.append(
          LargeStack.hasRoom(top: here + UInt(10 * fits), levelsSoFar: 10, more: 1_000))
        // As if each had taken a thousandth of all the room: no room.
        let exceeds = room / 1_000
        answers.append(
          LargeStack.hasRoom(top: here + UInt(10 * exceeds), levelsSoFar: 10, more: 1_000))
        // Nothing measured, or a top below the stack pointer: no room.
        answers.append(LargeStack.hasRoom(top: here + 10_240, levelsSoFar: 0, more: 10))
        answers.append(LargeStack.hasRoom(top: here - 65_536, levelsSoFar: 10, more: 10))
        // An absurd size overflows nothing and fits nowhere.
        answers.append(LargeStack.hasRoom(top: here + 10_240, levelsSoFar: 1, more: .max))
      })
    #expect(answers == [true, false, false, false, false])
  }
}
