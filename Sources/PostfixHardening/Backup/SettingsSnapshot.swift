import PostfixConfig

/// Every effective setting of a configuration: the output of `postconf`.
public enum SettingsSnapshot {
  /// The largest snapshot taken or read (64 MiB, the size `postconf` mode and
  /// the configuration parsers accept).
  public static let sizeLimit = MainCF.maximumSize

  /// `postconf -c DIR` of the installed Postfix, or the same computed in
  /// process (with the embedded defaults) where Postfix is not installed.
  /// - Parameters:
  ///   - configDirectory: The configuration directory.
  ///   - postconf: The installed postconf, or `nil`.
  ///   - host: Host facts for the in-process computation.
  /// - Returns: The output.
  /// - Throws: ``PostfixHardeningError`` `configuration` when postconf fails or
  ///   prints more than ``sizeLimit`` bytes.
  public static func take(configDirectory: String, postconf: String?, host: HostEnvironment)
    throws -> [UInt8]
  {
    if let postconf {
      let output = try SystemCommand.spawn(postconf, ["-c", configDirectory], limit: sizeLimit)
      guard output.status == 0 else {
        throw PostfixHardeningError(
          .configuration,
          "postconf -c \(configDirectory) failed: " + Printable.sanitize(output.stderr.prefix(500)))
      }
      return output.stdout
    }
    let main: [UInt8]
    do {
      main = try ConfigFile.read(path: configDirectory + "/main.cf")
    } catch let error as PostfixConfigError {
      throw PostfixHardeningError(.configuration, error.reason, underlying: error)
    }
    let master = try? ConfigFile.read(
      path: configDirectory + "/master.cf", limit: MasterCF.maximumSize)
    return try compute(
      mainCF: main, masterCF: master, configDirectory: configDirectory, host: host,
      catalog: .embedded)
  }

  /// `postconf -c DIR` computed in process for the given files.
  ///
  /// `process_name` is `postconf`, as the installed postconf prints it, so
  /// snapshots compare equal however they were taken.
  /// - Parameters:
  ///   - mainCF: main.cf's bytes.
  ///   - masterCF: master.cf's bytes, or `nil` when there is none.
  ///   - configDirectory: The directory the files are taken to be in
  ///     (`config_directory`); nothing is read from it.
  ///   - host: Host facts.
  ///   - catalog: The defaults.
  /// - Returns: The output.
  /// - Throws: ``PostfixHardeningError`` `configuration` when postconf would fail.
  public static func compute(
    mainCF: [UInt8], masterCF: [UInt8]?, configDirectory: String, host: HostEnvironment,
    catalog: ParameterCatalog = .embedded
  ) throws -> [UInt8] {
    var host = host
    host.processName = "postconf"
    let inputs = PostconfInputs(
      programName: "postconf", configDirectory: configDirectory, configDirectoryInjected: true,
      mainCF: .contents(mainCF),
      masterCF: masterCF.map { .contents($0) } ?? .unreadable("No such file or directory"),
      host: host, catalog: catalog)
    let outcome = Postconf.run(
      arguments: [Array("-c".utf8), Array(configDirectory.utf8)], inputs: inputs)
    guard outcome.exitStatus == 0 else {
      throw PostfixHardeningError(
        .configuration, "postconf failed: " + Printable.sanitize(outcome.stderr.prefix(500)))
    }
    return outcome.stdout
  }

  /// Where the settings of a backup archive came from.
  public enum ArchiveSource: Sendable, Equatable {
    /// The `postconf-DATE[-N]` snapshot the same backup wrote next to the
    /// archive (its path).
    case snapshot(String)
    /// Computed in process from the archive's main.cf and master.cf.
    case computed
  }

  /// The settings of a backup archive.
  ///
  /// The archive is always read (``BackupArchive/read(_:limit:)``, which
  /// refuses an unsafe one). When the snapshot of the same backup lies next to
  /// it (``BackupArchive/snapshot(beside:)``) and `preferSnapshot` is true,
  /// that snapshot is the answer; otherwise the settings are computed in
  /// process with ``compute(mainCF:masterCF:configDirectory:host:catalog:)``.
  /// An archive does not record where it was made: the computed
  /// `config_directory` is `configDirectory`.
  /// - Parameters:
  ///   - archive: The archive's path.
  ///   - configDirectory: The directory the archive's files are taken to be in.
  ///   - host: Host facts for the computation.
  ///   - catalog: The defaults for the computation.
  ///   - preferSnapshot: Whether a snapshot next to the archive is used.
  /// - Returns: `postconf` output and where it came from.
  /// - Throws: ``PostfixHardeningError`` `configuration` when the archive or the
  ///   snapshot cannot be read, or postconf would fail.
  public static func take(
    archive: String, configDirectory: String, host: HostEnvironment,
    catalog: ParameterCatalog = .embedded, preferSnapshot: Bool = true
  ) throws -> (output: [UInt8], source: ArchiveSource) {
    let files = try BackupArchive.read(archive)
    if preferSnapshot, let snapshot = BackupArchive.snapshot(beside: archive) {
      let bytes: [UInt8]
      do {
        bytes = try ConfigFile.read(path: snapshot, limit: sizeLimit)
      } catch let error as PostfixConfigError {
        throw PostfixHardeningError(.configuration, error.reason, underlying: error)
      }
      if !bytes.isEmpty && settings(bytes).isEmpty {
        throw PostfixHardeningError(
          .configuration, "\(Printable.sanitize(snapshot.utf8)) is not a postconf snapshot")
      }
      return (bytes, .snapshot(snapshot))
    }
    let output = try compute(
      mainCF: files.mainCF, masterCF: files.masterCF, configDirectory: configDirectory,
      host: host, catalog: catalog)
    return (output, .computed)
  }

  /// Parses snapshot text into settings (the last of repeated names wins).
  /// - Parameter bytes: `postconf` output.
  /// - Returns: Values by name.
  public static func settings(_ bytes: [UInt8]) -> [String: String] {
    var result: [String: String] = [:]
    for (name, value) in PostconfOutput.parse(bytes) {
      result[name] = String(decoding: value, as: UTF8.self)
    }
    return result
  }
}
