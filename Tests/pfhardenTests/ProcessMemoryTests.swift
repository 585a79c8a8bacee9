import Foundation
import PostfixConfig
import Testing

@testable import pfharden

/// The process's malloc settings follow the work: one arena where threads
/// hand memory to each other, two where each keeps what it builds.
@Suite struct ProcessMemoryTests {
  @Test(arguments: [
    ([PostconfOptions.Mode.masterEntries], 2),
    ([.masterFields, .fold], 2),
    ([.masterParameters, .hideName], 2),
    ([.masterEntries, .nonDefault], 2),
    ([.nonDefault], 1),
    ([.mainParameters, .nonDefault], 1),
    ([.expand, .showMaps], 1),
    ([], 1),
  ])
  func masterCFModesGetAnArenaPerParsingThread(modes: [PostconfOptions.Mode], arenas: Int) {
    #expect(ProcessMemory.arenas(for: PostconfOptions.Mode(modes)) == Int32(arenas))
  }

  /// The master.cf modes grow the heap in huge pages; main.cf modes, whose
  /// tables reserve more than they fill, do not.
  @Test func onlyMasterCFModesGrowTheHeapInHugePages() {
    #expect(ProcessMemory.growsHeapInHugePages(for: [.masterEntries]))
    #expect(ProcessMemory.growsHeapInHugePages(for: [.masterFields, .fold]))
    #expect(ProcessMemory.growsHeapInHugePages(for: [.masterParameters]))
    #expect(!ProcessMemory.growsHeapInHugePages(for: [.nonDefault]))
    #expect(!ProcessMemory.growsHeapInHugePages(for: [.expand, .showMaps]))
  }

  /// Only the main heap is grown in huge pages: an allocation that comes
  /// from elsewhere (a test runs on a thread with a malloc arena of its own,
  /// which the pad does not grow) advises nothing.
  @Test func anAllocationOutsideTheMainHeapAdvisesNothing() {
    var ends: [UInt] = []
    let range = ProcessMemory.growHeapInHugePages(pad: 8 << 20) { probe in
      let end = Self.mappingEnd(containing: UInt(bitPattern: probe)) ?? 0
      ends.append(end)
      return end
    }
    #expect(ends.count == 1)
    #expect(range == nil)
  }

  /// The end of the mapping that holds `address` (`/proc/self/maps`).
  static func mappingEnd(containing address: UInt) -> UInt? {
    guard let file = FileHandle(forReadingAtPath: "/proc/self/maps"),
      let maps = String(data: file.readDataToEndOfFile(), encoding: .utf8)
    else { return nil }
    for line in maps.split(separator: "\n") {
      let bounds = line.prefix { $0 != " " }.split(separator: "-").compactMap {
        UInt($0, radix: 16)
      }
      if bounds.count == 2 && bounds[0] <= address && address < bounds[1] { return bounds[1] }
    }
    return nil
  }

}
