import Foundation
import Testing

@testable import pfharden

/// The order in which postconf reads its files and checks values at start-up,
/// and what it calls itself; compared byte for byte with real postconf.
@Suite(.serialized) struct PostconfReadOrderTests {
  static func text(_ string: String) -> [UInt8] { Array(string.utf8) }

  func agree(
    _ name: String, _ files: [String: String], _ commands: [[String]], subcommand: Bool = false
  )
    throws
  {
    try RealPostfix.requirePostconf()
    let directory = try PostconfComparison.makeDirectory("order-\(name)")
    defer { try? FileManager.default.removeItem(at: directory) }
    try PostconfComparison.write(files.mapValues(Self.text), into: directory)
    for command in commands {
      let (expected, actual) = try PostconfComparison.compare(
        directory, command, subcommand: subcommand)
      #expect(actual == expected, "\(name): postconf \(command.joined(separator: " "))")
    }
  }

  static let masterModes: [[String]] = [
    ["-M"], ["-F"], ["-P"], ["-Mx"], ["-Pf"], ["-M", "smtp"], ["-F", "smtp/inet/command"],
    ["-P", "smtp/inet/zz"],
  ]

  /// -M, -F and -P read master.cf first: with both files broken, master.cf's
  /// fatal error is the one printed; main.cf modes report main.cf's.
  @Test(.enabled(if: RealPostfix.shouldRun, RealPostfix.skipComment))
  func masterModesReadMasterCFFirst() throws {
    try agree(
      "both-broken",
      ["main.cf": "bad line\n", "master.cf": "smtp inet n\n"],
      Self.masterModes + [["-n"], [], ["mydomain"]])
    try agree(
      "master-broken",
      ["main.cf": "a = 1\na = 2\nmyhostname = x.example\n", "master.cf": "  lead\nsmtp inet n\n"],
      Self.masterModes + [["-n"]])
    // Warnings: master.cf's reading warnings come before main.cf's in these modes.
    try agree(
      "warnings",
      [
        "main.cf": "a = 1\na = 2\nb = {x\n",
        "master.cf": "  lead\nsmtp inet n - y - - smtpd -o zz=1\n  -o yy=$a\n",
      ],
      Self.masterModes + [["-n"], []])
    try agree(
      "main-broken", ["main.cf": "= x\n", "master.cf": "smtp inet n - y - - smtpd\n"],
      Self.masterModes + [["-n"]])
  }

  /// Services' name spaces: names only `-o` sets, referred to from main.cf,
  /// from the same or another service, as restriction classes and as a
  /// legacy database's parameters; each service's unused parameters in the
  /// order postconf walks its dictionary; restriction classes expanded in
  /// their own dictionary; and a service of several entries.
  @Test(.enabled(if: RealPostfix.shouldRun, RealPostfix.skipComment))
  func serviceNameSpacesAgree() throws {
    let main = """
      compatibility_level = 3.6
      relay_domains = $only_in_master, $only_in_a
      smtpd_restriction_classes = klass
      klass = permit

      """
    let master = """
      smtp      inet  n       -       y       -       -       smtpd
        -o only_in_master=yes
        -o unused_here=1
        -o klass=reject
      a         unix  -       -       n       -       -       smtp
        -o only_in_a=x
        -o refers=$only_in_b
        -o x_query=select
        -o smtpd_restriction_classes=klass2
        -o klass2=permit
      b         unix  -       -       n       -       -       smtp
        -o only_in_b=y
        -o later_ref=$unknown_thing
        -o x_dbname=foo
      c         unix  -       -       n       -       -       smtp
        -o only_in_master=again
        -o zz_one=1 -o zz_two=2 -o zz_three=3 -o zz_four=4 -o zz_five=5

      """
    var many = master
    for number in 0..<300 {
      many +=
        "s\(number) unix - - n - - smtp -o zz_n\(number)=v -o zz_r\(number)=$zz_n\((number + 1) % 300)\n"
    }
    let modes: [[String]] = [["-n"], ["-M"], ["-P"], ["-Px"], ["-Mx"], ["-nx"]]
    try agree("service-names", ["main.cf": main, "master.cf": master], modes)
    try agree("many-service-names", ["main.cf": main, "master.cf": many], [["-n"], ["-M"]])
    // Restriction classes through their own dictionary; a service of
    // several entries scanned once an entry; a class list that refers to
    // itself, in a service and in main.cf.
    try agree(
      "class-dictionaries",
      [
        "main.cf": "smtpd_restriction_classes = x $smtp_helo_name $zz_main\nzz_main = klass_m\n"
          + "klass_m = permit\n",
        "master.cf": "a unix - - n - - smtp -o smtpd_restriction_classes=$zz_main,$zz_local"
          + " -o zz_local=klass_l -o klass_l=permit -o klass_m=reject\n",
      ], modes)
    try agree(
      "repeated-entries",
      [
        "main.cf": "myhostname = mx.example\n",
        "master.cf": "d unix - - n - - smtp -o zz_one=$zz_missing\nb unix - - n - - smtp\n"
          + "d unix - - n - - smtp -o zz_two=$zz_other\nd unix - - n - - smtp\n",
      ], modes)
    try agree(
      "self-referring-classes",
      [
        "main.cf": "myhostname = mx.example\n",
        "master.cf":
          "s2 unix - - n - - cleanup -o smtpd_restriction_classes=$smtpd_restriction_classes\n",
      ], [["-n"], ["-M"]])
    try agree(
      "self-referring-value",
      [
        "main.cf": "myhostname = mx.example\n",
        "master.cf": "a unix - - n - - smtp -o zz_ok=1 -o zz_self=${zz_self}\n"
          + "b unix - - n - - smtp -o zz_b=2\n",
      ], [["-Px"], ["-Mx"], ["-Fx"], ["-P"]])
    try agree(
      "self-referring-main-classes",
      [
        "main.cf": "smtpd_restriction_classes = ${smtpd_restriction_classes}\n",
        "master.cf": "a unix - - n - - smtp\n",
      ], [["-n"], ["-M"]])
  }

  /// Host-dependent defaults read main.cf's values expanded with main.cf's
  /// own settings only (`mail_conf_lookup_eval`): a parameter left at its
  /// default is empty there, and an error is the dictionary's.
  @Test(.enabled(if: RealPostfix.shouldRun, RealPostfix.skipComment))
  func earlyChecksExpandWithMainCFSettingsOnly() throws {
    let master = "smtp inet n - y - - smtpd\n"
    let mains = [
      "inet_protocols = $(lmtp_tls_fingerprint_digest),ipv4\n",
      "mynetworks_style = ${maillog_file_rotate_suffix},1\n"
        + "maillog_file_rotate_suffix = ${scalemail-backend_foo}\n",
      "inet_protocols = ipv4 $myhostname\n",
      "inet_protocols = ipv4\nmyhostname = foo$mydomain\n",
      "mydomain = $myorigin.x\n",
      "mydomain = $config_directory\n",
      "myhostname = ${x\n",
      "myhostname = a.$zz\nzz = $mail_name\n",
      "inet_interfaces = $x\nx = 127.0.0.1\n",
      "compatibility_level = ${lmtp_tls_fingerprint_digest?3}\n",
      "compatibility_level = ${lmtp_tls_fingerprint_digest?3}\nmynetworks_style=$compatibility_level\n",
      "inet_protocols = ${x\n",
      "inet_protocols = ${x\nmynetworks = 1.2.3.4\n",
      "process_name = ipv4\ninet_protocols = $process_name\n",
      "mynetworks_style = ${x\ninet_protocols = bogus\n",
      "mynetworks_style = host\ninet_protocols = bogus $y\ny = ${z\n",
      "inet_protocols = $mynetworks_style\nmynetworks_style = ipv4\n",
    ]
    for (index, main) in mains.enumerated() {
      try agree(
        "early-\(index)", ["main.cf": main, "master.cf": master],
        [
          ["-n"], ["-h", "mynetworks", "myhostname", "mydomain"], ["-x", "mynetworks"], ["-M"],
          ["-o", "inet_protocols=ipv4", "-h", "mynetworks"],
        ])
    }
  }

  /// `process_name` is the base name of argv[0]: `postconf` for `pfharden
  /// postconf`, the link's name when invoked through one.
  @Test(.enabled(if: RealPostfix.shouldRun, RealPostfix.skipComment))
  func processNameIsPostconfs() throws {
    let files = [
      "main.cf": "zz = $process_name\nmyhostname = x.example\n",
      "master.cf": "smtp inet n - y - - smtpd -o yy=$process_name\n",
    ]
    let commands = [
      ["-x", "process_name"], ["process_name"], ["-nx"], ["-dx", "process_name"], ["-Px"],
    ]
    try agree("process-name", files, commands, subcommand: true)
    try agree("process-name-link", files, commands)
  }
}
