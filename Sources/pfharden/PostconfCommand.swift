import PostfixConfig

/// `pfharden postconf`: a drop-in for postconf(1)'s main.cf and master.cf modes.
enum PostconfCommand {
  /// Runs the command.
  /// - Parameters:
  ///   - programName: The prefix of every diagnostic (postconf's argv[0]).
  ///   - arguments: The arguments after the program or subcommand name.
  ///   - console: Where output goes.
  /// - Returns: The exit status, as postconf's.
  static func run(programName: String, arguments: [String], console: inout Console) -> Int32 {
    console.err("\(programName): fatal: not implemented yet\n")
    return 1
  }
}
