import Foundation
import Testing

@testable import pfharden

@Suite struct CLITests {
  func run(_ arguments: [String]) -> (status: Int32, stdout: String, stderr: String) {
    var console = Console.capturing()
    let status = CLI.run(arguments: ["pfharden"] + arguments, console: &console)
    return (
      status, String(decoding: console.stdout, as: UTF8.self),
      String(decoding: console.stderr, as: UTF8.self)
    )
  }

  @Test func unknownSubcommandSuggestsAndExitsUsage() {
    let result = run(["postcof"])
    #expect(result.status == 64)
    #expect(result.stderr.contains("Did you mean 'postconf'?"))
  }

  @Test func unknownSubcommandIsEchoedSanitised() {
    let result = run(["\u{1B}[2Jx"])
    #expect(result.status == 64)
    #expect(!result.stderr.contains("\u{1B}"), "\(result.stderr)")
  }

  @Test func helpMatchesTheSnapshot() throws {
    let result = run(["help"])
    #expect(result.status == 0)
    #expect(result.stdout.hasPrefix("OVERVIEW:"))
    try ApplyCLIFixture.assertSnapshot(result.stdout, named: "../cli/help.txt")
  }

  @Test(arguments: ["apply", "check", "probe", "backup", "restore", "diff", "version", "postconf"])
  func helpCommandShowsTheCommandsHelp(command: String) {
    let viaHelp = run(["help", command])
    let direct = run([command, "--help"])
    #expect(viaHelp.status == direct.status)
    #expect(viaHelp.stdout == direct.stdout)
    #expect(!viaHelp.stdout.isEmpty || !viaHelp.stderr.isEmpty)
  }

  @Test func helpOfAnUnknownCommandIsAUsageError() {
    let result = run(["help", "aply"])
    #expect(result.status == 64)
    #expect(result.stderr.contains("Did you mean 'apply'?"))
  }

  @Test func versionIsPfhardensOwn() throws {
    let result = run(["--version"])
    #expect(result.status == 0)
    #expect(result.stdout == "pfharden \(CLI.version) (postconf emulation of Postfix 3.7.11)\n")
    #expect(run(["-V"]).stdout == result.stdout)
    try ApplyCLIFixture.assertSnapshot(result.stdout, named: "../cli/version.txt")
  }
}
