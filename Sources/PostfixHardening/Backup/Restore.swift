import PostfixConfig

/// `pfharden restore`: main.cf and master.cf back from a backup archive, byte
/// for byte, with the same safety as `apply`.
///
/// ``plan(archive:configDirectory:limit:)`` reads the archive
/// (``BackupArchive``) and the current files and writes nothing; its diff shows
/// what would change. ``execute(_:backupDestination:postconf:host:executor:date:)``
/// then backs up the current files (so a restore can itself be undone) and
/// writes the archive's bytes with an ``ApplyExecutor``: atomic writes that
/// keep mode, owner and symbolic links, refused when a file changed since it
/// was planned, validated with postconf and rolled back on any new warning.
/// Postfix is not reloaded.
public enum Restore {
  /// What a restore would change.
  public struct Plan: Sendable {
    /// The archive the files come from.
    public var archive: String
    /// The archive's top-level directory (the directory it was made of).
    public var archiveDirectory: String
    /// The files before (current) and after (from the archive), as an apply plan
    /// without parameter changes or transforms.
    public var files: ApplyPlan
    /// What the restore leaves alone, and why.
    public var notes: [String]

    /// Whether any file changes.
    public var hasChanges: Bool { files.hasChanges }
    /// What Postfix needs afterwards: a restart when `inet_interfaces` or
    /// `inet_protocols` change, else a reload when anything changes.
    public var activation: Transform.Activation { files.activation }

    /// The unified diff from the current files to the archive's (empty when
    /// nothing changes).
    public func unifiedDiff() -> [UInt8] { files.unifiedDiff() }
  }

  /// What a restore did.
  public struct Result: Sendable, Equatable {
    /// The backup of the files as they were before (`nil` when nothing changed).
    public var backup: Backup.Result?
    /// The files replaced.
    public var written: [String]
    /// Remarks (a snapshot that could not be taken).
    public var notes: [String]
  }

  /// Compares the archive's main.cf and master.cf with the current ones.
  /// - Parameters:
  ///   - archive: The backup archive.
  ///   - configDirectory: The directory to restore into; its main.cf, and its
  ///     master.cf when the archive has one, must exist.
  ///   - limit: The largest file accepted from the archive.
  /// - Returns: The plan; nothing is written.
  /// - Throws: ``PostfixHardeningError`` `configuration` when the archive is
  ///   refused or a file cannot be read.
  public static func plan(
    archive: String, configDirectory: String, limit: Int = BackupArchive.defaultLimit
  ) throws -> Plan {
    let files = try BackupArchive.read(archive, limit: limit)
    let mainPath = configDirectory + "/main.cf"
    let masterPath = configDirectory + "/master.cf"
    let main = try read(mainPath, limit: MainCF.maximumSize)
    var notes: [String] = []
    var master: ApplyPlan.FileChange?
    if let restored = files.masterCF {
      guard HostFiles.exists(masterPath) else {
        throw PostfixHardeningError(
          .configuration,
          "\(Printable.sanitize(masterPath.utf8)) does not exist; restore replaces files and "
            + "does not create them (create an empty one first)")
      }
      master = .init(
        path: masterPath, original: try read(masterPath, limit: MasterCF.maximumSize),
        updated: restored)
    } else if HostFiles.exists(masterPath) {
      notes.append(
        "the archive has no master.cf; \(Printable.sanitize(masterPath.utf8)) is left as it is")
    }
    let mainChange = ApplyPlan.FileChange(path: mainPath, original: main, updated: files.mainCF)
    let plan = ApplyPlan(
      configDirectory: configDirectory, mainCF: mainChange, masterCF: master, changes: [],
      transforms: [], skipped: [],
      activation: activation(main: mainChange, master: master))
    return Plan(
      archive: archive, archiveDirectory: files.directoryName, files: plan, notes: notes)
  }

  /// Backs up the current files, then writes the plan.
  /// - Parameters:
  ///   - plan: The plan.
  ///   - backupDestination: Where the backup of the current files goes.
  ///   - postconf: The installed postconf for the snapshot, or `nil` (computed
  ///     in process then, as ``SettingsSnapshot/take(configDirectory:postconf:host:)``
  ///     does).
  ///   - host: Host facts for the snapshot.
  ///   - executor: Writes and validates (its validator decides whether
  ///     postconf checks the result).
  ///   - date: `YYYY-MM-DD` for the backup's names (nil: today, local time).
  /// - Returns: The backup and the files written.
  /// - Throws: ``PostfixHardeningError`` `configuration` when a file changed since
  ///   the plan was made (nothing written, no backup), the backup fails, or a
  ///   write or the validation fails (the previous files are then in place again).
  public static func execute(
    _ plan: Plan, backupDestination: String, postconf: String?, host: HostEnvironment,
    executor: ApplyExecutor, date: String? = nil
  ) throws -> Result {
    guard plan.hasChanges else { return Result(backup: nil, written: [], notes: []) }
    for file in [plan.files.mainCF, plan.files.masterCF].compactMap({ $0 }) {
      let current = try? read(file.path, limit: file.original.count)
      if current != file.original {
        throw PostfixHardeningError(
          .configuration,
          "\(Printable.sanitize(file.path.utf8)) changed since the restore was planned; "
            + "nothing was changed")
      }
    }
    var notes: [String] = []
    let snapshot: [UInt8]
    do {
      snapshot = try SettingsSnapshot.take(
        configDirectory: plan.files.configDirectory, postconf: postconf, host: host)
    } catch let error as PostfixHardeningError {
      notes.append("the snapshot of the current settings is empty: \(error.reason)")
      snapshot = []
    }
    let backup = try Backup.create(
      configDirectory: plan.files.configDirectory, destination: backupDestination,
      snapshot: snapshot, date: date ?? HostFiles.today())
    switch try executor.execute(plan.files) {
    case .unchanged: return Result(backup: backup, written: [], notes: notes)
    case .written(let paths): return Result(backup: backup, written: paths, notes: notes)
    }
  }

  /// What Postfix needs for a change of these files.
  static func activation(main: ApplyPlan.FileChange, master: ApplyPlan.FileChange?)
    -> Transform.Activation
  {
    var needed: Transform.Activation = master?.isChanged == true ? .reload : .none
    guard main.isChanged else { return needed }
    needed = max(needed, .reload)
    let before = values(MainCF(bytes: main.original))
    let after = values(MainCF(bytes: main.updated))
    for name in Transform.Activation.restartParameters where before[name] != after[name] {
      needed = .restart
    }
    return needed
  }

  /// The last value of each name, as words.
  static func values(_ document: MainCF) -> [String: [[UInt8]]] {
    var result: [String: [[UInt8]]] = [:]
    for entry in document.entries {
      result[entry.name] = entry.value.split(whereSeparator: {
        [0x20, 0x09, 0x0A, 0x0D, 0x2C].contains($0)
      }).map(Array.init)
    }
    return result
  }

  static func read(_ path: String, limit: Int) throws -> [UInt8] {
    do {
      return try ConfigFile.read(path: path, limit: limit)
    } catch let error as PostfixConfigError {
      throw PostfixHardeningError(.configuration, error.reason, underlying: error)
    }
  }
}
