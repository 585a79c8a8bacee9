import PostfixConfig

/// `pfharden backup`: an archive of the configuration directory and a snapshot
/// of every effective setting, under names that never replace earlier ones.
public enum Backup {
  /// What one backup wrote.
  public struct Result: Sendable, Equatable {
    /// `DIR/postfix-YYYY-MM-DD[-N].tar.gz`.
    public var archive: String
    /// `DIR/postconf-YYYY-MM-DD[-N]`.
    public var snapshot: String
  }

  /// Where backups go when `--to` is not given.
  public static let defaultDestination = "/var/backups/pfharden"

  /// The first free pair of names for `date` among `existing`.
  /// - Parameters:
  ///   - date: `YYYY-MM-DD`.
  ///   - existing: Names already in the destination.
  /// - Returns: The archive and snapshot names (without directory).
  public static func names(date: String, existing: Set<String>) -> (
    archive: String, snapshot: String
  ) {
    var counter = 0
    // Each iteration tries a new suffix; `existing` is finite.
    while true {
      let suffix = counter == 0 ? date : "\(date)-\(counter)"
      let archive = "postfix-\(suffix).tar.gz"
      let snapshot = "postconf-\(suffix)"
      if !existing.contains(archive) && !existing.contains(snapshot) {
        return (archive, snapshot)
      }
      counter += 1
    }
  }

  /// Archives `configDirectory` with the system's `tar` and writes `snapshot`.
  /// - Parameters:
  ///   - configDirectory: The directory to archive.
  ///   - destination: Where to put the backup (created, mode 0700, when missing);
  ///     must not be inside `configDirectory`.
  ///   - snapshot: The output of `postconf` for the directory.
  ///   - date: `YYYY-MM-DD` for the names (default: today, local time).
  /// - Returns: The paths written.
  /// - Throws: ``PostfixHardeningError`` `configuration` when the backup cannot be
  ///   made; whatever was half-written is removed.
  public static func create(
    configDirectory: String, destination: String, snapshot: [UInt8],
    date: String = HostFiles.today()
  ) throws -> Result {
    guard HostFiles.isDirectory(configDirectory) else {
      throw PostfixHardeningError(
        .configuration, "\(Printable.sanitize(configDirectory.utf8)) is not a directory")
    }
    let source = HostFiles.canonical(configDirectory)
    try HostFiles.makeDirectories(destination)
    let target = HostFiles.canonical(destination)
    if target == source || target.hasPrefix(source + "/") {
      throw PostfixHardeningError(
        .invalidRequest, "the backup directory must be outside \(source)")
    }
    guard let tar = SystemCommand.find(SystemCommand.tarCandidates) else {
      throw PostfixHardeningError(.configuration, "tar is not installed")
    }
    // Reserve both names with O_EXCL; a concurrent backup takes the next pair.
    for _ in 0..<100 {
      let (archiveName, snapshotName) = names(
        date: date, existing: Set(try HostFiles.names(in: target)))
      let archive = target + "/" + archiveName
      let snapshotPath = target + "/" + snapshotName
      do {
        try HostFiles.createNew(snapshot, at: snapshotPath)
      } catch {
        if HostFiles.exists(snapshotPath) { continue }
        throw error
      }
      do {
        try HostFiles.createNew([], at: archive)
      } catch {
        HostFiles.remove(snapshotPath)
        if HostFiles.exists(archive) { continue }
        throw error
      }
      let (parent, base) = split(source)
      let output = try SystemCommand.run(tar, ["-czf", archive, "-C", parent, base])
      if output.status != 0 {
        HostFiles.remove(archive)
        HostFiles.remove(snapshotPath)
        throw PostfixHardeningError(
          .configuration,
          "tar failed (status \(output.status)): " + Printable.sanitize(output.stderr.prefix(500)))
      }
      return Result(archive: archive, snapshot: snapshotPath)
    }
    throw PostfixHardeningError(.configuration, "no free backup name in \(target)")
  }

  static func split(_ path: String) -> (parent: String, base: String) {
    guard let slash = path.lastIndex(of: "/") else { return (".", path) }
    let parent = path[..<slash].isEmpty ? "/" : String(path[..<slash])
    return (parent, String(path[path.index(after: slash)...]))
  }
}
