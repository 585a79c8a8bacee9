import PostfixConfig

/// `pfharden postconf`: a drop-in for postconf(1)'s main.cf and master.cf modes
/// that also works where Postfix is not installed.
///
/// The work is done by ``Postconf`` in PostfixConfig, which is pure; this
/// command reads the files and host facts, prints, and writes edits back with
/// postconf's own protocol.
enum PostconfCommand {
  /// Runs the command.
  /// - Parameters:
  ///   - programName: The prefix of every diagnostic (postconf's argv[0]).
  ///   - arguments: The arguments after the program or subcommand name.
  ///   - console: Where output goes.
  /// - Returns: The exit status, as postconf's.
  static func run(programName: String, arguments: [String], console: inout Console) -> Int32 {
    if arguments == ["--help"] {
      console.out(help)
      return 0
    }
    let raw = arguments.map { Array($0.utf8) }
    let options: PostconfOptions
    switch PostconfOptions.parse(raw, programName: programName) {
    case .success(let parsed): options = parsed
    case .failure(let failure):
      return emit(Postconf.failureOutcome(failure, programName: programName), console: &console)
    }
    // Before the files are read: reading a large file starts a second thread.
    if !console.isCapturing, ProcessMemory.growsHeapInHugePages(for: options.mode) {
      ProcessMemory.growHeapInHugePages()
    }
    let directory =
      options.configDirectory ?? console.environment["MAIL_CONFIG"] ?? "/etc/postfix"
    let injected = options.configDirectory != nil || console.environment["MAIL_CONFIG"] != nil
    let inputs = PostconfInputs(
      programName: programName, configDirectory: directory, configDirectoryInjected: injected,
      mainCF: SystemFiles.readMapped(directory + "/main.cf", programName: programName),
      masterCF: SystemFiles.read(directory + "/master.cf"),
      host: SystemFiles.host(processName: processName(programName)),
      catalog: SystemFiles.catalog(environment: console.environment),
      databaseClientFileReader: { DatabaseClientFile.read(path: $0) })
    var outcome: PostconfOutcome
    if console.isCapturing {
      outcome = Postconf.run(options: options, inputs: inputs)
    } else {
      // Stream: a 10 MB listing is written as postconf writes it, not held.
      outcome = Postconf.run(options: options, inputs: inputs) { chunk in
        switch chunk {
        case .stdout(let bytes): Console.writeAll(fd: 1, bytes)
        case .stderr(let bytes): Console.writeAll(fd: 2, bytes)
        }
      }
    }
    if outcome.exitStatus == 0 {
      for (file, bytes) in [
        ("main.cf", outcome.mainCFReplacement), ("master.cf", outcome.masterCFReplacement),
      ] {
        guard let bytes else { continue }
        if let failure = SystemFiles.writePostconfStyle(bytes, to: directory + "/" + file) {
          outcome.chunks.append(.stderr(Array("\(programName): fatal: \(failure)\n".utf8)))
          outcome.exitStatus = 1
        }
      }
    }
    return emit(outcome, console: &console)
  }

  /// The program name `pfharden postconf` runs as (the diagnostic prefix).
  static let subcommandProgramName = "pfharden postconf"

  /// postconf's `process_name`: the base name of argv[0]; `pfharden
  /// postconf` stands in for `postconf`.
  static func processName(_ programName: String) -> String {
    if programName == subcommandProgramName { return "postconf" }
    return programName.split(separator: "/").last.map(String.init) ?? programName
  }

  static func emit(_ outcome: PostconfOutcome, console: inout Console) -> Int32 {
    for chunk in outcome.chunks {
      switch chunk {
      case .stdout(let bytes): console.out(bytes)
      case .stderr(let bytes): console.err(bytes)
      }
    }
    return outcome.exitStatus
  }
}
