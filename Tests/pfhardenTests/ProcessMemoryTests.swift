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
}
