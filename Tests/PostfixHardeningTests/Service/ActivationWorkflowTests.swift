import PostfixConfig
import Synchronization
import Testing

@testable import PostfixHardening

/// The listeners an activation connects to, and how it bounds and reports the
/// connections (the reload itself is tested against real Postfix in the
/// command's live tests).
struct ActivationWorkflowTests {
  static let master = Array(
    """
    smtp      inet  n       -       y       -       -       smtpd
    submission inet n       -       y       -       -       smtpd
      -o smtpd_tls_security_level=encrypt
    smtps     inet  n       -       y       -       -       smtpd
      -o smtpd_tls_wrappermode=yes
    [::1]:2526 inet n       -       y       -       -       smtpd
    mail.example.test:2527 inet n   -       y       -       -       smtpd
    pickup    unix  n       -       y       60      1       pickup

    """.utf8)

  static func configuration() -> PostfixConfiguration {
    PostfixConfiguration(
      mainCF: MainCF(bytes: Array("inet_interfaces = all\n".utf8)),
      masterCF: MasterCF(bytes: master), host: ApplySupport.host,
      configDirectory: "/etc/postfix")
  }

  @Test func everySMTPListenerIsATargetOrSaidToBeSkipped() {
    let (targets, skipped) = ListenerCheckTarget.targets(in: Self.configuration())
    #expect(
      targets.map { "\($0.service) \($0.address) \($0.port) \(String(describing: $0.tls))" } == [
        "smtp/inet 127.0.0.1 25 nil",
        "submission/inet 127.0.0.1 587 Optional(PostfixHardening.ListenerCheckTarget.TLSStart.startTLS)",
        "smtps/inet 127.0.0.1 465 Optional(PostfixHardening.ListenerCheckTarget.TLSStart.implicit)",
        "[::1]:2526/inet ::1 2526 nil",
      ])
    #expect(
      skipped == [
        "mail.example.test:2527/inet: listens on a name this check does not resolve"
      ])
  }

  @Test func aFailingListenerIsTriedAsOftenAsAllowedAndNamed() {
    let calls = Mutex(0)
    let options = ActivationWorkflow.Options(
      verifier: { target in
        calls.withLock { $0 += 1 }
        return target.port == 587 ? "no 220 greeting" : nil
      }, attempts: 3, pauseMilliseconds: 0)
    var events: [ActivationWorkflow.Event] = []
    let failures = ActivationWorkflow.verify(
      Self.configuration(), options: options, events: { events.append($0) })
    #expect(failures == ["submission/inet (127.0.0.1 port 587): no 220 greeting"])
    // Three listeners answer at once; the failing one is tried three times.
    #expect(calls.withLock { $0 } == 3 + 3)
    #expect(events.contains(.verificationFailed(failures[0])))
    #expect(events.filter { if case .verified = $0 { true } else { false } }.count == 3)
    #expect(
      events.contains(
        .notVerified("mail.example.test:2527/inet: listens on a name this check does not resolve")))
  }

  @Test func withoutAVerifierNothingIsClaimedVerified() {
    var events: [ActivationWorkflow.Event] = []
    let failures = ActivationWorkflow.verify(
      Self.configuration(), options: .init(verifier: nil), events: { events.append($0) })
    #expect(failures.isEmpty)
    #expect(!events.contains { if case .verified = $0 { true } else { false } })
    #expect(
      events.contains(.notVerified("smtp/inet (127.0.0.1 port 25): no connection check given")))
    #expect(events.count == 5)
  }

  @Test func optionsAreBounded() {
    let options = ActivationWorkflow.Options(
      verifier: nil, logWatchSeconds: 1_000, attempts: 0, pauseMilliseconds: -5)
    #expect(options.logWatchSeconds == 60)
    #expect(options.attempts == 1)
    #expect(options.pauseMilliseconds == 0)
  }
}
