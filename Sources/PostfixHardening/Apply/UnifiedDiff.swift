import PostfixConfig

/// A line-based unified diff (`diff -u` layout, three lines of context).
public enum UnifiedDiff {
  /// The largest middle section (lines × lines) compared exactly; beyond it the
  /// differing middle is shown as one replacement.
  static let cellLimit = 4_000_000

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
    let left = lines(old)
    let right = lines(new)
    let script = editScript(left, right)
    var output = Array("--- \(path)\n+++ \(path)\n".utf8)
    // Group operations into hunks separated by more than 2*context unchanged lines.
    var index = 0
    while index < script.count {
      guard let firstChange = script[index...].firstIndex(where: { $0.kind != .same }) else {
        break
      }
      var start = max(index, firstChange - context)
      if start < index { start = index }
      var end = firstChange
      var lastChange = firstChange
      // Each step moves `end` forward by one.
      while end < script.count {
        if script[end].kind != .same {
          lastChange = end
        } else if end - lastChange > 2 * context {
          break
        }
        end += 1
      }
      let stop = min(script.count, lastChange + context + 1)
      let hunk = script[start..<stop]
      let oldStart = hunk.first?.oldLine ?? 0
      let newStart = hunk.first?.newLine ?? 0
      let oldCount = hunk.filter { $0.kind != .insert }.count
      let newCount = hunk.filter { $0.kind != .delete }.count
      output += Array(
        "@@ -\(range(oldStart, oldCount)) +\(range(newStart, newCount)) @@\n".utf8)
      for operation in hunk {
        let marker: UInt8
        let text: [UInt8]
        switch operation.kind {
        case .same:
          marker = UInt8(ascii: " ")
          text = left[operation.oldLine - 1]
        case .delete:
          marker = UInt8(ascii: "-")
          text = left[operation.oldLine - 1]
        case .insert:
          marker = UInt8(ascii: "+")
          text = right[operation.newLine - 1]
        }
        output.append(marker)
        output += printable(text)
        output.append(0x0A)
        if text.last != 0x0A {
          output += Array("\\ No newline at end of file\n".utf8)
        }
      }
      index = stop
    }
    return output
  }

  private static func range(_ start: Int, _ count: Int) -> String {
    count == 1 ? "\(start)" : "\(count == 0 ? start - 1 : start),\(count)"
  }

  struct Operation {
    enum Kind { case same, delete, insert }
    var kind: Kind
    /// 1-based line in the old file (for insert: the old line it precedes).
    var oldLine: Int
    /// 1-based line in the new file (for delete: the new line it precedes).
    var newLine: Int
  }

  /// Lines with their terminators.
  static func lines(_ bytes: [UInt8]) -> [[UInt8]] {
    var result: [[UInt8]] = []
    var start = 0
    for (offset, byte) in bytes.enumerated() where byte == 0x0A {
      result.append(Array(bytes[start...offset]))
      start = offset + 1
    }
    if start < bytes.count { result.append(Array(bytes[start...])) }
    return result
  }

  static func printable(_ line: [UInt8]) -> [UInt8] {
    let body = line.last == 0x0A ? Array(line.dropLast()) : line
    return body.map { byte in
      byte == 0x09 || (0x20...0x7E).contains(byte) || byte >= 0x80 ? byte : UInt8(ascii: "?")
    }
  }

  /// Common prefix and suffix, then an LCS table over the middle.
  static func editScript(_ left: [[UInt8]], _ right: [[UInt8]]) -> [Operation] {
    var prefix = 0
    while prefix < left.count && prefix < right.count && left[prefix] == right[prefix] {
      prefix += 1
    }
    var suffix = 0
    while suffix < left.count - prefix && suffix < right.count - prefix
      && left[left.count - 1 - suffix] == right[right.count - 1 - suffix]
    {
      suffix += 1
    }
    var script: [Operation] = []
    for line in 0..<prefix {
      script.append(Operation(kind: .same, oldLine: line + 1, newLine: line + 1))
    }
    let oldMiddle = Array(left[prefix..<(left.count - suffix)])
    let newMiddle = Array(right[prefix..<(right.count - suffix)])
    let rows = oldMiddle.count
    let columns = newMiddle.count
    if rows * columns > cellLimit {
      for line in 0..<rows {
        script.append(
          Operation(kind: .delete, oldLine: prefix + line + 1, newLine: prefix + 1))
      }
      for line in 0..<columns {
        script.append(
          Operation(kind: .insert, oldLine: prefix + rows + 1, newLine: prefix + line + 1))
      }
    } else {
      // lengths[i][j]: LCS length of oldMiddle[i...] and newMiddle[j...].
      var lengths = Array(repeating: Array(repeating: 0, count: columns + 1), count: rows + 1)
      for row in stride(from: rows - 1, through: 0, by: -1) {
        for column in stride(from: columns - 1, through: 0, by: -1) {
          lengths[row][column] =
            oldMiddle[row] == newMiddle[column]
            ? lengths[row + 1][column + 1] + 1
            : max(lengths[row + 1][column], lengths[row][column + 1])
        }
      }
      var row = 0
      var column = 0
      // Each step advances row, column or both.
      while row < rows || column < columns {
        let oldLine = prefix + row + 1
        let newLine = prefix + column + 1
        if row < rows && column < columns && oldMiddle[row] == newMiddle[column] {
          script.append(Operation(kind: .same, oldLine: oldLine, newLine: newLine))
          row += 1
          column += 1
        } else if row < rows
          && (column == columns || lengths[row + 1][column] >= lengths[row][column + 1])
        {
          script.append(Operation(kind: .delete, oldLine: oldLine, newLine: newLine))
          row += 1
        } else {
          script.append(Operation(kind: .insert, oldLine: oldLine, newLine: newLine))
          column += 1
        }
      }
    }
    for line in 0..<suffix {
      script.append(
        Operation(
          kind: .same, oldLine: left.count - suffix + line + 1,
          newLine: right.count - suffix + line + 1))
    }
    return script
  }
}
