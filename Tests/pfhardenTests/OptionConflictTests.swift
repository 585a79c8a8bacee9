import Foundation
import Testing

@testable import pfharden

/// Options that make no sense together are refused with a usage error.
@Suite struct OptionConflictTests {
  func run(_ arguments: [String]) -> (status: Int32, stdout: String, stderr: String) {
    var console = Console.capturing(environment: ["PFHARDEN_DEFAULTS": "embedded"])
    let status = CLI.run(arguments: ["pfharden"] + arguments, console: &console)
    return (
      status, String(decoding: console.stdout, as: UTF8.self),
      String(decoding: console.stderr, as: UTF8.self)
    )
  }

  @Test(arguments: [
    (
      ["apply", "--profile", "mx", "--check", "--reload"],
      "pfharden apply: error: --check and --reload exclude each other: --check writes nothing, "
        + "so there is nothing to reload\n"
    ),
    (
      ["apply", "--profile", "mx", "--dry-run", "--yes"],
      "pfharden apply: error: --dry-run and --yes exclude each other: --dry-run writes nothing, "
        + "so there is nothing to confirm\n"
    ),
    (
      ["apply", "--profile", "mx", "-y", "--dry-run"],
      "pfharden apply: error: --dry-run and --yes exclude each other: --dry-run writes nothing, "
        + "so there is nothing to confirm\n"
    ),
    (
      ["apply", "--profile", "send-only", "--network", "192.0.2.0/24", "--dry-run"],
      "pfharden apply: error: --profile send-only takes no --network: a send-only host accepts "
        + "mail from loopback only; use the relay profile\n"
    ),
    (
      ["apply", "--network=192.0.2.0/24", "--profile=send-only", "--check"],
      "pfharden apply: error: --profile send-only takes no --network: a send-only host accepts "
        + "mail from loopback only; use the relay profile\n"
    ),
    (
      ["check", "--live", "--config-only"],
      "pfharden check: error: --live and --config-only exclude each other: --live reads this "
        + "host's sockets, --config-only audits a copy from another host\n"
    ),
    (
      ["restore", "a.tar.gz", "--dry-run", "--yes"],
      "pfharden restore: error: --dry-run and --yes exclude each other: --dry-run writes "
        + "nothing, so there is nothing to confirm\n"
    ),
    (
      ["probe", "127.0.0.1", "--tls-only", "--no-tls"],
      "pfharden probe: error: --tls-only and --no-tls exclude each other: --tls-only runs only "
        + "the TLS analysis, which --no-tls skips\n"
    ),
  ])
  func conflictsExit64WithAClearMessage(arguments: [String], message: String) {
    let result = run(arguments)
    #expect(result.status == 64)
    #expect(result.stdout.isEmpty)
    let command = arguments[0]
    #expect(result.stderr == message + "Run 'pfharden \(command) --help' for usage.\n")
  }

  @Test func helpWinsOverAConflict() {
    let result = run(["apply", "--check", "--reload", "--help"])
    #expect(result.status == 0)
    #expect(result.stdout == ApplyCommand.help)
  }

  @Test func theOptionsAloneAreAccepted() throws {
    let config = ApplyCLIFixture.debian
    for arguments in [
      ["apply", "--profile", "send-only", "-c", config, "--check"],
      ["apply", "--profile", "relay", "--network", "192.0.2.0/24", "-c", config, "--dry-run"],
    ] {
      let result = run(arguments)
      #expect(result.status == 0 || result.status == 1, "\(arguments): \(result.stderr)")
    }
    let check = run(["check", "-c", config, "--config-only"])
    #expect(check.status == 0 || check.status == 1, "\(check.stderr)")
    // A relay with networks is what --network is for.
    guard
      case .run(let relay) = ApplyCommand.parse([
        "--profile", "relay", "--network", "192.0.2.0/24", "--yes", "--reload",
      ])
    else {
      Issue.record("relay --yes --reload refused")
      return
    }
    #expect(relay.yes && relay.reload)
  }
}
