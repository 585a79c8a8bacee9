import Glibc
import PostfixConfig

/// Copies of the files `apply` writes, so a backup archives their content even
/// when they are symbolic links: a private directory (`mkdtemp`, mode 0700)
/// holding `BASE/main.cf` and `BASE/master.cf` with the mode, owner and times
/// of the files they were read from.
struct BackupStage {
  /// The private directory (removed by ``remove()``).
  let directory: String
  /// The names copied (`main.cf`, `master.cf`), in that order.
  let names: [String]

  /// The files copied when they are (or point to) regular files.
  static let candidates = ["main.cf", "master.cf"]

  /// Copies each of ``candidates`` that is, or points to, a regular file.
  /// - Parameters:
  ///   - source: The configuration directory (canonical).
  ///   - base: Its last component.
  /// - Returns: The stage.
  /// - Throws: ``PostfixHardeningError`` `configuration`; nothing is left behind.
  static func make(source: String, base: String) throws -> BackupStage {
    let directory = try HostFiles.makePrivateDirectory(prefix: "pfharden-stage-")
    do {
      guard mkdir(directory + "/" + base, 0o700) == 0 else {
        throw BackupDestination.failure("mkdir", directory + "/" + base)
      }
      var names: [String] = []
      for name in candidates
      where try copy(source + "/" + name, to: directory + "/" + base + "/" + name) {
        names.append(name)
      }
      return BackupStage(directory: directory, names: names)
    } catch {
      HostFiles.removeTree(directory)
      throw error
    }
  }

  /// Removes the stage.
  func remove() { HostFiles.removeTree(directory) }

  /// Copies `path`, following symbolic links, to the new file `target`.
  /// - Returns: False when `path` is missing or not a regular file.
  private static func copy(_ path: String, to target: String) throws -> Bool {
    let input = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
    guard input >= 0 else {
      if errno == ENOENT { return false }
      throw BackupDestination.failure("open", path)
    }
    defer { _ = close(input) }
    var info = stat()
    guard fstat(input, &info) == 0 else { throw BackupDestination.failure("fstat", path) }
    guard info.st_mode & S_IFMT == S_IFREG else { return false }
    let output = open(target, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0o600)
    guard output >= 0 else { throw BackupDestination.failure("create", target) }
    defer { _ = close(output) }
    var buffer = [UInt8](repeating: 0, count: 65_536)
    // Each iteration copies one chunk or stops at the end of the file.
    while true {
      let got = buffer.withUnsafeMutableBytes { Syscall.read(input, into: $0) }
      guard got >= 0 else { throw BackupDestination.failure("read", path) }
      if got == 0 { break }
      try writeAll(Array(buffer[..<got]), to: output, shown: target, sync: false)
    }
    if geteuid() == 0 { _ = fchown(output, info.st_uid, info.st_gid) }
    _ = fchmod(output, info.st_mode & 0o777)
    var times = [info.st_atim, info.st_mtim]
    _ = futimens(output, &times)
    return true
  }
}
