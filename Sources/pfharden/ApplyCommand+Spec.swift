/// `pfharden apply`'s command line, declared once.
extension ApplyCommand {
  /// The options of `pfharden apply`.
  enum Option {
    static let profile = CommandOption(
      names: ["--profile"], value: "PROFILE", help: "The profile to apply (required).",
      completion: .choices(["send-only", "relay", "mx", "submission"]))
    static let network = CommandOption(
      names: ["--network"], value: "CIDR",
      help:
        "An internal network a relay serves (repeatable; required for relay), e.g. "
        + "192.0.2.0/24.",
      repeatable: true)
    static let relayDomain = CommandOption(
      names: ["--relay-domain"], value: "DOMAIN",
      help: "A domain a relay forwards mail for (repeatable; default: none).", repeatable: true)
    static let domain = CommandOption(
      names: ["--domain"], value: "DOMAIN",
      help: "A domain an MX receives mail for (repeatable).", repeatable: true)
    static let tls = CommandOption(
      names: ["--tls"], value: "compatible|intermediate|modern",
      help: "TLS strength where the role allows it (default: intermediate).",
      completion: .choices(["compatible", "intermediate", "modern"]))
    static let cert = CommandOption(
      names: ["--cert"], value: "FILE",
      help:
        "The server certificate, given with --key (default: the ones the configuration "
        + "names), checked with openssl first: readable, matching, not expired, RSA keys of "
        + "2048 bits or more. Without any certificate, server TLS is left as it is.",
      completion: .file)
    static let key = CommandOption(
      names: ["--key"], value: "FILE", help: "The server certificate's private key (with --cert).",
      completion: .file)
    static let sasl = CommandOption(
      names: ["--sasl"], value: "dovecot|cyrus", help: "SASL for submission (default: dovecot).",
      completion: .choices(["dovecot", "cyrus"]))
    static let saslPath = CommandOption(
      names: ["--sasl-path"], value: "PATH",
      help: "smtpd_sasl_path (default: private/auth for dovecot).")
    static let postfixVersion = CommandOption(
      names: ["--postfix-version"], value: "V",
      help: "Plan for this Postfix release (default: the installed one, else 3.7.11).")
    static let dryRun = CommandOption(
      names: ["--dry-run"], value: nil,
      help: "Show the unified diff and what Postfix needs; write nothing.")
    static let check = CommandOption(
      names: ["--check"], value: nil, help: "Write nothing; exit 1 when changes are pending.")
    static let format = CommandOption(
      names: ["--format"], value: "text|json",
      help:
        "Output format (default: text). JSON is one object on standard output: the plan, the "
        + "diff and what was done (docs/apply-json-schema.md, schemaVersion 1). It never "
        + "asks: a real run needs --yes.",
      completion: .choices(["text", "json"]))
    static let yes = CommandOption(
      names: ["-y", "--yes"], value: nil, help: "Do not ask before writing.")
    static let backupDir = CommandOption(
      names: ["--backup-dir"], value: "DIR",
      help: "Where the backup goes (default: /var/backups/pfharden).", completion: .directory)
    static let reload = CommandOption(
      names: ["--reload"], value: nil,
      help:
        "Reload or restart Postfix as the changes need (only the instance that runs DIR), "
        + "connect to each listener (greeting, TLS handshake), watch the log; put the old "
        + "files back when that fails.")
  }

  /// The command line of `pfharden apply`.
  static let spec = CommandSpec(
    name: "apply",
    summary:
      "Apply a hardening profile (send-only, relay, mx, submission) safely: backup, diff, "
      + "atomic writes, validation, reload.",
    overview: """
      Harden a Postfix configuration with a profile: edit main.cf and
      master.cf (comments and layout kept), back up first, write atomically,
      validate with postconf, and optionally reload Postfix.
      """,
    usage: "pfharden apply --profile PROFILE [options]",
    preamble: [
      HelpSection(
        "PROFILES",
        """

          send-only     The host only sends (web apps, system mail): loopback only.
          relay         Relays for internal systems: needs --network CIDR.
          mx            Receives mail from the internet for --domain.
          submission    Authenticated mail on 587 (STARTTLS) and 465 (implicit TLS).
        """)
    ],
    options: [
      Option.profile, .configDirectory, Option.network, Option.relayDomain, Option.domain,
      Option.tls, Option.cert, Option.key, Option.sasl, Option.saslPath, Option.postfixVersion,
      Option.dryRun, Option.check, Option.format, Option.yes, Option.backupDir, Option.reload,
      .quiet,
    ],
    sections: [
      HelpSection(
        "EXAMPLES",
        """

          pfharden apply --profile relay --network 192.0.2.0/24 -c /etc/postfix --dry-run
          pfharden apply --profile mx --domain example.org \\
              --cert /etc/ssl/certs/mx.pem --key /etc/ssl/private/mx.key --yes --reload
        """),
      HelpSection(
        "EXIT STATUS",
        """
        0 done or nothing to change, 1 changes pending (--check),
        2 could not complete (nothing changed), 64 usage error.
        """),
    ],
    conflicts: [
      OptionConflict(
        option: Option.dryRun, other: Option.check,
        reason: "--dry-run shows the diff, --check only says whether changes are pending"),
      OptionConflict(
        option: Option.check, other: Option.reload,
        reason: "--check writes nothing, so there is nothing to reload"),
      OptionConflict(
        option: Option.dryRun, other: Option.yes,
        reason: "--dry-run writes nothing, so there is nothing to confirm"),
      OptionConflict(
        option: Option.dryRun, other: Option.reload,
        reason: "--dry-run writes nothing, so there is nothing to reload"),
      OptionConflict(
        option: Option.profile, value: "send-only", other: Option.network,
        reason: "a send-only host accepts mail from loopback only; use the relay profile"),
    ])

  /// `--help`.
  static var help: String { HelpText.render(spec) }
}
