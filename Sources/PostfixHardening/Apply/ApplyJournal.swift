import PostfixConfig

#if canImport(Glibc)
import Glibc
#endif

/// A record, in the configuration directory, of an apply in progress.
///
/// Written before the first file is replaced and removed once the result is
/// validated (or the previous files are back). A run killed in between
/// (`kill -9`, a power cut) leaves it behind, and the next run, holding the
/// directory lock, reads it and says which files carry the new content and
/// which the old, and which backup puts the old ones back: main.cf new with
/// master.cf old is never left unsaid.
public enum ApplyJournal {
  /// The record's file name in the configuration directory.
  public static let fileName = ".pfharden-apply.pending"

  /// The largest record read back.
  static let sizeLimit = 64 * 1024

  /// Records that `plan` is about to be written.
  /// - Parameters:
  ///   - plan: The plan.
  ///   - backup: The archive that holds the previous files.
  /// - Throws: ``PostfixHardeningError`` `configuration` when the record cannot be written.
  public static func begin(_ plan: ApplyPlan, backup: String) throws {
    var text = "pfharden apply journal 1\nbackup \(hexEncoded(backup))\n"
    for file in [plan.mainCF, plan.masterCF].compactMap({ $0 }) where file.isChanged {
      text +=
        "file \(hexEncoded(file.path)) \(fingerprint(file.original)) \(fingerprint(file.updated))\n"
    }
    let path = plan.configDirectory + "/" + fileName
    HostFiles.remove(path)
    try HostFiles.createNew(Array(text.utf8), at: path, mode: 0o600)
  }

  /// Removes the record: the apply finished (or put the old files back).
  /// - Parameter configDirectory: The configuration directory.
  public static func end(configDirectory: String) {
    HostFiles.remove(configDirectory + "/" + fileName)
  }

  /// What an interrupted apply left, and removes its record; nil when no
  /// apply was interrupted.
  /// - Parameter configDirectory: The configuration directory.
  /// - Returns: The files' states and the backup.
  public static func interrupted(configDirectory: String) -> InterruptedApply? {
    let path = configDirectory + "/" + fileName
    guard HostFiles.exists(path) else { return nil }
    defer { HostFiles.remove(path) }
    let bytes = HostFiles.read(path, from: 0, limit: sizeLimit)
    var backup = "(unknown)"
    var files: [InterruptedApply.File] = []
    for line in bytes.split(separator: 0x0A) {
      let fields = line.split(separator: 0x20).map { String(decoding: $0, as: UTF8.self) }
      if fields.count == 2, fields[0] == "backup" {
        backup = hexDecoded(fields[1]).map { Printable.sanitize($0.utf8) } ?? backup
      }
      guard fields.count == 4, fields[0] == "file", let file = hexDecoded(fields[1]) else {
        continue
      }
      let current = (try? ConfigFile.read(path: file)) ?? []
      let now = fingerprint(current)
      let state: InterruptedApply.State =
        now == fields[3] ? .new : now == fields[2] ? .old : .changedSince
      files.append(InterruptedApply.File(path: Printable.sanitize(file.utf8), state: state))
    }
    return InterruptedApply(
      files: files, backup: backup,
      configDirectory: Printable.sanitize(configDirectory.utf8))
  }

  /// FNV-1a 64 of the bytes and their count, as hex: enough to tell the
  /// recorded contents apart (no security rests on it).
  static func fingerprint(_ bytes: [UInt8]) -> String {
    String(DefaultsCache.fnv1a64(bytes), radix: 16) + "-" + String(bytes.count)
  }

  static func hexEncoded(_ text: String) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var output: [UInt8] = []
    for byte in text.utf8 {
      output.append(digits[Int(byte >> 4)])
      output.append(digits[Int(byte & 0x0F)])
    }
    return String(decoding: output, as: UTF8.self)
  }

  static func hexDecoded(_ text: String) -> String? {
    let bytes = Array(text.utf8)
    guard bytes.count % 2 == 0, bytes.count <= 8192 else { return nil }
    func value(_ byte: UInt8) -> UInt8? {
      switch byte {
      case 0x30...0x39: return byte - 0x30
      case 0x61...0x66: return byte - 0x61 + 10
      default: return nil
      }
    }
    var output: [UInt8] = []
    var index = 0
    // Two digits per byte; each iteration consumes two.
    while index < bytes.count {
      guard let high = value(bytes[index]), let low = value(bytes[index + 1]) else { return nil }
      output.append(high << 4 | low)
      index += 2
    }
    return String(decoding: output, as: UTF8.self)
  }
}

/// What an apply that was interrupted before it finished left behind: which
/// files carry the new content and which the old, and the backup that holds
/// the old ones (``Restore`` puts them back).
public struct InterruptedApply: Equatable, Sendable, CustomStringConvertible {
  /// What a file holds now.
  public enum State: Equatable, Sendable {
    /// The content the apply was writing.
    case new
    /// The content from before the apply.
    case old
    /// Neither: it changed since.
    case changedSince
  }

  /// One file the apply was writing.
  public struct File: Equatable, Sendable {
    /// Its path, free of non-printable bytes.
    public var path: String
    /// What it holds now.
    public var state: State
  }

  /// The files recorded, in the order they were to be written.
  public var files: [File]
  /// The backup archive that holds the previous files, free of non-printable bytes.
  public var backup: String
  /// The configuration directory, free of non-printable bytes.
  public var configDirectory: String

  /// The files' states, such as `/etc/postfix/main.cf has the new content`,
  /// joined with commas (`no file was recorded` when there are none).
  public var states: String {
    guard !files.isEmpty else { return "no file was recorded" }
    return files.map { file in
      switch file.state {
      case .new: return "\(file.path) has the new content"
      case .old: return "\(file.path) still has the old content"
      case .changedSince: return "\(file.path) has changed since"
      }
    }.joined(separator: ", ")
  }

  /// One sentence that names no command: the states and the backup.
  public var description: String {
    "an earlier apply was interrupted before it finished: \(states); its backup is \(backup) "
      + "(restoring it puts the old files back; this run plans from the files as they are now)"
  }
}
