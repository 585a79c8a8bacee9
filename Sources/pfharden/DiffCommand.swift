import PostfixConfig
import PostfixHardening

/// `pfharden diff A B`: compares effective settings parameter by parameter.
enum DiffCommand {
  /// The command line of `pfharden diff`.
  static let spec = CommandSpec(
    name: "diff",
    summary: "Compare snapshots, backup archives or directories parameter by parameter.",
    overview: """
      Compare the effective settings of two snapshots (postconf output,
      as 'pfharden backup' writes them), backup archives or configuration
      directories, parameter by parameter.
      """,
    usage: "pfharden diff A B",
    preamble: [
      HelpSection(
        "ARGUMENTS",
        """

          A, B                    A snapshot file, a backup archive
                                  (postfix-YYYY-MM-DD[-N].tar.gz) or a configuration
                                  directory.
        """)
    ],
    options: [],
    sections: [
      HelpSection(
        paragraph: """
          A backup archive's settings are those of the snapshot the same backup wrote
          next to it (postconf-YYYY-MM-DD[-N]), else computed in process from its
          main.cf and master.cf, taking config_directory to be the other side's; a
          note on standard error says which. Only main.cf and master.cf are read
          from an archive, and an unsafe archive is refused.
          """),
      HelpSection(
        "OUTPUT",
        """
        one block per parameter: "changed: NAME" with the old ("was:") and
        new ("now:") value, "added: NAME = VALUE" (only in B), "removed: NAME = VALUE"
        (only in A).
        """),
      HelpSection(
        "EXIT STATUS", "0 no difference, 1 differences, 2 could not read, 64 usage error."),
    ],
    arguments: .file)

  /// `--help`.
  static var help: String { HelpText.render(spec) }

  /// Runs the command.
  /// - Parameters:
  ///   - arguments: The arguments after `diff`.
  ///   - console: Where output goes.
  /// - Returns: The exit status.
  static func run(arguments: [String], console: inout Console) -> Int32 {
    let paths: [String]
    switch spec.scan(arguments) {
    case .help:
      console.out(help)
      return CLI.ExitCode.clean
    case .usage(let message):
      return usage(message, console: &console)
    case .scanned(let items):
      paths = items.positionals
    }
    guard paths.count == 2 else {
      return usage(
        "expected two snapshots, backup archives or configuration directories", console: &console)
    }
    do {
      var loaded: [[String: String]?] = [nil, nil]
      // Archives computed in process come last: they take the other side's
      // config_directory.
      for computedArchives in [false, true] {
        for index in 0..<2 where loaded[index] == nil {
          let path = paths[index]
          let isArchive = !HostFiles.isDirectory(path) && BackupArchive.isArchive(path)
          if isArchive && !computedArchives && BackupArchive.snapshot(beside: path) == nil {
            continue
          }
          if isArchive {
            let (settings, note) = try archiveSettings(
              path, configDirectory: loaded[1 - index]?["config_directory"] ?? "/etc/postfix",
              environment: console.environment)
            console.err("pfharden diff: note: \(index == 0 ? "A" : "B"): \(note)\n")
            loaded[index] = settings
          } else {
            loaded[index] = try settings(path, environment: console.environment)
          }
        }
      }
      let old = loaded[0] ?? [:]
      let new = loaded[1] ?? [:]
      let changes = SnapshotDiff.compare(old, new)
      // Snapshot values are data: control bytes (terminal escapes) are shown escaped.
      func shown(_ text: String) -> String { Printable.sanitize(text.utf8) }
      for change in changes {
        switch change {
        case .added(let name, let value):
          console.out("added: \(shown(name)) = \(shown(value))\n")
        case .removed(let name, let value):
          console.out("removed: \(shown(name)) = \(shown(value))\n")
        case .changed(let name, let before, let after):
          console.out("changed: \(shown(name))\n  was: \(shown(before))\n  now: \(shown(after))\n")
        }
      }
      if changes.isEmpty { console.out("No difference.\n") }
      return changes.isEmpty ? CLI.ExitCode.clean : CLI.ExitCode.findings
    } catch {
      console.err("pfharden diff: error: \(CLI.describe(error))\n")
      return CLI.ExitCode.failure
    }
  }

  /// The settings of a snapshot file or a configuration directory.
  static func settings(_ path: String, environment: [String: String]) throws -> [String: String] {
    if HostFiles.isDirectory(path) {
      let sources = ConfigurationDirectory.Options(environment: environment)
      return SettingsSnapshot.settings(
        try SettingsSnapshot.take(
          configDirectory: path, postconf: sources.installedPostconf(), host: sources.host()))
    }
    let bytes = try ConfigFile.read(path: path, limit: SettingsSnapshot.sizeLimit)
    let settings = SettingsSnapshot.settings(bytes)
    if settings.isEmpty && !bytes.isEmpty {
      throw PostfixHardeningError(
        .configuration, "\(Printable.sanitize(path.utf8)) is not a postconf snapshot")
    }
    return settings
  }

  /// The settings of a backup archive, and a note saying where they came from.
  static func archiveSettings(
    _ path: String, configDirectory: String, environment: [String: String]
  ) throws -> ([String: String], String) {
    let sources = ConfigurationDirectory.Options(environment: environment)
    let (output, source) = try SettingsSnapshot.take(
      archive: path, configDirectory: configDirectory, host: sources.host(),
      catalog: sources.catalog())
    let shown = Printable.sanitize(path.utf8)
    switch source {
    case .snapshot(let snapshot):
      return (
        SettingsSnapshot.settings(output),
        "\(shown): settings from the snapshot \(Printable.sanitize(snapshot.utf8)) next to it"
      )
    case .computed:
      return (
        SettingsSnapshot.settings(output),
        "\(shown): settings computed in process from its main.cf and master.cf "
          + "(config_directory taken as \(Printable.sanitize(configDirectory.utf8)))"
      )
    }
  }

  static func usage(_ message: String, console: inout Console) -> Int32 {
    CLI.usageError("diff", message, console: &console)
  }
}
