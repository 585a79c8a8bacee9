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
    // be reused by the first (a 10 MB file of long values: 48 → 38 MB). A
    // large master.cf is parsed in two halves at once, but most entries
    // allocate nothing that lives (compact entries), so the threads seldom
    // meet at the arena's lock (a 10 MB file of services: 43 → 41 MB).
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

  /// glibc's `M_TOP_PAD` (`<malloc.h>`).
  static let topPad: Int32 = -2

  /// Whether a postconf run grows its heap in huge pages
  /// (``growHeapInHugePages(pad:)``): in the master.cf modes, where the parse
  /// fills the heap with entries and lines, and the entries that are not
  /// compact with small arrays, that live to the end (a file of services
  /// with dozens of `-o` settings each: 24.8 → 15.2 ms for 10 MB).
  ///
  /// main.cf modes reserve tables larger than they fill, and rely on the
  /// untouched part costing nothing: backed in huge pages, a 10 MB main.cf
  /// would take over 3 bytes of memory per byte of file.
  /// - Parameter mode: The run's modes.
  /// - Returns: True in the master.cf modes.
  static func growsHeapInHugePages(for mode: PostconfOptions.Mode) -> Bool {
    !mode.isDisjoint(with: [.masterEntries, .masterFields, .masterParameters])
  }

  /// Makes the main heap grow `pad` bytes at a time and advises it for
  /// transparent huge pages (``HugePages``), from the current allocation on.
  ///
  /// Filling fresh heap memory costs a page fault every 4 KiB, a large part
  /// of parsing a large master.cf; a huge page costs one per 2 MiB. The
  /// heap is grown once now by an allocation it cannot serve from what it
  /// has, and the whole huge pages between that allocation and the heap's
  /// new end are advised. Called on the main thread before other threads
  /// allocate (their arenas are not the main heap).
  /// - Parameters:
  ///   - pad: How much the heap grows past each request.
  ///   - heapEnd: The end of the heap that holds an allocation: the main
  ///     heap's break (`sbrk(0)`) unless a test says otherwise.
  /// - Returns: The advised range, or nil when nothing was advised (no
  ///   `mallopt`, or the allocation did not come from the heap's end).
  @discardableResult
  static func growHeapInHugePages(
    pad: Int = 64 << 20,
    heapEnd: (UnsafeMutableRawPointer) -> UInt = { _ in UInt(bitPattern: sbrk(0)) }
  ) -> Range<UInt>? {
    #if canImport(Glibc)
    guard let mallopt = mallopt(), mallopt(topPad, Int32(clamping: pad)) == 1,
      let probe = malloc(1 << 20)
    else { return nil }
    defer { free(probe) }
    let start = UInt(bitPattern: probe)
    let end = heapEnd(probe)
    // The allocation lies in the heap, just below its end.
    guard end > start, end - start <= UInt(pad) + (1 << 21) else { return nil }
    HugePages.advise(UnsafeMutableRawBufferPointer(start: probe, count: Int(end - start)))
    return HugePages.interior(address: start, count: Int(end - start))
    #else
    return nil
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
