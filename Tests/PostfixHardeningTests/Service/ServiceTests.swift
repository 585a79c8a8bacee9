import Foundation
import PostfixConfig
import Testing

@testable import PostfixHardening

@Suite struct ListeningSocketsTests {
  static let table = """
      sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
       0: 0100007F:0019 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1
       1: 00000000:024B 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2 1
       2: 0100007F:0019 0100007F:D431 01 00000000:00000000 00:00000000 00000000     0        0 3 1
    """
  static let table6 = """
      sl  local_address                         remote_address                        st
       0: 00000000000000000000000001000000:0019 00000000000000000000000000000000:0000 0A 0
    """

  @Test func parsesListeningSocketsOnly() {
    let sockets = ListeningSockets.parse(Array(Self.table.utf8))
    #expect(sockets.map(\.port) == [25, 587])
    #expect(sockets.first?.address.description == "127.0.0.1")
    #expect(sockets.last?.address.description == "0.0.0.0")
    let six = ListeningSockets.parse(Array(Self.table6.utf8))
    #expect(six.first?.address.description == "::1")
  }

  func configuration(_ main: String, _ master: String) -> PostfixConfiguration {
    PostfixConfiguration(
      mainCF: MainCF(bytes: Array(main.utf8)), masterCF: MasterCF(bytes: Array(master.utf8)),
      host: ApplySupport.host)
  }

  @Test func loopbackOnlyMatchesOnlyLoopbackSockets() {
    let config = configuration(
      "inet_interfaces = loopback-only\n",
      "smtp inet n - n - - smtpd\nsubmission inet n - n - - smtpd\n")
    let sockets = ListeningSockets.parse(Array(Self.table.utf8))
    let problems = ListeningSockets.mismatches(sockets, configuration: config)
    #expect(
      problems == [
        "port 587 listens on 0.0.0.0, which inet_interfaces = loopback-only does not include"
      ])
    let fine = ListeningSockets.mismatches(
      Array(sockets.prefix(1)),
      configuration: configuration(
        "inet_interfaces = loopback-only\n", "smtp inet n - n - - smtpd\n"))
    #expect(fine.isEmpty)
  }

  @Test func aHostPortServiceAndAMissingListener() throws {
    let config = configuration(
      "inet_interfaces = all\n", "127.0.0.1:2525 inet n - n - - smtpd\nsmtp inet n - n - - smtpd\n")
    let sockets = [
      ListeningSockets.Socket(address: try #require(IPAddress("127.0.0.1")), port: 2525)
    ]
    #expect(
      ListeningSockets.mismatches(sockets, configuration: config) == ["nothing listens on port 25"])
  }

  @Test func logProblemsAreWarningsAndWorse() {
    let log = """
      Nov 29 09:00:00 vm postfix/master[1]: reload -- version 3.7.11
      Nov 29 09:00:01 vm postfix/smtpd[2]: warning: unknown smtpd restriction: "foo"
      Nov 29 09:00:02 vm postfix/smtpd[3]: fatal: bad thing\u{1B}[31m
      Nov 29 09:00:03 vm postfix/smtpd[4]: connect from localhost
      """
    let problems = LogWatch.problems(in: Array(log.utf8))
    #expect(problems.count == 2)
    #expect(problems.last?.hasSuffix("fatal: bad thing?[31m") == true)
  }
}

@Suite struct LogWatchTests {
  @Test func onlyLinesLoggedAfterTheStartCount() throws {
    let directory = try ApplySupport.temporaryCopy(of: ApplySupport.debian)
    defer { ApplySupport.remove(directory) }
    let log = directory + "/maillog"
    try Data("old: warning: before the reload\n".utf8).write(to: URL(fileURLWithPath: log))
    let watch = try #require(
      LogWatch.start(maillogFile: log, manager: .postfix(program: "/usr/sbin/postfix")))
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
    handle.seekToEndOfFile()
    handle.write(Data("postfix/master[9]: reload\npostfix/smtpd[10]: warning: new one\n".utf8))
    try handle.close()
    #expect(watch.collect(seconds: 0) == ["postfix/smtpd[10]: warning: new one"])
    #expect(LogWatch.start(maillogFile: "", manager: .postfix(program: "/x")) == nil)
  }
}
