import PostfixConfig

/// What an audit is asked to do.
public struct AuditOptions: Sendable {
  /// The Postfix release the configuration is for (`--postfix-version`); nil
  /// when unknown (no version checks).
  public var targetVersion: PostfixVersion?
  /// The role of the port-25 service (`--role ROLE`), overriding inference.
  public var portTwentyFiveRole: Role?
  /// Roles of other services by name or `name/type` (`--role SERVICE=ROLE`).
  public var serviceRoles: [String: Role]
  /// Findings below this severity are left out of the report.
  public var minimumSeverity: Severity
  /// Facts about files and the running host; nil skips the rules that need them.
  public var host: HostFacts?
  /// What became of master.cf when the files were read.
  public var masterCF: MasterCFStatus

  /// Creates options.
  /// - Parameters:
  ///   - targetVersion: The Postfix release the configuration is for.
  ///   - portTwentyFiveRole: The port-25 role, overriding inference.
  ///   - serviceRoles: Roles of other services.
  ///   - minimumSeverity: The lowest severity reported.
  ///   - host: File and socket facts.
  ///   - masterCF: What became of master.cf (default: it was read, or the
  ///     configuration deliberately has none).
  public init(
    targetVersion: PostfixVersion? = nil, portTwentyFiveRole: Role? = nil,
    serviceRoles: [String: Role] = [:], minimumSeverity: Severity = .info, host: HostFacts? = nil,
    masterCF: MasterCFStatus = .read
  ) {
    self.targetVersion = targetVersion
    self.portTwentyFiveRole = portTwentyFiveRole
    self.serviceRoles = serviceRoles
    self.minimumSeverity = minimumSeverity
    self.host = host
    self.masterCF = masterCF
  }
}

/// What became of master.cf when the configuration was read: read (or
/// audited without one on purpose), missing (an error finding: Postfix cannot
/// start), or unreadable for a reason (the audit is incomplete).
///
/// PostfixConfig's `LoadedConfiguration.masterCFState` is this value for a
/// directory read by `ConfigurationDirectory.open(_:options:)`.
public typealias MasterCFStatus = LoadedConfiguration.MasterCFState

/// Facts about the host gathered by the IO layer (or built by hand in tests).
public struct HostFacts: Sendable {
  /// What `stat` says about a file.
  public struct FileFact: Equatable, Sendable {
    /// Whether the path exists.
    public var exists: Bool
    /// Whether this process can read it.
    public var readable: Bool
    /// The owner's uid.
    public var uid: UInt32
    /// The group's gid.
    public var gid: UInt32
    /// The permission bits (`0o644`).
    public var mode: UInt32
    /// Whether it is a directory.
    public var isDirectory: Bool

    /// Creates a file fact.
    /// - Parameters:
    ///   - exists: Whether the path exists.
    ///   - readable: Whether it is readable.
    ///   - uid: Owner.
    ///   - gid: Group.
    ///   - mode: Permission bits.
    ///   - isDirectory: Whether it is a directory.
    public init(
      exists: Bool, readable: Bool = true, uid: UInt32 = 0, gid: UInt32 = 0, mode: UInt32 = 0o644,
      isDirectory: Bool = false
    ) {
      self.exists = exists
      self.readable = readable
      self.uid = uid
      self.gid = gid
      self.mode = mode
      self.isDirectory = isDirectory
    }
  }

  /// Whether the audit runs as root (else unreadable files "cannot be verified").
  public var isRoot: Bool
  /// Facts by absolute path.
  public var files: [String: FileFact]
  /// The prime size in bits of DH parameter files, by path (nil: not parsable).
  public var dhParameterBits: [String: Int?]
  /// TCP sockets in LISTEN state (`--live`); nil when not asked.
  public var listening: [ListeningSocket]?
  /// What reading each database client configuration file gave, by path
  /// (PostfixConfig's `PostfixConfiguration.databaseClientFiles`).
  public var databaseClientFiles: [[UInt8]: DatabaseClientFile.Content]

  /// Creates host facts.
  /// - Parameters:
  ///   - isRoot: Whether the audit runs as root.
  ///   - files: Facts by path.
  ///   - dhParameterBits: DH prime sizes by path.
  ///   - listening: Listening sockets, for `--live`.
  ///   - databaseClientFiles: Database client configuration files by path.
  public init(
    isRoot: Bool, files: [String: FileFact] = [:], dhParameterBits: [String: Int?] = [:],
    listening: [ListeningSocket]? = nil,
    databaseClientFiles: [[UInt8]: DatabaseClientFile.Content] = [:]
  ) {
    self.isRoot = isRoot
    self.files = files
    self.dhParameterBits = dhParameterBits
    self.listening = listening
    self.databaseClientFiles = databaseClientFiles
  }
}

/// A TCP socket in LISTEN state.
public struct ListeningSocket: Equatable, Sendable {
  /// The local address.
  public var address: IPAddress
  /// The local port.
  public var port: Int

  /// Creates a socket description.
  /// - Parameters:
  ///   - address: The local address.
  ///   - port: The local port.
  public init(address: IPAddress, port: Int) {
    self.address = address
    self.port = port
  }
}
