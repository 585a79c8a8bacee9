import Glibc

/// Reading configuration files: the library's only file reads.
public enum ConfigFile {
  /// What identifies one version of a file on disk, for change detection.
  public struct Identity: Sendable, Equatable {
    /// The device the file is on.
    public let device: UInt64
    /// The inode number.
    public let inode: UInt64
    /// The size in bytes.
    public let size: Int
    /// The modification time, seconds since the epoch.
    public let modificationSeconds: Int
    /// The nanoseconds part of the modification time.
    public let modificationNanoseconds: Int
  }

  /// A file's content together with the identity it had when it was read.
  public struct Snapshot: Sendable, Equatable {
    /// The bytes read.
    public let bytes: [UInt8]
    /// The file's identity, taken from the open descriptor.
    public let identity: Identity
  }

  /// Reads a whole file.
  /// - Parameters:
  ///   - path: The file to read (symbolic links are followed).
  ///   - limit: The largest size accepted, checked before reading.
  /// - Returns: The content.
  /// - Throws: ``PostfixConfigError`` `fileTooLarge` when the file is larger than
  ///   `limit`; `io` with postconf-style text (`open PATH: No such file or directory`),
  ///   also for anything but a regular file (`open PATH: not a regular file (a FIFO)`).
  public static func read(path: String, limit: Int = MainCF.maximumSize) throws -> [UInt8] {
    try readSnapshot(path: path, limit: limit).bytes
  }

  /// Reads a whole file and returns it with its identity.
  /// - Parameters:
  ///   - path: The file to read (symbolic links are followed).
  ///   - limit: The largest size accepted, checked before reading.
  /// - Returns: The content and the identity of the file read.
  /// - Throws: ``PostfixConfigError`` `fileTooLarge` or `io`.
  public static func readSnapshot(path: String, limit: Int = MainCF.maximumSize) throws
    -> Snapshot
  {
    try withOpenFile(path: path, limit: limit) { descriptor, info in
      let bytes = try readAll(
        descriptor: descriptor, size: Int(info.st_size), limit: limit, path: path)
      return Snapshot(bytes: bytes, identity: Identity(info))
    }
  }

  /// Opens `path` for reading and calls `body` with the descriptor and its
  /// `fstat`, once the file is known to be a regular file within `limit`.
  ///
  /// The file is opened without blocking, so that a FIFO (which would wait
  /// for a writer) or a device is refused by its type instead of hanging or
  /// streaming endlessly; blocking reads are restored for regular files.
  private static func withOpenFile<Result>(
    path: String, limit: Int, _ body: (Int32, stat) throws -> Result
  ) throws -> Result {
    let descriptor = Syscall.open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
    guard descriptor >= 0 else { throw ioError("open \(path)") }
    defer { _ = close(descriptor) }
    var info = stat()
    guard fstat(descriptor, &info) == 0 else { throw ioError("fstat \(path)") }
    let type = info.st_mode & S_IFMT
    if type == S_IFDIR {
      throw PostfixConfigError(.io, Printable.sanitize("read \(path): Is a directory".utf8))
    }
    guard type == S_IFREG else {
      throw PostfixConfigError(
        .io, Printable.sanitize("open \(path): not a regular file (\(typeName(type)))".utf8))
    }
    let flags = fcntl(descriptor, F_GETFL)
    guard flags >= 0, fcntl(descriptor, F_SETFL, flags & ~O_NONBLOCK) == 0 else {
      throw ioError("fcntl \(path)")
    }
    if Int(info.st_size) > limit { throw tooLarge(path, limit) }
    return try body(descriptor, info)
  }

  /// How `ls -l` would call a file of type `type` (the `S_IFMT` bits).
  static func typeName(_ type: mode_t) -> String {
    switch type {
    case S_IFIFO: return "a FIFO"
    case S_IFCHR: return "a character device"
    case S_IFBLK: return "a block device"
    case S_IFSOCK: return "a socket"
    case S_IFLNK: return "a symbolic link"
    default: return "file type \(type >> 12)"
    }
  }

  /// Files at least this large are mapped by ``readShared(path:limit:mappingFrom:)``.
  public static let mappingThreshold = 1 << 20

  /// Reads a whole file into shared read-only bytes: mapped when it is at
  /// least `mappingFrom` bytes long (reading a large file into fresh memory
  /// costs several times more), otherwise read into an array.
  /// - Parameters:
  ///   - path: The file to read (symbolic links are followed).
  ///   - limit: The largest size accepted, checked before reading.
  ///   - mappingFrom: The smallest size that is mapped.
  /// - Returns: The content. A mapping covers the size the file had when it
  ///   was opened; see ``FileBytes`` for a file truncated meanwhile.
  /// - Throws: As ``read(path:limit:)``.
  public static func readShared(
    path: String, limit: Int = MainCF.maximumSize, mappingFrom: Int = mappingThreshold
  ) throws -> FileBytes {
    try withOpenFile(path: path, limit: limit) { descriptor, info in
      let size = Int(info.st_size)
      // A mapping that fails falls back to reading. It is not populated
      // (MAP_POPULATE): that would map every page on this thread before any
      // work starts; mapped as they are first read, the pages come a group
      // at a time to whichever thread reads them, while the other works.
      if size >= max(mappingFrom, 1),
        let base = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0),
        base != MAP_FAILED
      {
        return FileBytes(
          mapping: UnsafeBufferPointer(start: base.assumingMemoryBound(to: UInt8.self), count: size)
        )
      }
      return FileBytes(try readAll(descriptor: descriptor, size: size, limit: limit, path: path))
    }
  }

  /// Reads an open file to its end: the `size` bytes `fstat` reported straight
  /// into the array, then on in chunks if the file grew meanwhile.
  /// - Parameters:
  ///   - descriptor: The open file.
  ///   - size: Its size when it was opened.
  ///   - limit: The most bytes accepted.
  ///   - path: The file's name for errors.
  /// - Returns: The bytes read.
  /// - Throws: ``PostfixConfigError`` `io` (`read PATH: ...`) or `fileTooLarge`.
  static func readAll(descriptor: Int32, size: Int, limit: Int, path: String) throws -> [UInt8] {
    var failed = false
    var bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
      // Fresh memory: huge pages where the system has them (``HugePages``).
      HugePages.advise(UnsafeMutableRawBufferPointer(buffer))
      // A long file is read in two halves at once: copying it and touching
      // its fresh memory is most of the cost. Anything short of the whole
      // (a file cut meanwhile) is read again below, from its start.
      if size >= parallelReadThreshold {
        let half = size / 2
        let (first, second) = TwoThreads.alongside(
          other: {
            readFully(descriptor, into: buffer, from: half, to: size)
          },
          mine: { readFully(descriptor, into: buffer, from: 0, to: half) })
        if first && second && lseek(descriptor, off_t(size), SEEK_SET) == off_t(size) {
          initialized = size
          return
        }
        guard lseek(descriptor, 0, SEEK_SET) == 0 else {
          failed = true
          return
        }
      }
      // Each iteration reads at least one byte or stops.
      while initialized < size {
        let rest = UnsafeMutableBufferPointer(rebasing: buffer[initialized..<size])
        let got = Syscall.read(descriptor, into: UnsafeMutableRawBufferPointer(rest))
        if got < 0 { failed = true }
        if got <= 0 { break }
        initialized += got
      }
    }
    if failed { throw ioError("read \(path)") }
    var chunk = [UInt8](repeating: 0, count: bytes.count < size ? 0 : 1 << 16)
    // Each iteration reads at least one byte or stops (nothing when the file
    // ended early).
    while !chunk.isEmpty {
      let got = chunk.withUnsafeMutableBytes { Syscall.read(descriptor, into: $0) }
      if got < 0 { throw ioError("read \(path)") }
      if got == 0 { break }
      if bytes.count + got > limit { throw tooLarge(path, limit) }
      bytes.append(contentsOf: chunk[0..<got])
    }
    return bytes
  }

  /// Files at least this long are read in two halves at once by ``readAll``.
  static let parallelReadThreshold = 1 << 21

  /// Reads bytes `start..<end` of the file into the same range of `buffer`
  /// (by offset: the file position does not move); false unless all came.
  private static func readFully(
    _ descriptor: Int32, into buffer: UnsafeMutableBufferPointer<UInt8>, from start: Int,
    to end: Int
  ) -> Bool {
    var done = start
    // Each iteration reads at least one byte or stops.
    while done < end {
      let rest = UnsafeMutableBufferPointer(rebasing: buffer[done..<end])
      let got = Syscall.read(descriptor, into: UnsafeMutableRawBufferPointer(rest), at: done)
      if got <= 0 { return false }
      done += got
    }
    return true
  }

  /// The identity of the file at `path` now (symbolic links are followed).
  /// - Parameter path: The file.
  /// - Returns: Its identity.
  /// - Throws: ``PostfixConfigError`` `io` (`stat PATH: ...`).
  public static func identity(path: String) throws -> Identity {
    var info = stat()
    guard stat(path, &info) == 0 else { throw ioError("stat \(path)") }
    return Identity(info)
  }

  /// The reason of a failed read of `path` in strerror words: the error's
  /// reason without the `open PATH: ` or `read PATH: ` this type puts first
  /// (`Permission denied`, `not a regular file (a FIFO)`).
  /// - Parameters:
  ///   - error: What ``read(path:limit:)`` threw.
  ///   - path: The path it was given.
  /// - Returns: The reason; the error's description when it is not a
  ///   ``PostfixConfigError``.
  public static func failureReason(_ error: any Error, path: String) -> String {
    guard let error = error as? PostfixConfigError else { return "\(error)" }
    for prefix in ["open \(path): ", "read \(path): "] where error.reason.hasPrefix(prefix) {
      return String(error.reason.dropFirst(prefix.count))
    }
    return error.reason
  }

  static func tooLarge(_ path: String, _ limit: Int) -> PostfixConfigError {
    PostfixConfigError(
      .fileTooLarge,
      Printable.sanitize("open \(path): file is larger than the limit of \(limit) bytes".utf8))
  }

  /// An `io` error for the failed call described by `what`, with `strerror(errno)`.
  static func ioError(_ what: String, errno code: Int32 = errno) -> PostfixConfigError {
    let text = strerror(code).map { String(cString: $0) } ?? "error \(code)"
    return PostfixConfigError(.io, Printable.sanitize("\(what): \(text)".utf8))
  }
}

extension ConfigFile.Identity {
  init(_ info: stat) {
    device = UInt64(info.st_dev)
    inode = UInt64(info.st_ino)
    size = Int(info.st_size)
    modificationSeconds = Int(info.st_mtim.tv_sec)
    modificationNanoseconds = Int(info.st_mtim.tv_nsec)
  }
}
