import Testing

@testable import PostfixConfig

@Suite struct ParameterCatalogTests {
  let catalog = ParameterCatalog.embedded

  private func version(_ text: String) throws -> PostfixVersion {
    try #require(PostfixVersion(text))
  }

  @Test func describesPostfix3711() throws {
    #expect(catalog.version == (try version("3.7.11")))
    #expect(catalog.names.count == 831)
    #expect(catalog.names.first == "2bounce_notice_recipient")
  }

  @Test func namesAreSortedBytewiseLikePostconf() {
    let names = catalog.names
    #expect(zip(names, names.dropFirst()).allSatisfy { $0.utf8.lexicographicallyPrecedes($1.utf8) })
    let cafile = names.firstIndex(of: "smtp_tls_CAfile")
    let block = names.firstIndex(of: "smtp_tls_block_early_mail_reply")
    #expect(cafile != nil && block != nil && cafile ?? 0 < block ?? 0)
  }

  @Test(arguments: [
    ("2bounce_notice_recipient", "postmaster"),
    ("access_map_defer_code", "450"),
    ("smtpd_banner", "$myhostname ESMTP $mail_name"),
    ("mynetworks_style", "${{$compatibility_level} <level {2} ? {subnet} : {host}}"),
    ("alias_maps", "hash:/etc/aliases, nis:mail.aliases"),
    ("mail_version", "3.7.11"),
    ("relayhost", ""),
    ("address_verify_poll_count", "${stress?{1}:{3}}"),
    ("local_destination_concurrency_limit", "2"),
    (
      "smtpd_expansion_filter",
      ##"\t\40!"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~"##
    ),
  ])
  func defaults(name: String, value: String) throws {
    let parameter = try #require(catalog.parameter(name))
    #expect(parameter.defaultValue == Array(value.utf8))
    #expect(parameter.parameterClass == .builtin)
  }

  @Test(arguments: [
    ("smtpd_forbid_bare_newline", ["3.8.4", "3.7.9", "3.6.13", "3.5.23"]),
    ("tls_config_file", ["3.9", "3.8.1", "3.7.6", "3.6.10", "3.5.20"]),
    ("access_map_defer_code", ["2.6"]),
    ("address_verify_cache_cleanup_interval", ["2.7"]),
    ("tls_legacy_public_key_fingerprints", ["2.9.6"]),
    ("smtpd_relay_restrictions", ["2.10"]),
    ("2bounce_notice_recipient", []),
    ("anvil_rate_time_unit", []),
    ("postscreen_dnsbl_ttl", ["2.8"]),
  ])
  func introducedIn(name: String, versions: [String]) throws {
    let parameter = try #require(catalog.parameter(name))
    #expect(parameter.introducedIn == (try versions.map { try version($0) }))
  }

  @Test func availability() throws {
    #expect(catalog.isAvailable("access_map_defer_code", in: try version("2.6")))
    #expect(!catalog.isAvailable("access_map_defer_code", in: try version("2.5.6")))
    #expect(catalog.isAvailable("2bounce_notice_recipient", in: try version("2.0")))
    #expect(!catalog.isAvailable("no_such_parameter", in: try version("3.7.11")))
    let bareNewline = "smtpd_forbid_bare_newline"
    #expect(catalog.isAvailable(bareNewline, in: try version("3.7.9")))
    #expect(catalog.isAvailable(bareNewline, in: try version("3.7.11")))
    #expect(!catalog.isAvailable(bareNewline, in: try version("3.7.8")))
    #expect(!catalog.isAvailable(bareNewline, in: try version("3.8.3")))
    #expect(catalog.isAvailable(bareNewline, in: try version("3.8.4")))
    #expect(catalog.isAvailable(bareNewline, in: try version("3.9.0")))
    #expect(catalog.isAvailable(bareNewline, in: try version("3.10")))
    #expect(!catalog.isAvailable(bareNewline, in: try version("3.4.99")))
    #expect(!catalog.isAvailable(bareNewline, in: try version("3.8-20230101")))
    #expect(catalog.isAvailable("tls_config_file", in: try version("3.9.0")))
    #expect(!catalog.isAvailable("tls_config_file", in: try version("3.9-20231001")))
  }

  @Test func rawParametersAreSpec41List() {
    let raw = catalog.names.filter { catalog.parameter($0)?.isRaw == true }
    #expect(
      raw == [
        "command_execution_directory", "default_rbl_reply", "forward_path", "luser_relay",
        "mailbox_command", "postscreen_expansion_filter", "postscreen_reject_footer",
        "smtpd_expansion_filter", "smtpd_reject_footer",
      ])
  }

  @Test func readOnlyAndHostDependent() {
    let readOnly = catalog.names.filter { catalog.parameter($0)?.isReadOnly == true }
    #expect(readOnly == ["process_id", "process_name", "service_name"])
    let host = catalog.names.filter { catalog.parameter($0)?.isHostDependent == true }
    #expect(host == HostDefaults.names)
    #expect(catalog.parameter("mail_version")?.isReadOnly == false)
    #expect(catalog.parameter("myhostname")?.defaultValue == [])
  }

  @Test func buildDependent() {
    for name in [
      "config_directory", "mail_version", "alias_maps", "inet_protocols", "queue_directory",
    ] {
      #expect(catalog.parameter(name)?.isBuildDependent == true, "\(name)")
    }
    #expect(catalog.parameter("relayhost")?.isBuildDependent == false)
  }

  @Test func unlistedNamesAreKnownButNotListed() throws {
    for name in ["virtual_maps", "fallback_relay", "authorized_verp_clients"] {
      let parameter = try #require(catalog.parameter(name))
      #expect(parameter.isUnlisted)
      #expect(!catalog.names.contains(name))
      #expect(catalog.unlistedNames.contains(name))
    }
  }

  // warn_legacy_dbms: ldap:ldapsource makes ldapsource_server_host and
  // ldapsource_search_base valid, not ldapsource_bogus_suffix.
  @Test func legacyDatabaseSuffixes() {
    #expect(catalog.legacyDatabaseTypes == ["ldap", "memcache", "mysql", "pgsql", "sqlite"])
    let ldap = catalog.legacyDatabaseSuffixes(type: "ldap")
    #expect(ldap.contains("server_host") && ldap.contains("search_base"))
    #expect(!ldap.contains("bogus_suffix"))
    #expect(ldap.count == 38)
    #expect(catalog.legacyDatabaseSuffixes(type: "mysql").contains("tls_CAfile"))
    #expect(catalog.legacyDatabaseSuffixes(type: "sqlite").contains("dbpath"))
    #expect(catalog.legacyDatabaseSuffixes(type: "hash").isEmpty)
  }

  // The spec's catalog.tsv (1043 rows, stock master.cf) against the embedded data.
  @Test func agreesWithSpecCatalog() throws {
    let rows = try CatalogFixtures.specCatalog()
    #expect(rows.count == 1043)
    let services = CatalogFixtures.services(
      masterCf: try CatalogFixtures.text("debian-master.cf"))
    var serviceNames: [String: CatalogParameter] = [:]
    for (service, command) in services {
      for parameter in ServiceParameters.parameters(service: service, command: command) {
        serviceNames[parameter.name] = parameter
      }
    }
    var expected = Set(catalog.names)
    expected.formUnion(serviceNames.keys)
    #expect(expected == Set(rows.keys))
    for (name, row) in rows {
      if let parameter = catalog.parameter(name) {
        if !parameter.isHostDependent {
          #expect(parameter.defaultValue == Array(row.defaultValue.utf8), "\(name)")
        }
        #expect(
          parameter.introducedIn.map(\.description).joined(separator: ",") == row.introduced,
          "\(name)")
      } else {
        let parameter = try #require(serviceNames[name])
        #expect(parameter.defaultValue == Array(row.defaultValue.utf8), "\(name)")
        #expect(parameter.parameterClass == .service)
        // Service names documented on their own (relay_...) use their own entry.
        #expect(
          parameter.introducedIn.map(\.description).joined(separator: ",") == row.introduced,
          "\(name)")
      }
    }
  }
  @Test func aCatalogueReadsBackFromItsTable() throws {
    let installed = ParameterCatalog(
      postconfDefaultsOutput: Array("zz_new = a\\b\tc\nmail_version = 3.9.1\n".utf8),
      base: catalog)
    for original in [catalog, installed] {
      let copy = try #require(ParameterCatalog(table: original.table()))
      #expect(copy.version == original.version)
      #expect(copy.names == original.names)
      #expect(copy.unlistedNames == original.unlistedNames)
      for name in original.names + original.unlistedNames {
        #expect(copy.parameter(name) == original.parameter(name), "\(name)")
      }
      #expect(copy.legacyDatabaseTypes == original.legacyDatabaseTypes)
      for type in original.legacyDatabaseTypes {
        #expect(
          copy.legacyDatabaseSuffixes(type: type) == original.legacyDatabaseSuffixes(type: type))
      }
      for suffix in [
        "_destination_concurrency_limit", "_time_limit", "_initial_destination_concurrency",
      ] {
        #expect(copy.serviceTemplate(suffix: suffix) == original.serviceTemplate(suffix: suffix))
      }
      #expect(
        copy.documentedServiceParameter("relay_destination_concurrency_limit")
          == original.documentedServiceParameter("relay_destination_concurrency_limit"))
    }
    #expect(installed.parameter("zz_new")?.defaultValue == Array("a\\b\tc".utf8))
    #expect(ParameterCatalog(table: Array("not a version\n".utf8)) == nil)
    #expect(ParameterCatalog(table: []) == nil)
  }

  @Test func aTableOutOfOrderIsSortedAndBadRowsAreSkipped() throws {
    let table = Array(
      ("3.8.2\n" + "zeta\tz\t3.8.1,3.7.9,bad\t\n" + "alpha\ta\\tb\t\t\n" + "beta\tb\t\tL\n"
        + "aardvark\tx\t\tL\n" + "two\ttabs only\n" + "five\ta\tb\tc\td\n" + "mysql:hosts\t\t\tD\n"
        + ":lead\t\t\tD\n" + "trail:\t\t\tD\n" + "ab\tsame prefix, shorter\t\t").utf8)
    let catalog = try #require(ParameterCatalog(table: table))
    #expect(catalog.version == PostfixVersion("3.8.2"))
    #expect(catalog.names == ["ab", "alpha", "zeta"])
    #expect(catalog.unlistedNames == ["aardvark", "beta"])
    #expect(catalog.parameter("alpha")?.defaultValue == Array("a\tb".utf8))
    #expect(catalog.parameter("ab")?.defaultValue == Array("same prefix, shorter".utf8))
    // A version that does not parse is left out; the others keep their order.
    #expect(catalog.parameter("zeta")?.introducedIn.map(\.description) == ["3.8.1", "3.7.9"])
    #expect(catalog.parameter("two") == nil && catalog.parameter("five") == nil)
    #expect(catalog.legacyDatabaseTypes == ["mysql"])
    #expect(catalog.legacyDatabaseSuffixes(type: "mysql") == ["hosts"])
  }

  @Test func anInstalledCatalogueIsSortedWhateverTheOrderOfItsOutput() throws {
    // Out of order, a name printed twice (the last value wins), a name the base lacks,
    // and every other listed name of the base missing (an older release).
    let output = Array(
      """
      smtpd_banner = $myhostname ESMTP
      zz_new_parameter = 1
      mail_version = 3.6.4
      2bounce_notice_recipient = admin
      smtpd_banner = $myhostname ESMTP twice

      """.utf8)
    let installed = ParameterCatalog(postconfDefaultsOutput: output, base: catalog)
    #expect(
      installed.names == [
        "2bounce_notice_recipient", "mail_version", "smtpd_banner", "zz_new_parameter",
      ])
    #expect(installed.unlistedNames == catalog.unlistedNames)
    #expect(installed.version == (try version("3.6.4")))
    #expect(
      installed.parameter("smtpd_banner")?.defaultValue == Array("$myhostname ESMTP twice".utf8))
    #expect(installed.parameter("2bounce_notice_recipient")?.defaultValue == Array("admin".utf8))
    #expect(installed.parameter("zz_new_parameter")?.introducedIn == [])
    #expect(
      installed.parameter("smtpd_banner")?.introducedIn
        == catalog.parameter("smtpd_banner")?.introducedIn)
    #expect(installed.parameter("myhostname") == nil)
    // The base is untouched.
    #expect(catalog.parameter("2bounce_notice_recipient")?.defaultValue == Array("postmaster".utf8))
    #expect(catalog.names.count == 831)
  }
}

@Suite struct ServiceParametersTests {
  @Test func deliveryAgentsGetSixteenNames() {
    for command in ["local", "error", "virtual", "smtp", "lmtp"] {
      let names = ServiceParameters.names(service: "foo", command: command)
      #expect(names.count == 16)
      #expect(names.first == "foo_delivery_slot_cost")
      #expect(names.last == "foo_transport_rate_delay")
      #expect(!names.contains("foo_time_limit"))
    }
  }

  @Test func pipeAddsTimeLimitAndSpawnHasOnlyIt() {
    let pipe = ServiceParameters.names(service: "maildrop", command: "pipe\n  flags=DRXhu")
    #expect(pipe.count == 17)
    #expect(pipe.contains("maildrop_time_limit"))
    #expect(zip(pipe, pipe.dropFirst()).allSatisfy { $0.utf8.lexicographicallyPrecedes($1.utf8) })
    #expect(ServiceParameters.names(service: "policy", command: "spawn") == ["policy_time_limit"])
  }

  @Test func theProgramIsTheFirstWordAtBlanks() {
    let delivery = ServiceParameters.deliverySuffixes
    #expect(ServiceParameters.suffixes(command: " \t\r\nsmtp\r\n -o x=y") == delivery)
    #expect(ServiceParameters.suffixes(command: "local\tlocal") == delivery)
    #expect(ServiceParameters.suffixes(command: "spawn\n") == ["_time_limit"])
    #expect(ServiceParameters.suffixes(command: "smtpd").isEmpty)
    #expect(ServiceParameters.suffixes(command: "smtp,x").isEmpty)
    #expect(ServiceParameters.suffixes(command: " \n ").isEmpty)
    #expect(ServiceParameters.suffixes(command: "").isEmpty)
  }

  // With the stock master.cf, postconf -d -C service lists
  // local_destination_concurrency_limit = 2 (the built-in default).
  @Test func builtinNamesOfAServiceKeepTheirDefault() throws {
    let parameters = ServiceParameters.parameters(service: "local", command: "local")
    let limit = try #require(parameters.first { $0.name == "local_destination_concurrency_limit" })
    #expect(limit.defaultValue == Array("2".utf8))
    #expect(limit.parameterClass == .service)
    let relay = ServiceParameters.parameters(service: "relay", command: "smtp")
    let relayLimit = try #require(relay.first { $0.name == "relay_destination_concurrency_limit" })
    #expect(relayLimit.defaultValue == Array("$default_destination_concurrency_limit".utf8))
    #expect(relayLimit.introducedIn.map(\.description) == ["2.0"])
    let time = ServiceParameters.parameters(service: "policy", command: "spawn")
    #expect(time.map(\.defaultValue) == [Array("$command_time_limit".utf8)])
  }

  @Test func otherCommandsGetNone() {
    for command in ["smtpd", "cleanup", "qmgr", "discard", "", "smtp2", "/usr/lib/postfix/smtp"] {
      #expect(ServiceParameters.names(service: "x", command: command).isEmpty, "\(command)")
    }
  }

  // host_d_depends_on_master: a single 'foo' smtp service.
  @Test func reproducesHostDependsOnMasterVector() throws {
    let expected = PostconfOutput.parse(
      try CatalogFixtures.bytes("host_d_depends_on_master/expected-output.txt"))
    let parameters = ServiceParameters.parameters(service: "foo", command: "smtp")
    #expect(parameters.map(\.name) == expected.map(\.name))
    #expect(parameters.map(\.defaultValue) == expected.map(\.value))
    let lines = String(
      decoding: try CatalogFixtures.bytes("host_d_depends_on_master/expected-output.txt"),
      as: UTF8.self
    )
    .split(separator: "\n")
    // 847 = built-in names + 16 for foo (the catalogue has no local_* service overlap here).
    #expect(lines.first == "\(ParameterCatalog.embedded.names.count + 16)")
  }
}
