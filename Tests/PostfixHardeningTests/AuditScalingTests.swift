import PostfixConfig
import Testing

@testable import PostfixHardening

/// The audit grows linearly with the configuration: times at size N and 4N
/// are compared (linear is about 4, quadratic about 16), never absolute times.
@Suite(.serialized) struct AuditScalingTests {
  typealias F = AuditFixtures

  static let stockMaster = """
    smtp      inet  n       -       y       -       -       smtpd
    pickup    unix  n       -       y       60      1       pickup

    """

  /// `index` in five digits, so that every generated name has the same length
  /// (a "did you mean" search costs more for a longer name).
  static func digits(_ index: Int) -> String {
    let text = String(index)
    return String(repeating: "0", count: max(0, 5 - text.count)) + text
  }

  /// The best of five runs of an audit, in seconds (the configuration is
  /// built outside the clock: only the audit is measured).
  static func auditTime(_ configuration: PostfixConfiguration) -> Double {
    bestSeconds(of: 5) { _ = Audit.run(configuration: configuration, options: AuditOptions()) }
  }

  /// The growth of the audit time from `size` to `4 * size`.
  static func growth(
    _ size: Int, _ configuration: (Int) throws -> PostfixConfiguration
  ) throws -> (ratio: Double, small: Double, large: Double) {
    let small = auditTime(try configuration(size))
    let large = auditTime(try configuration(4 * size))
    return (large / max(small, 1e-4), small, large)
  }

  @Test func unusedMainCFParametersAreLinear() throws {
    let growth = try Self.growth(500) { count in
      var main = "mynetworks = 127.0.0.0/8\n"
      for index in 0..<count { main += "zz_unused_\(Self.digits(index)) = value \(index)\n" }
      return try F.configuration(main: main, master: Self.stockMaster)
    }
    #expect(growth.ratio < 10, "500: \(growth.small) s, 2000: \(growth.large) s")
  }

  @Test func manyRestrictionClassesAreLinear() throws {
    let growth = try Self.growth(2000) { count in
      var main = "mynetworks = 127.0.0.0/8\nsmtpd_restriction_classes ="
      for index in 0..<count { main += " zz_class_\(Self.digits(index))" }
      main += "\nsmtpd_recipient_restrictions = zz_class_00000, permit\n"
      for index in 0..<count {
        main += "zz_class_\(Self.digits(index)) = "
        main += "check_client_access hash:/etc/postfix/a\(index),\n"
        main += "    permit_mynetworks, reject_unauth_destination\n"
      }
      return try F.configuration(main: main, master: Self.stockMaster)
    }
    #expect(growth.ratio < 10, "2000: \(growth.small) s, 8000: \(growth.large) s")
  }

  @Test func unknownOverridesOfOneServiceAreLinear() throws {
    let growth = try Self.growth(500) { count in
      var master = Self.stockMaster + "submission inet n - y - - smtpd\n"
      for index in 0..<count { master += "  -o zz_unknown_\(Self.digits(index))=x\n" }
      return try F.configuration(main: "mynetworks = 127.0.0.0/8\n", master: master)
    }
    #expect(growth.ratio < 10, "500: \(growth.small) s, 2000: \(growth.large) s")
  }

  @Test func manyServicesAreLinear() throws {
    let growth = try Self.growth(250) { count in
      var master = ""
      for index in 0..<count {
        master += "127.0.\(index / 250).\(index % 250 + 1):2525 inet n - y - - smtpd\n"
        master += "  -o zz_unknown_\(Self.digits(index))=x\n"
      }
      return try F.configuration(main: "mynetworks = 127.0.0.0/8\n", master: master)
    }
    #expect(growth.ratio < 10, "250: \(growth.small) s, 1000: \(growth.large) s")
  }

  /// Thousands of listeners on one port, one address each (a host that
  /// listens per address, and as many content-filter return paths): each
  /// was compared with every earlier one of its port (10 s for 38,000).
  @Test func manyListenersOnOnePortAreLinear() throws {
    func configuration(_ count: Int) throws -> PostfixConfiguration {
      var master = ""
      for index in 0..<count {
        let address = "\(index / 250 % 250).\(index % 250 + 1)"
        master += "10.\(index / 62500).\(address):25 inet n - y - - smtpd\n"
      }
      master += "10.0.0.1:25 inet n - y - - smtpd\n"
      return try F.configuration(main: "mynetworks = 127.0.0.0/8\n", master: master)
    }
    func time(_ configuration: PostfixConfiguration) -> (Double, [Finding]) {
      let context = AuditContext(
        configuration: configuration, services: [], isSendOnly: false, options: AuditOptions())
      var findings: [Finding] = []
      let best = bestSeconds(of: 3) { findings = DuplicateListenerRule().check(context) }
      return (best, findings)
    }
    let (small, smallFindings) = time(try configuration(2000))
    let (large, largeFindings) = time(try configuration(8000))
    // The one repeated address is found, with the first that holds it.
    for findings in [smallFindings, largeFindings] {
      #expect(findings.count == 1)
      #expect(findings.first?.message.contains("where 10.0.0.1:25/inet (line 1)") == true)
    }
    #expect(large / max(small, 1e-4) < 10, "2000: \(small) s, 8000: \(large) s")
  }

  @Test func undefinedReferencesAreLinear() throws {
    let growth = try Self.growth(500) { count in
      var main = "mynetworks = 127.0.0.0/8\n"
      for index in 0..<count {
        main += "smtpd_banner = $myhostname $zz_undefined_\(Self.digits(index))\n"
      }
      for index in 0..<count {
        main += "zz_class_\(Self.digits(index)) = $zz_missing_\(Self.digits(index))\n"
      }
      main += "smtpd_restriction_classes ="
      for index in 0..<count { main += " zz_class_\(Self.digits(index))" }
      return try F.configuration(main: main + "\n", master: Self.stockMaster)
    }
    #expect(growth.ratio < 10, "500: \(growth.small) s, 2000: \(growth.large) s")
  }

  /// A value that expands to `bytes` bytes from a short main.cf (each
  /// parameter doubles the previous one).
  static func doubling(_ doublings: Int) -> String {
    var main = "mynetworks = 127.0.0.0/8\nzz_b0 = " + String(repeating: "x", count: 64) + "\n"
    for index in 1...doublings { main += "zz_b\(index) = $zz_b\(index - 1)$zz_b\(index - 1)\n" }
    return main + "smtpd_banner = $myhostname ESMTP $zz_b\(doublings)\n"
  }

  @Test func aLargeExpansionIsExpandedOncePerConfiguration() throws {
    // 64 bytes doubled 14 times: a 1 MiB greeting, the same for every smtpd
    // service, asked for as the rules do (several times per service).
    let main = Self.doubling(14)
    func time(_ count: Int) throws -> Double {
      var master = Self.stockMaster
      for index in 0..<count { master += "127.0.0.\(index + 2):25 inet n - y - - smtpd\n" }
      // The best of three fresh configurations (each expands from scratch).
      var best = Double.infinity
      for _ in 0..<3 {
        let configuration = try F.configuration(main: main, master: master)
        let seconds = bestSeconds(of: 1) {
          for service in configuration.services where service.command == "smtpd" {
            for _ in 0..<5 {
              _ = configuration.setting(
                "smtpd_banner", service: service.name, type: service.type)
            }
          }
        }
        best = min(best, seconds)
      }
      return best
    }
    let small = try time(2)
    let large = try time(8)
    // Expanded per service (or per call), the time would grow about four times.
    #expect(large / small < 2, "3 services: \(small) s, 9: \(large) s")
  }
}

/// Settings are expanded once per configuration and scope, with the same
/// values as before: a service shares main.cf's expansion only when none of
/// its `-o` settings (nor its `service_name`) plays a part.
@Suite struct SettingCacheTests {
  @Test func scopedSettingsSeeTheirOwnOverridesAndName() throws {
    let main = """
      mynetworks = 127.0.0.0/8
      zz_part = global
      smtpd_banner = $myhostname $zz_part
      zz_named = $service_name here
      zz_plain = $myhostname

      """
    let master = """
      smtp      inet  n       -       y       -       -       smtpd
      submission inet n       -       y       -       -       smtpd
        -o zz_part=local
      pickup    unix  n       -       y       60      1       pickup

      """
    let configuration = try AuditFixtures.configuration(main: main, master: master)
    for _ in 0..<2 {
      #expect(configuration.setting("smtpd_banner").text == "mail.example.test global")
      #expect(
        configuration.setting("smtpd_banner", service: "smtp", type: "inet").text
          == "mail.example.test global")
      let local = configuration.setting("smtpd_banner", service: "submission", type: "inet")
      #expect(local.text == "mail.example.test local")
      #expect(local.source == .mainCF(line: 3))
      #expect(
        configuration.setting("zz_named", service: "submission", type: "inet").text
          == "submission here")
      #expect(
        configuration.setting("zz_named", service: "smtp", type: "inet").text == "smtp here")
      #expect(
        configuration.setting("zz_part", service: "submission", type: "inet").source
          == .masterCF(service: "submission", type: "inet", line: 3))
      #expect(
        configuration.setting("zz_plain", service: "smtp", type: "inet")
          == configuration.setting("zz_plain"))
    }
  }

  /// A rule that judges main.cf's values for each of hundreds of services
  /// returns each finding once, folded as it is found, not a copy per
  /// service for the audit to merge; and the audit's findings are those of
  /// the rules merged.
  @Test func rulesFoldTheirPerServiceFindings() throws {
    var master = ""
    for index in 0..<400 {
      master += "10.1.\(index / 200).\(index % 200 + 1):25 inet n - y - - smtpd\n"
    }
    let main = "mynetworks = 0.0.0.0/0\nsmtpd_tls_security_level = may\nsmtpd_tls_loglevel = 0\n"
    let configuration = try AuditFixtures.configuration(main: main, master: master)
    let inferred = RoleInference.services(in: configuration, options: AuditOptions())
    #expect(inferred.services.count == 400)
    let context = AuditContext(
      configuration: configuration, services: inferred.services, isSendOnly: false,
      options: AuditOptions())
    var all: [Finding] = []
    for rule in Audit.all {
      let findings = rule.check(context)
      var merged = findings
      Audit.merge(&merged)
      #expect(findings == merged, "\(rule.id)")
      #expect(findings.count < 10, "\(rule.id): \(findings.count) findings")
      all += findings
    }
    #expect(all.count > 5)
  }

  /// A service's name space found once stands in for finding it again; a
  /// position that is not the service's (another service's, one past the
  /// end) is not used, and the lookup gives the service's own values.
  @Test func aServicesNameSpaceIsFoundOnce() throws {
    var master = ""
    for index in 0..<50 { master += "s\(index) inet n - n - - smtpd\n  -o zz_v=\(index)\n" }
    let configuration = try AuditFixtures.configuration(main: "zz_v = main\n", master: master)
    let positions = (0..<50).map { configuration.scopePosition(service: "s\($0)", type: "inet") }
    #expect(Set(positions.compactMap { $0 }).count == 50)
    #expect(configuration.scopePosition(service: "s1", type: "unix") == nil)
    for index in 0..<50 {
      let plain = configuration.setting("zz_v", service: "s\(index)", type: "inet")
      #expect(plain.text == "\(index)")
      for hint in [positions[index], positions[(index + 7) % 50], 10_000, -1, nil] {
        let hinted = configuration.setting(
          "zz_v", service: "s\(index)", type: "inet", scopePosition: hint)
        #expect(hinted == plain, "service \(index), hint \(String(describing: hint))")
      }
    }
    let inferred = RoleInference.services(in: configuration, options: AuditOptions()).services
    #expect(inferred.map(\.scopeHint.position) == positions)
  }

  /// A service's `-o` setting is found on the line of its last `-o` in the
  /// entries of that service and type, whichever entry sets it, among
  /// hundreds of services.
  @Test func overridesAreFoundOnTheirLines() throws {
    var master = ""
    var expected: [String: [String: Int]] = [:]
    var line = 1
    for round in 0..<3 {
      for index in 0..<200 {
        let key = "s\(index)"
        master += "\(key) inet n - n - - smtpd\n"
        line += 1
        for name in ["zz_a", "zz_b", "zz_c"] where (index + round + name.count) % 3 != 0 {
          if (index * 7 + round) % 5 == 0 && name == "zz_b" { continue }
          master += "  -o \(name)=v\(round)\n"
          expected[key, default: [:]][name] = line
          line += 1
        }
      }
    }
    let configuration = try AuditFixtures.configuration(main: "", master: master)
    var mismatches = 0
    for index in 0..<200 {
      let key = "s\(index)"
      for name in ["zz_a", "zz_b", "zz_c"] {
        let setting = configuration.setting(name, service: key, type: "inet")
        if let line = expected[key]?[name] {
          if setting.source != .masterCF(service: key, type: "inet", line: line) { mismatches += 1 }
        } else if case .masterCF = setting.source {
          mismatches += 1
        }
      }
    }
    #expect(mismatches == 0)
  }

  @Test func concurrentReadersAgree() async throws {
    let configuration = try AuditFixtures.configuration(
      main: AuditScalingTests.doubling(8), master: AuditScalingTests.stockMaster)
    let expected = configuration.setting("smtpd_banner", service: "smtp", type: "inet")
    let results = await withTaskGroup(of: Bool.self) { group in
      for index in 0..<8 {
        group.addTask {
          index.isMultiple(of: 2)
            ? configuration.setting("smtpd_banner", service: "smtp", type: "inet") == expected
            : configuration.setting("smtpd_banner").value == expected.value
        }
      }
      return await group.reduce(into: [Bool]()) { $0.append($1) }
    }
    #expect(results.allSatisfy { $0 })
  }
}

/// `postconf -Px` grows linearly with a service's `-o` settings (the service
/// name was once written into a copy of all of them for every value).
@Suite(.serialized) struct MasterExpansionScalingTests {
  static func time(_ count: Int) -> Double {
    var master = "smtp inet n - y - - smtpd\n"
    for index in 0..<count { master += "  -o zz_p\(index)=v$service_name\(index)\n" }
    let inputs = PostconfInputs(
      programName: "postconf", configDirectory: "/etc/postfix", configDirectoryInjected: true,
      mainCF: .contents([]), masterCF: .contents(Array(master.utf8)), host: ApplySupport.host,
      catalog: .embedded)
    return bestSeconds(of: 3) {
      _ = Postconf.run(arguments: [Array("-Px".utf8)], inputs: inputs)
    }
  }

  @Test func expandedParametersOfOneServiceAreLinear() {
    let small = Self.time(1000)
    let large = Self.time(4000)
    #expect(large / max(small, 1e-4) < 10, "1000: \(small) s, 4000: \(large) s")
    let inputs = PostconfInputs(
      programName: "postconf", configDirectory: "/etc/postfix", configDirectoryInjected: true,
      mainCF: .contents([]),
      masterCF: .contents(Array("smtp inet n - y - - smtpd\n  -o zz_a=x$service_name\n".utf8)),
      host: ApplySupport.host, catalog: .embedded)
    let outcome = Postconf.run(arguments: [Array("-Px".utf8)], inputs: inputs)
    #expect(String(decoding: outcome.stdout, as: UTF8.self) == "smtp/inet/zz_a = xsmtp\n")
  }
}
