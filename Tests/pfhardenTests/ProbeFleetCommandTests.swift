import Foundation
import Testing

@testable import SMTPProbe
@testable import pfharden

/// `pfharden probe` with several targets, in process, against servers on 127/8 only.
@Suite(.serialized) struct ProbeFleetCommandTests {
  struct Result {
    var status: Int32
    var stdout: String
    var stderr: String
  }

  /// The command as `main` runs it, through the fleet (a fixed control user; TCP).
  func probe(_ arguments: [String], fleet: ProbeFleet = ProbeFleet()) async -> Result {
    var console = Console.capturing()
    let status = await ProbeCommand.run(
      arguments: arguments, console: &console, configure: { $0.controlUser = "pfhcontrol" },
      fleet: fleet)
    return Result(
      status: status, stdout: String(decoding: console.stdout, as: UTF8.self),
      stderr: String(decoding: console.stderr, as: UTF8.self))
  }

  /// The single-target command as it has always run (synchronous, no fleet).
  func probeOne(_ arguments: [String]) -> Result {
    var console = Console.capturing()
    let status = ProbeCommand.run(
      arguments: arguments, console: &console, configure: { $0.controlUser = "pfhcontrol" },
      probe: { Prober.probe(host: $0, port: $1, options: $2) })
    return Result(
      status: status, stdout: String(decoding: console.stdout, as: UTF8.self),
      stderr: String(decoding: console.stderr, as: UTF8.self))
  }

  func lines(_ text: String) throws -> [[String: Any]] {
    try text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map {
      let object = try JSONSerialization.jsonObject(with: Data($0.utf8))
      return try #require(object as? [String: Any])
    }
  }

  func temporaryFile(_ text: String) throws -> String {
    let path = FileManager.default.temporaryDirectory
      .appendingPathComponent("pfharden-targets-\(UUID().uuidString.prefix(8))").path
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
  }

  // MARK: Parsing

  @Test(arguments: [
    (["127.0.0.1", "--concurrency", "0"], "--concurrency must be between 1 and 256"),
    (["127.0.0.1", "--concurrency", "257"], "--concurrency must be between 1 and 256"),
    (["127.0.0.1", "--concurrency", "many"], "--concurrency must be"),
    (["127.0.0.1", "127.0.0.2:0"], "not a HOST[:PORT]: '127.0.0.2:0'"),
    (["127.0.0.1", "127.0.0.2", "--format", "json"], "use --format jsonl"),
    (["--targets"], "needs a value"),
    (["127.0.0.1", "--concurency", "4"], "Did you mean '--concurrency'?"),
  ])
  func usageErrorsExit64(arguments: [String], message: String) {
    let result = probeOne(arguments)
    #expect(result.status == 64)
    #expect(result.stderr.contains(message), "\(result.stderr)")
    #expect(result.stdout.isEmpty)
  }

  @Test func targetsFileIgnoresCommentsAndBlankLinesAndGivesEachTargetItsPort() throws {
    let file = try temporaryFile(
      "# mail servers\n\n  127.0.0.2  \r\n127.0.0.3:587 # submission\n[::1]:2525\n\t\n127.0.0.4:465\n"
    )
    defer { try? FileManager.default.removeItem(atPath: file) }
    guard case .run(let invocation) = ProbeCommand.parse(["127.0.0.5", "--targets", file]) else {
      Issue.record("not parsed")
      return
    }
    #expect(
      invocation.targets.map(\.description) == [
        "127.0.0.5", "127.0.0.2", "127.0.0.3:587", "[::1]:2525", "127.0.0.4:465",
      ])
    #expect(invocation.concurrency == 8)
    let jobs = ProbeCommand.jobs(invocation) { _ in }
    #expect(jobs.map(\.port) == [25, 25, 587, 2525, 465])
    #expect(jobs.map(\.options.role) == [.mx, .mx, .submission, .mx, .mx])
    #expect(jobs.map(\.options.implicitTLS) == [false, false, false, false, true])
  }

  @Test func aBadLineInTheTargetsFileIsAUsageErrorNamingFileAndLine() throws {
    let file = try temporaryFile("127.0.0.2\n# fine\nbad:port:x\n127.0.0.3\n")
    defer { try? FileManager.default.removeItem(atPath: file) }
    let result = probeOne(["--targets", file])
    #expect(result.status == 64)
    #expect(
      result.stderr.hasPrefix(
        "pfharden probe: error: \(file):3: not a HOST[:PORT]: 'bad:port:x'\n"),
      "\(result.stderr)")
    #expect(result.stdout.isEmpty)
    let spaced = try temporaryFile("127.0.0.2 127.0.0.3\n")
    defer { try? FileManager.default.removeItem(atPath: spaced) }
    #expect(probeOne(["--targets", spaced]).stderr.contains("\(spaced):1: one target per line"))
    let empty = try temporaryFile("# nothing\n\n")
    defer { try? FileManager.default.removeItem(atPath: empty) }
    #expect(probeOne(["--targets", empty]).stderr.contains("no target in"))
    let missing = probeOne(["--targets", "/nonexistent/pfharden-targets"])
    #expect(missing.status == 2)
    #expect(missing.stderr.contains("cannot read targets"), "\(missing.stderr)")
  }

  // MARK: Several targets against loopback servers

  @Test func severalTargetsPrintAHeaderPerHostAndASummary() async throws {
    let open = try FakeSMTPServer(posture: .open)
    defer { open.stop() }
    let hardened = try FakeSMTPServer(posture: .hardened)
    defer { hardened.stop() }
    let targets = ["127.0.0.1:\(open.port)", "127.0.0.1:\(hardened.port)"]
    let result = await probe(
      targets + ["--no-tls", "--xclient-addr", "203.0.113.5", "--concurrency", "2"])
    #expect(result.status == 1, "\(result.stdout)\(result.stderr)")
    for target in targets {
      #expect(result.stdout.contains("==> \(target) ("), "\(result.stdout)")
    }
    #expect(result.stdout.contains(" of 2) <==\nprobe 127.0.0.1:"), "\(result.stdout)")
    #expect(
      result.stdout.contains("fleet: 2 hosts, 2 completed, 0 incomplete; worst finding: "),
      "\(result.stdout)")
    #expect(result.stdout.hasSuffix("connections\n"))
    // Each host's text is what the single-target command prints for it.
    for target in targets {
      let single = probeOne([target, "--no-tls", "--xclient-addr", "203.0.113.5"])
      #expect(result.stdout.contains(single.stdout), "\(target)")
    }
  }

  @Test func exitStatusIsTheWorstOverAllHosts() async throws {
    let hardened = try FakeSMTPServer(posture: .hardened)
    defer { hardened.stop() }
    let open = try FakeSMTPServer(posture: .open)
    defer { open.stop() }
    let closed = try FakeSMTPServer.freePort()
    let outside = ["--no-tls", "--xclient-addr", "203.0.113.5", "--timeout", "2"]
    let clean = "127.0.0.1:\(hardened.port)"
    #expect(await probe([clean, clean] + outside).status == 0)
    let findings = await probe([clean, "127.0.0.1:\(open.port)"] + outside)
    #expect(findings.status == 1)
    let refused = await probe([clean, "127.0.0.1:\(open.port)", "127.0.0.1:\(closed)"] + outside)
    #expect(refused.status == 2)
    #expect(
      refused.stderr.contains("pfharden probe: error: 127.0.0.1:\(closed): could not complete: "),
      "\(refused.stderr)")
    #expect(refused.stdout.contains("3 hosts, 2 completed, 1 incomplete"))
  }

  @Test func jsonLinesStreamOneReportPerLineThenTheSummary() async throws {
    let open = try FakeSMTPServer(posture: .open)
    defer { open.stop() }
    let hardened = try FakeSMTPServer(posture: .hardened)
    defer { hardened.stop() }
    let closed = try FakeSMTPServer.freePort()
    let targets = ["127.0.0.1:\(open.port)", "127.0.0.1:\(hardened.port)", "127.0.0.1:\(closed)"]
    let result = await probe(targets + ["--no-tls", "--format", "jsonl", "--timeout", "2"])
    #expect(result.status == 2)
    #expect(result.stdout.hasSuffix("\n"))
    let objects = try lines(result.stdout)
    #expect(objects.count == 4)
    let reports = objects.dropLast()
    #expect(reports.allSatisfy { $0["type"] as? String == "report" })
    #expect(reports.allSatisfy { $0["schemaVersion"] as? Int == 2 })
    let ports = reports.compactMap { ($0["target"] as? [String: Any])?["port"] as? Int }
    #expect(Set(ports) == Set([open.port, hardened.port, closed].map(Int.init)))
    let summary = try #require(objects.last)
    #expect(summary["type"] as? String == "summary")
    #expect(summary["hosts"] as? Int == 3)
    #expect(summary["completed"] as? Int == 2)
    #expect(summary["incomplete"] as? Int == 1)
    let hosts = try #require(summary["results"] as? [[String: Any]])
    #expect(hosts.map { $0["port"] as? Int } == [open.port, hardened.port, closed].map(Int.init))
    // Each report line is the single-target JSON report with its type in front.
    let single = probeOne(["127.0.0.1:\(open.port)", "--no-tls", "--format", "json"])
    let expected = try #require(
      try JSONSerialization.jsonObject(with: Data(single.stdout.utf8)) as? NSDictionary)
    let line = try #require(
      reports.first { ($0["target"] as? [String: Any])?["port"] as? Int == Int(open.port) })
    var got = line
    got["type"] = nil
    #expect(NSDictionary(dictionary: got) == expected)
  }

  @Test func oneTargetThroughTheFleetPrintsWhatTheSingleCommandPrints() async throws {
    let server = try FakeSMTPServer(posture: .open)
    defer { server.stop() }
    let target = "127.0.0.1:\(server.port)"
    for extra in [[], ["--format", "json"], ["-v"]] {
      let single = probeOne([target, "--no-tls"] + extra)
      let fleet = await probe([target, "--no-tls"] + extra)
      #expect(fleet.status == single.status)
      #expect(fleet.stdout == single.stdout)
      #expect(fleet.stderr == single.stderr)
    }
  }

  // MARK: Real Postfix on ten loopback addresses

  @Test(.enabled(if: MultiAddressPostfix.shouldRun, MultiAddressPostfix.skipComment))
  func realPostfixOnTenAddressesMatchesSingleHostProbes() async throws {
    try MultiAddressPostfix.require()
    let postfix = try MultiAddressPostfix(addresses: 10)
    defer { postfix.stop() }
    try postfix.start()
    let targets = postfix.addresses.map { "\($0):\(postfix.port)" }
    let started = Date()
    let result = await probe(
      targets + ["--concurrency", "4", "--format", "jsonl", "--timeout", "5"])
    let elapsed = Date().timeIntervalSince(started)
    let objects = try lines(result.stdout)
    #expect(objects.count == targets.count + 1, "\(result.stderr)\n\(postfix.log())")
    let summary = try #require(objects.last)
    #expect(summary["type"] as? String == "summary")
    #expect(summary["incomplete"] as? Int == 0, "\(result.stderr)")
    // From loopback, a hardened stock relay policy still trusts 127/8: findings, exit 1.
    #expect(result.status == 1, "\(result.stderr)")
    var connections = 0
    for target in targets {
      let line = try #require(
        objects.first {
          let host = ($0["target"] as? [String: Any])?["host"] as? String
          return host.map { target.hasPrefix($0 + ":") } ?? false
        }, "no report for \(target)")
      var fleetReport = line
      fleetReport["type"] = nil
      let single = probeOne([target, "--format", "json", "--timeout", "5"])
      let expected = try #require(
        try JSONSerialization.jsonObject(with: Data(single.stdout.utf8)) as? NSDictionary)
      #expect(NSDictionary(dictionary: fleetReport) == expected, "\(target)")
      connections += fleetReport["connections"] as? Int ?? 0
    }
    // Postfix saw every connection of both runs, and one greeting check per address.
    let logged = postfix.log().split(separator: "\n").filter { $0.contains(": connect from ") }
    #expect(
      logged.count == 2 * connections + targets.count,
      "\(logged.count) logged, \(connections) per run")
    print("fleet of \(targets.count) hosts at concurrency 4: \(elapsed) s")
  }
}
