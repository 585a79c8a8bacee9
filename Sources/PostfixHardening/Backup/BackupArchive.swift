import PostfixConfig

/// main.cf and master.cf of a backup archive (`postfix-YYYY-MM-DD[-N].tar.gz`,
/// as ``Backup/create(configDirectory:destination:snapshot:date:)`` writes it),
/// read without trusting the archive.
///
/// The archive is listed first (`tar -tv`). It must hold one top-level
/// directory (the configuration directory's name when it was made) and no
/// member with an absolute name or a `..` component; in that directory
/// `main.cf` (required) and `master.cf` (optional) must each appear once, as a
/// regular file (not a symbolic or hard link, device, FIFO or directory) no
/// larger than the limit. Only these two members are then extracted, named
/// after `--` (no wildcards, no recursion, first occurrence only), into a
/// private directory made by `mkdtemp` (mode 0700); they are read without
/// following symbolic links and checked again, and the directory is removed.
/// Other members (maps, Debian's `makedefs.out` link) are never extracted.
/// The system's tar must be GNU tar (its listing layout and options).
public struct BackupArchive: Sendable, Equatable {
  /// The archive's path.
  public var path: String
  /// The archive's top-level directory.
  public var directoryName: String
  /// main.cf's bytes.
  public var mainCF: [UInt8]
  /// master.cf's bytes, or `nil` when the archive has none.
  public var masterCF: [UInt8]?

  /// The largest main.cf or master.cf accepted by default.
  public static let defaultLimit = MainCF.maximumSize

  /// Reads main.cf and master.cf from a backup archive.
  /// - Parameters:
  ///   - path: The archive (compression detected by `tar`).
  ///   - limit: The largest member accepted, in bytes.
  /// - Returns: The two files.
  /// - Throws: ``PostfixHardeningError`` `configuration` when `tar` is missing or
  ///   fails, or the archive breaks one of the rules above; nothing is left behind.
  public static func read(_ path: String, limit: Int = defaultLimit) throws -> BackupArchive {
    let shown = Printable.sanitize(path.utf8)
    guard HostFiles.isReadable(path) else {
      throw PostfixHardeningError(.configuration, "\(shown) is not a readable file")
    }
    guard let tar = SystemCommand.find(SystemCommand.tarCandidates) else {
      throw PostfixHardeningError(.configuration, "tar is not installed")
    }
    let listing = try run(tar, ["--list", "--verbose"] + commonOptions + ["--file", path], shown)
    let members = try parseListing(listing)
    let selected = try select(members, archive: shown, limit: limit)
    let names = [selected.mainCF] + (selected.masterCF.map { [$0] } ?? [])
    let directory = try HostFiles.makePrivateDirectory(prefix: "pfharden-archive-")
    defer { HostFiles.removeTree(directory) }
    _ = try run(
      tar,
      ["--extract"] + commonOptions + [
        "--file", path, "--directory", directory, "--no-same-owner", "--no-same-permissions",
        "--no-recursion", "--no-wildcards", "--occurrence=1", "--",
      ] + names, shown)
    guard HostFiles.isDirectory(directory + "/" + selected.top),
      !HostFiles.isSymbolicLink(directory + "/" + selected.top)
    else {
      throw PostfixHardeningError(.configuration, "\(shown): extraction produced no directory")
    }
    let main = try HostFiles.readRegular(directory + "/" + selected.mainCF, limit: limit)
    let master = try selected.masterCF.map {
      try HostFiles.readRegular(directory + "/" + $0, limit: limit)
    }
    return BackupArchive(path: path, directoryName: selected.top, mainCF: main, masterCF: master)
  }

  /// Whether `path` starts like a tar archive: gzip, xz, bzip2 or zstd magic,
  /// or a `ustar` header.
  /// - Parameter path: A file.
  /// - Returns: The answer (false for a directory or an unreadable file).
  public static func isArchive(_ path: String) -> Bool {
    guard HostFiles.isReadable(path) else { return false }
    let head = HostFiles.read(path, from: 0, limit: 512)
    let magics: [[UInt8]] = [
      [0x1F, 0x8B], [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00], [0x42, 0x5A, 0x68],
      [0x28, 0xB5, 0x2F, 0xFD],
    ]
    if magics.contains(where: { head.starts(with: $0) }) { return true }
    return head.count >= 262 && Array(head[257..<262]) == Array("ustar".utf8)
  }

  /// The snapshot the same backup wrote next to `archive`: for
  /// `DIR/postfix-SUFFIX.tar.gz`, `DIR/postconf-SUFFIX` when it is readable.
  /// - Parameter archive: The archive's path.
  /// - Returns: The snapshot's path, or `nil`.
  public static func snapshot(beside archive: String) -> String? {
    let (directory, base) = Backup.split(archive)
    let prefix = "postfix-"
    let suffix = ".tar.gz"
    guard base.hasPrefix(prefix), base.hasSuffix(suffix),
      base.count > prefix.count + suffix.count
    else { return nil }
    let middle = base.dropFirst(prefix.count).dropLast(suffix.count)
    let candidate = (directory == "/" ? "" : directory) + "/postconf-" + middle
    return HostFiles.isReadable(candidate) ? candidate : nil
  }

  // MARK: - Listing

  /// Options for every tar run: archive names with `:` are local files, and
  /// names are listed with GNU tar's escapes (one member per line).
  static let commonOptions = ["--force-local", "--numeric-owner", "--quoting-style=escape"]

  /// One line of `tar -tv`.
  struct Member: Sendable, Equatable {
    /// The type letter: `-` regular file, `d` directory, `l` symbolic link,
    /// `h` hard link, `c`/`b` devices, `p` FIFO, ...
    var type: UInt8
    /// The name as listed (escaped), without a link's target.
    var name: String
    /// The size column (`nil` for devices, whose column is `major,minor`).
    var size: Int?
  }

  /// Parses GNU tar's verbose listing: `MODE OWNER SIZE DATE TIME NAME`.
  /// - Parameter bytes: The listing.
  /// - Returns: The members, in archive order.
  /// - Throws: ``PostfixHardeningError`` `configuration` for a line of another shape.
  static func parseListing(_ bytes: [UInt8]) throws -> [Member] {
    var members: [Member] = []
    for line in bytes.split(separator: 0x0A) {
      var fields: [ArraySlice<UInt8>] = []
      var index = line.startIndex
      // Each iteration consumes one field and the blanks before it.
      while fields.count < 5 && index < line.endIndex {
        while index < line.endIndex && line[index] == 0x20 { index += 1 }
        let start = index
        while index < line.endIndex && line[index] != 0x20 { index += 1 }
        if index > start { fields.append(line[start..<index]) }
      }
      guard fields.count == 5, fields[0].count >= 10, index < line.endIndex,
        line[index] == 0x20, index + 1 < line.endIndex
      else {
        throw PostfixHardeningError(
          .configuration, "unexpected tar listing line: " + Printable.sanitize(line.prefix(200)))
      }
      let type = fields[0][fields[0].startIndex]
      var name = Array(line[(index + 1)...])
      let separator: [UInt8]? =
        switch type {
        case UInt8(ascii: "l"): Array(" -> ".utf8)
        case UInt8(ascii: "h"): Array(" link to ".utf8)
        default: nil
        }
      if let separator, let cut = firstRange(of: separator, in: name) {
        name = Array(name[..<cut])
      }
      members.append(
        Member(
          type: type, name: String(decoding: name, as: UTF8.self),
          size: Int(String(decoding: fields[2], as: UTF8.self))))
    }
    return members
  }

  static func firstRange(of needle: [UInt8], in haystack: [UInt8]) -> Int? {
    haystack.withUnsafeBufferPointer { ByteSearch.firstOffset(of: needle, in: $0) }
  }

  /// The members to extract, after checking the listing against the rules.
  static func select(_ members: [Member], archive: String, limit: Int) throws -> (
    top: String, mainCF: String, masterCF: String?
  ) {
    func refuse(_ reason: String) -> PostfixHardeningError {
      PostfixHardeningError(.configuration, "refusing \(archive): " + reason)
    }
    guard !members.isEmpty else { throw refuse("it is empty") }
    var top: String?
    for member in members {
      let shown = Printable.sanitize(member.name.utf8)
      if member.name.hasPrefix("/") { throw refuse("member \(shown) has an absolute name") }
      let parts = member.name.split(separator: "/", omittingEmptySubsequences: true)
      if parts.contains("..") { throw refuse("member \(shown) contains '..'") }
      guard let first = parts.first.map(String.init) else {
        throw refuse("a member has an empty name")
      }
      if let top, top != first {
        throw refuse("more than one top-level entry (\(Printable.sanitize(top.utf8)), \(shown))")
      }
      top = first
      if [UInt8(ascii: "c"), UInt8(ascii: "b")].contains(member.type) {
        throw refuse("member \(shown) is a device")
      }
    }
    guard let top, !top.utf8.contains(UInt8(ascii: "\\")) else {
      throw refuse("its top-level directory has an unusual name")
    }
    func member(_ file: String, required: Bool) throws -> String? {
      let wanted = top + "/" + file
      // `wanted/` (a directory) and anything below it would come along.
      let matches = members.filter { $0.name == wanted || $0.name.hasPrefix(wanted + "/") }
      guard let found = matches.first else {
        if required { throw refuse("it has no \(wanted)") }
        return nil
      }
      switch found.type {
      case UInt8(ascii: "-"): break
      case UInt8(ascii: "l"): throw refuse("\(wanted) is a symbolic link")
      case UInt8(ascii: "h"): throw refuse("\(wanted) is a hard link")
      case UInt8(ascii: "d"): throw refuse("\(wanted) is a directory")
      default: throw refuse("\(wanted) is not a regular file")
      }
      guard matches.count == 1 else { throw refuse("\(wanted) appears more than once") }
      guard let size = found.size, size <= limit else {
        throw refuse("\(wanted) is larger than \(limit) bytes")
      }
      return wanted
    }
    guard let main = try member("main.cf", required: true) else {
      throw refuse("it has no \(top)/main.cf")
    }
    return (top, main, try member("master.cf", required: false))
  }

  static func run(_ tar: String, _ arguments: [String], _ shown: String) throws -> [UInt8] {
    let output: InstalledPostfix.Output
    do {
      output = try SystemCommand.run(tar, arguments)
    } catch let error as PostfixHardeningError {
      throw PostfixHardeningError(
        .configuration, "\(shown): \(error.reason)", underlying: error.underlying ?? error)
    }
    guard output.status == 0 else {
      throw PostfixHardeningError(
        .configuration,
        "\(shown): tar failed (status \(output.status)): "
          + Printable.sanitize(output.stderr.prefix(500)))
    }
    return output.stdout
  }
}
