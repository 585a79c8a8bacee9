import PostfixConfig
import Testing

@testable import PostfixHardening

/// A profile that cannot be built says why as a value (the error's
/// underlying ``ProfileRequirement``) and in words that name no command-line
/// option; notes are values too.
@Suite struct ProfileRequirementTests {
  static let configuration = ApplySupport.configuration(
    Array("myhostname = mail.example.test\n".utf8), nil)

  @Test func aRelayWithoutNetworksNamesTheMissingRequirement() throws {
    let error = try #require(throws: PostfixHardeningError.self) {
      try Profile.relay.build(
        options: ProfileOptions(), configuration: Self.configuration, isReadable: { _ in true })
    }
    #expect(error.code == .invalidRequest)
    #expect(error.underlying as? ProfileRequirement == .networksMissing)
    #expect(!error.reason.contains("--"))
  }

  @Test func anUnusableCertificateNamesItsReason() throws {
    var options = try ApplySupport.options(.mx)
    options.certificate = ApplySupport.certificate
    let error = try #require(throws: PostfixHardeningError.self) {
      try Profile.mx.build(
        options: options, configuration: Self.configuration, isReadable: { _ in false })
    }
    #expect(error.code == .configuration)
    guard case .certificateUnusable(let reason) = error.underlying as? ProfileRequirement else {
      Issue.record("\(String(describing: error.underlying))")
      return
    }
    #expect(error.reason == "not using the certificate and key given: \(reason)")
  }

  @Test func notesDescribeThemselvesWithoutOptions() {
    let notes: [ProfileNote] = [
      ProfileNote(.serverTLSUnchanged(reason: "no certificate is configured")),
      ProfileNote(.compatibleTLSOnPortTwentyFive), ProfileNote(.tlsAuthOnlyUnchanged),
      ProfileNote(.submissionServicesNeedTLS),
      ProfileNote(.loopbackOnlyStrandsLogins(services: ["submission/inet"])),
    ]
    for note in notes {
      #expect(!note.description.isEmpty)
      #expect(!note.description.contains("--"), "\(note)")
    }
    #expect(notes[4].description.hasPrefix("only loopback will listen: submission/inet "))
  }

  @Test func givenRolesSayWhereTheyCameFrom() throws {
    let configuration = try AuditFixtures.configuration("hardened")
    let report = Audit.run(
      configuration: configuration,
      options: AuditOptions(portTwentyFiveRole: .relay, serviceRoles: ["submissions": .mx]))
    let smtp = try #require(report.services.first { $0.name == "smtp" })
    #expect(smtp.roleOrigin == .givenForPortTwentyFive)
    #expect(smtp.reason == "given for port 25")
    let submissions = try #require(report.services.first { $0.name == "submissions" })
    #expect(submissions.roleOrigin == .givenForService(key: "submissions"))
    #expect(submissions.reason == "given as submissions=mx")
    let submission = try #require(report.services.first { $0.name == "submission" })
    #expect(submission.roleOrigin == .inferred)
  }
}
