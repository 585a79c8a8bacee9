/// pfharden(8) in roff, made from the commands' declarations (`pfharden help --man`).
enum ManPage {
  /// The whole manual page.
  /// - Parameter specs: The subcommands, in order.
  /// - Returns: roff text for `man -l`, installed as `pfharden.8`.
  static func render(_ specs: [CommandSpec]) -> String {
    var out = [
      ".TH PFHARDEN 8 \"\" \"pfharden \(CLI.version)\" \"System Manager's Manual\"",
      ".SH NAME",
      "pfharden \\- read, audit, harden and probe Postfix mail servers",
      ".SH SYNOPSIS",
      ".B pfharden",
      ".I command",
      ".RI [ options ]",
      ".br",
      ".B pfharden \\-\\-version",
      ".SH DESCRIPTION",
      escape(
        "pfharden reads and edits Postfix configuration without losing a byte, audits it the "
          + "way Postfix will run it (per service, with master.cf overrides), applies hardening "
          + "profiles safely, and probes live SMTP servers. It works on a configuration copied "
          + "from anywhere: Postfix need not be installed."),
      ".PP",
      escape(
        "Invoked under the name postconf (a symbolic link), pfharden behaves exactly as "
          + "pfharden postconf, with diagnostics prefixed by that name."),
      ".SH OPTIONS",
      ".TP",
      label(CLI.versionOption),
      escape(CLI.versionOption.help),
      ".SH COMMANDS",
    ]
    for spec in specs { out += command(spec) }
    out += [
      ".SH EXIT STATUS",
      escape(
        "0 clean, 1 findings or changes pending, 2 could not read or complete, 64 usage error "
          + "(pfharden postconf keeps postconf's own statuses). Each command above details "
          + "its own."),
      ".SH ENVIRONMENT",
      ".TP",
      ".B MAIL_CONFIG",
      escape("The configuration directory when -c is not given (else /etc/postfix)."),
      ".TP",
      ".B NO_COLOR",
      escape("When set, findings are never coloured."),
      ".TP",
      ".B PFHARDEN_CACHE_DIR",
      escape("Where installed Postfix defaults are cached (off disables the cache)."),
      ".SH FILES",
      ".TP",
      ".I /var/backups/pfharden",
      escape("Where backups go by default."),
      ".SH SEE ALSO",
      ".BR postconf (1),",
      ".BR postfix (1),",
      ".BR postconf (5),",
      ".BR master (5)",
    ]
    return out.joined(separator: "\n") + "\n"
  }

  /// One subcommand: its overview, synopsis, sections and options.
  static func command(_ spec: CommandSpec) -> [String] {
    var out = [".SS \(escape("pfharden " + spec.name))", escape(joined(spec.overview))]
    out += [".PP", ".nf"] + spec.usage.split(separator: "\n").map { escape(trimmed($0)) }
    out.append(".fi")
    for section in spec.preamble { out += self.section(section) }
    out += [".PP", "Options:", ".RS"]
    for option in spec.allOptions {
      out += [".TP", label(option), escape(option.help)]
    }
    out.append(".RE")
    if !spec.conflicts.isEmpty {
      out += [".PP", "Refused together:", ".RS"]
      for conflict in spec.conflicts {
        out += [".IP \\(bu 2", escape(conflict.message + ".")]
      }
      out.append(".RE")
    }
    for section in spec.sections { out += self.section(section) }
    return out
  }

  /// An option's names in bold and its value in italics.
  static func label(_ option: CommandOption) -> String {
    let names = option.names.map { "\\fB\(escape($0))\\fR" }.joined(separator: ", ")
    return names + (option.value.map { " \\fI\(escape($0))\\fR" } ?? "")
  }

  /// A help section: its heading, then indented lines kept as they are and the
  /// other lines filled as paragraphs.
  static func section(_ section: HelpSection) -> [String] {
    var out = [".PP"]
    if let title = section.title { out += [".B \(escape(capitalised(title)))", ".br"] }
    var paragraph: [Substring] = []
    var literal: [Substring] = []
    func flush() {
      if !paragraph.isEmpty { out.append(escape(joined(paragraph.joined(separator: "\n")))) }
      if !literal.isEmpty {
        out += [".nf"] + literal.map { escape(String($0)) } + [".fi"]
      }
      paragraph = []
      literal = []
    }
    for line in section.body.split(separator: "\n", omittingEmptySubsequences: false) {
      if line.hasPrefix("  ") {
        if !paragraph.isEmpty { flush() }
        literal.append(line)
      } else if !line.isEmpty {
        if !literal.isEmpty { flush() }
        paragraph.append(line)
      }
    }
    flush()
    return out
  }

  /// `EXIT STATUS` as `Exit status`.
  static func capitalised(_ title: String) -> String {
    guard let first = title.first else { return title }
    return String(first) + title.dropFirst().lowercased()
  }

  /// Lines of a paragraph joined into one, their indentation dropped.
  static func joined(_ text: String) -> String {
    text.split(separator: "\n").map(trimmed).joined(separator: " ")
  }

  /// A line without its leading and trailing blanks.
  static func trimmed(_ line: Substring) -> String {
    String(line.drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
  }

  /// Text safe for roff: backslashes and hyphens escaped, and a line that would
  /// start with a control character guarded.
  /// - Parameter text: One line of text.
  /// - Returns: The roff line.
  static func escape(_ text: String) -> String {
    var out = ""
    for character in text {
      switch character {
      case "\\": out += "\\e"
      case "-": out += "\\-"
      default: out.append(character)
      }
    }
    if out.hasPrefix(".") || out.hasPrefix("'") { out = "\\&" + out }
    return out
  }
}
