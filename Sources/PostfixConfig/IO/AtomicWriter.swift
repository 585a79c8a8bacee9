import Glibc

/// Replacing configuration files atomically: the library's only file writes.
public enum AtomicWriter {
  /// Writes `bytes` to `path` with postconf's edit protocol (`util/edit_file.c`).
  ///
  /// `PATH.tmp` is opened with `O_CREAT|O_WRONLY` (mode 0600 while it is
  /// written), locked exclusively with `flock()`, checked to still be the file
  /// that was opened, truncated, written, set to mode 0644 with `fchmod()` (the
  /// umask does not apply, as in postconf), `fsync()`ed and renamed over `PATH`.
  /// The result is a new inode owned by the caller; a symbolic link at `PATH` is
  /// replaced by a regular file, and the link target is left alone. Unlike
  /// postconf, a symbolic link at `PATH.tmp` is refused (`O_NOFOLLOW`). On
  /// failure the temporary file is removed.
  /// - Parameters:
  ///   - bytes: The new content.
  ///   - path: The file to replace.
  /// - Throws: ``PostfixConfigError`` `io` with postconf-style text
  ///   (`open PATH.tmp: Permission denied`).
  public static func writePostconfStyle(_ bytes: [UInt8], to path: String) throws {
    let temporary = path + ".tmp"
    var descriptor: Int32 = -1
    // postconf retries until the locked file is the one it created; bound that.
    for attempt in 0..<100 {
      descriptor = Syscall.open(temporary, O_CREAT | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0o600)
      guard descriptor >= 0 else { throw ConfigFile.ioError("open \(temporary)") }
      if Syscall.flock(descriptor, LOCK_EX) != 0 {
        let error = ConfigFile.ioError("lock \(temporary)")
        _ = close(descriptor)
        throw error
      }
      var opened = stat()
      var named = stat()
      if fstat(descriptor, &opened) == 0 && lstat(temporary, &named) == 0
        && opened.st_dev == named.st_dev && opened.st_ino == named.st_ino
      {
        break
      }
      _ = close(descriptor)
      descriptor = -1
      if attempt == 99 {
        throw PostfixConfigError(
          .io, Printable.sanitize("open \(temporary): file keeps being replaced".utf8))
      }
    }
    do {
      if ftruncate(descriptor, 0) != 0 { throw ConfigFile.ioError("truncate \(temporary)") }
      try writeAll(bytes, to: descriptor, path: temporary)
      if fchmod(descriptor, 0o644) != 0 { throw ConfigFile.ioError("fchmod \(temporary)") }
      if fsync(descriptor) != 0 { throw ConfigFile.ioError("fsync \(temporary)") }
      if rename(temporary, path) != 0 { throw ConfigFile.ioError("rename \(temporary) \(path)") }
    } catch {
      _ = unlink(temporary)
      _ = close(descriptor)
      throw error
    }
    _ = close(descriptor)
  }

  /// Replaces the file at `path` without changing anything but its content.
  ///
  /// Symbolic links are followed to the real file, which is replaced in place:
  /// a temporary file is created next to it (`O_EXCL`), written, given the
  /// original mode and owner (`fchmod`, `fchown`), `fsync()`ed and renamed over
  /// the target; then the directory is `fsync()`ed. A file that does not exist
  /// yet is created with mode 0644 minus the umask. Readers see either the old or
  /// the new content, never a mix; on any failure the temporary file is removed
  /// and the original is untouched. When the owner cannot be kept (not running
  /// as root and the file belongs to someone else) nothing is written.
  /// - Parameters:
  ///   - bytes: The new content.
  ///   - path: The file to replace.
  ///   - expectedOriginal: The content the caller based its change on; when the
  ///     file's current content differs (or it vanished), nothing is written.
  ///     `nil` skips the check.
  /// - Throws: ``PostfixConfigError`` `concurrentModification` when the content
  ///   changed, `io` for system errors.
  public static func writePreserving(
    _ bytes: [UInt8], to path: String, expectedOriginal: [UInt8]?
  ) throws {
    let target = try resolveTarget(path)
    var original = stat()
    let exists = stat(target, &original) == 0
    if !exists && errno != ENOENT { throw ConfigFile.ioError("stat \(target)") }
    if !exists && expectedOriginal != nil {
      throw PostfixConfigError(
        .concurrentModification, Printable.sanitize("\(target) was removed meanwhile".utf8))
    }
    let (directory, base) = split(target)
    let (descriptor, temporary) = try createTemporary(
      directory: directory, base: base, mode: exists ? 0o600 : 0o644)
    do {
      try writeAll(bytes, to: descriptor, path: temporary)
      if exists {
        var created = stat()
        if fstat(descriptor, &created) != 0 { throw ConfigFile.ioError("fstat \(temporary)") }
        if created.st_uid != original.st_uid || created.st_gid != original.st_gid {
          if fchown(descriptor, original.st_uid, original.st_gid) != 0 {
            throw ConfigFile.ioError("fchown \(temporary)")
          }
        }
        if fchmod(descriptor, original.st_mode & 0o7777) != 0 {
          throw ConfigFile.ioError("fchmod \(temporary)")
        }
      }
      if fsync(descriptor) != 0 { throw ConfigFile.ioError("fsync \(temporary)") }
      if let expectedOriginal {
        let changed = PostfixConfigError(
          .concurrentModification,
          Printable.sanitize("\(target) changed since it was read; not overwritten".utf8))
        let current: [UInt8]
        do {
          current = try ConfigFile.read(path: target, limit: expectedOriginal.count)
        } catch let error as PostfixConfigError where error.code == .fileTooLarge {
          throw changed
        }
        if current != expectedOriginal { throw changed }
      }
      if rename(temporary, target) != 0 {
        throw ConfigFile.ioError("rename \(temporary) \(target)")
      }
    } catch {
      _ = unlink(temporary)
      _ = close(descriptor)
      throw error
    }
    _ = close(descriptor)
    try syncDirectory(directory)
  }

  // MARK: - Helpers

  static func writeAll(_ bytes: [UInt8], to descriptor: Int32, path: String) throws {
    switch Syscall.writeAll(descriptor, bytes) {
    case nil: return
    case .error(let code): throw ConfigFile.ioError("write \(path)", errno: code)
    case .noProgress: throw ConfigFile.ioError("write \(path)", errno: EIO)
    }
  }

  /// The real file behind `path`: symbolic links resolved; a missing file resolves
  /// to `path` itself, a dangling link is an error.
  static func resolveTarget(_ path: String) throws -> String {
    if let resolved = realpath(path, nil) {
      defer { free(resolved) }
      return String(cString: resolved)
    }
    let code = errno
    var info = stat()
    if code == ENOENT && lstat(path, &info) != 0 { return path }
    throw ConfigFile.ioError("realpath \(path)", errno: code)
  }

  static func split(_ path: String) -> (directory: String, base: String) {
    let bytes = Array(path.utf8)
    guard let slash = bytes.lastIndex(of: UInt8(ascii: "/")) else { return (".", path) }
    let directory = slash == 0 ? "/" : String(decoding: bytes[..<slash], as: UTF8.self)
    return (directory, String(decoding: bytes[(slash + 1)...], as: UTF8.self))
  }

  /// Whether `name` is a temporary file this writer makes for `base`
  /// (`.main.cf.<base 36>.tmp`): the debris an interrupted write leaves.
  /// - Parameters:
  ///   - name: A directory entry's name.
  ///   - base: The file written (`main.cf`).
  /// - Returns: True for exactly the names `createTemporary` produces.
  public static func isTemporaryName(_ name: String, for base: String) -> Bool {
    let prefix = "." + base + "."
    guard name.hasPrefix(prefix), name.hasSuffix(".tmp") else { return false }
    let middle = name.dropFirst(prefix.count).dropLast(4)
    // A UInt64 in base 36 has 1 to 13 digits.
    return !middle.isEmpty && middle.count <= 13
      && middle.allSatisfy { ("0"..."9").contains($0) || ("a"..."z").contains($0) }
  }

  static func createTemporary(directory: String, base: String, mode: mode_t) throws -> (
    Int32, String
  ) {
    var lastError: Int32 = EEXIST
    for _ in 0..<100 {
      let suffix = String(UInt64.random(in: 0...UInt64.max), radix: 36)
      let candidate = "\(directory)/.\(base).\(suffix).tmp"
      let descriptor = Syscall.open(
        candidate, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, mode)
      if descriptor >= 0 { return (descriptor, candidate) }
      lastError = errno
      if lastError != EEXIST { break }
    }
    throw ConfigFile.ioError("create temporary file in \(directory)", errno: lastError)
  }

  static func syncDirectory(_ directory: String) throws {
    let descriptor = Syscall.open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard descriptor >= 0 else { throw ConfigFile.ioError("open \(directory)") }
    defer { _ = close(descriptor) }
    if fsync(descriptor) != 0 && errno != EINVAL {
      throw ConfigFile.ioError("fsync \(directory)")
    }
  }
}
