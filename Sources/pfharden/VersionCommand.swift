import PostfixConfig
import PostfixHardening

/// `pfharden version`: which Postfix this is about.
enum VersionCommand {
  /// The command line of `pfharden version`.
  static let spec = CommandSpec(
    name: "version",
    summary: "Show the Postfix version (installed, or from a snapshot or backup archive).",
    overview: """
      Show the Postfix version: the installed one, or mail_version from a
      snapshot or a backup archive ('pfharden backup' writes both).
      """,
    usage: "pfharden version [-c DIR] [SNAPSHOT|BACKUP]",
    preamble: [
      HelpSection(
        "ARGUMENTS",
        """

          SNAPSHOT                A postconf-YYYY-MM-DD[-N] snapshot.
          BACKUP                  A postfix-YYYY-MM-DD[-N].tar.gz archive: the version
                                  comes from the snapshot next to it; without one,
                                  from the settings computed in process (an archive
                                  does not record the version: that is the version
                                  of the defaults used, which the output says).
        """)
    ],
    options: [
      CommandOption.configDirectory.described(
        "The configuration directory whose postconf is asked (default: $MAIL_CONFIG, else "
          + "/etc/postfix).")
    ],
    sections: [HelpSection("EXIT STATUS", "0 version shown, 2 could not tell, 64 usage error.")],
    arguments: .file)

  /// `--help`.
  static var help: String { HelpText.render(spec) }

  /// Runs the command.
  /// - Parameters:
  ///   - arguments: The arguments after `version`.
  ///   - console: Where output goes.
  /// - Returns: The exit status.
  static func run(arguments: [String], console: inout Console) -> Int32 {
    var directory = console.environment["MAIL_CONFIG"].flatMap { $0.isEmpty ? nil : $0 }
    let scanned: ScannedArguments
    switch spec.scan(arguments) {
    case .help:
      console.out(help)
      return CLI.ExitCode.clean
    case .usage(let message):
      return usage(message, console: &console)
    case .scanned(let items):
      scanned = items
    }
    directory = scanned.value(of: .configDirectory) ?? directory
    guard scanned.positionals.count <= 1 else {
      return usage("one snapshot only", console: &console)
    }
    let snapshot = scanned.positionals.first
    if let snapshot, BackupArchive.isArchive(snapshot) {
      return archiveVersion(snapshot, directory: directory, console: &console)
    }
    if let snapshot {
      do {
        let bytes = try ConfigFile.read(path: snapshot, limit: SettingsSnapshot.sizeLimit)
        guard let text = SettingsSnapshot.settings(bytes)["mail_version"],
          let version = PostfixVersion(text)
        else {
          console.err(
            "pfharden version: error: \(Printable.sanitize(snapshot.utf8)) has no mail_version\n")
          return CLI.ExitCode.failure
        }
        console.out("Postfix \(version) (snapshot \(Printable.sanitize(snapshot.utf8)))\n")
        return CLI.ExitCode.clean
      } catch {
        console.err("pfharden version: error: \(CLI.describe(error))\n")
        return CLI.ExitCode.failure
      }
    }
    let sources = ConfigurationDirectory.Options(environment: console.environment)
    guard let postconf = sources.installedPostconf() else {
      console.err(
        "pfharden version: error: Postfix is not installed (no postconf); "
          + "give a snapshot to read its mail_version\n")
      return CLI.ExitCode.failure
    }
    // -d: mail_version is compiled in; a main.cf that sets it would only mislead.
    let arguments = (directory.map { ["-c", $0] } ?? []) + ["-d", "-h", "mail_version"]
    do {
      let output = try SystemCommand.run(postconf, arguments)
      let text = PostconfOutput.parseValues(output.stdout).first.map {
        String(decoding: $0, as: UTF8.self)
      }
      guard output.status == 0, let text, let version = PostfixVersion(text) else {
        console.err(
          "pfharden version: error: \(postconf) failed: \(Printable.sanitize(output.stderr.prefix(300)))\n"
        )
        return CLI.ExitCode.failure
      }
      let place = directory.map { " -c " + Printable.sanitize($0.utf8) } ?? ""
      console.out("Postfix \(version) (installed: \(postconf)\(place))\n")
      return CLI.ExitCode.clean
    } catch {
      console.err("pfharden version: error: \(CLI.describe(error))\n")
      return CLI.ExitCode.failure
    }
  }

  /// mail_version of a backup archive: from the snapshot next to it, else
  /// computed in process.
  static func archiveVersion(_ archive: String, directory: String?, console: inout Console)
    -> Int32
  {
    let shown = Printable.sanitize(archive.utf8)
    do {
      let sources = ConfigurationDirectory.Options(environment: console.environment)
      let (output, source) = try SettingsSnapshot.take(
        archive: archive, configDirectory: directory ?? "/etc/postfix", host: sources.host(),
        catalog: sources.catalog())
      guard let text = SettingsSnapshot.settings(output)["mail_version"],
        let version = PostfixVersion(text)
      else {
        console.err("pfharden version: error: no mail_version for \(shown)\n")
        return CLI.ExitCode.failure
      }
      switch source {
      case .snapshot(let path):
        console.out(
          "Postfix \(version) (backup \(shown): snapshot \(Printable.sanitize(path.utf8)))\n")
      case .computed:
        console.out(
          "Postfix \(version) (backup \(shown): computed in process; the archive does not "
            + "record the version, this is the version of the defaults used)\n")
      }
      return CLI.ExitCode.clean
    } catch {
      console.err("pfharden version: error: \(CLI.describe(error))\n")
      return CLI.ExitCode.failure
    }
  }

  static func usage(_ message: String, console: inout Console) -> Int32 {
    CLI.usageError("version", message, console: &console)
  }
}
