#if canImport(Glibc)
import Glibc
#endif

/// Transparent huge pages for large buffers that are filled once.
///
/// The first write to each 4 KiB page of fresh memory costs a page fault,
/// and filling a buffer of ten megabytes costs thousands of them: in a
/// virtual machine, that is often more time than the work done on the bytes.
/// Advising the buffer's 2 MiB-aligned interior (`madvise(MADV_HUGEPAGE)`)
/// lets the kernel back each whole 2 MiB with one page and one fault.
///
/// The advice is a hint, taken where transparent huge pages are enabled in
/// `always` or `madvise` mode (the default of most distributions); where they
/// are disabled, or no huge page is free, the buffer gets ordinary pages and
/// nothing else changes. Only whole huge pages inside the buffer are advised,
/// so no memory outside it is ever backed because of the advice.
public enum HugePages {
  /// The size of a huge page on x86-64, and the alignment advised.
  public static let size = 1 << 21

  /// The whole huge pages inside `count` bytes at `address`.
  ///
  /// The range runs from the first multiple of ``size`` at or after
  /// `address` to the last at or before its end.
  /// - Parameters:
  ///   - address: The start of the memory.
  ///   - count: Its length in bytes.
  /// - Returns: The range, or nil when no whole huge page fits.
  public static func interior(address: UInt, count: Int) -> Range<UInt>? {
    guard count >= size else { return nil }
    let mask = UInt(size - 1)
    let (end, overflow) = address.addingReportingOverflow(UInt(count))
    guard !overflow, address <= UInt.max - mask else { return nil }
    let start = (address + mask) & ~mask
    let last = end & ~mask
    return start < last ? start..<last : nil
  }

  /// Advises the whole huge pages inside `buffer` (``interior(address:count:)``),
  /// before anything is written to them; a buffer holding none is left as it is.
  /// - Parameter buffer: Memory the caller owns and is about to fill.
  public static func advise(_ buffer: UnsafeMutableRawBufferPointer) {
    #if canImport(Glibc)
    guard let base = buffer.baseAddress,
      let range = interior(address: UInt(bitPattern: base), count: buffer.count),
      let pointer = UnsafeMutableRawPointer(bitPattern: range.lowerBound)
    else { return }
    _ = madvise(pointer, Int(range.upperBound - range.lowerBound), MADV_HUGEPAGE)
    #endif
  }
}
