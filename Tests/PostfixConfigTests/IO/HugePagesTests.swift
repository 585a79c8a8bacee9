import Foundation
import Testing

@testable import PostfixConfig

/// Huge-page advice covers whole 2 MiB pages inside a buffer, never memory
/// outside it, and reaches the kernel.
@Suite struct HugePagesTests {
  let page = UInt(HugePages.size)

  @Test func interiorIsTheWholeHugePagesInside() {
    // Aligned at both ends: all of it.
    #expect(HugePages.interior(address: 4 * page, count: 3 * HugePages.size) == 4 * page..<7 * page)
    // Unaligned start and end: rounded inwards.
    #expect(
      HugePages.interior(address: 4 * page + 1, count: 3 * HugePages.size)
        == 5 * page..<7 * page)
    #expect(
      HugePages.interior(address: 4 * page - 4096, count: 2 * HugePages.size + 8192)
        == 4 * page..<6 * page)
  }

  @Test func noWholeHugePageMeansNoAdvice() {
    // Shorter than a huge page, or as long but straddling a boundary.
    #expect(HugePages.interior(address: 4 * page, count: HugePages.size - 1) == nil)
    #expect(HugePages.interior(address: 4 * page + 1, count: HugePages.size) == nil)
    #expect(HugePages.interior(address: 4 * page, count: 0) == nil)
    // Exactly one, aligned.
    #expect(HugePages.interior(address: 4 * page, count: HugePages.size) == 4 * page..<5 * page)
    // Near the top of the address space: no overflow, no advice.
    #expect(HugePages.interior(address: UInt.max - 100, count: 3 * HugePages.size) == nil)
    #expect(HugePages.interior(address: UInt.max - 3 * page, count: 2 * HugePages.size) != nil)
  }

  /// The kernel marks the advised memory (`hg` in `/proc/self/smaps`), and
  /// the buffer's bytes are what was written, huge pages or not.
  ///
  /// The buffer is a fresh mapping of its own, not from malloc: glibc hands
  /// out memory that an earlier test freed, and advice stays on the mapping,
  /// so malloc's memory before the first huge page may already be advised.
  @Test func adviceReachesTheKernelAndKeepsTheBytes() throws {
    let count = 4 * HugePages.size + 12_345
    let mapped = mmap(nil, count, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
    let start = try #require(mapped == MAP_FAILED ? nil : mapped)
    defer { munmap(start, count) }
    // Start 12,345 bytes in, so that the buffer does not begin on a huge page.
    let offset = 12_345
    let buffer = UnsafeMutableRawBufferPointer(start: start + offset, count: count - offset)
    let base = UInt(bitPattern: buffer.baseAddress)
    let inside = try #require(HugePages.interior(address: base, count: buffer.count))
    HugePages.advise(buffer)
    for index in 0..<buffer.count { buffer[index] = UInt8(truncatingIfNeeded: index &* 31) }
    #expect((0..<buffer.count).allSatisfy { buffer[$0] == UInt8(truncatingIfNeeded: $0 &* 31) })
    guard FileManager.default.fileExists(atPath: "/sys/kernel/mm/transparent_hugepage/enabled")
    else {
      print("skipped: this kernel has no transparent huge pages")
      return
    }
    // Read to its end: the file reports a size of zero.
    guard let file = FileHandle(forReadingAtPath: "/proc/self/smaps"),
      let smaps = String(data: file.readDataToEndOfFile(), encoding: .utf8)
    else {
      print("skipped: /proc/self/smaps cannot be read here")
      return
    }
    let flags = try #require(Self.flags(of: inside.lowerBound, in: smaps))
    #expect(flags.contains("hg"))
    // Memory before the first whole huge page is not advised.
    if base < inside.lowerBound, let before = Self.flags(of: base, in: smaps) {
      #expect(!before.contains("hg"))
    }
  }

  /// The `VmFlags` words of the mapping that holds `address`.
  static func flags(of address: UInt, in smaps: String) -> [Substring]? {
    var inMapping = false
    for line in smaps.split(separator: "\n") {
      let words = line.split(separator: " ")
      if let range = words.first, range.contains("-"), !range.hasSuffix(":") {
        let bounds = range.split(separator: "-").compactMap { UInt($0, radix: 16) }
        inMapping = bounds.count == 2 && bounds[0] <= address && address < bounds[1]
      } else if inMapping, words.first == "VmFlags:" {
        return Array(words.dropFirst())
      }
    }
    return nil
  }
}
