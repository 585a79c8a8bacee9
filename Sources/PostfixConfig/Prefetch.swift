/// A hint that memory is about to be read, so that the processor fetches it
/// while other work goes on (x86-64 `prefetcht0`).
///
/// A plain load issued early does not do this: the processor retires
/// instructions in order, so a load that misses the caches stalls them
/// wherever it is. A prefetch retires at once; a wrong or stale address costs
/// nothing but the fetch, and never faults.
enum Prefetch {
  /// Asks for the cache line at `address` to be fetched for reading.
  @inline(__always)
  static func read(_ address: UnsafeRawPointer) {
    llvmPrefetch(address, 0, 3, 1)
  }

  /// ``read(_:)`` of element `index` of `elements`; nothing for an index
  /// out of range.
  @inline(__always)
  static func read<Element>(_ elements: UnsafeBufferPointer<Element>, at index: Int) {
    guard index >= 0, index < elements.count, let base = elements.baseAddress else { return }
    read(base + index)
  }

  /// ``read(_:)`` of element `index` of `elements`; nothing for an index
  /// out of range.
  @inline(__always)
  static func read<Element>(_ elements: [Element], at index: Int) {
    elements.withUnsafeBufferPointer { read($0, at: index) }
  }
}

// LLVM's `llvm.prefetch` intrinsic: address, read (0) or write (1),
// locality 0 to 3 (3: keep in every cache level), data (1) or instruction
// (0) cache. The last three must be constants at the call.
@_silgen_name("llvm.prefetch.p0")
private func llvmPrefetch(
  _ address: UnsafeRawPointer, _ write: Int32, _ locality: Int32, _ cacheType: Int32)
