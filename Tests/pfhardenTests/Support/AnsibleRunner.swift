import Foundation
import Testing

/// Real ansible-core, as the tests of the `pfharden.postfix` collection
/// (integrations/ansible) use it: `ansible-playbook` against `localhost` with
/// `connection: local`.
///
/// `.ci/run` installs ansible-core into a virtual environment and exports its
/// `bin` directory as `PFHARDEN_ANSIBLE_BIN`; without it, `ansible-playbook` is
/// looked up on `PATH`. Tests that need it carry
/// `.enabled(if: AnsibleRunner.shouldRun, AnsibleRunner.skipComment)` and call
/// ``AnsibleRunner/require()`` first: they skip with the printed reason where
/// ansible-core is absent, unless `PFHARDEN_REQUIRE_POSTFIX=1`, where they fail.
enum AnsibleRunner {
  /// The repository's collection root (the directory holding `ansible_collections`).
  static let collectionsPath = ApplyCLIFixture.root + "/integrations/ansible"

  /// The directory that holds `ansible-playbook`, or nil.
  static var binDirectory: String? {
    let environment = ProcessInfo.processInfo.environment
    var candidates: [String] = []
    if let given = environment["PFHARDEN_ANSIBLE_BIN"], !given.isEmpty {
      candidates.append(given)
    }
    candidates += (environment["PATH"] ?? "").split(separator: ":").map(String.init)
    return candidates.first {
      FileManager.default.isExecutableFile(atPath: $0 + "/ansible-playbook")
    }
  }

  /// Whether a test that needs ansible-core runs (and then possibly fails).
  static var shouldRun: Bool { binDirectory != nil || RealPostfix.isRequired }

  /// The reason printed when such a test is skipped.
  static let skipComment: Comment =
    "needs ansible-playbook (python3 -m venv /tmp/pfharden-ansible && /tmp/pfharden-ansible/bin/pip install ansible-core, then PFHARDEN_ANSIBLE_BIN=/tmp/pfharden-ansible/bin); set PFHARDEN_REQUIRE_POSTFIX=1 to fail instead of skipping"

  struct Missing: Error, CustomStringConvertible {
    var what: String
    var description: String { "PFHARDEN_REQUIRE_POSTFIX=1 but \(what)" }
  }

  /// The `bin` directory, or an error that names what is missing.
  static func require() throws -> String {
    guard let directory = binDirectory else {
      throw Missing(what: "ansible-playbook is neither in $PFHARDEN_ANSIBLE_BIN nor on PATH")
    }
    return directory
  }

  /// The pfharden binary built next to the test bundle.
  static func pfharden() throws -> String {
    guard let binary = Vectors.pfhardenBinary else {
      throw Missing(what: "the pfharden binary is not built next to the tests")
    }
    return binary.path
  }

  /// One run of an Ansible command.
  struct Result {
    var status: Int32
    var stdout: String
    var stderr: String

    /// Everything it printed, for failure messages.
    var transcript: Comment { Comment(rawValue: stdout + "\n" + stderr) }

    /// The play recap of `host`: `ok`, `changed`, `failed`, `skipped`, ...
    func stats(_ host: String = "localhost") throws -> [String: Int] {
      let lines = stdout.split(separator: "\n").drop { !$0.hasPrefix("PLAY RECAP") }
      let line = try #require(
        lines.first { $0.hasPrefix(host + " ") || $0.hasPrefix(host + ":") }, transcript)
      var counts: [String: Int] = [:]
      for word in line.split(separator: " ") {
        let pair = word.split(separator: "=")
        if pair.count == 2, let count = Int(pair[1]) { counts[String(pair[0])] = count }
      }
      return counts
    }

    /// The result of the task named `name` on `host`.
    ///
    /// A role's tasks are named without the `role : ` prefix. The default
    /// callback prints the result with `-v` and `result_format = json` as
    /// `changed: [localhost] => {...}` on one line; `outcome` is added:
    /// `ok`, `changed` or `fatal`.
    func task(_ name: String, host: String = "localhost") throws -> [String: Any] {
      var current: Substring?
      for line in stdout.split(separator: "\n") {
        if line.hasPrefix("TASK ["), let close = line.lastIndex(of: "]") {
          var title = line[line.index(line.startIndex, offsetBy: 6)..<close]
          if let colon = title.range(of: " : ") { title = title[colon.upperBound...] }
          current = title
          continue
        }
        guard current == name[...], let arrow = line.range(of: " => {") else { continue }
        let head = line[..<arrow.lowerBound]
        guard head.contains("[\(host)]") else { continue }
        let json = Data(line[line.index(before: arrow.upperBound)...].utf8)
        var result = try #require(
          try JSONSerialization.jsonObject(with: json) as? [String: Any], transcript)
        // The callback leaves `failed` out of what it prints; the line says it.
        result["outcome"] = String(head.prefix { $0 != ":" })
        return result
      }
      Issue.record("no result of the task \(name) for \(host)\n\(stdout)")
      return [:]
    }
  }

  /// A scratch directory with an inventory for `localhost` (in `groups`).
  struct Workspace {
    let directory: String
    let bin: String

    init(groups: [String] = []) throws {
      bin = try AnsibleRunner.require()
      directory = try ApplyCLIFixture.temporaryDirectory("ansible")
      // Modules run with the virtual environment's Python, which has ansible-core.
      let python =
        FileManager.default.isExecutableFile(atPath: bin + "/python3")
        ? bin + "/python3" : "/usr/bin/python3"
      var inventory = "localhost ansible_connection=local ansible_python_interpreter=\(python)\n"
      for group in groups { inventory += "[\(group)]\nlocalhost\n" }
      try Data(inventory.utf8).write(to: URL(fileURLWithPath: directory + "/inventory"))
    }

    /// A copy of Debian's stock main.cf and master.cf (Examples/debian) under the workspace.
    func configCopy(_ name: String = "conf") throws -> String {
      let path = directory + "/" + name
      try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
      for file in ["main.cf", "master.cf"] {
        try FileManager.default.copyItem(
          atPath: ApplyCLIFixture.debian + "/" + file, toPath: path + "/" + file)
      }
      return path
    }

    /// Runs `ansible-playbook -v` on `playbook` (YAML text), with the default
    /// callback printing each task's result as one line of JSON.
    /// - Parameters:
    ///   - playbook: The playbook.
    ///   - options: More options (`--check`, `--diff`).
    /// - Returns: What it printed and its exit status.
    /// - Throws: When the playbook cannot be written or the program not started.
    func playbook(_ playbook: String, _ options: [String] = []) throws -> Result {
      let path = directory + "/play-\(UUID().uuidString.prefix(8)).yml"
      try Data(playbook.utf8).write(to: URL(fileURLWithPath: path))
      return try run("ansible-playbook", ["-v", "-i", directory + "/inventory", path] + options)
    }

    /// Runs a program of the ansible-core installation.
    func run(_ program: String, _ arguments: [String]) throws -> Result {
      var environment = ProcessInfo.processInfo.environment
      environment["ANSIBLE_COLLECTIONS_PATH"] = AnsibleRunner.collectionsPath
      environment["ANSIBLE_COLLECTIONS_SCAN_SYS_PATH"] = "False"
      environment["ANSIBLE_HOME"] = directory + "/ansible-home"
      environment["ANSIBLE_LOCAL_TEMP"] = directory + "/ansible-tmp"
      environment["ANSIBLE_REMOTE_TEMP"] = directory + "/ansible-tmp"
      environment["ANSIBLE_NOCOLOR"] = "1"
      environment["ANSIBLE_RETRY_FILES_ENABLED"] = "False"
      environment["ANSIBLE_PYTHON_INTERPRETER"] = "auto_silent"
      // ansible-core refuses to run without a UTF-8 locale.
      environment["LC_ALL"] = "C.UTF-8"
      environment["LANG"] = "C.UTF-8"
      environment["ANSIBLE_STDOUT_CALLBACK"] = "ansible.builtin.default"
      environment["ANSIBLE_CALLBACK_RESULT_FORMAT"] = "json"
      environment["ANSIBLE_CALLBACK_FORMAT_PRETTY"] = "False"
      let run = try RealPostfix.run(
        bin + "/" + program, arguments, environment: environment, currentDirectory: directory)
      return Result(
        status: run.status, stdout: String(decoding: run.stdout, as: UTF8.self),
        stderr: String(decoding: run.stderr, as: UTF8.self))
    }

    func remove() { try? FileManager.default.removeItem(atPath: directory) }
  }
}
