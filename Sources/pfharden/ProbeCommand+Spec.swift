/// `pfharden probe`'s command line, declared once.
extension ProbeCommand {
  /// The options of `pfharden probe`.
  enum Option {
    static let role = CommandOption(
      names: ["--role"], value: "mx|relay|submission",
      help:
        "What the server is for (default: mx; submission on port 587). Submission adds "
        + "\"MAIL before STARTTLS must be refused\" and makes plaintext AUTH an error.",
      completion: .choices(["mx", "relay", "submission"]))
    static let helo = CommandOption(
      names: ["--helo"], value: "NAME",
      help:
        "The EHLO/HELO name (default: example.com, fully qualified so HELO checks do not "
        + "pre-empt the others).")
    static let xclientAddr = CommandOption(
      names: ["--xclient-addr"], value: "IP",
      help:
        "Test as this client address via XCLIENT, when the server allows it "
        + "(smtpd_authorized_xclient_hosts): an outside vantage from the inside.")
    static let source = CommandOption(
      names: ["--source"], value: "ADDR", help: "Bind connections to this local address.")
    static let implicitTLS = CommandOption(
      names: ["--implicit-tls"], value: nil,
      help:
        "The port speaks TLS before the greeting (as 465 does). Without it, a port that "
        + "sends no greeting within 1.5 s and answers a TLS ClientHello is probed as implicit "
        + "TLS all the same.")
    static let timeout = CommandOption(
      names: ["--timeout"], value: "S",
      help:
        "Seconds each step may take: connect, one command and its reply, one TLS handshake "
        + "(default: 10). A session may take 6 steps or 60 s, whichever is longer, never more "
        + "than --total-timeout. It does not change --total-timeout.")
    static let totalTimeout = CommandOption(
      names: ["--total-timeout"], value: "S",
      help:
        "Seconds the whole probe may take, TLS analysis included (default: 300, at most "
        + "3600, at least --timeout). Checks not finished by then are reported as not run and "
        + "the exit status is 2.")
    static let maxConnections = CommandOption(
      names: ["--max-connections"], value: "N",
      help:
        "The connection budget of the SMTP checks (default: 10). Connections are made one "
        + "at a time, with back-off after a 421.")
    static let noTLS = CommandOption(
      names: ["--no-tls"], value: nil, help: "Skip the TLS analysis.")
    static let tlsOnly = CommandOption(
      names: ["--tls-only"], value: nil,
      help:
        "Only the greeting, EHLO, the STARTTLS check and the TLS analysis: no VRFY, relay or "
        + "enumeration tests.")
    static let maxTLSConnections = CommandOption(
      names: ["--max-tls-connections"], value: "N",
      help:
        "The TLS analysis's own budget (default: 300); it needs one connection per accepted "
        + "cipher suite.")
    static let targets = CommandOption(
      names: ["--targets"], value: "FILE",
      help:
        "Probe the targets listed in FILE too, one HOST[:PORT] per line; '#' starts a "
        + "comment, blank lines are ignored, a bad line is a usage error naming FILE:LINE.",
      completion: .file)
    static let concurrency = CommandOption(
      names: ["--concurrency"], value: "N",
      help:
        "How many hosts are probed at once (default: 8, 1 to 256). A host is never probed "
        + "twice at once; one that refuses service with 421 is tried once more after a "
        + "back-off, without holding a place.")
    static let format = CommandOption(
      names: ["--format"], value: "text|json|jsonl",
      help:
        "Output format (default: text). JSON is documented in docs/probe-json-schema.md "
        + "(schemaVersion 2); json takes one target. jsonl prints one compact report per line "
        + "as each host finishes (\"type\": \"report\"), then a summary line (\"type\": "
        + "\"summary\"). With several targets, text prints a header per host as it finishes, "
        + "then a summary.",
      completion: .choices(["text", "json", "jsonl"]))
    static let minSeverity = CommandOption(
      names: ["--min-severity"], value: "info|warning|error",
      help: "The lowest severity that makes the exit status 1 (default: warning).",
      completion: .choices(["info", "warning", "error"]))
    static let verbose = CommandOption(
      names: ["-v", "--verbose"], value: nil,
      help: "Show the evidence: every command sent and reply received, per check.")
    static let quiet = CommandOption.quiet.described(
      "Show no progress on standard error. With one target and standard error a terminal, "
        + "the probe shows each check as it starts and ends; otherwise it shows none.")
  }

  /// The command line of `pfharden probe`.
  static let spec = CommandSpec(
    name: "probe",
    summary:
      "Test a live SMTP server: banner, VRFY, HELO, open relay, STARTTLS and the TLS "
      + "handshake.",
    overview: """
      Test a live SMTP server the way an attacker would: banner, capabilities,
      VRFY/EXPN user oracles, HELO requirement, open relay (never sending DATA), RCPT
      user enumeration, MAIL before STARTTLS on submission ports, and the TLS offered
      over STARTTLS or implicit TLS: protocols, cipher suites with their DH and curve
      sizes, server preference and the certificate. A server that refuses commands
      before STARTTLS (530) or speaks implicit TLS is tested inside TLS, and the
      report marks each check that ran there.
      """,
    usage: """
      pfharden probe HOST[:PORT] ... [options]
             pfharden probe --targets FILE [HOST[:PORT] ...] [options]
      """,
    preamble: [
      HelpSection(
        "ARGUMENTS",
        """

          HOST[:PORT]             A name or address; IPv6 as [::1]:25. The port defaults
                                  to 25 (587 with --role submission, 465 with
                                  --implicit-tls). Probe only servers you run. Several
                                  targets are probed concurrently, each with its own
                                  time limit and connection budget.
        """)
    ],
    options: [
      Option.role, Option.helo, Option.xclientAddr, Option.source, Option.implicitTLS,
      Option.timeout, Option.totalTimeout, Option.maxConnections, Option.noTLS, Option.tlsOnly,
      Option.maxTLSConnections, Option.targets, Option.concurrency, Option.format,
      Option.minSeverity, Option.verbose, Option.quiet,
    ],
    sections: [
      HelpSection(
        "VERDICTS",
        """
        the open relay test reports open (accepted from an outside vantage),
        closed (every address form refused as a relay), trusted-vantage (accepted, but
        from an address the server likely trusts, such as loopback or a private network:
        rerun from outside or with --xclient-addr) or inconclusive (refused for another
        reason, so relaying was never tested).
        """),
      HelpSection(
        "COMPLETENESS",
        """
        every check is reported as ran, refused (the server refused what
        it needs, such as MAIL before STARTTLS), partial (with counts, such as relay
        forms tried of 16) or not run (with the reason). Any check partial or not run
        makes the probe incomplete: a probe-incomplete error and exit status 2. A
        server that sends replies to commands never sent ends the probe the same way.
        """),
      HelpSection(
        "EXIT STATUS",
        """
        0 no finding at or above --min-severity, 1 findings, 2 could not
        complete (connection refused, timeout, service refused, a check that did not
        run to the end), 64 usage error. With several targets, the worst over all
        hosts.
        """),
    ],
    conflicts: [
      OptionConflict(
        option: Option.tlsOnly, other: Option.noTLS,
        reason: "--tls-only runs only the TLS analysis, which --no-tls skips")
    ],
    arguments: .host)

  /// `--help`.
  static var help: String { HelpText.render(spec) }
}
