#if canImport(Glibc)
import Glibc
#endif

/// Memory settings of the one-shot command.
enum ProcessMemory {
  /// glibc's `M_TRIM_THRESHOLD` and `M_MMAP_THRESHOLD` (`<malloc.h>`).
  static let trimThreshold: Int32 = -1
  static let mmapThreshold: Int32 = -3

  /// Keeps freed memory with the process for reuse.
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
    #endif
  }
}
