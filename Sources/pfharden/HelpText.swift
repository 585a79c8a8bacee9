/// `--help` as printed: OVERVIEW, USAGE, the sections before OPTIONS, the
/// options from their declarations, then the other sections.
enum HelpText {
  /// Where an option's help starts.
  static let helpColumn = 26
  /// The widest line the option list makes.
  static let width = 80

  /// A command's help.
  /// - Parameter spec: The command.
  /// - Returns: The text, ending in a newline.
  static func render(_ spec: CommandSpec) -> String {
    var blocks = ["OVERVIEW: " + spec.overview, "USAGE: " + spec.usage]
    blocks += spec.preamble.map(\.text)
    blocks.append("OPTIONS:\n" + options(spec.allOptions))
    blocks += spec.sections.map(\.text)
    return blocks.joined(separator: "\n\n") + "\n"
  }

  /// The OPTIONS list: each label, then its help wrapped at ``helpColumn``.
  /// - Parameter options: The options.
  /// - Returns: The lines, without a final newline.
  static func options(_ options: [CommandOption]) -> String {
    options.map { entry(label: $0.label, text: $0.help) }.joined(separator: "\n")
  }

  /// One entry of a two-column list: the label indented by two, the text in the
  /// second column (below the label when the label is too wide).
  /// - Parameters:
  ///   - label: The left column.
  ///   - text: The right column, one paragraph.
  ///   - column: Where the right column starts.
  /// - Returns: The lines, without a final newline.
  static func entry(label: String, text: String, column: Int = helpColumn) -> String {
    let lines = wrap(text, width: width - column)
    let indent = String(repeating: " ", count: column)
    var out = "  " + label
    var rest = lines[...]
    if 2 + label.count + 1 <= column, let first = rest.first {
      out += String(repeating: " ", count: column - 2 - label.count) + first
      rest = rest.dropFirst()
    }
    for line in rest { out += "\n" + indent + line }
    return out
  }

  /// Splits a paragraph into lines of at most `width` characters at spaces (a
  /// longer word gets a line of its own).
  /// - Parameters:
  ///   - text: The paragraph.
  ///   - width: The widest line.
  /// - Returns: The lines.
  static func wrap(_ text: String, width: Int) -> [String] {
    var lines: [String] = []
    var line = ""
    for word in text.split(separator: " ", omittingEmptySubsequences: true) {
      if line.isEmpty {
        line = String(word)
      } else if line.count + 1 + word.count <= width {
        line += " " + word
      } else {
        lines.append(line)
        line = String(word)
      }
    }
    if !line.isEmpty || lines.isEmpty { lines.append(line) }
    return lines
  }
}
