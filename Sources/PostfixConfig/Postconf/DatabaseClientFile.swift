/// A database client configuration file named in a lookup table
/// (`mysql:/etc/postfix/mysql-aliases.cf`), as postconf(1) checks it.
///
/// At start-up postconf reads the file of every `ldap:`, `mysql:`, `pgsql:`,
/// `sqlite:` and `memcache:` table (also behind `proxy:`) that a built-in or
/// per-service parameter in main.cf or master.cf names, once per type and
/// path, with main.cf's syntax, and warns about names that the type does not
/// know (`mysql:/path: unused parameter: NAME=VALUE`). See ``problems(in:knownNames:)``.
public struct DatabaseClientFile: Hashable, Sendable {
  /// The database type (`mysql`), without `proxy:`.
  public var type: String
  /// The absolute path, as written in the value.
  public var path: [UInt8]

  /// Creates a reference to a client configuration file.
  /// - Parameters:
  ///   - type: The database type.
  ///   - path: The path as written.
  public init(type: String, path: [UInt8]) {
    self.type = type
    self.path = path
  }

  /// The path as text for messages (bytes outside printable ASCII as `?`).
  public var displayPath: String { Printable.sanitize(path) }

  /// postconf's name of the file's dictionary: `type:path`.
  public var dictionaryName: [UInt8] { Array(type.utf8) + [UInt8(ascii: ":")] + path }

  /// What opening and reading the file gave.
  public enum Content: Sendable, Equatable {
    /// The file's bytes.
    case bytes([UInt8])
    /// `open` failed with this `errno` and `strerror` text.
    case cannotOpen(errno: Int32, reason: String)
    /// It is not a regular file (a directory, a device, a FIFO).
    case notRegularFile
    /// Reading failed (or the file is over the size limit), for this reason.
    case cannotRead(String)
  }

  /// One problem postconf reports about the file.
  public struct Problem: Sendable, Equatable {
    /// What kind of problem.
    public enum Kind: Sendable, Equatable {
      /// The file could not be opened (not for lack of permission: postconf
      /// says nothing then, as such files may hold passwords).
      case cannotOpen
      /// Not a regular file.
      case notRegularFile
      /// Reading failed.
      case cannotRead
      /// Text that starts with whitespace and continues nothing (dropped).
      case misplacedText
      /// A name set again with another value; the last one is used.
      case overriding
      /// A name the database type does not know.
      case unused
      /// A line without `name = value`: postconf stops (fatal).
      case syntaxError
    }

    /// The kind.
    public var kind: Kind
    /// postconf's message (after `warning: ` or `fatal: `), with the file's
    /// path and, where known, the line of the entry.
    public var diagnostic: Diagnostic
    /// The parameter concerned (``Kind/overriding`` and ``Kind/unused``).
    public var parameter: String?
  }

  /// What postconf prints about this file when it has `content`, in its order:
  /// reading problems in file order (a syntax error ends the list: postconf
  /// stops), then the unknown names in the order postconf's hash table lists
  /// them with `NORANDOMIZE=1`.
  /// - Parameters:
  ///   - content: What opening and reading the file gave.
  ///   - knownNames: The names the database type knows (the catalogue's suffixes).
  /// - Returns: The problems; empty when the file could not be opened for
  ///   lack of permission.
  public func problems(in content: Content, knownNames: [String]) -> [Problem] {
    let opening =
      Array("open \"".utf8) + Array(type.utf8) + Array("\" configuration \"".utf8) + path
      + Array("\": ".utf8)
    switch content {
    case .cannotOpen(let code, let reason):
      if code == Self.permissionDenied { return [] }
      return [problem(.cannotOpen, line: nil, opening + Array(reason.utf8))]
    case .notRegularFile:
      return [problem(.notRegularFile, line: nil, opening + Array("not a regular file".utf8))]
    case .cannotRead(let reason):
      let reading =
        Array("read \"".utf8) + Array(type.utf8) + Array("\" configuration \"".utf8) + path
        + Array("\": ".utf8) + Array(reason.utf8)
      return [problem(.cannotRead, line: nil, reading)]
    case .bytes(let bytes):
      var reader = Reader(path: path)
      bytes.withUnsafeBufferPointer { file in
        var scanner = MainCFScanner()
        scanner.keepsJoined = false
        scanner.scan(file, into: &reader)
      }
      var problems = reader.problems.map { found in
        Problem(
          kind: found.kind,
          diagnostic: Diagnostic(
            found.fatal ? .fatal : .warning, file: displayPath, line: found.line,
            message: Printable.sanitize(found.message)),
          parameter: found.parameter.map { String(decoding: $0, as: UTF8.self) })
      }
      if reader.stopped { return problems }
      let known = Set(knownNames.map { ByteKey(Array($0.utf8)) })
      let prefix = dictionaryName + Array(": unused parameter: ".utf8)
      for index in HashOrder.order(of: reader.names, initialSize: 0) {
        let name = reader.names[index]
        guard !known.contains(ByteKey(name)) else { continue }
        let entry = reader.values[index]
        problems.append(
          problem(
            .unused, line: entry.line, prefix + name + [UInt8(ascii: "=")] + entry.value,
            parameter: name))
      }
      return problems
    }
  }

  /// `EACCES`: postconf does not warn about a file it may not read.
  public static let permissionDenied: Int32 = 13

  private func problem(
    _ kind: Problem.Kind, line: Int?, _ message: [UInt8], parameter: [UInt8]? = nil
  )
    -> Problem
  {
    Problem(
      kind: kind,
      diagnostic: Diagnostic(
        .warning, file: displayPath, line: line, message: Printable.sanitize(message)),
      parameter: parameter.map { String(decoding: $0, as: UTF8.self) })
  }

  /// Postfix's `dict_load_fp()` into a fresh dictionary: main.cf's reading
  /// rules, the last value of a name winning.
  struct Reader: MainCFLineSink {
    struct Found {
      var kind: Problem.Kind
      var fatal: Bool
      var line: Int?
      var message: [UInt8]
      var parameter: [UInt8]?
    }

    let path: [UInt8]
    let pathText: String
    /// Distinct names in order of first setting (the hash table's insertion order).
    var names: [[UInt8]] = []
    /// Per name: the last value and the line that set it.
    var values: [(value: [UInt8], line: Int)] = []
    var index: [ByteKey: Int] = [:]
    var problems: [Found] = []
    /// Whether a syntax error ended the reading.
    var stopped = false

    init(path: [UInt8]) {
      self.path = path
      // Messages are sanitised as a whole; the path goes in as it is.
      pathText = String(decoding: path, as: UTF8.self)
    }

    mutating func take(
      _ line: MainCFLogicalLine, file: UnsafeBufferPointer<UInt8>,
      joined: UnsafeBufferPointer<UInt8>, pieces: ArraySlice<Range<Int>>
    ) -> Bool {
      let text = line.inJoined ? joined : file
      guard line.kind == .entry else {
        guard
          let diagnostic = MainCF.readingDiagnostic(
            line, text: text, path: pathText, pathBytes: path)
        else { return true }
        let fatal = diagnostic.severity == .fatal
        // The diagnostic's text is already sanitised; its bytes are ASCII.
        problems.append(
          Found(
            kind: fatal ? .syntaxError : .misplacedText, fatal: fatal, line: line.firstLine,
            message: Array(diagnostic.message.utf8)))
        if fatal {
          stopped = true
          return false
        }
        return true
      }
      let name = Array(text[line.nameStart..<line.nameEnd])
      let value = Array(text[line.valueStart..<line.valueEnd])
      let key = ByteKey(name)
      if let existing = index[key] {
        let old = values[existing].value
        if old != value {
          problems.append(
            Found(
              kind: .overriding, fatal: false, line: line.firstLine,
              message: path + Array(", line \(line.firstLine): overriding earlier entry: ".utf8)
                + name + [UInt8(ascii: "=")] + old,
              parameter: name))
        }
        values[existing] = (value, line.firstLine)
      } else {
        index[key] = names.count
        names.append(name)
        values.append((value, line.firstLine))
      }
      return true
    }
  }
}
