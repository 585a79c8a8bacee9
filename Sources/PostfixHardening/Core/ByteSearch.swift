/// Finding a run of bytes in a longer one, over raw buffers: a value
/// quoted in a warning or a name in an archive listing may be megabytes long.
enum ByteSearch {
  /// The offset of the first occurrence of `needle` in `haystack`.
  /// - Parameters:
  ///   - needle: The bytes to find; an empty needle is never found.
  ///   - haystack: The bytes to search.
  /// - Returns: The offset, or nil when `needle` does not occur.
  static func firstOffset(of needle: [UInt8], in haystack: UnsafeBufferPointer<UInt8>) -> Int? {
    guard let first = needle.first, haystack.count >= needle.count else { return nil }
    var index = 0
    // Each iteration moves past one candidate start.
    while index <= haystack.count - needle.count {
      if haystack[index] == first,
        needle.indices.allSatisfy({ haystack[index + $0] == needle[$0] })
      {
        return index
      }
      index += 1
    }
    return nil
  }
}
