/// `pfharden check`'s command line, declared once.
extension CheckCommand {
  /// The options of `pfharden check`.
  enum Option {
    static let role = CommandOption(
      names: ["--role"], value: "ROLE|SERVICE=ROLE",
      help:
        "The role of the port-25 service: send-only, relay, mx or submission (default: "
        + "inferred and stated in the report); SERVICE=ROLE gives another smtpd service's "
        + "role (submission=submission, or name/type such as 127.0.0.1:10025/inet=relay). "
        + "Repeatable.",
      repeatable: true, completion: .choices(["send-only", "relay", "mx", "submission"]))
    static let postfixVersion = CommandOption(
      names: ["--postfix-version"], value: "V",
      help:
        "The Postfix release the configuration is for: reports parameters it does not have "
        + "yet (default: the installed release's defaults, or the embedded 3.7.11 catalogue).")
    static let format = CommandOption(
      names: ["--format"], value: "text|json|sarif",
      help:
        "Output format (default: text). JSON is documented in docs/check-json-schema.md "
        + "(schemaVersion 1); SARIF is 2.1.0, for CI code scanning.",
      completion: .choices(["text", "json", "sarif"]))
    static let minSeverity = CommandOption(
      names: ["--min-severity"], value: "info|warning|error",
      help:
        "The lowest severity reported; any finding left makes the exit status 1 (default: "
        + "warning).",
      completion: .choices(["info", "warning", "error"]))
    static let live = CommandOption(
      names: ["--live"], value: nil,
      help:
        "Also compare the TCP sockets listening now (/proc/net/tcp, /proc/net/tcp6) with the "
        + "configuration.")
    static let configOnly = CommandOption(
      names: ["--config-only"], value: nil,
      help:
        "Audit the files' text only: no file ownership, key or DH parameter checks (for a "
        + "copy from another host).")
  }

  /// The command line of `pfharden check`.
  static let spec = CommandSpec(
    name: "check",
    summary: "Audit a configuration per smtpd service and role (findings as text, JSON or SARIF).",
    overview: """
      Audit what Postfix will actually do: main.cf, each master.cf service
      with its own -o overrides, and the defaults, judged by each smtpd service's
      role (send-only, relay, mx, submission).
      """,
    usage: """
      pfharden check [-c DIR] [--role ROLE] [--role SERVICE=ROLE]
                            [--postfix-version V] [--format text|json|sarif]
                            [--min-severity info|warning|error] [--live|--config-only]
      """,
    options: [
      CommandOption.configDirectory, Option.role, Option.postfixVersion, Option.format,
      Option.minSeverity, Option.live, Option.configOnly,
    ],
    sections: [
      HelpSection(
        "ROLES",
        """
        no inet smtpd service, or inet_interfaces loopback-only: send-only; port
        587 and 465: submission; port 25: relay when mynetworks holds non-loopback
        networks, else mx. Behind postscreen the smtpd pass service's settings apply.
        """),
      HelpSection(
        "SUPPRESSION",
        """
        a comment directly above a main.cf entry (or a master.cf service),
          # pfharden: ignore banner-disclosure
        silences that rule for that entry; the report counts what was suppressed.
        """),
      HelpSection(
        "EXIT STATUS",
        """
        0 no finding at or above --min-severity, 1 findings, 2 the
        configuration could not be read or the audit is incomplete (master.cf exists
        but cannot be read), 64 usage error.
        """),
    ],
    conflicts: [
      OptionConflict(
        option: Option.live, other: Option.configOnly,
        reason: "--live reads this host's sockets, --config-only audits a copy from another host")
    ])

  /// `--help`.
  static var help: String { HelpText.render(spec) }
}
