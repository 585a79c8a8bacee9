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
  ///
  /// The destination and every directory above it are checked first
  /// (`BackupDestination`): a directory another user owns or can write is
  /// refused, so no one else can swap a file for a link while root writes
  /// the configuration there. Both files are written under temporary names
  /// (`.pfharden-tmp-…`, `O_EXCL|O_NOFOLLOW`, mode 0600; `tar` writes to the open
  /// descriptor) and get their final names only when complete, the archive
  /// first; a run killed in between leaves at most an archive without its
  /// snapshot. Temporary files of an earlier run older than `staleAge`
  /// seconds are removed first. main.cf and master.cf are archived with
  /// their content even when they are symbolic links.
  /// - Parameters:
  ///   - configDirectory: The directory to archive.
  ///   - destination: Where to put the backup (created, mode 0700, when missing);
  ///     must not be inside `configDirectory`.
  ///   - snapshot: The output of `postconf` for the directory.
  ///   - date: `YYYY-MM-DD` for the names (nil: today, local time).
  /// - Returns: The paths written.
  /// - Throws: ``PostfixHardeningError`` `invalidRequest` when the destination is
  ///   inside the configuration directory, `configuration` when it is not safe
  ///   (the message names the directory and why) or the backup cannot be
  ///   made; whatever was half-written is removed.
  public static func create(
    configDirectory: String, destination: String, snapshot: [UInt8],
    date: String? = nil
  ) throws -> Result {
    try create(
      configDirectory: configDirectory, destination: destination, snapshot: snapshot,
      date: date ?? HostFiles.today(),
      interrupt: { _ in })
  }

  /// How old, in seconds, a temporary file must be before a backup removes it.
  static let staleAge = 300

  /// The points where ``create(configDirectory:destination:snapshot:date:interrupt:)``
  /// lets a test fail it.
  enum Step: Sendable, Equatable {
    /// The archive is complete under its temporary name.
    case archiveWritten
    /// The snapshot is complete under its temporary name.
    case snapshotWritten
    /// The archive has its final name; the snapshot not yet.
    case archivePublished
  }

  /// ``create(configDirectory:destination:snapshot:date:)`` with `interrupt`
  /// called at each ``Step`` (a throw there fails the backup).
  static func create(
    configDirectory: String, destination: String, snapshot: [UInt8], date: String,
    interrupt: (Step) throws -> Void
  ) throws -> Result {
    guard HostFiles.isDirectory(configDirectory) else {
      throw PostfixHardeningError(
        .configuration, "\(Printable.sanitize(configDirectory.utf8)) is not a directory")
    }
    let source = HostFiles.canonical(configDirectory)
    let target = try BackupDestination.resolve(destination)
    if target == source || target.hasPrefix(source + "/") || source == "/" {
      throw PostfixHardeningError(
        .invalidRequest, "the backup directory must be outside \(Printable.sanitize(source.utf8))")
    }
    guard let tar = SystemCommand.find(SystemCommand.tarCandidates) else {
      throw PostfixHardeningError(.configuration, "tar is not installed")
    }
    let directory = try BackupDestination.open(target)
    try directory.removeStaleTemporaries(now: HostFiles.now(), age: staleAge)
    let (parent, base) = split(source)
    let stage = try BackupStage.make(source: source, base: base)
    defer { stage.remove() }
    var written: [String] = []
    do {
      let archive = try directory.createTemporary("postfix.tar.gz")
      written.append(archive.name)
      try writeArchive(
        tar, arguments: tarArguments(parent: parent, base: base, stage: stage),
        to: archive.descriptor, shown: target + "/" + archive.name)
      try interrupt(.archiveWritten)
      let snapshotFile = try directory.createTemporary("postconf")
      written.append(snapshotFile.name)
      defer { closeDescriptor(snapshotFile.descriptor) }
      try writeAll(snapshot, to: snapshotFile.descriptor, shown: target + "/" + snapshotFile.name)
      try interrupt(.snapshotWritten)
      // Each iteration takes the first free pair; a concurrent backup may
      // take it first, and the next pair is tried.
      for _ in 0..<100 {
        let (archiveName, snapshotName) = names(date: date, existing: try directory.names())
        guard try directory.publish(archive.name, as: archiveName) else { continue }
        written.append(archiveName)
        try interrupt(.archivePublished)
        guard try directory.publish(snapshotFile.name, as: snapshotName) else {
          // Taken meanwhile: the archive goes back to its temporary name.
          try directory.rename(archiveName, to: archive.name)
          written.removeLast()
          continue
        }
        directory.sync()
        return Result(archive: target + "/" + archiveName, snapshot: target + "/" + snapshotName)
      }
      throw PostfixHardeningError(
        .configuration, "no free backup name in \(Printable.sanitize(target.utf8))")
    } catch {
      for name in written { directory.remove(name) }
      throw error
    }
  }

  /// `tar` writing a gzip archive of `parent/base` to its standard output;
  /// main.cf and master.cf come from the stage, the rest from `base` itself.
  ///
  /// Names that may start with `-` follow `--`; the staged names start with
  /// `./` (removed by the transform) so they can precede it.
  static func tarArguments(parent: String, base: String, stage: BackupStage) -> [String] {
    var arguments = [
      "--create", "--gzip", "--file=-", "--anchored", "--no-wildcards",
      #"--transform=s,^\./,,rhS"#,
    ]
    if !stage.names.isEmpty {
      arguments.append("--directory=" + stage.directory)
      arguments += stage.names.map { "./" + base + "/" + $0 }
    }
    arguments.append("--directory=" + parent)
    arguments += stage.names.map { "--exclude=" + base + "/" + $0 }
    return arguments + ["--", base]
  }

  /// Runs `tar` with its standard output on `descriptor`, flushes and closes it.
  static func writeArchive(_ tar: String, arguments: [String], to descriptor: Int32, shown: String)
    throws
  {
    defer { closeDescriptor(descriptor) }
    let output = try SystemCommand.spawn(tar, arguments, standardOutput: descriptor)
    guard output.status == 0 else {
      throw PostfixHardeningError(
        .configuration,
        "tar failed (status \(output.status)): " + Printable.sanitize(output.stderr.prefix(500)))
    }
    try writeAll([], to: descriptor, shown: Printable.sanitize(shown.utf8))
  }

  static func split(_ path: String) -> (parent: String, base: String) {
    guard let slash = path.lastIndex(of: "/") else { return (".", path) }
    let parent = path[..<slash].isEmpty ? "/" : String(path[..<slash])
    return (parent, String(path[path.index(after: slash)...]))
  }
}
