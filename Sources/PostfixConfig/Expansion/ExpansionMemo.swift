/// Expansions of referenced parameters that an expander keeps from one value
/// to the next, so that a chain of references (`a2 = $a1 …`, `a3 = $a2 …`)
/// is not expanded again from its start for every value that ends it.
///
/// Postfix expands every reference afresh. An expansion is kept only when it
/// produced no warning and no error, and it stands in for a new expansion only
/// when that one would have given the same bytes and diagnostics:
/// - the nesting counter and the parse depth it reached, counted from where
///   it started, stay within their limits where it is used again;
/// - the work and result bytes it counted still fit in the limits of the
///   expansion using it (otherwise the value is expanded, and fails at the
///   same step as without a memo).
///
/// A memo belongs to one lookup: the same name must give the same value for
/// as long as the memo is used, and a lookup that failed must be followed by
/// ``removeAll()``. It is bounded in entries and bytes and starts over when
/// full. Not thread-safe: one per thread.
final class ExpansionMemo {
  /// One kept expansion.
  struct Entry {
    /// The bytes the value expanded to.
    var result: [UInt8]
    /// The work counted (``ExpansionLimits/maximumSteps``).
    var steps: Int
    /// How far the nesting counter rose above its value at the start.
    var levels: Int
    /// How many parse levels deeper than at the start it went.
    var depth: Int
  }

  /// The most entries kept.
  let maximumEntries: Int
  /// The most result bytes kept, and the most one entry may have.
  let maximumBytes: Int
  private var entries: [String: Entry] = [:]
  private var bytes = 0

  /// Creates an empty memo.
  /// - Parameters:
  ///   - maximumEntries: Past this many entries the memo starts over.
  ///   - maximumBytes: Past this many result bytes the memo starts over; one
  ///     result longer than a sixteenth of it is not kept.
  init(maximumEntries: Int = 4096, maximumBytes: Int = 1 << 20) {
    self.maximumEntries = maximumEntries
    self.maximumBytes = maximumBytes
  }

  /// How many expansions are kept.
  var count: Int { entries.count }

  /// The kept expansion of `name`'s value, if any.
  func entry(_ name: String) -> Entry? { entries[name] }

  /// Keeps `entry` as the expansion of `name`'s value (a long result is not kept).
  func store(_ name: String, _ entry: Entry) {
    let size = entry.result.count
    guard size <= maximumBytes / 16 else { return }
    if entries.count >= maximumEntries || bytes + size > maximumBytes { removeAll() }
    if let old = entries.updateValue(entry, forKey: name) { bytes -= old.result.count }
    bytes += size
  }

  /// Forgets every expansion.
  func removeAll() {
    entries.removeAll(keepingCapacity: true)
    bytes = 0
  }
}
