import Testing

@testable import pfharden

@Suite struct CLITests {
  @Test func unknownSubcommandSuggestsAndExitsUsage() {
    var console = Console.capturing()
    let status = CLI.run(arguments: ["pfharden", "postcof"], console: &console)
    #expect(status == 64)
    #expect(String(decoding: console.stderr, as: UTF8.self).contains("Did you mean 'postconf'?"))
  }

  @Test func helpExitsZero() {
    var console = Console.capturing()
    #expect(CLI.run(arguments: ["pfharden", "help"], console: &console) == 0)
    #expect(String(decoding: console.stdout, as: UTF8.self).hasPrefix("OVERVIEW:"))
  }
}
