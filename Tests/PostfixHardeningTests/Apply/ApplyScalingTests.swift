import PostfixConfig
import Testing

@testable import PostfixHardening

/// Planning grows linearly with master.cf: times at N and 4N services are
/// compared (linear is about 4, quadratic about 16), never absolute times.
///
/// A master.cf of thousands of services (one per content-filter return path
/// or per listening address, written by a tool) took 1.1 s to plan at 20 MB
/// against 0.26 s at 10 MB: each loopback service and each public smtpd
/// service searched every entry, or every listener, for its own.
@Suite(.serialized) struct ApplyScalingTests {
  /// A master.cf of `count` loopback smtpd services and `count` public ones,
  /// each with three `-o` overrides (one that a profile contradicts).
  static func master(_ count: Int) -> [UInt8] {
    var text = "smtp      inet  n       -       y       -       -       smtpd\n"
    text += "pickup    unix  n       -       y       60      1       pickup\n"
    for index in 0..<count {
      let address = "\(index / 250).\(index % 250 + 1)"
      text += "127.0.\(address):10025 inet n - n - - smtpd\n"
      text += "  -o content_filter=\n  -o smtpd_helo_required=no\n"
      text += "  -o smtpd_client_restrictions=check_client_access,hash:/etc/postfix/c\(index)\n"
      text += "192.0.\(address):25 inet n - n - - smtpd\n"
      text += "  -o smtpd_helo_required=no\n  -o disable_vrfy_command=no\n"
      text += "  -o smtpd_client_restrictions=check_client_access,hash:/etc/postfix/p\(index)\n"
    }
    return Array(text.utf8)
  }

  /// The best of three builds and plans of `profile` over `count` services,
  /// in seconds (the files are made outside the clock), with the last build
  /// and plan.
  static func planTime(_ profile: Profile, _ count: Int) throws -> (
    seconds: Double, build: Profile.Build, plan: ApplyPlan
  ) {
    let main = Array("mynetworks = 127.0.0.0/8\n".utf8)
    let master = Self.master(count)
    let options = try ApplySupport.options(profile)
    let planner = ApplyPlanner(
      version: try ApplySupport.version(), catalog: .embedded, host: ApplySupport.host)
    var last: (Profile.Build, ApplyPlan)?
    let best = try bestSeconds(of: 3) {
      let configuration = ApplySupport.configuration(main, master)
      let build = try profile.build(
        options: options, configuration: configuration, isReadable: { _ in true })
      last = (build, try planner.plan(build.transforms, for: configuration))
    }
    guard let last else { throw ApplySupport.Invalid() }
    return (best, last.0, last.1)
  }

  /// send-only keeps every loopback service's overrides and says so, one
  /// line each; mx drops the public services' `smtpd_helo_required=no`.
  static func expectWorkDone(
    _ profile: Profile, _ count: Int, _ build: Profile.Build, _ plan: ApplyPlan
  ) {
    if profile == .sendOnly {
      let kept = build.kept.filter { $0.hasSuffix("its 3 -o override(s) are kept") }
      #expect(kept.count == count)
    } else {
      let dropped = plan.changes.filter {
        $0.scope.hasPrefix("192.0.") && $0.name == "smtpd_helo_required" && $0.new == nil
      }
      #expect(dropped.count == count)
    }
  }

  @Test(arguments: [Profile.sendOnly, .mx])
  func planningManyServicesIsLinear(_ profile: Profile) throws {
    let small = try Self.planTime(profile, 300)
    let large = try Self.planTime(profile, 1200)
    Self.expectWorkDone(profile, 300, small.build, small.plan)
    Self.expectWorkDone(profile, 1200, large.build, large.plan)
    #expect(
      large.seconds / max(small.seconds, 1e-4) < 10,
      "300: \(small.seconds) s, 1200: \(large.seconds) s")
  }
}
