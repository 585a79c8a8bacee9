import PostfixConfig
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// An exclusive lock on a configuration directory, held by `apply` and
/// `restore` from reading the files to validating the result.
///
/// Two runs on one directory would otherwise both read the same files and
/// the second write would silently drop the first one's changes. The lock is
/// `flock(2)` on the directory itself, so nothing is left behind in it; it is
/// released when the value is released or the process dies (a `kill -9`
/// included).
public final class ConfigDirectoryLock: Sendable {
  /// The locked directory's descriptor, or -1 once released.
  private let descriptor: Mutex<Int32>

  private init(descriptor: Int32) {
    self.descriptor = Mutex(descriptor)
  }

  deinit { release() }

  /// Whether the lock is still held.
  public var isHeld: Bool { descriptor.withLock { $0 >= 0 } }

  /// Releases the lock now (it is released anyway when the value is); a
  /// second call does nothing.
  public func release() {
    descriptor.withLock { descriptor in
      guard descriptor >= 0 else { return }
      _ = flock(descriptor, LOCK_UN)
      _ = close(descriptor)
      descriptor = -1
    }
  }

  /// Takes the lock, or fails at once when another run holds it.
  /// - Parameter directory: The configuration directory.
  /// - Returns: The lock; keep it until the work is done.
  /// - Throws: ``PostfixHardeningError`` `configuration` when the directory
  ///   cannot be opened or another run holds the lock.
  public static func acquire(_ directory: String) throws -> ConfigDirectoryLock {
    let descriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard descriptor >= 0 else {
      let reason = String(cString: strerror(errno))
      throw PostfixHardeningError(
        .configuration, "cannot open \(Printable.sanitize(directory.utf8)): \(reason)")
    }
    guard Syscall.flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
      let busy = errno == EWOULDBLOCK
      let reason = String(cString: strerror(errno))
      _ = close(descriptor)
      throw PostfixHardeningError(
        .configuration,
        busy
          ? "another pfharden run is changing \(Printable.sanitize(directory.utf8)); try again when it has finished"
          : "cannot lock \(Printable.sanitize(directory.utf8)): \(reason)")
    }
    return ConfigDirectoryLock(descriptor: descriptor)
  }

  /// Removes the temporary files an interrupted write left behind.
  ///
  /// Those of main.cf and master.cf (`.main.cf.XXXX.tmp`, as `AtomicWriter`
  /// names them), in the directory and beside the files symbolic links
  /// point to. Only
  /// regular files of this user that match the pattern exactly are removed;
  /// call it while holding the lock, so no run of ours is writing them.
  /// - Parameter directory: The configuration directory.
  /// - Returns: The paths removed.
  @discardableResult
  public static func removeDebris(in directory: String) -> [String] {
    var folders = [directory]
    for name in ["main.cf", "master.cf"] {
      let target = HostFiles.canonical(directory + "/" + name)
      if let slash = target.lastIndex(of: "/") {
        let folder = slash == target.startIndex ? "/" : String(target[..<slash])
        if !folders.contains(folder) { folders.append(folder) }
      }
    }
    var removed: [String] = []
    for folder in folders {
      for entry in (try? HostFiles.names(in: folder)) ?? [] where isDebris(entry) {
        let path = folder + "/" + entry
        var info = stat()
        guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG,
          info.st_uid == geteuid()
        else { continue }
        if unlink(path) == 0 { removed.append(path) }
      }
    }
    return removed
  }

  /// A temporary file of main.cf or master.cf (``AtomicWriter`` names them).
  static func isDebris(_ name: String) -> Bool {
    ["main.cf", "master.cf"].contains { AtomicWriter.isTemporaryName(name, for: $0) }
  }
}
