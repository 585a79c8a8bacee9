/// Everything `postconf` would read from the system, as plain values.
///
/// The emulation in ``Postconf`` is pure: the caller (the `IO` layer or a
/// test) reads the files and the host facts and passes them in.
public struct PostconfInputs: Sendable {
  /// A configuration file as read, or the reason it could not be read.
  public enum File: Sendable, Equatable {
    /// The file's bytes.
    case contents([UInt8])
    /// The file's bytes, shared without a copy (a large file is mapped; see
    /// ``ConfigFile/readShared(path:limit:mappingFrom:)``).
    case shared(FileBytes)
    /// `strerror` text, e.g. `No such file or directory`.
    case unreadable(String)

    /// A copy of the bytes; nil when unreadable.
    var bytes: [UInt8]? {
      switch self {
      case .contents(let bytes): bytes
      case .shared(let shared): shared.bytes
      case .unreadable: nil
      }
    }

    /// Calls `body` with the bytes in place; nil when unreadable.
    func withBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) -> R) -> R? {
      switch self {
      case .contents(let bytes): bytes.withUnsafeBufferPointer(body)
      case .shared(let shared): shared.withUnsafeBufferPointer(body)
      case .unreadable: nil
      }
    }
  }

  /// argv[0] as postconf would see it: the prefix of every diagnostic.
  public var programName: String
  /// The configuration directory, as it appears in messages.
  public var configDirectory: String
  /// Whether `-c DIR` or `MAIL_CONFIG` named the directory (postconf then
  /// stores `config_directory = DIR` before reading main.cf).
  public var configDirectoryInjected: Bool
  /// main.cf.
  public var mainCF: File
  /// master.cf.
  public var masterCF: File
  /// Host facts for host-dependent defaults.
  public var host: HostEnvironment
  /// Parameter names, defaults and flags.
  public var catalog: ParameterCatalog
  /// Reads a database client configuration file.
  ///
  /// On a real system: ``DatabaseClientFile/read(path:limit:)``. Without
  /// one, the files postconf would read are only listed
  /// (``PostfixConfiguration/databaseClientFiles``), and nothing is said
  /// about them.
  public var databaseClientFileReader: (@Sendable ([UInt8]) -> DatabaseClientFile.Content)?
  /// master.cf already parsed from exactly ``masterCF``'s bytes, when the
  /// caller has it: the emulation then reads it instead of parsing again.
  var parsedMasterCF: MasterCF?

  /// Creates the inputs.
  /// - Parameters:
  ///   - programName: argv[0].
  ///   - configDirectory: The configuration directory.
  ///   - configDirectoryInjected: Whether it was given by `-c` or `MAIL_CONFIG`.
  ///   - mainCF: main.cf's bytes or read error.
  ///   - masterCF: master.cf's bytes or read error.
  ///   - host: Host facts.
  ///   - catalog: The parameter catalogue.
  ///   - databaseClientFileReader: Reads database client configuration files; nil reads none.
  public init(
    programName: String, configDirectory: String, configDirectoryInjected: Bool, mainCF: File,
    masterCF: File, host: HostEnvironment, catalog: ParameterCatalog,
    databaseClientFileReader: (@Sendable ([UInt8]) -> DatabaseClientFile.Content)? = nil
  ) {
    self.programName = programName
    self.configDirectory = configDirectory
    self.configDirectoryInjected = configDirectoryInjected
    self.mainCF = mainCF
    self.masterCF = masterCF
    self.host = host
    self.catalog = catalog
    self.databaseClientFileReader = databaseClientFileReader
  }
}

/// What one `postconf` run produced.
public struct PostconfOutcome: Sendable, Equatable {
  /// One write to a standard stream, in the order a merged `2>&1` shows them.
  public enum Chunk: Sendable, Equatable {
    /// Bytes for standard output.
    case stdout([UInt8])
    /// Bytes for standard error.
    case stderr([UInt8])
  }

  /// The writes, in order.
  public var chunks: [Chunk] = []
  /// The exit status.
  public var exitStatus: Int32 = 0
  /// New main.cf bytes to write with postconf's edit protocol, after an edit.
  public var mainCFReplacement: [UInt8]?
  /// New master.cf bytes to write with postconf's edit protocol, after an edit.
  public var masterCFReplacement: [UInt8]?

  /// Everything written to standard output.
  public var stdout: [UInt8] {
    chunks.reduce(into: []) { if case .stdout(let bytes) = $1 { $0 += bytes } }
  }

  /// Everything written to standard error.
  public var stderr: [UInt8] {
    chunks.reduce(into: []) { if case .stderr(let bytes) = $1 { $0 += bytes } }
  }
}
