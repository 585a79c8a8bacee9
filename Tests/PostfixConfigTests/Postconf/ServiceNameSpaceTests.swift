import Testing

@testable import PostfixConfig

/// Services' name spaces read from the document: `-o` names the name table
/// does not hold stay out of it until a reference names them, and the
/// unused-parameter warnings follow postconf's hash order.
@Suite struct ServiceNameSpaceTests {
  static func inputs(main: String, master: String) -> PostconfInputs {
    PostconfInputs(
      programName: "postconf", configDirectory: "/etc/postfix", configDirectoryInjected: false,
      mainCF: .contents(Array(main.utf8)), masterCF: .contents(Array(master.utf8)),
      host: PostconfInternalsTests.host, catalog: .embedded)
  }

  /// The model a run builds, and the warnings it printed (unused ones too).
  static func run(main: String, master: String) throws -> (ParameterModel, [String]) {
    var warnings: [String] = []
    var options = PostconfOptions()
    options.mode = [.mainParameters, .nonDefault]
    var session = PostconfSession(options: options, inputs: inputs(main: main, master: master))
    session.emit = { chunk in
      if case .stderr(let line) = chunk {
        warnings += String(decoding: line, as: UTF8.self).split(separator: "\n").map(String.init)
      }
    }
    let model = try session.buildModel()
    session.flagUnusedMaster(model, master: session.lastMaster)
    return (model, warnings)
  }

  /// 2,000 services, each setting a name no program knows: the names stay
  /// out of the name table (a run over many services would otherwise hold
  /// a node, a setting, a scan and a copy of each), and a name main.cf or a
  /// later `-o` refers to is interned with the scopes that set it, so the
  /// warnings are those of every name being interned.
  @Test func unknownOverrideNamesStayOutOfTheNameTable() throws {
    var master = ""
    for number in 0..<2_000 {
      master += "s\(number) unix - - n - - smtp -o zz_name_\(number)=v\(number)\n"
    }
    // A second service sets a name again; a third refers to a name another
    // service sets (not in its own scope: undefined there).
    master += "again unix - - n - - smtp -o zz_name_7=w -o zz_ref=$zz_name_5\n"
    // A name one `-o` sets and another of the same service refers to is valid there.
    master += "same unix - - n - - smtp -o zz_self=1 -o zz_use=$zz_self\n"
    let main = "relay_domains = $zz_name_17\nsmtpd_restriction_classes = zz_name_9\n"
    let (model, warnings) = try Self.run(main: main, master: master)

    #expect(model.names.find("zz_name_3") == nil)
    #expect(model.names.find("zz_name_1999") == nil)
    // Every name but zz_name_17 (main.cf refers to it: interned as main.cf
    // was read), and zz_ref, zz_self and zz_use.
    #expect(model.serviceNames.names.count == 2_002)
    #expect(model.names.find("zz_self") != nil)
    // Interned once referenced, with every scope that sets it.
    let seventeen = try #require(model.names.find("zz_name_17"))
    #expect(model.nodes[Int(seventeen)].has(ParameterModel.Node.serviceSetting))
    #expect(model.scopesSetting(seventeen) == [17])
    #expect(model.names.find("zz_name_9") != nil)

    let undefined = warnings.filter { $0.contains("undefined parameter") }
    #expect(
      undefined == ["postconf: warning: /etc/postfix/master.cf: undefined parameter: zz_name_5"])
    let unused = Set(warnings.filter { $0.contains("unused parameter") })
    // zz_name_17 and zz_name_9 are valid in s17 and s9 through main.cf's
    // reference and restriction class; every other name is unused where it
    // is set (as real postconf 3.7.11 warns).
    #expect(unused.count == 2_001)
    #expect(!unused.contains { $0.hasSuffix(": zz_self=1") })
    #expect(
      unused.contains(
        "postconf: warning: /etc/postfix/master.cf: unused parameter: zz_use=$zz_self"))
    #expect(!unused.contains { $0.hasSuffix(": zz_name_17=v17") || $0.hasSuffix(": zz_name_9=v9") })
    #expect(
      unused.contains("postconf: warning: /etc/postfix/master.cf: unused parameter: zz_name_7=w"))
    #expect(
      unused.contains(
        "postconf: warning: /etc/postfix/master.cf: unused parameter: zz_ref=$zz_name_5"))
  }

  /// A name an `-o` sets that is interned only later, as a restriction
  /// class of main.cf, takes its scopes: its service's setting is then valid.
  @Test func aNameInternedLaterTakesItsScopes() throws {
    let master = "a unix - - n - - smtp -o zz_klass=permit -o zz_other=1\n"
    let (model, warnings) = try Self.run(
      main: "smtpd_restriction_classes = zz_klass\n", master: master)
    let klass = try #require(model.names.find("zz_klass"))
    #expect(model.scopesSetting(klass) == [0])
    #expect(model.scopeHasValidName("zz_klass", at: 0))
    #expect(model.names.find("zz_other") == nil)
    #expect(
      warnings.filter { $0.contains("unused parameter") }
        == ["postconf: warning: /etc/postfix/master.cf: unused parameter: zz_other=1"])
  }

  /// A service's unused `-o` parameters are warned about in the order
  /// postconf 3.7.11 (`NORANDOMIZE=1`) walks its dictionary, not in the
  /// order of the options (recorded from real postconf).
  @Test func unusedParametersFollowTheDictionarysOrder() throws {
    let master = """
      a unix - - n - - smtp -o only_in_a=x -o refers=$only_in_b -o x_query=select
      b unix - - n - - smtp -o only_in_b=y -o later_ref=$unknown_thing -o x_dbname=foo

      """
    let (_, warnings) = try Self.run(main: "relay_domains = $only_in_a\n", master: master)
    let head = "postconf: warning: /etc/postfix/master.cf: "
    #expect(
      warnings == [
        head + "undefined parameter: only_in_b", head + "undefined parameter: unknown_thing",
        head + "unused parameter: refers=$only_in_b", head + "unused parameter: x_query=select",
        head + "unused parameter: x_dbname=foo",
        head + "unused parameter: later_ref=$unknown_thing",
        head + "unused parameter: only_in_b=y",
      ])
  }

  /// In the master.cf modes the per-name tables are sized for the names
  /// the services bring (their service parameters), not 16 per entry (the
  /// unknown `-o` names no longer go into them), and registering the
  /// services does not make them grow.
  @Test func tablesAreSizedForTheServicesParameters() throws {
    var master = ""
    for number in 0..<3_000 { master += "s\(number) unix - - n - - smtpd -o zz_\(number)=1\n" }
    for number in 0..<100 { master += "t\(number) unix - - n - - smtp\n" }
    let inputs = Self.inputs(main: "myhostname = a.example\n", master: master)
    var options = PostconfOptions()
    options.mode = [.masterEntries]
    var session = PostconfSession(options: options, inputs: inputs)
    let read = try #require(try session.readMaster(failOnOpenError: true))
    // 16 delivery parameters for each smtp transport, none for smtpd.
    #expect(read.serviceParameterCount == 1_600)
    var model = ParameterModel(inputs: inputs, mode: options.mode)
    try session.readMain(into: &model, masterNames: read.serviceParameterCount)
    let capacity = model.nodes.capacity
    let catalogNames = inputs.catalog.names.count + inputs.catalog.unlistedNames.count
    #expect(capacity < catalogNames + 1_600 + 3_000)
    session.registerBuiltins(into: &model)
    session.registerServices(read, into: &model)
    #expect(model.nodes.capacity == capacity)
    #expect(model.names.find("t99_destination_concurrency_limit") != nil)
  }

  /// postconf (`-n` unless told) on `main` and `master`: its standard
  /// error, lines without the program's name, and its exit status.
  static func stderr(main: String, master: String, arguments: [String] = ["-n"]) -> (
    [String], Int32
  ) {
    let outcome = Postconf.run(
      arguments: arguments.map { Array($0.utf8) }, inputs: inputs(main: main, master: master))
    var text: [UInt8] = []
    for case .stderr(let bytes) in outcome.chunks { text += bytes }
    let lines = String(decoding: text, as: UTF8.self).split(separator: "\n").map {
      $0.hasPrefix("postconf: ") ? String($0.dropFirst(10)) : String($0)
    }
    return (lines, outcome.exitStatus)
  }

  /// `smtpd_restriction_classes` is expanded through its own dictionary alone.
  ///
  /// As postconf's `pcf_lookup_eval` does: main.cf's settings, or the
  /// service's `-o` settings; a default (`$smtp_helo_name`, the host's name)
  /// and the other name space stand for nothing. Recorded from real postconf
  /// 3.7.11: only `x` is undefined.
  @Test func restrictionClassesExpandInTheirOwnDictionary() {
    let (warnings, status) = Self.stderr(
      main: "smtpd_restriction_classes = x $smtp_helo_name $zz_main\nzz_main = klass_m\n"
        + "klass_m = permit\n",
      master: "a unix - - n - - smtp -o smtpd_restriction_classes=$zz_main,$zz_local"
        + " -o zz_local=klass_l -o klass_l=permit -o klass_m=reject\n")
    #expect(warnings == ["warning: /etc/postfix/main.cf: undefined parameter: x"])
    #expect(status == 0)
  }

  /// A service's name space is scanned once for each entry of its service
  /// and type from the first with an `-o` setting on, and each scan warns
  /// again (recorded from real postconf 3.7.11).
  @Test func eachEntryOfAServiceScansItsNameSpace() {
    let (warnings, _) = Self.stderr(
      main: "myhostname = mx.example\n",
      master: "d unix - - n - - smtp -o zz_one=$zz_missing\nb unix - - n - - smtp\n"
        + "d unix - - n - - smtp -o zz_two=$zz_other\nd unix - - n - - smtp\n")
    let undefined = [
      "warning: /etc/postfix/master.cf: undefined parameter: zz_missing",
      "warning: /etc/postfix/master.cf: undefined parameter: zz_other",
    ]
    let unused = [
      "warning: /etc/postfix/master.cf: unused parameter: zz_one=$zz_missing",
      "warning: /etc/postfix/master.cf: unused parameter: zz_two=$zz_other",
    ]
    #expect(warnings == undefined + undefined + undefined + unused + unused + unused)
  }

  /// A restriction class list that refers to itself ends the command with
  /// the dictionary's name, as postconf's `dict_eval` does: `mail_dict` for
  /// main.cf, `service/type` for a service (recorded from real postconf 3.7.11).
  @Test func aSelfReferringClassListEndsTheCommand() {
    let nesting = "warning: unreasonable macro call nesting: \"smtpd_restriction_classes\""
    let (service, serviceStatus) = Self.stderr(
      main: "myhostname = mx.example\n",
      master: "s2 unix - - n - - cleanup -o smtpd_restriction_classes=$smtpd_restriction_classes\n")
    #expect(service == [nesting, "fatal: dictionary s2/unix: macro processing error"])
    #expect(serviceStatus == 1)
    let (main, mainStatus) = Self.stderr(
      main: "smtpd_restriction_classes = ${smtpd_restriction_classes}\n",
      master: "a unix - - n - - smtp\n")
    #expect(main == [nesting, "fatal: dictionary mail_dict: macro processing error"])
    #expect(mainStatus == 1)
  }

  /// A service's value that refers to itself, expanded for a listing
  /// (`-Px`, `-Mx`, `-Fx`), warns before the listing ends (recorded from real
  /// postconf 3.7.11; the warning was lost before).
  @Test func aValueThatRefersToItselfWarnsBeforeTheListingEnds() {
    for mode in ["-Px", "-Mx", "-Fx"] {
      let (warnings, status) = Self.stderr(
        main: "myhostname = mx.example\n",
        master: "a unix - - n - - smtp -o zz_ok=1 -o zz_self=${zz_self}\n"
          + "b unix - - n - - smtp -o zz_b=2\n", arguments: [mode])
      #expect(
        warnings == [
          "warning: unreasonable macro call nesting: \"zz_self\"", "fatal: macro processing error",
        ], "\(mode)")
      #expect(status == 1)
    }
  }
}
