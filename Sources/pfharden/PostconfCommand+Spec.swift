/// `pfharden postconf`'s options as `--help`, the man page and the completions
/// show them; postconf's own getopt-style parser reads the command line
/// (``PostconfOptions``).
extension PostconfCommand {
  /// The command line of `pfharden postconf`, for its help, the man page and the completions.
  static let spec = CommandSpec(
    name: "postconf",
    summary:
      "Read and edit main.cf like Postfix's postconf(1), with or without Postfix installed.",
    overview: "Read and edit Postfix's main.cf and master.cf exactly as postconf(1) does.",
    usage: """
      pfharden postconf [-c DIR] [-n|-d] [-x] [-h|-H] [-f] [-o name=value] [name ...]
             pfharden postconf [-c DIR] -e|-X|-# name[=value] ...
             pfharden postconf [-c DIR] -M|-F|-P [-f] [-x] [-h|-H] [service[/type[/name]] ...]
             pfharden postconf [-c DIR] -Me|-MX|-M#|-Fe|-Pe|-PX service/type[/name[=value]] ...
      """,
    options: [
      CommandOption.configDirectory.described(
        "Configuration directory (default $MAIL_CONFIG, else /etc/postfix)."),
      CommandOption(names: ["-n"], value: nil, help: "Only parameters set explicitly in main.cf."),
      CommandOption(names: ["-d"], value: nil, help: "Default values only."),
      CommandOption(names: ["-x"], value: nil, help: "Expand $name in values."),
      CommandOption(names: ["-h"], value: nil, help: "Values only."),
      CommandOption(names: ["-H"], value: nil, help: "Names only."),
      CommandOption(names: ["-f"], value: nil, help: "Fold long lines."),
      CommandOption(
        names: ["-o"], value: "name=value", help: "Override a parameter for this run.",
        repeatable: true),
      CommandOption(
        names: ["-e"], value: nil,
        help: "Set parameters (main.cf, or master.cf with -M/-F/-P)."),
      CommandOption(
        names: ["-X"], value: nil,
        help: "Remove parameters (main.cf, or master.cf with -M/-P)."),
      CommandOption(
        names: ["-#"], value: nil,
        help: "Comment out parameters (main.cf, or master.cf entries with -M)."),
      CommandOption(names: ["-M"], value: nil, help: "master.cf entries."),
      CommandOption(names: ["-F"], value: nil, help: "master.cf fields."),
      CommandOption(names: ["-P"], value: nil, help: "master.cf per-service parameters."),
    ],
    sections: [
      HelpSection(
        paragraph: """
          Output, diagnostics, exit statuses and edited files are byte-identical to
          Postfix 3.7.11's postconf; the deviations are listed in docs/postconf.md.
          Works without Postfix installed (embedded parameter catalogue).
          Caches installed defaults in ~/.cache/pfharden; PFHARDEN_CACHE_DIR=off disables.
          """)
    ],
    arguments: .none,
    helpOption: CommandOption(names: ["--help"], value: nil, help: "Show this help."))

  /// `--help`.
  static var help: String { HelpText.render(spec) }
}
