/// A configuration directory as ``ConfigurationDirectory/open(_:options:)``
/// read it: the configuration, what became of master.cf, and where the
/// defaults and the version came from.
public struct LoadedConfiguration: Sendable {
  /// What became of master.cf when the directory was read.
  public enum MasterCFState: Equatable, Sendable {
    /// It was read (or the configuration is used without one on purpose).
    case read
    /// There is nothing at its path, not even a symbolic link: Postfix
    /// cannot start.
    case missing
    /// It exists but could not be read, for the reason given in strerror
    /// words (`Permission denied`, `not a regular file (a FIFO)`).
    case unreadable(String)
  }

  /// Where the defaults came from.
  public enum DefaultsSource: Equatable, Sendable {
    /// `postconf -d` of the installed program at this path.
    case installed(postconf: String)
    /// The embedded Postfix 3.7.11 catalogue.
    case embedded
  }

  /// The directory read.
  public let directory: String
  /// main.cf, master.cf (when read), the defaults and the host, as Postfix
  /// sees them.
  public let configuration: PostfixConfiguration
  /// The host the defaults were computed for.
  public let host: HostEnvironment
  /// What became of master.cf.
  public let masterCFState: MasterCFState
  /// The error reading master.cf gave when it exists but could not be read
  /// (``MasterCFState/unreadable(_:)``), for a caller that must stop there.
  public let masterCFError: PostfixConfigError?
  /// The installed `postconf` the options allow, if any (even when its
  /// defaults could not be read).
  public let postconf: String?
  /// Where the defaults came from.
  public let defaults: DefaultsSource
  /// The Postfix release: the one the options gave, else the installed one,
  /// else the catalogue's.
  public let postfixVersion: PostfixVersion?

  /// main.cf as read.
  public var mainCF: MainCF { configuration.mainCF }
  /// master.cf as read, or `nil` when it is missing or could not be read.
  public var masterCF: MasterCF? { configuration.masterCF }
  /// The defaults and parameter metadata used.
  public var catalog: ParameterCatalog { configuration.catalog }

  init(
    directory: String, configuration: PostfixConfiguration, host: HostEnvironment,
    masterCFState: MasterCFState, masterCFError: PostfixConfigError?, postconf: String?,
    defaults: DefaultsSource, postfixVersion: PostfixVersion?
  ) {
    self.directory = directory
    self.configuration = configuration
    self.host = host
    self.masterCFState = masterCFState
    self.masterCFError = masterCFError
    self.postconf = postconf
    self.defaults = defaults
    self.postfixVersion = postfixVersion
  }

  /// The same directory with other file contents (a plan's result, say):
  /// the same defaults, host and directory.
  /// - Parameters:
  ///   - mainCF: main.cf's bytes.
  ///   - masterCF: master.cf's bytes, or `nil` for none.
  /// - Returns: The configuration those files make.
  public func configuration(mainCF: [UInt8], masterCF: [UInt8]?) -> PostfixConfiguration {
    PostfixConfiguration(
      mainCF: MainCF(bytes: mainCF), masterCF: masterCF.map { MasterCF(bytes: $0) },
      catalog: catalog, host: host, configDirectory: directory)
  }
}
