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
    let small = try #require(Self.expand(depth: depth, stackSize: 1 << 20))
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
    #expect(bounds.count >= size && bounds.count <= size + (1 << 20))
    #expect(found.here - bounds.lowerBound <= UInt(size))
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
        // As if ten levels had taken 10 KiB: 1,000 more need about 2 MB.
        answers.append(LargeStack.hasRoom(top: here + 10_240, levelsSoFar: 10, more: 1_000))
        // As if they had taken 100 KiB: 1,000 more need about 20 MB.
        answers.append(LargeStack.hasRoom(top: here + 102_400, levelsSoFar: 10, more: 1_000))
        // Nothing measured, or a top below the stack pointer: no room.
        answers.append(LargeStack.hasRoom(top: here + 10_240, levelsSoFar: 0, more: 10))
        answers.append(LargeStack.hasRoom(top: here - 65_536, levelsSoFar: 10, more: 10))
        // An absurd size overflows nothing and fits nowhere.
        answers.append(LargeStack.hasRoom(top: here + 10_240, levelsSoFar: 1, more: .max))
      })
    #expect(answers == [true, false, false, false, false])
  }
}
