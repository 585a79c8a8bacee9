import Glibc

extension DatabaseClientFile {
  /// Opens and reads the file as postconf would, without its hazards.
  ///
  /// postconf opens the file for reading and then refuses anything but a
  /// regular file. Here the file is opened without blocking, so a FIFO is
  /// refused by its type instead of waiting for a writer, and a file over
  /// `limit` bytes is refused before it is read.
  /// - Parameters:
  ///   - path: The file (symbolic links are followed).
  ///   - limit: The largest size read.
  /// - Returns: The bytes, or why there are none.
  public static func read(path: [UInt8], limit: Int = MainCF.maximumSize) -> Content {
    // A path with a NUL cannot be opened; postconf sees the text before it.
    let cPath = Array(path.prefix { $0 != 0 }) + [0]
    let displayPath = Printable.sanitize(path)
    let descriptor: Int32 = cPath.withUnsafeBufferPointer { buffer in
      // Never nil: the path holds at least its terminating NUL.
      guard let base = buffer.baseAddress else { return -1 }
      return base.withMemoryRebound(to: CChar.self, capacity: buffer.count) { name in
        Syscall.open(name, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
      }
    }
    guard descriptor >= 0 else {
      let code = errno
      return .cannotOpen(errno: code, reason: Self.strerror(code))
    }
    defer { _ = close(descriptor) }
    var info = stat()
    guard fstat(descriptor, &info) == 0 else { return .cannotRead(Self.strerror(errno)) }
    guard info.st_mode & S_IFMT == S_IFREG else { return .notRegularFile }
    let flags = fcntl(descriptor, F_GETFL)
    guard flags >= 0, fcntl(descriptor, F_SETFL, flags & ~O_NONBLOCK) == 0 else {
      return .cannotRead(Self.strerror(errno))
    }
    let tooLarge = "file is larger than the limit of \(limit) bytes"
    if Int(info.st_size) > limit { return .cannotRead(tooLarge) }
    do {
      return .bytes(
        try ConfigFile.readAll(
          descriptor: descriptor, size: Int(info.st_size), limit: limit, path: displayPath))
    } catch let error as PostfixConfigError {
      if error.code == .fileTooLarge { return .cannotRead(tooLarge) }
      // `read PATH: strerror`: the reason is what follows the path.
      let prefix = "read \(displayPath): "
      return .cannotRead(
        error.reason.hasPrefix(prefix) ? String(error.reason.dropFirst(prefix.count)) : error.reason
      )
    } catch {
      return .cannotRead("\(error)")
    }
  }

  static func strerror(_ code: Int32) -> String {
    Glibc.strerror(code).map { String(cString: $0) } ?? "error \(code)"
  }
}
