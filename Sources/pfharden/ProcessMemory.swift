import PostfixConfig
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Memory settings of the one-shot command.
enum ProcessMemory {
  /// What ``keepUntilExit(_:console:)`` kept.
  private static let kept = Mutex<[any Sendable]>([])

  /// Keeps `value` until the process exits, when the command runs as the
  /// process (not in a test's capturing console): freeing a configuration's
  /// tables one by one just before `exit` is work for nothing (a tenth of
  /// `check` on a real main.cf).
  /// - Parameters:
  ///   - value: What the command is done with.
  ///   - console: The command's console.
  static func keepUntilExit(_ value: any Sendable, console: Console) {
    guard !console.isCapturing else { return }
    kept.withLock { $0.append(value) }
  }

  /// glibc's `M_TRIM_THRESHOLD`, `M_MMAP_THRESHOLD` and `M_ARENA_MAX` (`<malloc.h>`).
  static let trimThreshold: Int32 = -1
  static let mmapThreshold: Int32 = -3
  static let arenaMax: Int32 = -8

  /// Keeps freed memory with the process for reuse, in one arena.
  ///
  /// Without this, glibc gives every large table back to the kernel when it
  /// is freed and the next one is faulted in page by page again (a
  /// `postconf -n` over a 10 MB main.cf builds several). Where `mallopt` is
  /// missing, nothing changes.
  static func keepFreedMemory() {
    guard let mallopt = mallopt() else { return }
    _ = mallopt(mmapThreshold, 32 << 20)
    _ = mallopt(trimThreshold, 256 << 20)
    // One arena: the reading thread frees what the scanning thread of a
    // large main.cf allocated, and memory freed in a second arena would not
    // be reused by the first (a 10 MB file of long values: 48 → 38 MB).
    _ = mallopt(arenaMax, 1)
  }

  /// glibc's `mallopt`, nil where the C library has none.
  private static func mallopt() -> (@convention(c) (Int32, Int32) -> Int32)? {
    #if canImport(Glibc)
    // RTLD_DEFAULT: search the process's global symbols.
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return nil }
    return unsafeBitCast(symbol, to: (@convention(c) (Int32, Int32) -> Int32).self)
    #else
    return nil
    #endif
  }

  /// The malloc arenas a postconf run uses: two in the master.cf modes
  /// (`-M`, `-F`, `-P`), one otherwise.
  ///
  /// One arena suits main.cf: its scanning thread hands everything it
  /// allocates to the reading thread, which frees it, and the memory is
  /// reused by whichever thread allocates next. A large master.cf is parsed
  /// in two halves at once instead, each thread allocating a few small
  /// arrays per entry and keeping them; in one arena the two threads take
  /// turns at its lock, and the parse takes twice as long.
  /// - Parameter mode: The run's modes.
  /// - Returns: 1 or 2.
  static func arenas(for mode: PostconfOptions.Mode) -> Int32 {
    mode.isDisjoint(with: [.masterEntries, .masterFields, .masterParameters]) ? 1 : 2
  }

  /// Sets how many malloc arenas the process's threads share.
  ///
  /// glibc settles the number the first time a second thread allocates, so
  /// this is called before any work starts a thread; later calls change nothing.
  /// - Parameter count: The number of arenas.
  static func useArenas(_ count: Int32) {
    _ = mallopt()?(arenaMax, count)
  }

  /// Ends the process with postconf's fatal status and a message naming
  /// `path` if a mapped file loses pages under it (`SIGBUS`: another program
  /// truncated the file while it was being read).
  ///
  /// Nothing else in the process maps files (only main.cf is mapped), so
  /// any `SIGBUS` is that.
  /// - Parameters:
  ///   - path: The mapped file.
  ///   - programName: The prefix of the message.
  static func reportTruncation(of path: String, programName: String) {
    #if canImport(Glibc)
    let text =
      "\(programName): fatal: \(Printable.sanitize(path.utf8)): file truncated while being read\n"
    // Kept for the life of the process: the handler may run at any time.
    truncationMessage = strdup(text)
    var action = sigaction()
    action.__sigaction_handler.sa_handler = { _ in
      // Only async-signal-safe calls here.
      if let message = truncationMessage { _ = write(2, message, strlen(message)) }
      _exit(1)
    }
    sigemptyset(&action.sa_mask)
    sigaction(SIGBUS, &action, nil)
    #endif
  }
}

#if canImport(Glibc)
// The message ``ProcessMemory/reportTruncation(of:programName:)`` prints.
nonisolated(unsafe) private var truncationMessage: UnsafeMutablePointer<CChar>?
#endif
