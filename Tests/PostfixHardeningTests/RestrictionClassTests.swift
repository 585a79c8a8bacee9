import Testing

@testable import PostfixHardening

/// smtpd's start-up check follows restriction classes; each class is judged
/// once, whatever the number of times lists name it.
@Suite struct RestrictionClassTests {
  /// How often a class's list is read.
  final class Counter: @unchecked Sendable {
    var reads = 0
  }

  /// A chain of `depth` classes, each naming the next one `width` times.
  ///
  /// The last class holds `last`.
  static func chain(depth: Int, width: Int, last: [String], counter: Counter)
    -> RestrictionList.RestrictionClasses
  {
    RestrictionList.RestrictionClasses(
      names: Set((0..<depth).map { "c\($0)" }),
      words: { name in
        counter.reads += 1
        guard let index = Int(name.dropFirst()), index + 1 < depth else { return last }
        return Array(repeating: "c\(index + 1)", count: width)
      })
  }

  @Test func aClassNamedManyTimesIsReadOnce() {
    // Read naively, 8 names per class over 12 levels is 8^12 reads.
    let counter = Counter()
    let classes = Self.chain(depth: 12, width: 8, last: ["permit"], counter: counter)
    #expect(!RestrictionList.hasRequired(["c0", "permit"], classes: classes))
    #expect(counter.reads == 12)
  }

  @Test func aRequiredWordDeepInAClassIsFound() {
    let counter = Counter()
    let classes = Self.chain(
      depth: 10, width: 3, last: ["reject_unauth_destination"], counter: counter)
    #expect(RestrictionList.hasRequired(["c0", "permit"], classes: classes))
    #expect(counter.reads == 10)
  }

  @Test func classesNamingEachOtherEnd() {
    let counter = Counter()
    let classes = RestrictionList.RestrictionClasses(
      names: ["a", "b"],
      words: { name in
        counter.reads += 1
        return name == "a" ? ["b", "a"] : ["a", "b"]
      })
    #expect(!RestrictionList.hasRequired(["a"], classes: classes))
    #expect(counter.reads == 2)
  }

  @Test func aPermitBeforeTheClassWins() {
    let counter = Counter()
    let classes = Self.chain(
      depth: 2, width: 1, last: ["reject_unauth_destination"], counter: counter)
    #expect(!RestrictionList.hasRequired(["permit", "c0"], classes: classes))
    #expect(counter.reads == 0)
  }
}
