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
    #if canImport(Glibc)
    // RTLD_DEFAULT: search the process's global symbols.
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }
    typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
    let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
    _ = mallopt(mmapThreshold, 32 << 20)
    _ = mallopt(trimThreshold, 256 << 20)
    // One arena: the reading thread frees what the scanning thread of a
    // large main.cf allocated, and memory freed in a second arena would not
    // be reused by the first (a 10 MB file of long values: 48 → 38 MB).
    _ = mallopt(arenaMax, 1)
    #endif
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
