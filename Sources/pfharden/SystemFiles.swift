import PostfixConfig

/// The file and host access of `pfharden postconf` (thin wrappers over the
/// PostfixConfig IO layer).
enum SystemFiles {
  /// Reads a configuration file, or says why it could not, in strerror words.
  static func read(_ path: String) -> PostconfInputs.File {
    readable(path) { .contents(try ConfigFile.read(path: path)) }
  }

  /// ``read(_:)`` for main.cf, whose values are printed where they lie.
  ///
  /// A file of a megabyte or more is mapped rather than copied; should
  /// another program truncate it meanwhile, the command ends with a fatal
  /// error (``ProcessMemory/reportTruncation(of:programName:)``). master.cf
  /// is copied into its document anyway, so it is simply read.
  static func readMapped(_ path: String, programName: String) -> PostconfInputs.File {
    readable(path) {
      let bytes = try ConfigFile.readShared(path: path)
      if bytes.isMapped { ProcessMemory.reportTruncation(of: path, programName: programName) }
      return .shared(bytes)
    }
  }

  // The file `read` gives, or the reason it failed in postconf's words.
  private static func readable(_ path: String, _ read: () throws -> PostconfInputs.File)
    -> PostconfInputs.File
  {
    do {
      return try read()
    } catch let error as PostfixConfigError {
      // ConfigFile reports "open PATH: strerror"; postconf words it itself.
      let prefix = "open \(path): "
      return .unreadable(
        error.reason.hasPrefix(prefix) ? String(error.reason.dropFirst(prefix.count)) : error.reason
      )
    } catch {
      return .unreadable("\(error)")
    }
  }

  static func host(processName: String) -> HostEnvironment {
    HostInfo.current(processName: processName)
  }

  /// The defaults of the installed Postfix when there is one (unless
  /// `PFHARDEN_DEFAULTS=embedded`), else the embedded Postfix 3.7.11 catalogue
  /// (``ConfigurationDirectory/Options/catalog()``).
  ///
  /// The installed `postconf -d` output is cached in ``cacheDirectory(environment:)``.
  static func catalog(environment: [String: String]) -> ParameterCatalog {
    ConfigurationDirectory.Options(environment: environment).catalog()
  }

  /// Where the installed `postconf -d` output is cached, or `nil` for no cache
  /// (``DefaultsCache/directory(environment:)``).
  /// - Parameter environment: The process environment.
  /// - Returns: The directory, or `nil`.
  static func cacheDirectory(environment: [String: String]) -> String? {
    DefaultsCache.directory(environment: environment)
  }

  /// Writes with postconf's edit protocol; returns postconf's fatal text on failure.
  static func writePostconfStyle(_ bytes: [UInt8], to path: String) -> String? {
    do {
      try AtomicWriter.writePostconfStyle(bytes, to: path)
      return nil
    } catch let error as PostfixConfigError {
      return error.reason
    } catch {
      return "\(error)"
    }
  }
}
