import Glibc
import PostfixConfig

/// The few file-system calls apply, backup and service control need.
package enum HostFiles {
  /// Whether the file at `path` can be opened for reading now.
  /// - Parameter path: The file.
  /// - Returns: True when `open(O_RDONLY)` succeeds on a regular file.
  package static func isReadable(_ path: String) -> Bool {
    let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
    guard descriptor >= 0 else { return false }
    defer { _ = close(descriptor) }
    var info = stat()
    return fstat(descriptor, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
  }

  /// Whether `path` is an executable file.
  /// - Parameter path: The file.
  /// - Returns: The answer of `access(X_OK)`.
  package static func isExecutable(_ path: String) -> Bool { access(path, X_OK) == 0 }

  /// Whether `path` is a directory.
  /// - Parameter path: The path.
  /// - Returns: True for a directory (symbolic links followed).
  package static func isDirectory(_ path: String) -> Bool {
    var info = stat()
    return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
  }

  /// Whether anything exists at `path` (a dangling symbolic link counts).
  /// - Parameter path: The path.
  /// - Returns: The answer.
  package static func exists(_ path: String) -> Bool {
    var info = stat()
    return lstat(path, &info) == 0
  }

  /// Whether `path` itself is a symbolic link.
  /// - Parameter path: The path.
  /// - Returns: The answer of `lstat`.
  package static func isSymbolicLink(_ path: String) -> Bool {
    var info = stat()
    return lstat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFLNK
  }

  /// Creates `path` and its missing parents with `mode`.
  /// - Parameters:
  ///   - path: The directory.
  ///   - mode: The mode of directories created.
  /// - Throws: ``PostfixHardeningError`` `configuration`.
  package static func makeDirectories(_ path: String, mode: mode_t = 0o700) throws {
    if isDirectory(path) { return }
    let parent = dirname(path)
    if parent != path && !parent.isEmpty && !isDirectory(parent) {
      try makeDirectories(parent, mode: mode)
    }
    if mkdir(path, mode) != 0 && errno != EEXIST { throw failure("mkdir \(path)") }
  }

  /// The names in a directory (without `.` and `..`).
  /// - Parameter path: The directory.
  /// - Returns: The names, sorted.
  /// - Throws: ``PostfixHardeningError`` `configuration`.
  package static func names(in path: String) throws -> [String] {
    guard let directory = opendir(path) else { throw failure("opendir \(path)") }
    defer { closedir(directory) }
    var names: [String] = []
    while let entry = readdir(directory) {
      let name = withUnsafePointer(to: entry.pointee.d_name) {
        $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
      }
      if name != "." && name != ".." { names.append(name) }
    }
    return names.sorted()
  }

  /// Creates a new file with `bytes`; never replaces an existing one.
  /// - Parameters:
  ///   - bytes: The content.
  ///   - path: The new file.
  ///   - mode: Its mode.
  /// - Throws: ``PostfixHardeningError`` `configuration` (also when it exists).
  package static func createNew(_ bytes: [UInt8], at path: String, mode: mode_t = 0o600) throws {
    let descriptor = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, mode)
    guard descriptor >= 0 else { throw failure("create \(path)") }
    if Syscall.writeAll(descriptor, bytes) != nil {
      let error = failure("write \(path)")
      _ = close(descriptor)
      _ = unlink(path)
      throw error
    }
    let synced = fsync(descriptor) == 0
    _ = close(descriptor)
    if !synced {
      let error = failure("fsync \(path)")
      _ = unlink(path)
      throw error
    }
  }

  /// Removes a file.
  /// - Parameter path: The file.
  package static func remove(_ path: String) { _ = unlink(path) }

  /// The size of the file at `path`, or `nil` when it does not exist.
  /// - Parameter path: The file.
  /// - Returns: Its size in bytes.
  package static func size(_ path: String) -> Int? {
    var info = stat()
    return stat(path, &info) == 0 ? Int(info.st_size) : nil
  }

  /// Up to `limit` bytes of a file from `offset` on.
  /// - Parameters:
  ///   - path: The file.
  ///   - offset: Where to start.
  ///   - limit: The most bytes returned.
  /// - Returns: The bytes, empty when the file cannot be read.
  package static func read(_ path: String, from offset: Int, limit: Int = 1 << 20) -> [UInt8] {
    let descriptor = open(path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else { return [] }
    defer { _ = close(descriptor) }
    if lseek(descriptor, off_t(offset), SEEK_SET) < 0 { return [] }
    var bytes = [UInt8](repeating: 0, count: limit)
    var total = 0
    // Each iteration reads at least one byte or stops.
    while total < limit {
      let got = bytes[total...].withUnsafeMutableBytes { Syscall.read(descriptor, into: $0) }
      if got <= 0 { break }
      total += got
    }
    return Array(bytes[..<total])
  }

  /// The current time, seconds since the epoch.
  package static func now() -> Int { Int(time(nil)) }

  /// Today's local date as `YYYY-MM-DD`.
  package static func today() -> String {
    var clock = time(nil)
    var parts = tm()
    guard localtime_r(&clock, &parts) != nil else { return "1970-01-01" }
    func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
    return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))"
  }

  /// Sleeps for `milliseconds`.
  /// - Parameter milliseconds: How long.
  package static func sleep(milliseconds: Int) { Syscall.sleep(milliseconds: milliseconds) }

  /// Whether the process runs as root.
  package static var isRoot: Bool { geteuid() == 0 }

  /// `path` with symbolic links and `..` resolved, or `path` when it cannot be.
  /// - Parameter path: The path.
  /// - Returns: The canonical path.
  package static func canonical(_ path: String) -> String {
    guard let resolved = realpath(path, nil) else { return path }
    defer { free(resolved) }
    return String(cString: resolved)
  }

  /// Creates a new private directory (mode 0700, `mkdtemp`) under `$TMPDIR`
  /// (when absolute) or `/tmp`.
  /// - Parameter prefix: The start of the directory's name.
  /// - Returns: The directory's path.
  /// - Throws: ``PostfixHardeningError`` `configuration`.
  package static func makePrivateDirectory(prefix: String) throws -> String {
    var root = "/tmp"
    if let value = getenv("TMPDIR") {
      let text = String(cString: value)
      if text.hasPrefix("/") { root = text }
    }
    while root.count > 1 && root.hasSuffix("/") { root.removeLast() }
    var template = Array("\(root)/\(prefix)XXXXXX".utf8CString)
    let made = template.withUnsafeMutableBufferPointer { buffer in
      buffer.baseAddress.map { mkdtemp($0) != nil } ?? false
    }
    guard made else { throw failure("mkdtemp \(root)/\(prefix)XXXXXX") }
    return template.withUnsafeBufferPointer { buffer in
      buffer.baseAddress.map { String(cString: $0) } ?? root
    }
  }

  /// Removes `path` and, for a directory, everything in it.
  ///
  /// Symbolic links are removed, never followed. Failures are ignored.
  /// - Parameter path: The file or directory.
  package static func removeTree(_ path: String) {
    var info = stat()
    guard lstat(path, &info) == 0 else { return }
    if (info.st_mode & S_IFMT) == S_IFDIR {
      for name in (try? names(in: path)) ?? [] { removeTree(path + "/" + name) }
      _ = rmdir(path)
    } else {
      _ = unlink(path)
    }
  }

  /// Reads a regular file without following a symbolic link at `path`.
  /// - Parameters:
  ///   - path: The file.
  ///   - limit: The largest size accepted.
  /// - Returns: The content.
  /// - Throws: ``PostfixHardeningError`` `configuration` when the file is missing,
  ///   a symbolic link or anything but a regular file, larger than `limit`, or
  ///   unreadable.
  package static func readRegular(_ path: String, limit: Int) throws -> [UInt8] {
    let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)
    guard descriptor >= 0 else { throw failure("open \(path)") }
    defer { _ = close(descriptor) }
    var info = stat()
    guard fstat(descriptor, &info) == 0 else { throw failure("fstat \(path)") }
    guard (info.st_mode & S_IFMT) == S_IFREG else {
      throw PostfixHardeningError(
        .configuration, Printable.sanitize("\(path) is not a regular file".utf8))
    }
    guard Int(info.st_size) <= limit else {
      throw PostfixHardeningError(
        .configuration, Printable.sanitize("\(path) is larger than \(limit) bytes".utf8))
    }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65_536)
    // Each iteration reads at least one byte or stops.
    while true {
      let got = buffer.withUnsafeMutableBytes { Syscall.read(descriptor, into: $0) }
      if got < 0 { throw failure("read \(path)") }
      if got == 0 { break }
      guard bytes.count + got <= limit else {
        throw PostfixHardeningError(
          .configuration, Printable.sanitize("\(path) is larger than \(limit) bytes".utf8))
      }
      bytes += buffer[..<got]
    }
    return bytes
  }

  static func dirname(_ path: String) -> String {
    var bytes = Array(path.utf8)
    while bytes.count > 1 && bytes.last == UInt8(ascii: "/") { bytes.removeLast() }
    guard let slash = bytes.lastIndex(of: UInt8(ascii: "/")) else { return "." }
    return slash == 0 ? "/" : String(decoding: bytes[..<slash], as: UTF8.self)
  }

  static func failure(_ what: String) -> PostfixHardeningError {
    let code = errno
    let text = strerror(code).map { String(cString: $0) } ?? "error \(code)"
    return PostfixHardeningError(.configuration, Printable.sanitize("\(what): \(text)".utf8))
  }
}
