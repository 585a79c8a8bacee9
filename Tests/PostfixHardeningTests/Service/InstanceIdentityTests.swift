import Foundation
import PostfixConfig
import Testing

@testable import PostfixHardening

/// Which master a reload would signal, from a pid file and a proc tree made
/// by the test.
@Suite struct InstanceIdentityTests {
  struct Tree {
    let root: String
    var queue: String { root + "/queue" }
    var proc: String { root + "/proc" }

    init() throws {
      root =
        FileManager.default.temporaryDirectory
        .appendingPathComponent("pfharden-identity-\(UUID().uuidString)").path
      try FileManager.default.createDirectory(
        atPath: root + "/queue/pid", withIntermediateDirectories: true)
    }

    func write(_ text: String, _ path: String) throws {
      try FileManager.default.createDirectory(
        atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
      try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }

    /// A master process `pid` with this command line and environment.
    func master(_ pid: Int32, arguments: [String], environment: [String], comm: String = "master")
      throws
    {
      try write("\(String(repeating: " ", count: 5))\(pid)\n", queue + "/pid/master.pid")
      try write(comm + "\n", proc + "/\(pid)/comm")
      try write(arguments.joined(separator: "\0") + "\0", proc + "/\(pid)/cmdline")
      try write(environment.joined(separator: "\0") + "\0", proc + "/\(pid)/environ")
    }

    func remove() { try? FileManager.default.removeItem(atPath: root) }
  }

  func identify(_ tree: Tree, _ directory: String) -> InstanceIdentity.Verdict {
    InstanceIdentity.identify(
      configDirectory: directory, queueDirectory: tree.queue, proc: tree.proc, canonical: { $0 })
  }

  @Test func noPidFileOrAStaleOneIsNotRunning() throws {
    let tree = try Tree()
    defer { tree.remove() }
    #expect(identify(tree, "/etc/postfix") == .notRunning)
    // The PID now belongs to another program.
    try tree.master(4242, arguments: ["/usr/bin/vim"], environment: [], comm: "vim")
    #expect(identify(tree, "/etc/postfix") == .notRunning)
    try tree.write("not a number\n", tree.queue + "/pid/master.pid")
    #expect(identify(tree, "/etc/postfix") == .notRunning)
  }

  @Test func theMastersDirectoryComesFromMailConfigOrDashC() throws {
    let tree = try Tree()
    defer { tree.remove() }
    try tree.master(
      77, arguments: ["/usr/lib/postfix/sbin/master", "-w"],
      environment: ["PATH=/usr/bin", "MAIL_CONFIG=/srv/a/conf"])
    #expect(identify(tree, "/srv/a/conf") == .running(pid: 77))
    #expect(
      identify(tree, "/srv/a/copy") == .otherInstance(pid: 77, configDirectory: "/srv/a/conf"))
    try tree.master(78, arguments: ["master", "-c", "/srv/b"], environment: [])
    #expect(identify(tree, "/srv/b") == .running(pid: 78))
    // Without either, Postfix's default directory.
    try tree.master(79, arguments: ["/usr/lib/postfix/sbin/master", "-w"], environment: [])
    #expect(identify(tree, "/etc/postfix") == .running(pid: 79))
    #expect(
      identify(tree, "/tmp/copy") == .otherInstance(pid: 79, configDirectory: "/etc/postfix"))
  }

  @Test func aCopyIsRefusedAndMultiInstanceHostsNamePostmulti() throws {
    let tree = try Tree()
    defer { tree.remove() }
    try tree.master(80, arguments: ["master"], environment: ["MAIL_CONFIG=/etc/postfix"])
    let main = """
      queue_directory = \(tree.queue)
      multi_instance_directories = /etc/postfix-out
      multi_instance_enable = yes

      """
    let configuration = PostfixConfiguration(
      mainCF: MainCF(bytes: Array(main.utf8)), masterCF: nil, host: ApplySupport.host,
      configDirectory: "/root/copy")
    do {
      _ = try InstanceIdentity.requireSameInstance(
        configDirectory: "/root/copy", configuration: configuration, proc: tree.proc)
      Issue.record("a copy was accepted")
    } catch let error as PostfixHardeningError {
      #expect(error.code == .configuration)
      #expect(error.reason.contains("(pid 80) runs the configuration in /etc/postfix"))
      #expect(error.reason.contains("nothing was written"))
      #expect(error.reason.contains("postmulti -i NAME"))
    }
  }
}

/// Certificates and keys checked with the system's openssl.
@Suite(
  .enabled(
    if: FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl")
      || ApplyRealPostfix.isRequired,
    "needs /usr/bin/openssl (apt-get install openssl)"))
struct TLSMaterialTests {
  static func make(_ directory: String, _ name: String, bits: Int = 2048) throws -> (
    String, String
  ) {
    let key = directory + "/\(name).key"
    let certificate = directory + "/\(name).pem"
    let output = try SystemCommand.run(
      "/usr/bin/openssl",
      [
        "req", "-x509", "-newkey", "rsa:\(bits)", "-nodes", "-keyout", key, "-out", certificate,
        "-subj", "/CN=mail.example.test", "-days", "2",
      ])
    #expect(output.status == 0, "\(String(decoding: output.stderr, as: UTF8.self))")
    chmod(key, 0o600)
    return (certificate, key)
  }

  @Test func problemsAreFoundAndAGoodPairPasses() throws {
    let directory = FileManager.default.temporaryDirectory
      .appendingPathComponent("pfharden-tls-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let openssl = TLSMaterial.openssl()
    let (certificate, key) = try Self.make(directory, "good")
    let (_, otherKey) = try Self.make(directory, "other")
    let (weakCertificate, weakKey) = try Self.make(directory, "weak", bits: 1024)
    #expect(TLSMaterial.problems(certificate: certificate, key: key, openssl: openssl).isEmpty)
    func says(_ certificate: String, _ key: String, now: Int = HostFiles.now()) -> String {
      TLSMaterial.problems(certificate: certificate, key: key, openssl: openssl, now: now)
        .map(\.description).joined(separator: "; ")
    }
    #expect(says(certificate, otherKey).contains("does not match the certificate"))
    #expect(says(weakCertificate, weakKey).contains("has 1024 bits; use 2048 or more"))
    #expect(says(certificate, key, now: HostFiles.now() + 5 * 86_400).contains("has expired"))
    #expect(says(certificate, directory + "/none.key").contains("cannot read"))
    #expect(says(key, key).contains("holds no PEM certificate"))
    chmod(key, 0o644)
    #expect(says(certificate, key).contains("readable by every user"))
    #expect(
      TLSMaterial.problems(certificate: certificate, key: key, openssl: nil).map(\.description)
        .contains { $0.contains("openssl is not installed") })
  }
}

/// One run at a time per configuration directory, and the debris of an
/// interrupted write cleaned by the next.
@Suite struct ConfigDirectoryLockTests {
  @Test func aSecondRunIsRefusedWhileTheFirstHoldsTheLock() throws {
    let directory = FileManager.default.temporaryDirectory
      .appendingPathComponent("pfharden-lock-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    var first: ConfigDirectoryLock? = try ConfigDirectoryLock.acquire(directory)
    #expect(first != nil)
    do {
      _ = try ConfigDirectoryLock.acquire(directory)
      Issue.record("two runs held the lock at once")
    } catch let error as PostfixHardeningError {
      #expect(error.reason.contains("another pfharden run is changing"))
    }
    first = nil
    #expect((try? ConfigDirectoryLock.acquire(directory)) != nil)
    // Nothing is left in the directory.
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty)
  }

  @Test func debrisOfAnInterruptedWriteIsRemovedAndNothingElse() throws {
    let directory = FileManager.default.temporaryDirectory
      .appendingPathComponent("pfharden-debris-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let debris = [".main.cf.k2j4h5g6.tmp", ".master.cf.0az9.tmp"]
    let kept = [
      "main.cf", ".main.cf.tmp", ".main.cf.ABC.tmp", ".main.cf.x y.tmp", "main.cf.1.tmp",
      ".other.cf.abc.tmp",
    ]
    for name in debris + kept {
      try Data("x".utf8).write(to: URL(fileURLWithPath: directory + "/" + name))
    }
    // A directory with a debris-like name is not a file of ours.
    try FileManager.default.createDirectory(
      atPath: directory + "/.master.cf.dir1.tmp", withIntermediateDirectories: false)
    let removed = ConfigDirectoryLock.removeDebris(in: directory)
    #expect(Set(removed) == Set(debris.map { directory + "/" + $0 }))
    let left = Set(try FileManager.default.contentsOfDirectory(atPath: directory))
    #expect(left == Set(kept + [".master.cf.dir1.tmp"]))
  }
}
