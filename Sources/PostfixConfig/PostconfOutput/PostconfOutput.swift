/// Reads what `postconf` prints back into names and values.
///
/// Handles the listing forms (`postconf`, `-n`, `-d`, `postconf NAME...`) and
/// the value-only form (`-h`), folded (`-f`) or not: a line that starts with a
/// blank or TAB continues the previous value and is joined with one space, which
/// gives back exactly the unfolded text because postconf collapses whitespace
/// runs before folding. Never fails: lines that fit no form are skipped.
public enum PostconfOutput {
  /// Parses `name = value` output.
  /// - Parameter bytes: Standard output of postconf.
  /// - Returns: The pairs in output order (duplicates kept).
  public static func parse(_ bytes: [UInt8]) -> [(name: String, value: [UInt8])] {
    var pairs: [(name: String, value: [UInt8])] = []
    var current = false
    for line in logicalLines(bytes) {
      if line.isContinuation {
        if current, let last = pairs.indices.last, !line.text.isEmpty {
          // "name =" can end a folded line; the value then starts on the next one.
          if !pairs[last].value.isEmpty { pairs[last].value.append(UInt8(ascii: " ")) }
          pairs[last].value += line.text
        }
        continue
      }
      guard let (name, value) = split(line.text) else {
        current = false
        continue
      }
      pairs.append((name, value))
      current = true
    }
    return pairs
  }

  /// Parses `postconf -h` output (values only).
  /// - Parameter bytes: Standard output of `postconf -h`, folded or not.
  /// - Returns: One value per logical line.
  public static func parseValues(_ bytes: [UInt8]) -> [[UInt8]] {
    var values: [[UInt8]] = []
    for line in logicalLines(bytes) {
      if line.isContinuation, let last = values.indices.last {
        if !line.text.isEmpty {
          if !values[last].isEmpty { values[last].append(UInt8(ascii: " ")) }
          values[last] += line.text
        }
      } else {
        values.append(line.text)
      }
    }
    return values
  }

  private struct Line {
    var text: [UInt8]
    var isContinuation: Bool
  }

  // Physical lines; the final one may lack its newline, an empty tail is dropped.
  private static func logicalLines(_ bytes: [UInt8]) -> [Line] {
    var lines: [Line] = []
    var start = 0
    while start < bytes.count {
      var end = start
      while end < bytes.count, bytes[end] != UInt8(ascii: "\n") { end += 1 }
      let raw = bytes[start..<end]
      let isBlank: (UInt8) -> Bool = { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
      if let first = raw.first, isBlank(first) {
        lines.append(Line(text: Array(raw.drop(while: isBlank)), isContinuation: true))
      } else {
        lines.append(Line(text: Array(raw), isContinuation: false))
      }
      start = end + 1
    }
    return lines
  }

  // "name = value" or "name =" (empty value).
  private static func split(_ text: [UInt8]) -> (String, [UInt8])? {
    let space = UInt8(ascii: " ")
    let equals = UInt8(ascii: "=")
    var index = 0
    while index + 1 < text.count {
      if text[index] == space, text[index + 1] == equals, index > 0 {
        let name = String(decoding: text[0..<index], as: UTF8.self)
        let rest = index + 2
        if rest == text.count { return (name, []) }
        if text[rest] == space { return (name, Array(text[(rest + 1)...])) }
        return nil
      }
      index += 1
    }
    return nil
  }
}
