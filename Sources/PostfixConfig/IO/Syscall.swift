import Glibc

/// The libc calls a signal can interrupt, as the package's file and process
/// code makes them: each retries `EINTR` and otherwise returns what libc
/// returned, with `errno` as libc left it.
///
/// PostfixConfig, PostfixHardening and the command line all go through this
/// one layer, so the retry rule lives in one place (SMTPProbe keeps its own
/// in `Transport/Posix.swift`).
package enum Syscall {
  /// Why ``writeAll(_:_:)`` stopped early.
  package enum WriteFailure: Equatable, Sendable {
    /// `write` failed with this errno (still in `errno`).
    case error(Int32)
    /// `write` wrote nothing for a non-empty request.
    case noProgress
  }

  /// Calls `call` until it does not fail with `EINTR`.
  /// - Parameter call: A libc call that returns a negative value on failure.
  /// - Returns: The first result that is not an interrupted failure.
  package static func retrying<T: BinaryInteger>(_ call: () -> T) -> T {
    // Each retry follows an EINTR; any other outcome returns.
    while true {
      let result = call()
      if result < 0 && errno == EINTR { continue }
      return result
    }
  }

  /// `open(2)`.
  /// - Parameters:
  ///   - path: The path.
  ///   - flags: The `O_` flags.
  ///   - mode: The mode of a file `O_CREAT` creates.
  /// - Returns: The descriptor, or -1 with `errno` set.
  package static func open(_ path: UnsafePointer<CChar>, _ flags: Int32, _ mode: mode_t = 0)
    -> Int32
  {
    retrying { Glibc.open(path, flags, mode) }
  }

  /// `openat(2)`.
  /// - Parameters:
  ///   - directory: The directory descriptor `name` is relative to.
  ///   - name: The name.
  ///   - flags: The `O_` flags.
  ///   - mode: The mode of a file `O_CREAT` creates.
  /// - Returns: The descriptor, or -1 with `errno` set.
  package static func openat(
    _ directory: Int32, _ name: UnsafePointer<CChar>, _ flags: Int32, _ mode: mode_t = 0
  ) -> Int32 {
    retrying { Glibc.openat(directory, name, flags, mode) }
  }

  /// `read(2)` into `buffer`.
  /// - Parameters:
  ///   - descriptor: An open descriptor.
  ///   - buffer: Where the bytes go; at most its count are read.
  /// - Returns: The bytes read, 0 at the end of the file, or -1 with `errno` set.
  package static func read(_ descriptor: Int32, into buffer: UnsafeMutableRawBufferPointer)
    -> Int
  {
    retrying { Glibc.read(descriptor, buffer.baseAddress, buffer.count) }
  }

  /// `pread(2)` into `buffer` from `offset`.
  /// - Parameters:
  ///   - descriptor: An open descriptor.
  ///   - buffer: Where the bytes go.
  ///   - offset: Where in the file to read from.
  /// - Returns: The bytes read (0 at the end), or -1 with `errno` set.
  package static func read(
    _ descriptor: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: Int
  ) -> Int {
    retrying { Glibc.pread(descriptor, buffer.baseAddress, buffer.count, off_t(offset)) }
  }

  /// `write(2)` from `buffer`.
  /// - Parameters:
  ///   - descriptor: An open descriptor.
  ///   - buffer: The bytes.
  /// - Returns: The bytes written, or -1 with `errno` set.
  package static func write(_ descriptor: Int32, from buffer: UnsafeRawBufferPointer) -> Int {
    retrying { Glibc.write(descriptor, buffer.baseAddress, buffer.count) }
  }

  /// Writes all of `bytes`, continuing after short writes.
  /// - Parameters:
  ///   - descriptor: An open descriptor.
  ///   - bytes: The bytes.
  /// - Returns: Nil when every byte was written, else why the writing stopped.
  package static func writeAll(_ descriptor: Int32, _ bytes: [UInt8]) -> WriteFailure? {
    bytes.withUnsafeBytes { raw in
      var offset = 0
      // Each iteration writes at least one byte or returns.
      while offset < raw.count {
        let wrote = write(descriptor, from: UnsafeRawBufferPointer(rebasing: raw[offset...]))
        if wrote < 0 { return .error(errno) }
        if wrote == 0 { return .noProgress }
        offset += wrote
      }
      return nil
    }
  }

  /// `flock(2)`.
  /// - Parameters:
  ///   - descriptor: An open descriptor.
  ///   - operation: `LOCK_EX`, `LOCK_SH` or `LOCK_UN`, with `LOCK_NB` or not.
  /// - Returns: 0, or -1 with `errno` set (`EWOULDBLOCK` when `LOCK_NB` found it held).
  package static func flock(_ descriptor: Int32, _ operation: Int32) -> Int32 {
    retrying { lockFile(descriptor, operation) }
  }

  /// `waitpid(2)`.
  /// - Parameters:
  ///   - pid: The child.
  ///   - status: Receives its status.
  ///   - options: `WNOHANG` or 0.
  /// - Returns: The child's pid, 0 (`WNOHANG`, still running), or -1 with `errno` set.
  package static func waitpid(_ pid: pid_t, _ status: inout Int32, _ options: Int32) -> pid_t {
    retrying { Glibc.waitpid(pid, &status, options) }
  }

  /// `poll(2)`, where an interruption by a signal counts as nothing ready (the
  /// caller's loop recomputes its deadline and polls again).
  /// - Parameters:
  ///   - descriptors: The descriptors and events; `revents` is set.
  ///   - milliseconds: The timeout.
  /// - Returns: How many are ready, 0 on timeout or interruption, -1 on another error.
  package static func poll(_ descriptors: inout [pollfd], milliseconds: Int32) -> Int32 {
    let ready = Glibc.poll(&descriptors, nfds_t(descriptors.count), milliseconds)
    return ready < 0 && errno == EINTR ? 0 : ready
  }

  /// Sleeps for `milliseconds`, resuming after signals until the time has passed.
  /// - Parameter milliseconds: How long.
  package static func sleep(milliseconds: Int) {
    var request = timespec(tv_sec: milliseconds / 1000, tv_nsec: (milliseconds % 1000) * 1_000_000)
    var remaining = timespec()
    // Each iteration follows an interruption and sleeps what was left.
    while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
  }
}

/// libc's `flock`, which inside ``Syscall`` its own `flock` would shadow (and
/// `Glibc.flock` names the struct).
private func lockFile(_ descriptor: Int32, _ operation: Int32) -> Int32 {
  flock(descriptor, operation)
}
