import Foundation
import Synchronization
import Testing

@testable import PostfixConfig

/// The two ways work is shared with another thread: both must give what one
/// thread alone gives, in the same order, and never leave the other thread
/// running past the call.
@Suite struct TwoThreadsTests {
  struct Stop: Error {}

  @Test func alongsideReturnsBothResults() {
    let value = Array(0..<100_000)
    let (mine, other) = TwoThreads.alongside(
      other: { value[50_000...].reduce(0, +) },
      mine: {
        value[..<50_000].reduce(0, +)
      })
    #expect(mine + other == value.reduce(0, +))
    #expect(mine == 1_249_975_000 && other == 3_749_975_000)
  }

  /// The caller's part failing must not return before the other part is
  /// done: it may read memory that lives only for the call.
  @Test func alongsideWaitsForTheOtherPartWhenMineThrows() {
    let finished = Atomic<Bool>(false)
    #expect(throws: Stop.self) {
      _ = try TwoThreads.alongside(
        other: {
          usleep(50_000)
          finished.store(true, ordering: .releasing)
          return 1
        },
        mine: { () throws -> Int in throw Stop() })
    }
    let done = finished.load(ordering: .acquiring)
    #expect(done)
  }

  @Test func blocksAreHandedOverInOrder() {
    var handed: [[UInt8]] = []
    let count = TwoThreads.inOrder(
      blocks: 41, makeState: { 0 },
      format: { index, calls, out in
        calls += 1
        out += Array("block \(index)\n".utf8)
        return true
      },
      output: { handed.append($0) })
    #expect(count == 41)
    #expect(handed == (0..<41).map { Array("block \($0)\n".utf8) })
  }

  /// The other thread stays at most `lookahead` blocks ahead of the one
  /// handing them over, however slow that one is: memory stays bounded.
  @Test(arguments: [1, 2, 4])
  func theOtherThreadRunsBoundedAhead(lookahead: Int) {
    let handed = Atomic<Int>(0)
    let furthest = Atomic<Int>(0)
    _ = TwoThreads.inOrder(
      blocks: 60, lookahead: lookahead, makeState: {},
      format: { index, _, out in
        let ahead = index - handed.load(ordering: .acquiring)
        while true {
          let seen = furthest.load(ordering: .relaxed)
          if ahead <= seen
            || furthest.compareExchange(expected: seen, desired: ahead, ordering: .relaxed)
              .exchanged
          {
            break
          }
        }
        out.append(UInt8(index))
        return true
      },
      output: { _ in
        usleep(500)
        handed.add(1, ordering: .releasing)
      })
    // Block `index` is formatted once `index - (2 * lookahead + 1)` blocks
    // are out at the latest: its own thread's earlier blocks are waiting.
    let most = furthest.load(ordering: .relaxed)
    #expect(most <= 2 * lookahead + 1)
    #expect(most >= 1)
  }

  @Test(arguments: [0, 1, 7, 8, 39])
  func aFailingBlockStopsTheRunThere(failing: Int) {
    var handed: [UInt8] = []
    let stopped = TwoThreads.inOrder(
      blocks: 40, makeState: {},
      format: { index, _, out in
        out.append(UInt8(index))
        return index != failing
      },
      output: { handed += $0 })
    #expect(stopped == failing)
    #expect(handed == (0..<failing).map(UInt8.init))
  }

  final class Record: @unchecked Sendable {
    var thread: pthread_t?
    let freed = DispatchSemaphore(value: 0)
  }

  final class Tracked: Sendable {
    let record: Record
    init(_ record: Record) { self.record = record }
    deinit {
      record.thread = pthread_self()
      record.freed.signal()
    }
  }

  @Test func releaseFreesOnAnotherThread() {
    let record = Record()
    TwoThreads.release(Tracked(record))
    #expect(record.freed.wait(timeout: .now() + 10) == .success)
    #expect(record.thread.map { pthread_equal($0, pthread_self()) == 0 } == true)
  }

  /// Small tables are freed at once, on the caller's thread: no thread is
  /// started for them.
  @Test func releaseOfSmallTablesFreesHere() {
    let record = Record()
    TwoThreads.release(Tracked(record), elsewhere: false)
    #expect(record.freed.wait(timeout: .now()) == .success)
    #expect(record.thread.map { pthread_equal($0, pthread_self()) != 0 } == true)
  }
}
