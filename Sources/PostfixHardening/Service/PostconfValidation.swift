import PostfixConfig

/// Validation with the installed `postconf`, which has no side effects.
public enum PostconfValidation {
  /// A validator running `postconf -c DIR -n` and `postconf -c DIR -M`.
  /// - Parameter postconf: The postconf program.
  /// - Returns: A validator for ``ApplyExecutor``; its messages are the
  ///   distinct lines both runs print on standard error.
  public static func validator(postconf: String) -> ApplyExecutor.Validator {
    { directory in
      var messages: [String] = []
      var succeeded = true
      for mode in ["-n", "-M"] {
        let output = try SystemCommand.run(postconf, ["-c", directory, mode])
        succeeded = succeeded && output.status == 0
        for line in output.stderr.split(separator: 0x0A) {
          let text = Printable.sanitize(line)
          if !messages.contains(text) { messages.append(text) }
        }
      }
      return ApplyExecutor.Validation(succeeded: succeeded, messages: messages)
    }
  }
}
