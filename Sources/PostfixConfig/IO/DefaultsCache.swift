import Glibc

/// A per-user cache of the installed Postfix's `postconf -d` output.
///
/// Running `postconf -d` costs tens of milliseconds; its output changes only
/// when the installed program does. An entry is keyed by the identity of the
/// program: the real path of `postconf` and its `stat` fields (device, inode,
/// size, modification and change times to the nanosecond), plus the same fields
/// of each extra identity path (``defaultIdentityPaths``: Debian keeps the
/// shared libraries holding the defaults in `/usr/lib/postfix`), or `absent`
/// for one that does not exist.
///
/// An entry is the file `postconf-d-HASH` (16 hex digits of the 64-bit FNV-1a
/// hash of the key text): one header line holding the key text, then the
/// output bytes. The header is compared in full on every read, so neither a
/// hash collision nor a stale entry is ever used. Entries are written to a
/// temporary file in the same directory, `fsync()`ed and renamed into place.
///
/// Trust: the directory must be owned by the effective user and not group- or
/// world-writable (else it is neither read nor written; a missing directory is
/// created with mode 0700); an entry must be a regular file with the same owner
/// and not group- or world-writable (else it is ignored and not replaced).
/// Any cache problem (unwritable, corrupt, larger than
/// ``InstalledPostfix/outputLimit``) falls back to running postconf, so the
/// cache never changes the result. The output of `postconf -d` also holds the
/// host's names, its process id and the installed master.cf's services;
/// ``ParameterCatalog`` takes none of those from it (host values are computed
/// per run, service-dependent names are skipped).
package enum DefaultsCache {
  /// Extra paths whose identity is part of every key.
  package static let defaultIdentityPaths = ["/usr/lib/postfix"]

  /// Where the `pfharden` command keeps the cache, or `nil` for no cache.
  ///
  /// `PFHARDEN_CACHE_DIR` when set (empty or `off` disables the cache), else
  /// `$XDG_CACHE_HOME/pfharden`, else `$HOME/.cache/pfharden`. Only absolute
  /// paths count; a relative `PFHARDEN_CACHE_DIR` disables the cache, a relative
  /// or empty `XDG_CACHE_HOME` or `HOME` is skipped.
  /// - Parameter environment: The process environment.
  /// - Returns: The directory, or `nil`.
  package static func directory(environment: [String: String]) -> String? {
    if let explicit = environment["PFHARDEN_CACHE_DIR"] {
      return explicit.hasPrefix("/") ? explicit : nil
    }
    if let xdg = environment["XDG_CACHE_HOME"], xdg.hasPrefix("/") {
      return xdg + "/pfharden"
    }
    if let home = environment["HOME"], home.hasPrefix("/") {
      return home + "/.cache/pfharden"
    }
    return nil
  }

  /// The prefix of every entry's file name.
  static let filePrefix = "postconf-d-"

  /// Standard output of `postconf -d`, from the cache when it holds an entry
  /// for this program, else from running it (and then stored).
  /// - Parameters:
  ///   - postconf: The program path.
  ///   - cacheDirectory: The cache directory (created when missing).
  ///   - identityPaths: Extra paths whose `stat` fields are part of the key.
  /// - Returns: The same bytes as ``InstalledPostfix/defaultsOutput(postconf:configDirectory:)``.
  /// - Throws: What ``InstalledPostfix/defaultsOutput(postconf:configDirectory:)``
  ///   throws when postconf has to run; never a cache problem.
  package static func defaultsOutput(
    postconf: String, cacheDirectory: String, identityPaths: [String] = defaultIdentityPaths
  ) throws -> [UInt8] {
    try cached(
      postconf: postconf, cacheDirectory: cacheDirectory, tag: nil, identityPaths: identityPaths
    ) { try InstalledPostfix.defaultsOutput(postconf: postconf) }
  }

  /// Bytes derived from the program's `postconf -d` output (the catalogue built from it),
  /// from the cache when it holds an entry for this program and `tag`, else made by
  /// `make` (and then stored).
  ///
  /// The entry is keyed like the output's, with `tag` added to the key text: a tag
  /// that names what made the bytes (the build of pfharden) keeps an entry of another
  /// build from being used.
  /// - Parameters:
  ///   - postconf: The program path.
  ///   - cacheDirectory: The cache directory (created when missing).
  ///   - tag: What the bytes are and what made them (printable text, no line feed).
  ///   - identityPaths: Extra paths whose `stat` fields are part of the key.
  ///   - make: Makes the bytes when the cache has none.
  /// - Returns: The bytes.
  /// - Throws: What `make` throws; never a cache problem.
  package static func derived(
    postconf: String, cacheDirectory: String, tag: String,
    identityPaths: [String] = defaultIdentityPaths, make: () throws -> [UInt8]
  ) throws -> [UInt8] {
    try cached(
      postconf: postconf, cacheDirectory: cacheDirectory, tag: tag, identityPaths: identityPaths,
      make: make)
  }

  /// The entry keyed by the program (and `tag`, when given), or what `make` gives.
  ///
  /// The entry is read when present, else made by `make` and stored, unless the
  /// program changed while it was made. Any cache problem falls back to `make`.
  private static func cached(
    postconf: String, cacheDirectory: String, tag: String?, identityPaths: [String],
    make: () throws -> [UInt8]
  ) throws -> [UInt8] {
    guard let programKey = key(postconf: postconf, identityPaths: identityPaths),
      !(tag ?? "").utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }),
      let directory = CacheDirectory(path: cacheDirectory)
    else { return try make() }
    defer { directory.close() }
    let key = tag.map { programKey + "; " + $0 } ?? programKey
    let name = fileName(key: key)
    let header = Array(key.utf8) + [UInt8(ascii: "\n")]
    let lookup = directory.lookup(name, header: header)
    if case .hit(let bytes) = lookup { return bytes }
    let bytes = try make()
    // Store only what the keyed program gave: not if it changed meanwhile.
    if case .miss = lookup, self.key(postconf: postconf, identityPaths: identityPaths) == programKey
    {
      directory.store(name, header + bytes)
    }
    return bytes
  }

  /// The key text of the program at `postconf`, or `nil` when it cannot be
  /// identified (or its path has control characters, which a header line cannot hold).
  /// - Parameters:
  ///   - postconf: The program path.
  ///   - identityPaths: Extra paths whose `stat` fields are part of the key.
  /// - Returns: One line of text, without the line feed.
  static func key(postconf: String, identityPaths: [String]) -> String? {
    guard let resolved = realpath(postconf, nil) else { return nil }
    let real = String(cString: resolved)
    free(resolved)
    var info = stat()
    guard stat(real, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
    var text = "pfharden postconf -d cache 1: \(real) \(describe(info))"
    for path in identityPaths {
      var extra = stat()
      if stat(path, &extra) == 0 {
        text += "; \(path) \(describe(extra))"
      } else if errno == ENOENT || errno == ENOTDIR {
        text += "; \(path) absent"
      } else {
        return nil
      }
    }
    guard !text.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) else { return nil }
    return text
  }

  /// The entry's file name for `key`: ``filePrefix`` and 16 hex digits of FNV-1a.
  /// - Parameter key: The key text.
  /// - Returns: The file name.
  static func fileName(key: String) -> String {
    let digits = String(fnv1a64(Array(key.utf8)), radix: 16)
    return filePrefix + String(repeating: "0", count: 16 - digits.count) + digits
  }

  /// The 64-bit FNV-1a hash of `bytes`.
  /// - Parameter bytes: The input.
  /// - Returns: The hash.
  package static func fnv1a64(_ bytes: [UInt8]) -> UInt64 {
    bytes.withUnsafeBufferPointer { fnv1a64($0) }
  }

  /// The 64-bit FNV-1a hash of `bytes`, where they are.
  /// - Parameter bytes: The input.
  /// - Returns: The hash.
  package static func fnv1a64(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in bytes {
      hash ^= UInt64(byte)
      hash = hash &* 0x0000_0100_0000_01b3
    }
    return hash
  }

  private static func describe(_ info: stat) -> String {
    "dev=\(info.st_dev) ino=\(info.st_ino) size=\(info.st_size)"
      + " mtime=\(info.st_mtim.tv_sec).\(nanoseconds(info.st_mtim.tv_nsec))"
      + " ctime=\(info.st_ctim.tv_sec).\(nanoseconds(info.st_ctim.tv_nsec))"
  }

  private static func nanoseconds(_ value: Int) -> String {
    let digits = String(value)
    return String(repeating: "0", count: max(0, 9 - digits.count)) + digits
  }
}

/// An open, trusted cache directory; every access is relative to its descriptor.
private struct CacheDirectory {
  enum Lookup {
    case hit([UInt8])
    /// No usable entry; storing one is fine.
    case miss
    /// Something not to be trusted or replaced is there.
    case untrusted
  }

  let descriptor: Int32

  // Opens (creating it when missing) the directory at `path` if it is trusted.
  init?(path: String) {
    guard !path.isEmpty else { return nil }
    var descriptor = Self.openDirectory(path)
    if descriptor < 0 && errno == ENOENT {
      Self.makeDirectory(path, depth: 0)
      descriptor = Self.openDirectory(path)
    }
    guard descriptor >= 0 else { return nil }
    var info = stat()
    guard fstat(descriptor, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR,
      Self.isTrusted(info)
    else {
      _ = Glibc.close(descriptor)
      return nil
    }
    self.descriptor = descriptor
  }

  func close() { _ = Glibc.close(descriptor) }

  func lookup(_ name: String, header: [UInt8]) -> Lookup {
    let file = Syscall.openat(descriptor, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)
    guard file >= 0 else { return errno == ENOENT ? .miss : .untrusted }
    defer { _ = Glibc.close(file) }
    var info = stat()
    guard fstat(file, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, Self.isTrusted(info) else {
      return .untrusted
    }
    let size = Int(info.st_size)
    guard size >= header.count, size - header.count <= InstalledPostfix.outputLimit else {
      return .miss
    }
    // A file that grew past its size fails the read; one that shrank is short.
    guard
      let bytes = try? ConfigFile.readAll(descriptor: file, size: size, limit: size, path: name),
      bytes.count == size, bytes[0..<header.count].elementsEqual(header)
    else { return .miss }
    return .hit(Array(bytes[header.count...]))
  }

  func store(_ name: String, _ bytes: [UInt8]) {
    var file: Int32 = -1
    var temporary = ""
    // Each iteration tries one fresh random name.
    for _ in 0..<10 {
      temporary = ".\(name).\(String(UInt64.random(in: 0...UInt64.max), radix: 36)).tmp"
      file = Syscall.openat(
        descriptor, temporary, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0o600)
      if file >= 0 || errno != EEXIST { break }
    }
    guard file >= 0 else { return }
    var stored = false
    defer {
      _ = Glibc.close(file)
      if !stored { _ = unlinkat(descriptor, temporary, 0) }
    }
    guard fchmod(file, 0o600) == 0,
      (try? AtomicWriter.writeAll(bytes, to: file, path: temporary)) != nil,
      fsync(file) == 0
    else { return }
    stored = renameat(descriptor, temporary, descriptor, name) == 0
  }

  static func openDirectory(_ path: String) -> Int32 {
    Syscall.open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
  }

  // Owned by the effective user, not writable by group or others.
  static func isTrusted(_ info: stat) -> Bool {
    info.st_uid == geteuid() && (info.st_mode & 0o022) == 0
  }

  // mkdir -p with mode 0700 for every directory created; failures are left
  // to the open that follows.
  static func makeDirectory(_ path: String, depth: Int) {
    if mkdir(path, 0o700) == 0 || errno != ENOENT || depth >= 64 { return }
    let parent = AtomicWriter.split(path).directory
    guard parent != path, parent != "/", parent != "." else { return }
    makeDirectory(parent, depth: depth + 1)
    _ = mkdir(path, 0o700)
  }
}
