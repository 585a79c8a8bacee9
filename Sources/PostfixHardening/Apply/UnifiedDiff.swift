import PostfixConfig

/// A line-based unified diff (`diff -u` layout, three lines of context).
///
/// Lines are compared by hash, then byte for byte, with Myers' O(ND)
/// algorithm over the part between the common prefix and suffix: time grows
/// with the file size times the number of changed lines, memory with the
/// number of lines (two offsets and a hash each) plus the square of the
/// number of changes. Beyond `maximumDistance` changed lines the differing
/// middle is shown as one replacement.
public enum UnifiedDiff {
  /// The largest edit distance (lines deleted plus inserted) searched exactly.
  static let maximumDistance = 2_048

  /// The unified diff of two byte sequences, or an empty array when they are equal.
  /// - Parameters:
  ///   - old: The original content.
  ///   - new: The new content.
  ///   - path: The file name shown in the `---`/`+++` headers.
  ///   - context: Lines of context around each change.
  /// - Returns: The diff text; bytes outside printable ASCII, TAB and UTF-8 are
  ///   shown as `?`.
  public static func diff(old: [UInt8], new: [UInt8], path: String, context: Int = 3)
    -> [UInt8]
  {
    if old == new { return [] }
    let left = Lines(old)
    let right = Lines(new)
    let blocks = changes(left, right)
    var output = Array("--- \(path)\n+++ \(path)\n".utf8)
    var first = 0
    // Each hunk consumes at least one block.
    while first < blocks.count {
      var last = first
      while last + 1 < blocks.count
        && blocks[last + 1].old.lowerBound - blocks[last].old.upperBound <= 2 * context
      {
        last += 1
      }
      let oldStart = max(0, blocks[first].old.lowerBound - context)
      let oldEnd = min(left.count, blocks[last].old.upperBound + context)
      let newStart = blocks[first].new.lowerBound - (blocks[first].old.lowerBound - oldStart)
      let newEnd = blocks[last].new.upperBound + (oldEnd - blocks[last].old.upperBound)
      output += Array(
        ("@@ -\(range(oldStart + 1, oldEnd - oldStart)) "
          + "+\(range(newStart + 1, newEnd - newStart)) @@\n").utf8)
      var position = oldStart
      for block in blocks[first...last] {
        for line in position..<block.old.lowerBound { emit(" ", left, line, into: &output) }
        for line in block.old { emit("-", left, line, into: &output) }
        for line in block.new { emit("+", right, line, into: &output) }
        position = block.old.upperBound
      }
      for line in position..<oldEnd { emit(" ", left, line, into: &output) }
      first = last + 1
    }
    return output
  }

  private static func range(_ start: Int, _ count: Int) -> String {
    count == 1 ? "\(start)" : "\(count == 0 ? start - 1 : start),\(count)"
  }

  private static func emit(
    _ marker: Unicode.Scalar, _ lines: Lines, _ line: Int, into output: inout [UInt8]
  ) {
    output.append(UInt8(ascii: marker))
    let text = lines.bytes[lines.range(line)]
    let terminated = text.last == 0x0A
    for byte in terminated ? text.dropLast() : text[...] {
      output.append(
        byte == 0x09 || (0x20...0x7E).contains(byte) || byte >= 0x80 ? byte : UInt8(ascii: "?"))
    }
    output.append(0x0A)
    if !terminated { output += Array("\\ No newline at end of file\n".utf8) }
  }

  /// One run of changed lines: `old` lines replaced by `new` lines (0-based).
  struct Block: Equatable {
    var old: Range<Int>
    var new: Range<Int>
  }

  /// A file's lines (with their terminators) as offsets and hashes.
  struct Lines {
    let bytes: [UInt8]
    private var ends: [UInt32] = []
    private var hashes: [UInt64] = []

    init(_ bytes: [UInt8]) {
      self.bytes = bytes
      var hash: UInt64 = 0xcbf2_9ce4_8422_2325
      var offset = 0
      for byte in bytes {
        hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
        offset += 1
        if byte == 0x0A {
          ends.append(UInt32(truncatingIfNeeded: offset))
          hashes.append(hash)
          hash = 0xcbf2_9ce4_8422_2325
        }
      }
      if ends.last.map({ Int($0) }) ?? 0 < bytes.count {
        ends.append(UInt32(truncatingIfNeeded: bytes.count))
        hashes.append(hash)
      }
    }

    var count: Int { ends.count }

    func range(_ line: Int) -> Range<Int> {
      (line == 0 ? 0 : Int(ends[line - 1]))..<Int(ends[line])
    }

    func same(_ line: Int, as other: Lines, _ otherLine: Int) -> Bool {
      hashes[line] == other.hashes[otherLine]
        && bytes[range(line)] == other.bytes[other.range(otherLine)]
    }
  }

  /// The changed blocks, in order.
  static func changes(_ left: Lines, _ right: Lines) -> [Block] {
    var prefix = 0
    while prefix < left.count && prefix < right.count && left.same(prefix, as: right, prefix) {
      prefix += 1
    }
    var suffix = 0
    while suffix < left.count - prefix && suffix < right.count - prefix
      && left.same(left.count - 1 - suffix, as: right, right.count - 1 - suffix)
    {
      suffix += 1
    }
    let rows = left.count - prefix - suffix
    let columns = right.count - prefix - suffix
    if rows == 0 && columns == 0 { return [] }
    let whole = Block(old: prefix..<(prefix + rows), new: prefix..<(prefix + columns))
    guard
      let edits = myers(
        rows, columns, same: { left.same(prefix + $0, as: right, prefix + $1) })
    else { return [whole] }
    var blocks: [Block] = []
    for edit in edits {
      let x = prefix + edit.x
      let y = prefix + edit.y
      if var last = blocks.last, last.old.upperBound == x, last.new.upperBound == y {
        if edit.isDeletion {
          last.old = last.old.lowerBound..<(x + 1)
        } else {
          last.new = last.new.lowerBound..<(y + 1)
        }
        blocks[blocks.count - 1] = last
      } else {
        blocks.append(
          Block(
            old: x..<(edit.isDeletion ? x + 1 : x), new: y..<(edit.isDeletion ? y : y + 1)))
      }
    }
    return blocks
  }

  /// One deleted (old line `x`) or inserted (new line `y`) line, at the
  /// position (`x`, `y`) of the edit graph.
  struct Edit {
    var isDeletion: Bool
    var x: Int
    var y: Int
  }

  /// Myers' greedy shortest edit script, deletions before insertions, or
  /// nil when it is longer than ``maximumDistance``.
  static func myers(_ rows: Int, _ columns: Int, same: (Int, Int) -> Bool) -> [Edit]? {
    // At least the difference in length is deleted or inserted.
    guard abs(rows - columns) <= maximumDistance else { return nil }
    let limit = min(rows + columns, maximumDistance)
    let offset = limit + 1
    var frontier = Array(repeating: 0, count: 2 * limit + 3)
    // trace[d] holds the furthest x on diagonals -d...d after step d.
    var trace: [[Int32]] = []
    var distance: Int?
    search: for d in 0...limit {
      for k in stride(from: -d, through: d, by: 2) {
        var x =
          k == -d || (k != d && frontier[offset + k - 1] < frontier[offset + k + 1])
          ? frontier[offset + k + 1] : frontier[offset + k - 1] + 1
        var y = x - k
        // Each step moves along the diagonal; bounded by the grid.
        while x < rows && y < columns && same(x, y) {
          x += 1
          y += 1
        }
        frontier[offset + k] = x
        if x >= rows && y >= columns {
          distance = d
          trace.append(frontier[(offset - d)...(offset + d)].map { Int32(truncatingIfNeeded: $0) })
          break search
        }
      }
      trace.append(frontier[(offset - d)...(offset + d)].map { Int32(truncatingIfNeeded: $0) })
    }
    guard let distance else { return nil }
    var edits: [Edit] = []
    var x = rows
    var y = columns
    // Each step goes back one edit.
    for d in stride(from: distance, to: 0, by: -1) {
      let previous = trace[d - 1]
      func furthest(_ k: Int) -> Int { Int(previous[k + d - 1]) }
      let k = x - y
      let down = k == -d || (k != d && furthest(k - 1) < furthest(k + 1))
      let previousK = down ? k + 1 : k - 1
      let previousX = furthest(previousK)
      let previousY = previousX - previousK
      if down {
        edits.append(Edit(isDeletion: false, x: previousX, y: previousY))
      } else {
        edits.append(Edit(isDeletion: true, x: previousX, y: previousY))
      }
      x = previousX
      y = previousY
    }
    return edits.reversed()
  }
}
