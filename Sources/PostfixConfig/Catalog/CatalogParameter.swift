/// The class `postconf -C` filters on.
public enum ParameterClass: String, Sendable {
  /// Compiled into Postfix.
  case builtin
  /// Derived from a master.cf service (`<service>_<suffix>`); this includes a
  /// built-in name that a service also defines (see ``ServiceParameters``).
  case service
  /// Defined in main.cf or master.cf and referenced as `$name`.
  case user
}

/// One parameter Postfix knows, with its default and history.
public struct CatalogParameter: Sendable, Equatable {
  /// The parameter name.
  public var name: String
  /// The default exactly as `postconf -d` prints it.
  ///
  /// Whitespace runs are already collapsed. Empty for host-dependent names;
  /// see ``HostDefaults``.
  public var defaultValue: [UInt8]
  /// The releases that introduced the parameter, from postconf(5).
  ///
  /// A back-ported feature names one release per branch (`3.8.4`, `3.7.9`, ...).
  /// Empty means postconf(5) makes no statement: present in every supported release.
  public var introducedIn: [PostfixVersion]
  /// Whether the default is computed from the running host (SPEC 7).
  public var isHostDependent: Bool
  /// Whether the default depends on how Postfix was built or packaged.
  public var isBuildDependent: Bool
  /// Whether the value is never `$name`-expanded or scanned.
  public var isRaw: Bool
  /// Whether a main.cf assignment is dropped with a warning.
  public var isReadOnly: Bool
  /// Whether `postconf NAME` knows the name although full listings omit it
  /// (legacy names, names only referenced by other defaults).
  public var isUnlisted: Bool
  /// The `postconf -C` class.
  public var parameterClass: ParameterClass

  /// Creates a parameter description.
  /// - Parameters:
  ///   - name: The parameter name.
  ///   - defaultValue: The default as `postconf -d` prints it.
  ///   - introducedIn: The releases that introduced it.
  ///   - isHostDependent: Whether the default comes from the running host.
  ///   - isBuildDependent: Whether the default depends on the build.
  ///   - isRaw: Whether the value is never expanded.
  ///   - isReadOnly: Whether main.cf cannot set it.
  ///   - isUnlisted: Whether full listings omit it.
  ///   - parameterClass: The `postconf -C` class.
  public init(
    name: String, defaultValue: [UInt8], introducedIn: [PostfixVersion] = [],
    isHostDependent: Bool = false, isBuildDependent: Bool = false, isRaw: Bool = false,
    isReadOnly: Bool = false, isUnlisted: Bool = false, parameterClass: ParameterClass = .builtin
  ) {
    self.name = name
    self.defaultValue = defaultValue
    self.introducedIn = introducedIn
    self.isHostDependent = isHostDependent
    self.isBuildDependent = isBuildDependent
    self.isRaw = isRaw
    self.isReadOnly = isReadOnly
    self.isUnlisted = isUnlisted
    self.parameterClass = parameterClass
  }

  /// Whether the parameter exists in `version`, judged by ``introducedIn``.
  ///
  /// With one entry `X.Y.Z`, every version from `X.Y.Z` on. With several
  /// (a back-port), a version on a listed branch needs at least that branch's
  /// release; a version on a branch newer than all listed ones has it; any
  /// other branch does not.
  /// - Parameter version: The Postfix release to ask about.
  /// - Returns: Whether the parameter is available there.
  public func isAvailable(in version: PostfixVersion) -> Bool {
    guard let newest = introducedIn.max() else { return true }
    if introducedIn.count == 1 { return version >= newest }
    if let branch = introducedIn.first(where: { $0.isSameBranch(as: version) }) {
      return version >= branch
    }
    return version > newest
  }
}
