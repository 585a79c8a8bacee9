extension PostfixConfiguration {
  /// The database client configuration files `postconf -n` would read for
  /// this configuration (`mysql:/etc/postfix/aliases.cf`, also behind
  /// `proxy:`), in the order it reads them, each `type:path` once.
  ///
  /// The configuration does not read them itself: the caller reads each
  /// with ``DatabaseClientFile/read(path:limit:)`` and asks
  /// ``DatabaseClientFile/problems(in:knownNames:)`` what postconf would say.
  /// Empty when postconf would stop before it names any.
  public var databaseClientFiles: [DatabaseClientFile] { model?.databaseClientFiles ?? [] }
}
