import Glibc
import PostfixConfig

/// A backup directory, opened after checking that no other user can change it
/// or any directory above it; every file in it is then made through the open
/// descriptor, never by path.
///
/// The directory must be owned by the effective user and not writable by group
/// or others. Each directory above it, up to `/`, must be owned by the
/// effective user or root and not writable by group or others, unless it is
/// sticky (like `/tmp`), where others cannot rename or remove what they do not
/// own. Symbolic links in the path are resolved once
/// (`realpath`) before the walk; the walk itself follows none.
final class BackupDestination {
  /// The directory's canonical path.
  let path: String
  /// The open directory.
  private let descriptor: Int32

  /// The start of every temporary file's name.
  static let temporaryPrefix = ".pfharden-tmp-"

  private init(path: String, descriptor: Int32) {
    self.path = path
    self.descriptor = descriptor
  }

  deinit { _ = close(descriptor) }

  /// `path` made absolute, with symbolic links, `.` and `..` resolved in the
  /// part that exists; the missing rest is appended as it is.
  /// - Parameter path: The directory asked for.
  /// - Returns: The path.
  /// - Throws: ``PostfixHardeningError`` `configuration` when the existing part
  ///   cannot be resolved or the missing part contains `.` or `..`.
  static func resolve(_ path: String) throws -> String {
    var existing = path
    if !existing.hasPrefix("/") {
      guard let cwd = getcwd(nil, 0) else { throw failure("getcwd", path) }
      defer { free(cwd) }
      existing = String(cString: cwd) + "/" + existing
    }
    var missing: [String] = []
    // Each iteration moves one component from `existing` to `missing`.
    while true {
      if let resolved = realpath(existing, nil) {
        defer { free(resolved) }
        var result = String(cString: resolved)
        for name in missing.reversed() {
          guard name != "." && name != ".." else {
            throw PostfixHardeningError(
              .configuration,
              "\(Printable.sanitize(path.utf8)): '.' and '..' are only accepted in its existing part"
            )
          }
          result += (result == "/" ? "" : "/") + name
        }
        return result
      }
      guard errno == ENOENT else { throw failure("realpath", existing) }
      let parent = HostFiles.dirname(existing)
      guard parent != existing else { throw failure("realpath", existing) }
      let name = String(decoding: existing.utf8.dropFirst(parent.utf8.count), as: UTF8.self)
        .split(separator: "/").first.map(String.init)
      if let name { missing.append(name) }
      existing = parent
    }
  }

  /// Opens `path` (as ``resolve(_:)`` returns it), creating the missing
  /// directories with mode 0700 once their parent has been checked.
  /// - Parameter path: An absolute, resolved path.
  /// - Returns: The open directory.
  /// - Throws: ``PostfixHardeningError`` `configuration` naming the directory and
  ///   the reason when it or a directory above it is not safe; nothing is
  ///   created then below the unsafe directory.
  static func open(_ path: String) throws -> BackupDestination {
    let shown = Printable.sanitize(path.utf8)
    let names = path.split(separator: "/").map(String.init)
    var current = Glibc.open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard current >= 0 else { throw failure("open", "/") }
    var walked = ""
    do {
      try check(current, shown: "/", of: shown, isDestination: names.isEmpty)
      for (index, name) in names.enumerated() {
        walked += "/" + name
        let flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC
        var next = openat(current, name, flags)
        if next < 0 && errno == ENOENT {
          if mkdirat(current, name, 0o700) != 0 && errno != EEXIST {
            throw failure("mkdir", walked)
          }
          next = openat(current, name, flags)
        }
        guard next >= 0 else {
          if errno == ELOOP || errno == ENOTDIR {
            throw PostfixHardeningError(
              .configuration,
              "refusing backup directory \(shown): \(Printable.sanitize(walked.utf8)) "
                + "is not a directory or is a symbolic link")
          }
          throw failure("open", walked)
        }
        _ = close(current)
        current = next
        try check(
          current, shown: Printable.sanitize(walked.utf8), of: shown,
          isDestination: index == names.count - 1)
      }
    } catch {
      _ = close(current)
      throw error
    }
    return BackupDestination(path: path, descriptor: current)
  }

  /// Throws when the open directory `descriptor` is not safe.
  private static func check(
    _ descriptor: Int32, shown: String, of target: String, isDestination: Bool
  )
    throws
  {
    var info = stat()
    guard fstat(descriptor, &info) == 0 else { throw failure("fstat", shown) }
    let user = geteuid()
    let mode = info.st_mode & 0o7777
    let octal = "mode 0" + String(mode, radix: 8)
    func refuse(_ reason: String) -> PostfixHardeningError {
      let subject = isDestination ? "it" : shown
      return PostfixHardeningError(
        .configuration, "refusing backup directory \(target): \(subject) \(reason)")
    }
    let writable = info.st_mode & (S_IWGRP | S_IWOTH) != 0
    if isDestination {
      guard info.st_uid == user else {
        throw refuse("is owned by uid \(info.st_uid), not by uid \(user) who runs pfharden")
      }
      guard !writable else { throw refuse("is writable by group or others (\(octal))") }
      return
    }
    guard info.st_uid == user || info.st_uid == 0 else {
      throw refuse("is owned by uid \(info.st_uid), neither root nor uid \(user) who runs pfharden")
    }
    // In a sticky directory others cannot rename or remove what they do not own.
    guard !writable || info.st_mode & S_ISVTX != 0 else {
      throw refuse("is writable by group or others (\(octal)) and not sticky")
    }
  }

  // MARK: - Files

  /// Creates a new temporary file (`O_EXCL|O_NOFOLLOW`, mode 0600).
  /// - Parameter kind: The end of its name.
  /// - Returns: Its name and an open descriptor (the caller closes it).
  /// - Throws: ``PostfixHardeningError`` `configuration`.
  func createTemporary(_ kind: String) throws -> (name: String, descriptor: Int32) {
    for _ in 0..<100 {
      let random = String(UInt64.random(in: 0...UInt64.max), radix: 36)
      let name = "\(Self.temporaryPrefix)\(getpid())-\(random)-\(kind)"
      let created = openat(
        descriptor, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0o600)
      if created >= 0 { return (name, created) }
      if errno != EEXIST { throw Self.failure("create", path + "/" + name) }
    }
    throw PostfixHardeningError(.configuration, "no free temporary name in \(path)")
  }

  /// Creates `name` only when nothing has it (`O_EXCL|O_NOFOLLOW`, mode 0600).
  /// - Parameter name: A name in the directory.
  /// - Returns: An open descriptor (the caller closes it).
  /// - Throws: ``PostfixHardeningError`` `configuration`, also when it exists.
  func createNew(_ name: String) throws -> Int32 {
    let created = openat(
      descriptor, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0o600)
    guard created >= 0 else { throw Self.failure("create", path + "/" + name) }
    return created
  }

  /// Gives the temporary file `temporary` its final name, never replacing one;
  /// the temporary name is gone afterwards.
  /// - Parameters:
  ///   - temporary: The temporary name.
  ///   - name: The final name.
  /// - Returns: False when `name` is taken (the temporary stays).
  /// - Throws: ``PostfixHardeningError`` `configuration`.
  func publish(_ temporary: String, as name: String) throws -> Bool {
    if linkat(descriptor, temporary, descriptor, name, 0) == 0 {
      _ = unlinkat(descriptor, temporary, 0)
      return true
    }
    if errno == EEXIST { return false }
    // File systems without hard links: only this user can write here, so the
    // check and the rename cannot be raced by anyone else.
    guard [EPERM, EOPNOTSUPP, EMLINK].contains(errno) else {
      throw Self.failure("link", path + "/" + name)
    }
    var info = stat()
    if fstatat(descriptor, name, &info, AT_SYMLINK_NOFOLLOW) == 0 { return false }
    guard renameat(descriptor, temporary, descriptor, name) == 0 else {
      throw Self.failure("rename", path + "/" + name)
    }
    return true
  }

  /// Renames `name` to `target`, which must not exist (only this user can
  /// write here).
  /// - Parameters:
  ///   - name: The current name.
  ///   - target: The new name.
  /// - Throws: ``PostfixHardeningError`` `configuration`.
  func rename(_ name: String, to target: String) throws {
    guard renameat(descriptor, name, descriptor, target) == 0 else {
      throw Self.failure("rename", path + "/" + name)
    }
  }

  /// Flushes the directory's entries to disk.
  func sync() { _ = fsync(descriptor) }

  /// Removes `name` (never following a symbolic link).
  /// - Parameter name: A name in the directory.
  func remove(_ name: String) { _ = unlinkat(descriptor, name, 0) }

  /// The names in the directory.
  /// - Returns: The names, without `.` and `..`.
  /// - Throws: ``PostfixHardeningError`` `configuration`.
  func names() throws -> Set<String> {
    let copy = fcntl(descriptor, F_DUPFD_CLOEXEC, 0)
    guard copy >= 0 else { throw Self.failure("dup", path) }
    guard let directory = fdopendir(copy) else {
      let error = Self.failure("opendir", path)
      _ = close(copy)
      throw error
    }
    defer { closedir(directory) }
    rewinddir(directory)
    var names: Set<String> = []
    while let entry = readdir(directory) {
      let name = withUnsafePointer(to: entry.pointee.d_name) {
        $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
      }
      if name != "." && name != ".." { names.insert(name) }
    }
    return names
  }

  /// Removes temporary files an earlier, interrupted run left: regular files
  /// named ``temporaryPrefix``…, owned by the effective user and last
  /// modified at least `age` seconds before `now`.
  /// - Parameters:
  ///   - now: The current time, seconds since the epoch.
  ///   - age: The least age of a file removed, in seconds.
  /// - Returns: The names removed.
  /// - Throws: ``PostfixHardeningError`` `configuration` when the directory
  ///   cannot be listed.
  @discardableResult
  func removeStaleTemporaries(now: Int, age: Int) throws -> [String] {
    var removed: [String] = []
    for name in try names().sorted() where name.hasPrefix(Self.temporaryPrefix) {
      var info = stat()
      guard fstatat(descriptor, name, &info, AT_SYMLINK_NOFOLLOW) == 0,
        info.st_mode & S_IFMT == S_IFREG, info.st_uid == geteuid(),
        Int(info.st_mtim.tv_sec) <= now - age
      else { continue }
      if unlinkat(descriptor, name, 0) == 0 { removed.append(name) }
    }
    return removed
  }

  static func failure(_ call: String, _ path: String) -> PostfixHardeningError {
    let code = errno
    let text = strerror(code).map { String(cString: $0) } ?? "error \(code)"
    return PostfixHardeningError(
      .configuration, Printable.sanitize("\(call) \(path): \(text)".utf8))
  }
}

/// Writes all of `bytes` to `descriptor`, then flushes the file to disk.
/// - Parameters:
///   - bytes: The content.
///   - descriptor: An open file.
///   - shown: The file's name for messages.
///   - sync: Whether to `fsync` afterwards.
/// - Throws: ``PostfixHardeningError`` `configuration`.
func writeAll(_ bytes: [UInt8], to descriptor: Int32, shown: String, sync: Bool = true) throws {
  guard Syscall.writeAll(descriptor, bytes) == nil else {
    throw BackupDestination.failure("write", shown)
  }
  guard !sync || fsync(descriptor) == 0 else {
    throw BackupDestination.failure("fsync", shown)
  }
}

/// Closes `descriptor`.
/// - Parameter descriptor: An open descriptor.
func closeDescriptor(_ descriptor: Int32) { _ = close(descriptor) }
