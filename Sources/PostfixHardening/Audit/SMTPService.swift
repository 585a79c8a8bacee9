import PostfixConfig

/// An smtpd service as the audit sees it: where it listens and what it is for.
public struct SMTPService: Equatable, Sendable {
  /// The master.cf service whose parameters apply (`smtp`, `submission`, or the
  /// `smtpd` pass service behind postscreen).
  public var name: String
  /// The master.cf type (`inet`, `pass`).
  public var type: String
  /// The master.cf line of the entry whose settings apply.
  public var line: Int
  /// The listening service name (`smtp`, `127.0.0.1:10025`); for a pass
  /// service, that of the postscreen service in front of it.
  public var listener: String
  /// The TCP port, when the listener names a known one.
  public var port: Int?
  /// Whether the listener only binds loopback addresses.
  public var loopbackOnly: Bool
  /// The role severities are judged by.
  public var role: Role
  /// Why it has that role (stated in the report), in words that name no
  /// command-line option.
  public var reason: String
  /// Whether the role was inferred or given, and where it was given.
  public var roleOrigin: RoleOrigin = .inferred
  /// Where the service's name space is among the configuration's, found
  /// once when the service is inferred, so that each rule's lookups do not
  /// find it again (a file of many services asks a few dozen values of each).
  var scopeHint = ScopeHint()

  /// A position that speeds lookups up and is not part of what the service is.
  ///
  /// Two services that differ only by it are equal. A position that no
  /// longer fits the service's name and type is not used.
  struct ScopeHint: Equatable, Sendable {
    var position: Int?

    static func == (lhs: ScopeHint, rhs: ScopeHint) -> Bool { true }
  }

  /// Where a service's role came from.
  public enum RoleOrigin: Equatable, Sendable {
    /// Inferred from the configuration (``SMTPService/reason`` says from what).
    case inferred
    /// Given in ``AuditOptions/serviceRoles`` under this key (a name,
    /// `name/type` or listener).
    case givenForService(key: String)
    /// Given as ``AuditOptions/portTwentyFiveRole``.
    case givenForPortTwentyFive
  }

  /// `name/type`, as findings and `--role SERVICE=ROLE` name it.
  public var key: String { "\(name)/\(type)" }
}
