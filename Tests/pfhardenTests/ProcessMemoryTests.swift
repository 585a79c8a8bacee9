import PostfixConfig
import Testing

@testable import pfharden

/// The process's malloc settings follow the work: the heap grows in huge
/// pages where a master.cf's entries fill it.
@Suite struct ProcessMemoryTests {
  /// The master.cf modes grow the heap in huge pages; main.cf modes, whose
  /// tables reserve more than they fill, do not.
  @Test func onlyMasterCFModesGrowTheHeapInHugePages() {
    #expect(ProcessMemory.growsHeapInHugePages(for: [.masterEntries]))
    #expect(ProcessMemory.growsHeapInHugePages(for: [.masterFields, .fold]))
    #expect(ProcessMemory.growsHeapInHugePages(for: [.masterParameters]))
    #expect(ProcessMemory.growsHeapInHugePages(for: [.masterEntries, .nonDefault]))
    #expect(!ProcessMemory.growsHeapInHugePages(for: [.nonDefault]))
    #expect(!ProcessMemory.growsHeapInHugePages(for: [.expand, .showMaps]))
  }

  /// Only an allocation at the heap's end is advised: one the heap's end is
  /// not just above (another arena's, or one mapped apart) advises nothing.
  ///
  /// The heap's end is given here, not read: a test runs on a thread whose
  /// allocations may come from any arena, or be mapped apart, next to the
  /// end of the mapping that holds them (which is why reading it made an
  /// earlier form of this test pass or fail by chance).
  @Test func anAllocationNotAtTheHeapsEndAdvisesNothing() {
    let pad = 8 << 20
    var asked = 0
    // The heap ends below the allocation: it came from elsewhere.
    let below = ProcessMemory.growHeapInHugePages(pad: pad) { probe in
      asked += 1
      return UInt(bitPattern: probe) - 1
    }
    // The heap ends further above it than one pad and a huge page.
    let far = ProcessMemory.growHeapInHugePages(pad: pad) { probe in
      asked += 1
      return UInt(bitPattern: probe) + UInt(pad) + (4 << 20)
    }
    #expect(asked == 2)
    #expect(below == nil)
    #expect(far == nil)
  }
}
