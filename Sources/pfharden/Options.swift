import PostfixConfig

/// One option of a pfharden command, declared once: parsing, `--help`, the
/// man page, the shell completions and "did you mean" all come from it.
struct CommandOption: Equatable, Sendable {
  /// What a shell completes after the option (or for a command's arguments).
  enum Completion: Equatable, Sendable {
    /// Nothing to offer: free text.
    case none
    /// A file name.
    case file
    /// A directory name.
    case directory
    /// A host name.
    case host
    /// One of these words.
    case choices([String])
  }

  /// Every name, the short alias first: `["-y", "--yes"]`; the last is the one
  /// messages use.
  let names: [String]
  /// The value's placeholder (`DIR`, `text|json`); nil for a flag.
  let value: String?
  /// What the option does, one paragraph, wrapped when printed.
  let help: String
  /// Whether giving it more than once adds a value rather than replacing one.
  var repeatable = false
  /// What a shell completes for the value.
  var completion = Completion.none

  /// The name messages use: the long one when there is one.
  var name: String { names.last ?? "" }

  /// Whether the option takes a value.
  var takesValue: Bool { value != nil }

  /// `-y, --yes` or `-c DIR`, as `--help` shows it.
  var label: String {
    names.joined(separator: ", ") + (value.map { " " + $0 } ?? "")
  }

  /// `-h, --help`, which every command has.
  static let help = CommandOption(names: ["-h", "--help"], value: nil, help: "Show this help.")

  /// `-q, --quiet`, for commands that show progress on a terminal.
  static let quiet = CommandOption(
    names: ["-q", "--quiet"], value: nil,
    help:
      "Show no progress on standard error (progress is only shown when standard error "
      + "is a terminal).")

  /// `-c DIR`, the configuration directory.
  static let configDirectory = CommandOption(
    names: ["-c"], value: "DIR",
    help: "The configuration directory (default: $MAIL_CONFIG, else /etc/postfix).",
    completion: .directory)

  /// Options are the same when their names are: a command may describe a shared
  /// option in its own words.
  static func == (lhs: CommandOption, rhs: CommandOption) -> Bool { lhs.names == rhs.names }

  /// The same option with another help text.
  /// - Parameter help: The text.
  /// - Returns: The option.
  func described(_ help: String) -> CommandOption {
    CommandOption(
      names: names, value: value, help: help, repeatable: repeatable, completion: completion)
  }
}

/// Two options a command refuses together, or an option refused with another
/// option's particular value.
struct OptionConflict: Sendable {
  /// The first option.
  let option: CommandOption
  /// When set, the conflict applies only when ``option`` has this value.
  var value: String?
  /// The option refused with it.
  let other: CommandOption
  /// Why, for the message.
  let reason: String

  /// The usage error's text.
  var message: String {
    if let value {
      return "\(option.name) \(value) takes no \(other.name): \(reason)"
    }
    return "\(option.name) and \(other.name) exclude each other: \(reason)"
  }
}

/// A block of a command's help other than OPTIONS (ARGUMENTS, EXIT STATUS,
/// EXAMPLES...), kept as it is printed.
struct HelpSection: Sendable {
  /// The heading (`EXIT STATUS`), which ``text`` starts with followed by `:`;
  /// nil for a plain paragraph.
  let title: String?
  /// The text exactly as `--help` prints it, lines of at most 80 columns.
  let text: String

  /// A titled section.
  /// - Parameters:
  ///   - title: The heading.
  ///   - body: What follows `TITLE:` (on the same line when it does not start with a newline).
  init(_ title: String, _ body: String) {
    self.title = title
    text = title + ":" + (body.hasPrefix("\n") ? body : " " + body)
  }

  /// A paragraph without a heading.
  /// - Parameter text: The text.
  init(paragraph text: String) {
    title = nil
    self.text = text
  }

  /// The text after the heading, without the leading newline of a block.
  var body: String {
    guard let title else { return text }
    var rest = text.dropFirst(title.count + 1)
    if rest.first == " " || rest.first == "\n" { rest = rest.dropFirst() }
    return String(rest)
  }
}

/// Everything pfharden knows about one command's command line.
struct CommandSpec: Sendable {
  /// `apply`, `check`...
  let name: String
  /// One line for the list of subcommands and the man page.
  let summary: String
  /// The OVERVIEW paragraph, wrapped as printed.
  let overview: String
  /// The synopsis lines after `USAGE: `.
  let usage: String
  /// Sections between USAGE and OPTIONS (ARGUMENTS, PROFILES).
  var preamble: [HelpSection] = []
  /// The options, in the order `--help` lists them (`-h, --help` is added).
  var options: [CommandOption]
  /// Sections after OPTIONS.
  var sections: [HelpSection] = []
  /// Combinations refused with a usage error.
  var conflicts: [OptionConflict] = []
  /// What a shell completes for the command's arguments.
  var arguments = CommandOption.Completion.none
  /// The option that shows the help: `-h, --help`, or `--help` where `-h` means
  /// something else.
  var helpOption = CommandOption.help

  /// The declared options and the help option.
  var allOptions: [CommandOption] { options + [helpOption] }

  /// The option with this name, if declared.
  /// - Parameter name: `--yes`, `-y`...
  /// - Returns: The option.
  func option(named name: String) -> CommandOption? {
    allOptions.first { $0.names.contains(name) }
  }
}

/// A command line split by a command's declarations.
struct ScannedArguments {
  /// One option or argument, in command-line order.
  enum Item {
    /// A declared option, with its value when it takes one.
    case option(CommandOption, String?)
    /// An argument that is not an option.
    case positional(String)
  }

  /// Everything given, in order.
  var items: [Item] = []

  /// The arguments that are not options.
  var positionals: [String] {
    items.compactMap {
      if case .positional(let value) = $0 { return value }
      return nil
    }
  }

  /// Whether the option was given.
  /// - Parameter option: The option.
  /// - Returns: True when given at least once.
  func contains(_ option: CommandOption) -> Bool { !values(of: option).isEmpty }

  /// Every value given to an option (an empty string for each use of a flag).
  /// - Parameter option: The option.
  /// - Returns: The values, in order.
  func values(of option: CommandOption) -> [String] {
    items.compactMap {
      if case .option(let given, let value) = $0, given == option { return value ?? "" }
      return nil
    }
  }

  /// The last value given to an option.
  /// - Parameter option: The option.
  /// - Returns: The value, or nil when not given.
  func value(of option: CommandOption) -> String? { values(of: option).last }

  /// The message for an argument a command does not take, shown sanitised.
  /// - Parameter argument: The argument.
  /// - Returns: The usage error's text.
  static func unexpected(_ argument: String) -> String {
    "unexpected argument '\(sanitized(argument))'"
  }

  /// An argument as messages echo it: control and 8-bit bytes escaped.
  /// - Parameter argument: What was typed.
  /// - Returns: Printable text.
  static func sanitized(_ argument: String) -> String { Printable.sanitize(argument.utf8) }
}

/// What scanning a command line found.
enum ScanOutcome {
  /// The options and arguments, all declared and compatible.
  case scanned(ScannedArguments)
  /// `-h` or `--help` was given.
  case help
  /// A usage error, with its message.
  case usage(String)
}

extension CommandSpec {
  /// Splits a command line into declared options and arguments.
  ///
  /// Options are `--name value`, `--name=value` or `-c value`; `--` ends the
  /// options and `-` is an argument. An unknown option is a usage error that names the closest declared one;
  /// declared conflicts are usage errors; `--help` wins over both once seen.
  /// - Parameter arguments: The arguments after the command name.
  /// - Returns: What was found.
  func scan(_ arguments: [String]) -> ScanOutcome {
    var scanned = ScannedArguments()
    var index = 0
    var positionalOnly = false
    while index < arguments.count {
      let word = arguments[index]
      index += 1
      if positionalOnly || word == "-" || !word.hasPrefix("-") {
        scanned.items.append(.positional(word))
        continue
      }
      if word == "--" {
        positionalOnly = true
        continue
      }
      let (argument, inline) = CLI.splitLongOption(word)
      let shown = Printable.sanitize(argument.utf8)
      guard let option = option(named: argument) else {
        var message = "unknown option '\(shown)'."
        if let guess = Suggest.closest(to: argument, among: allOptions.flatMap(\.names)) {
          message += " Did you mean '\(guess)'?"
        }
        return .usage(message)
      }
      if option == helpOption { return .help }
      guard option.takesValue else {
        if inline != nil { return .usage("option '\(shown)' takes no value") }
        scanned.items.append(.option(option, nil))
        continue
      }
      if let inline {
        scanned.items.append(.option(option, inline))
      } else {
        guard index < arguments.count else { return .usage("option '\(shown)' needs a value") }
        scanned.items.append(.option(option, arguments[index]))
        index += 1
      }
    }
    for conflict in conflicts where scanned.contains(conflict.other) {
      let values = scanned.values(of: conflict.option)
      let applies = conflict.value.map { values.last == $0 } ?? !values.isEmpty
      if applies { return .usage(conflict.message) }
    }
    return .scanned(scanned)
  }
}
