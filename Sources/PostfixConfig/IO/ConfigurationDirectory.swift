import Glibc

/// Opens a Postfix configuration directory: main.cf, master.cf, the defaults
/// and the Postfix version, read once and the same way for every caller.
///
/// ```swift
/// let loaded = try ConfigurationDirectory.open("/etc/postfix")
/// if case .unreadable(let reason) = loaded.masterCFState {
///   print("master.cf: \(reason)")
/// }
/// let vrfy = loaded.configuration.setting("disable_vrfy_command", service: "smtp", type: "inet")
/// ```
///
/// What is read:
/// - `main.cf` and `master.cf` with ``ConfigFile/read(path:limit:)`` (at most
///   ``MainCF/maximumSize`` and ``MasterCF/maximumSize`` bytes; anything but a
///   regular file is refused). main.cf that cannot be read is an error;
///   master.cf never is: ``LoadedConfiguration/masterCFState`` says whether it
///   was read, is missing, or exists but could not be read.
/// - The defaults: the installed Postfix's `postconf -d` (kept in
///   `DefaultsCache` when ``Options/Defaults/installed(cacheDirectory:)``
///   names a directory) when `postconf` is installed and is not this very
///   program; the embedded 3.7.11 catalogue (``ParameterCatalog/embedded``)
///   otherwise, or when asked (``Options/Defaults/embedded``).
/// - The host: ``HostInfo/current(processName:)`` with ``processName``.
/// - The Postfix version, first found of: ``Options/postfixVersion``, the
///   installed release (from its `postconf -d`), the catalogue's, the embedded
///   catalogue's.
public enum ConfigurationDirectory {
  /// The `process_name` a configuration opened here sees: `postconf`'s, as
  /// when `postconf` itself reads the directory.
  public static let processName = "postconf"

  /// Where the defaults and the Postfix version come from.
  public struct Options: Sendable {
    /// Where the parameter defaults come from.
    public enum Defaults: Equatable, Sendable {
      /// The installed Postfix's (`postconf -d`, cached in `cacheDirectory`
      /// when it is not `nil`), when `postconf` is installed and is not this
      /// program; else the embedded catalogue.
      case installed(cacheDirectory: String?)
      /// The embedded Postfix 3.7.11 catalogue; no program is run.
      case embedded
    }

    /// Where the defaults come from (default: the installed Postfix's, uncached).
    public var defaults: Defaults
    /// The Postfix release the configuration is for, when the caller knows
    /// it: it comes before every other source of the version.
    public var postfixVersion: PostfixVersion?

    /// Creates options.
    /// - Parameters:
    ///   - defaults: Where the defaults come from.
    ///   - postfixVersion: The release the configuration is for, if known.
    public init(
      defaults: Defaults = .installed(cacheDirectory: nil), postfixVersion: PostfixVersion? = nil
    ) {
      self.defaults = defaults
      self.postfixVersion = postfixVersion
    }

    /// The options the `pfharden` command takes from its environment:
    /// `PFHARDEN_DEFAULTS=embedded` chooses ``Defaults/embedded``; otherwise
    /// the installed defaults, cached in
    /// `DefaultsCache.directory(environment:)`.
    /// - Parameters:
    ///   - environment: The process environment.
    ///   - postfixVersion: The release the configuration is for, if known.
    public init(environment: [String: String], postfixVersion: PostfixVersion? = nil) {
      let defaults: Defaults =
        environment["PFHARDEN_DEFAULTS"] == "embedded"
        ? .embedded : .installed(cacheDirectory: DefaultsCache.directory(environment: environment))
      self.init(defaults: defaults, postfixVersion: postfixVersion)
    }

    /// The installed `postconf` these options use: `nil` with
    /// ``Defaults/embedded``, when none of ``InstalledPostfix/postconfCandidates``
    /// is executable, or when it is this very program (installed as `postconf`).
    /// - Returns: The program's path, or `nil`.
    public func installedPostconf() -> String? {
      guard case .installed = defaults, let path = InstalledPostfix.postconfPath(),
        !InstalledPostfix.isThisProgram(path)
      else { return nil }
      return path
    }

    /// The catalogue these options choose: the installed Postfix's defaults
    /// when there are any, else ``ParameterCatalog/embedded``.
    /// - Returns: The catalogue.
    public func catalog() -> ParameterCatalog {
      resolvedCatalog(postconf: installedPostconf()).catalog
    }

    /// The current host, with ``ConfigurationDirectory/processName``.
    /// - Returns: The host description.
    public func host() -> HostEnvironment {
      HostInfo.current(processName: ConfigurationDirectory.processName)
    }

    // The catalogue, and whether it holds the installed program's defaults.
    func resolvedCatalog(postconf: String?) -> (catalog: ParameterCatalog, installed: Bool) {
      guard let postconf, case .installed(let cacheDirectory) = defaults,
        let catalog = try? InstalledPostfix.catalog(
          postconf: postconf, cacheDirectory: cacheDirectory)
      else { return (.embedded, false) }
      return (catalog, true)
    }
  }

  /// Reads the configuration directory at `path`.
  /// - Parameters:
  ///   - path: The directory (main.cf and master.cf are read from it).
  ///   - options: Where the defaults and the version come from.
  /// - Returns: The files, the configuration built from them, and what was
  ///   found out on the way.
  /// - Throws: ``PostfixConfigError`` from ``ConfigFile/read(path:limit:)``
  ///   when main.cf cannot be read (`io`, or `fileTooLarge`); its reason
  ///   names the file, as in `open /etc/postfix/main.cf: Permission denied`.
  public static func open(_ path: String, options: Options = Options()) throws
    -> LoadedConfiguration
  {
    let main = try ConfigFile.read(path: path + "/main.cf", limit: MainCF.maximumSize)
    let masterPath = path + "/master.cf"
    var master: [UInt8]?
    var state = LoadedConfiguration.MasterCFState.read
    var masterError: PostfixConfigError?
    do {
      master = try ConfigFile.read(path: masterPath, limit: MasterCF.maximumSize)
    } catch {
      if isAbsent(masterPath) {
        state = .missing
      } else {
        state = .unreadable(ConfigFile.failureReason(error, path: masterPath))
        masterError =
          error as? PostfixConfigError ?? PostfixConfigError(.io, "\(error)", underlying: error)
      }
    }
    let postconf = options.installedPostconf()
    let (catalog, installed) = options.resolvedCatalog(postconf: postconf)
    let version =
      options.postfixVersion ?? installedVersion(postconf: postconf, catalog: catalog, installed)
      ?? catalog.version ?? ParameterCatalog.embedded.version
    let host = options.host()
    let configuration = PostfixConfiguration(
      mainCF: MainCF(bytes: main), masterCF: master.map { MasterCF(bytes: $0) }, catalog: catalog,
      host: host, configDirectory: path)
    return LoadedConfiguration(
      directory: path, configuration: configuration, host: host, masterCFState: state,
      masterCFError: masterError, postconf: postconf,
      defaults: installed ? postconf.map { .installed(postconf: $0) } ?? .embedded : .embedded,
      postfixVersion: version)
  }

  // The installed release: from its defaults when the catalogue holds them
  // (the same `postconf -d`), else asked for on its own.
  private static func installedVersion(
    postconf: String?, catalog: ParameterCatalog, _ installed: Bool
  ) -> PostfixVersion? {
    if installed { return catalog.version }
    return postconf.flatMap { try? InstalledPostfix.version(postconf: $0) }
  }

  // Nothing at `path`, not even a symbolic link: a dangling link is a file
  // that cannot be read, not a missing one.
  private static func isAbsent(_ path: String) -> Bool {
    var info = stat()
    return lstat(path, &info) != 0 && errno == ENOENT
  }
}
