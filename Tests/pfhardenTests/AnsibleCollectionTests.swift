import Foundation
import Testing

/// The `pfharden.postfix` collection (integrations/ansible) with real
/// ansible-core: `ansible-playbook` against `localhost` (`connection: local`)
/// on copies of Examples/debian, with the pfharden binary just built.
@Suite(.enabled(if: AnsibleRunner.shouldRun, AnsibleRunner.skipComment))
struct AnsibleCollectionTests {
  /// A play that applies `options` (YAML lines under the module) with the built binary.
  func applyPlay(_ options: String, name: String = "harden") throws -> String {
    """
    - hosts: localhost
      gather_facts: false
      tasks:
        - name: \(name)
          pfharden.postfix.pfharden_apply:
            executable: \(try AnsibleRunner.pfharden())
    \(options.split(separator: "\n").map { "        " + $0 }.joined(separator: "\n"))

    """
  }

  func files(_ directory: String) throws -> [Data] {
    try ["main.cf", "master.cf"].map { try ApplyCLIFixture.bytes(directory + "/" + $0) }
  }

  @Test func checkModeReportsChangesWithoutWriting() throws {
    let workspace = try AnsibleRunner.Workspace()
    defer { workspace.remove() }
    let config = try workspace.configCopy()
    let before = try files(config)
    let play = try applyPlay(
      """
      profile: relay
      network: [192.0.2.0/24]
      config_dir: \(config)
      backup_dir: \(workspace.directory)/backups
      """)
    let result = try workspace.playbook(play, ["--check"])
    #expect(result.status == 0, result.transcript)
    let stats = try result.stats()
    #expect(stats["changed"] == 1, result.transcript)
    #expect(stats["failed"] == 0, result.transcript)
    let task = try result.task("harden")
    #expect(task["changed"] as? Bool == true)
    let plan = try #require(task["plan"] as? [String: Any], result.transcript)
    #expect(plan["mode"] as? String == "check")
    #expect(plan["applied"] as? Bool == false)
    let changes = try #require(task["changes"] as? [[String: Any]])
    #expect(changes.contains { $0["name"] as? String == "disable_vrfy_command" })
    let command = task["cmd"] as? [String] ?? []
    #expect(command.contains("--check") && !command.contains("--yes"), "\(command)")
    #expect(try files(config) == before)
    #expect(!FileManager.default.fileExists(atPath: workspace.directory + "/backups"))
  }

  @Test func aRealRunChangesTheFilesAndASecondRunNothing() throws {
    let workspace = try AnsibleRunner.Workspace()
    defer { workspace.remove() }
    let config = try workspace.configCopy()
    let before = try files(config)
    let play = try applyPlay(
      """
      profile: mx
      domain: [example.test]
      config_dir: \(config)
      backup_dir: \(workspace.directory)/backups
      """)
    let first = try workspace.playbook(play)
    #expect(first.status == 0, first.transcript)
    #expect(try first.stats()["changed"] == 1, first.transcript)
    #expect(try files(config) != before)
    let task = try first.task("harden")
    let backup = try #require(task["backup"] as? [String: Any], first.transcript)
    let archive = try #require(backup["archive"] as? String)
    #expect(FileManager.default.fileExists(atPath: archive))
    let plan = try #require(task["plan"] as? [String: Any])
    #expect(plan["applied"] as? Bool == true)
    #expect(plan["mode"] as? String == "apply")
    let text = try String(contentsOfFile: config + "/main.cf", encoding: .utf8)
    #expect(text.contains("disable_vrfy_command = yes\n"))
    let after = try files(config)
    let second = try workspace.playbook(play)
    #expect(second.status == 0, second.transcript)
    #expect(try second.stats()["changed"] == 0, second.transcript)
    #expect(try second.task("harden")["backup"] == nil, second.transcript)
    #expect(try files(config) == after)
  }

  @Test func diffModeShowsTheUnifiedDiff() throws {
    let workspace = try AnsibleRunner.Workspace()
    defer { workspace.remove() }
    let config = try workspace.configCopy()
    let play = try applyPlay(
      """
      profile: send-only
      config_dir: \(config)
      """)
    // The default callback prints the diff as a person sees it.
    let shown = try workspace.playbook(play, ["--check", "--diff"])
    #expect(shown.status == 0, shown.transcript)
    #expect(
      shown.stdout.contains("--- \(config)/main.cf\n+++ \(config)/main.cf\n"), shown.transcript)
    #expect(shown.stdout.contains("-inet_interfaces = all\n"), shown.transcript)
    #expect(shown.stdout.contains("+inet_interfaces = loopback-only\n"), shown.transcript)
    #expect(try shown.stats()["changed"] == 1, shown.transcript)
    // Without --diff, no diff.
    let quiet = try workspace.playbook(play, ["--check"])
    #expect(quiet.status == 0, quiet.transcript)
    #expect(!quiet.stdout.contains("\n+inet_interfaces = loopback-only\n"), quiet.transcript)
    #expect(try quiet.task("harden")["changed"] as? Bool == true, quiet.transcript)
  }

  @Test func aBadProfileFailsTheTaskWithPfhardensMessage() throws {
    let workspace = try AnsibleRunner.Workspace()
    defer { workspace.remove() }
    let config = try workspace.configCopy()
    let before = try files(config)
    let result = try workspace.playbook(
      try applyPlay(
        """
        profile: rely
        network: [192.0.2.0/24]
        config_dir: \(config)
        """))
    #expect(result.status == 2, result.transcript)
    #expect(try result.stats()["failed"] == 1, result.transcript)
    let task = try result.task("harden")
    #expect(task["outcome"] as? String == "fatal", result.transcript)
    #expect(task["rc"] as? Int == 64)
    let message = task["msg"] as? String ?? ""
    #expect(
      message.contains("pfharden apply: error: unknown profile 'rely' (did you mean 'relay'?)"),
      result.transcript)
    #expect(try files(config) == before)
  }

  @Test func checkReturnsTheFindingsAndFailsOnlyWhenAsked() throws {
    let workspace = try AnsibleRunner.Workspace()
    defer { workspace.remove() }
    let config = try workspace.configCopy()
    let binary = try AnsibleRunner.pfharden()
    let play = """
      - hosts: localhost
        gather_facts: false
        tasks:
          - name: audit
            pfharden.postfix.pfharden_check:
              executable: \(binary)
              config_dir: \(config)
              config_only: true
          - name: strict
            pfharden.postfix.pfharden_check:
              executable: \(binary)
              config_dir: \(config)
              config_only: true
              fail_on: warning

      """
    let result = try workspace.playbook(play)
    #expect(result.status == 2, result.transcript)
    let audit = try result.task("audit")
    #expect(audit["outcome"] as? String == "ok", result.transcript)
    #expect(audit["changed"] as? Bool == false)
    let report = try #require(audit["report"] as? [String: Any], result.transcript)
    #expect(report["schemaVersion"] as? Int == 1)
    let findings = try #require(audit["findings"] as? [[String: Any]])
    #expect(findings.contains { $0["id"] as? String == "disable-vrfy" }, result.transcript)
    #expect(audit["worst"] as? String == "warning")
    let strict = try result.task("strict")
    #expect(strict["outcome"] as? String == "fatal", result.transcript)
    #expect((strict["msg"] as? String)?.contains("at or above warning") == true)
    #expect(try result.stats()["failed"] == 1)
  }

  /// A probe of a port where nothing listens fails the task: it could not complete.
  @Test func aProbeThatCannotConnectFailsTheTask() throws {
    let workspace = try AnsibleRunner.Workspace()
    defer { workspace.remove() }
    let port = try ApplyInstance.freeLoopbackPort()
    let play = """
      - hosts: localhost
        gather_facts: false
        tasks:
          - name: probe
            pfharden.postfix.pfharden_probe:
              executable: \(try AnsibleRunner.pfharden())
              host: 127.0.0.1
              port: \(port)
              timeout: 2

      """
    let result = try workspace.playbook(play)
    #expect(result.status == 2, result.transcript)
    let task = try result.task("probe")
    #expect(task["outcome"] as? String == "fatal", result.transcript)
    #expect(task["rc"] as? Int == 2)
    let message = task["msg"] as? String ?? ""
    #expect(message.contains("probe of 127.0.0.1:\(port) did not complete"), result.transcript)
  }

  /// The role installs the binary and picks the profile by the host's group.
  @Test func theRoleInstallsTheBinaryAndAppliesTheGroupsProfile() throws {
    let workspace = try AnsibleRunner.Workspace(groups: ["office_relays"])
    defer { workspace.remove() }
    let config = try workspace.configCopy()
    let installed = workspace.directory + "/sbin/pfharden"
    try FileManager.default.createDirectory(
      atPath: workspace.directory + "/sbin", withIntermediateDirectories: true)
    let play = """
      - hosts: all
        gather_facts: false
        roles:
          - role: pfharden.postfix.harden
            vars:
              pfharden_binary_src: \(try AnsibleRunner.pfharden())
              pfharden_executable: \(installed)
              pfharden_config_dir: \(config)
              pfharden_backup_dir: \(workspace.directory)/backups
              pfharden_reload: false
              pfharden_group_profiles:
                office_relays:
                  profile: relay
                  network: [192.0.2.0/24]
                mail_exchangers:
                  profile: mx

      """
    let first = try workspace.playbook(play)
    #expect(first.status == 0, first.transcript)
    #expect(FileManager.default.isExecutableFile(atPath: installed))
    let applied = try first.task("Apply the relay profile")
    #expect(applied["changed"] as? Bool == true, first.transcript)
    #expect((applied["cmd"] as? [String])?.first == installed)
    let text = try String(contentsOfFile: config + "/main.cf", encoding: .utf8)
    #expect(text.contains("192.0.2.0/24"))
    let second = try workspace.playbook(play)
    #expect(second.status == 0, second.transcript)
    #expect(try second.stats()["changed"] == 0, second.transcript)
  }

  @Test(arguments: ["pfharden_apply", "pfharden_check", "pfharden_probe"])
  func ansibleDocRendersTheModule(module: String) throws {
    let workspace = try AnsibleRunner.Workspace()
    defer { workspace.remove() }
    let result = try workspace.run("ansible-doc", ["pfharden.postfix.\(module)"])
    #expect(result.status == 0, result.transcript)
    #expect(result.stdout.contains("MODULE pfharden.postfix.\(module)"), result.transcript)
    #expect(result.stdout.contains("OPTIONS"), result.transcript)
    #expect(result.stdout.contains("EXAMPLES"), result.transcript)
    #expect(result.stdout.contains("RETURN VALUES"), result.transcript)
    #expect(!result.stderr.contains("WARNING"), result.transcript)
  }

  @Test func ansibleDocRendersTheRole() throws {
    let workspace = try AnsibleRunner.Workspace()
    defer { workspace.remove() }
    let result = try workspace.run("ansible-doc", ["-t", "role", "pfharden.postfix.harden"])
    #expect(result.status == 0, result.transcript)
    #expect(result.stdout.contains("pfharden_group_profiles"), result.transcript)
  }
}

/// The collection against a real Postfix instance on a loopback port
/// (``ApplyInstance``): apply with reload, verified; then the probe module.
@Suite(
  .serialized,
  .enabled(
    if: RealPostfix.isRequired
      || (AnsibleRunner.binDirectory != nil
        && FileManager.default.isExecutableFile(atPath: ApplyInstance.postfixPath)
        && getuid() == 0),
    "needs ansible-playbook, root and /usr/sbin/postfix; set PFHARDEN_REQUIRE_POSTFIX=1 to fail instead of skipping"
  ))
struct AnsibleLivePostfixTests {
  @Test func applyWithReloadIsVerifiedAndTheProbeSeesTheResult() throws {
    let workspace = try AnsibleRunner.Workspace()
    defer { workspace.remove() }
    guard let instance = try ApplyInstance.started() else { return }
    defer { instance.stop() }
    let binary = try AnsibleRunner.pfharden()
    let play = """
      - hosts: localhost
        gather_facts: false
        tasks:
          - name: harden
            pfharden.postfix.pfharden_apply:
              executable: \(binary)
              profile: relay
              network: [10.9.8.0/24]
              config_dir: \(instance.configDirectory)
              backup_dir: \(instance.directory)/backups
              reload: true
          - name: probe
            pfharden.postfix.pfharden_probe:
              executable: \(binary)
              host: 127.0.0.1
              port: \(instance.port)
              role: relay
              no_tls: true
              timeout: 5

      """
    let first = try workspace.playbook(play)
    let why = Comment(rawValue: first.stdout + first.stderr + "\nmaillog:\n" + instance.log())
    #expect(first.status == 0, why)
    let task = try first.task("harden")
    #expect(task["changed"] as? Bool == true, why)
    let plan = try #require(task["plan"] as? [String: Any], why)
    #expect(plan["reloaded"] as? Bool == true, why)
    #expect(plan["validated"] as? Bool == true, why)
    let verified = plan["verified"] as? [String] ?? []
    #expect(
      verified.contains(
        "127.0.0.1:\(instance.port)/inet at 127.0.0.1 port \(instance.port) greets."), why)
    let probe = try first.task("probe")
    let report = try #require(probe["report"] as? [String: Any], why)
    #expect(report["completed"] as? Bool == true, why)
    #expect((report["vrfy"] as? [String: Any])?["verdict"] as? String == "disabled", why)
    let second = try workspace.playbook(play)
    #expect(second.status == 0, Comment(rawValue: second.stdout + second.stderr))
    #expect(try second.task("harden")["changed"] as? Bool == false, second.transcript)
  }
}
