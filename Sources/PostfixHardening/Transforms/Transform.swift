import PostfixConfig

/// One typed hardening change: the parameters it sets, where, and what it needs.
///
/// Transforms are values; profiles compose them and ``ApplyPlanner`` turns them
/// into edits of main.cf and master.cf. A transform never reads files.
public struct Transform: Sendable, Equatable {
  /// What Postfix needs before a change takes effect.
  public enum Activation: Int, Sendable, Comparable, CustomStringConvertible {
    /// Nothing (no change).
    case none = 0
    /// `postfix reload` re-reads main.cf and master.cf.
    case reload = 1
    /// A full stop and start (`inet_interfaces`, `inet_protocols`).
    case restart = 2

    public static func < (lhs: Activation, rhs: Activation) -> Bool {
      lhs.rawValue < rhs.rawValue
    }

    public var description: String {
      switch self {
      case .none: return "none"
      case .reload: return "reload"
      case .restart: return "restart"
      }
    }

    /// What the administrator runs for it, as a phrase: `nothing`,
    /// `postfix reload`, or a full restart and why.
    public var instruction: String {
      switch self {
      case .none: return "nothing"
      case .reload: return "postfix reload"
      case .restart:
        return
          "a full restart (postfix stop; postfix start): inet_interfaces or inet_protocols changed"
      }
    }

    /// What a change of `parameter` needs.
    /// - Parameter parameter: A main.cf parameter name.
    /// - Returns: `.restart` for the listener parameters, else `.reload`.
    public static func needed(for parameter: String) -> Activation {
      restartParameters.contains(parameter) ? .restart : .reload
    }

    /// Parameters that `postfix reload` does not apply.
    public static let restartParameters: Set<String> = ["inet_interfaces", "inet_protocols"]
  }

  /// A main.cf `name = value`.
  public struct Setting: Sendable, Equatable {
    /// The parameter name.
    public var name: String
    /// The value, as written to main.cf.
    public var value: String

    /// Creates a setting.
    /// - Parameters:
    ///   - name: The parameter name.
    ///   - value: The value.
    public init(_ name: String, _ value: String) {
      self.name = name
      self.value = value
    }
  }

  /// A master.cf service that must exist (created when missing, never replaced).
  public struct Service: Sendable, Equatable {
    /// The service name (`submission`).
    public var name: String
    /// The service type (`inet`).
    public var type: String
    /// The `-o name=value` overrides the service must carry (no whitespace in values).
    public var overrides: [Setting]
    /// When true, the overrides are added only to a service master.cf
    /// already has; the service is never created.
    public var onlyIfPresent: Bool

    /// Creates a service requirement.
    /// - Parameters:
    ///   - name: The service name.
    ///   - type: The service type.
    ///   - overrides: Its `-o` settings.
    ///   - onlyIfPresent: Whether to leave a missing service missing.
    public init(name: String, type: String, overrides: [Setting], onlyIfPresent: Bool = false) {
      self.name = name
      self.type = type
      self.overrides = overrides
      self.onlyIfPresent = onlyIfPresent
    }
  }

  /// A stable kebab-case id (`disable-vrfy`).
  public var id: String
  /// What it does, in one line.
  public var summary: String
  /// main.cf settings, in the order they are applied.
  public var settings: [Setting]
  /// master.cf smtpd services it needs.
  public var services: [Service]
  /// The oldest Postfix that has every parameter it sets (`nil`: any 3.x).
  public var minimumVersion: PostfixVersion?
  /// The audit rules (``RuleID``) a configuration satisfies after this transform.
  public var ruleIDs: [String]

  /// Creates a transform.
  /// - Parameters:
  ///   - id: The stable id.
  ///   - summary: What it does.
  ///   - settings: main.cf settings.
  ///   - services: master.cf services.
  ///   - minimumVersion: The oldest Postfix that has its parameters.
  ///   - ruleIDs: The audit rules it satisfies.
  public init(
    id: String, summary: String, settings: [Setting], services: [Service] = [],
    minimumVersion: PostfixVersion? = nil, ruleIDs: [String]
  ) {
    self.id = id
    self.summary = summary
    self.settings = settings
    self.services = services
    self.minimumVersion = minimumVersion
    self.ruleIDs = ruleIDs
  }

  /// What applying this transform needs at most: a restart when it sets a
  /// listener parameter, else a reload.
  public var activation: Activation {
    settings.map { Activation.needed(for: $0.name) }.max() ?? .reload
  }

  /// The main.cf parameters it changes.
  public var parameters: [String] { settings.map(\.name) }
}
