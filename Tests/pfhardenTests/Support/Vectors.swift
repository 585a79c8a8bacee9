import Foundation

/// The postconf 3.7.11 test vectors shipped beside the project
/// (`../shared/postfix-spec/vectors`), and the machinery to replay one of
/// them against the pfharden binary invoked under the name `postconf`.
enum Vectors {
  static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

  static let directory: URL = repositoryRoot.deletingLastPathComponent()
    .appendingPathComponent("shared/postfix-spec/vectors")

  static var isAvailable: Bool {
    FileManager.default.fileExists(atPath: directory.appendingPathComponent("index.tsv").path)
  }

  /// All vector names, or none when the vectors are not beside the project.
  static func names(prefixes: [String]) -> [String] {
    let all = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
    return all.filter { name in prefixes.contains { name.hasPrefix($0) } }.sorted()
  }

  /// The pfharden executable built next to the test bundle.
  static var pfhardenBinary: URL? {
    let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
    var dir = exe.deletingLastPathComponent()
    for _ in 0..<3 {
      let candidate = dir.appendingPathComponent("pfharden")
      if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
      dir = dir.deletingLastPathComponent()
    }
    return nil
  }

  struct Mismatch: CustomStringConvertible {
    var what: String
    var expected: String
    var actual: String
    var description: String { "\(what):\n--- expected\n\(expected)\n--- actual\n\(actual)" }
  }

  /// Replays one vector with `postconf` resolving to `executable`.
  static func replay(_ name: String, postconf executable: URL) throws -> [Mismatch] {
    let fm = FileManager.default
    let vector = directory.appendingPathComponent(name)
    let scratch = fm.temporaryDirectory.appendingPathComponent(
      "pfharden-vectors-\(getpid())-\(name)")
    try? fm.removeItem(at: scratch)
    let conf = scratch.appendingPathComponent("conf")
    let shim = scratch.appendingPathComponent("bin")
    try fm.createDirectory(at: conf, withIntermediateDirectories: true)
    try fm.createDirectory(at: shim, withIntermediateDirectories: true)
    defer { try? fm.removeItem(at: scratch) }
    try fm.createSymbolicLink(
      at: shim.appendingPathComponent("postconf"), withDestinationURL: executable)
    let old = Date(timeIntervalSince1970: 1_577_836_800)
    for file in ["main.cf", "master.cf"] {
      let source = vector.appendingPathComponent(file)
      if fm.fileExists(atPath: source.path) {
        let target = conf.appendingPathComponent(file)
        try fm.copyItem(at: source, to: target)
        try fm.setAttributes([.modificationDate: old], ofItemAtPath: target.path)
      }
    }
    var environment = ProcessInfo.processInfo.environment
    environment["CONFDIR"] = conf.path
    environment["LC_ALL"] = "C"
    environment["PATH"] = shim.path + ":" + (environment["PATH"] ?? "/usr/bin:/bin")
    environment.removeValue(forKey: "MAIL_CONFIG")
    if let extra = try? String(
      contentsOf: vector.appendingPathComponent("env.txt"), encoding: .utf8)
    {
      for line in extra.split(separator: "\n") {
        let parts = line.split(separator: "=", maxSplits: 1)
        if parts.count == 2 { environment[String(parts[0])] = String(parts[1]) }
      }
    }
    if let setup = try? String(
      contentsOf: vector.appendingPathComponent("setup.txt"), encoding: .utf8)
    {
      _ = try RealPostfix.run(
        "/bin/bash", ["-c", setup], environment: environment, currentDirectory: conf.path)
    }
    let command = try String(
      contentsOf: vector.appendingPathComponent("command.txt"), encoding: .utf8)
    let run = try RealPostfix.run(
      "/bin/bash", ["-c", command], environment: environment, currentDirectory: conf.path)
    func normalise(_ bytes: [UInt8]) -> String {
      String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: conf.path, with: "$CONFDIR")
    }
    func expected(_ file: String) -> String? {
      (try? Data(contentsOf: vector.appendingPathComponent(file))).map {
        String(decoding: $0, as: UTF8.self)
      }
    }
    var mismatches: [Mismatch] = []
    let checks: [(String, String?, String)] = [
      ("stdout", expected("expected-output.txt"), normalise(run.stdout)),
      ("stderr", expected("expected-stderr.txt"), normalise(run.stderr)),
      ("exit status", expected("expected-exit-status.txt"), "\(run.status)\n"),
    ]
    for (what, want, got) in checks where want != nil && want != got {
      mismatches.append(Mismatch(what: what, expected: want ?? "", actual: got))
    }
    for file in ["main.cf", "master.cf"] {
      let actual = (try? Data(contentsOf: conf.appendingPathComponent(file))).map { Array($0) }
      if let want = try? Data(contentsOf: vector.appendingPathComponent("expected-\(file)-after")),
        Array(want) != actual
      {
        mismatches.append(
          Mismatch(
            what: "\(file) after", expected: String(decoding: want, as: UTF8.self),
            actual: actual.map { String(decoding: $0, as: UTF8.self) } ?? "(absent)"))
      }
      if fm.fileExists(atPath: vector.appendingPathComponent("expected-\(file)-after.ABSENT").path),
        actual != nil
      {
        mismatches.append(Mismatch(what: "\(file) after", expected: "(absent)", actual: "present"))
      }
    }
    return mismatches
  }
}
