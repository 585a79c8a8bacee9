import Foundation
import Testing

@testable import PostfixConfig

/// Every program pfharden waits for has a time limit: a child that hangs (a
/// postconf reading a FIFO, a stuck lookup) is stopped, not waited for.
@Suite struct ChildTimeoutTests {
  @Test func aHangingProgramIsStoppedAtItsLimit() throws {
    let started = Date()
    do {
      _ = try InstalledPostfix.run(program: "/bin/sleep", arguments: ["30"], timeoutSeconds: 1)
      Issue.record("a 30 s sleep finished within a 1 s limit")
    } catch let error as PostfixConfigError {
      #expect(error.code == .postfixTool)
      #expect(error.reason.contains("did not finish within 1 s and was stopped"))
    }
    #expect(Date().timeIntervalSince(started) < 10)
  }

  @Test func aQuickProgramIsUnaffected() throws {
    let output = try InstalledPostfix.run(
      program: "/bin/sh", arguments: ["-c", "echo ok"], timeoutSeconds: 5)
    #expect(output.status == 0)
    #expect(String(decoding: output.stdout, as: UTF8.self) == "ok\n")
  }
}
