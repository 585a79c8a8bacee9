import PostfixConfig

/// Writes an ``ApplyPlan``: each file atomically, all or nothing, validated.
///
/// Files are written one after the other with ``write`` (by default
/// `AtomicWriter.writePreserving`: temporary file, `fsync`, rename; symbolic
/// links followed; mode and owner kept; refused when the file changed since it
/// was read). When a write fails, the files already written get their previous
/// bytes back. Before the first write, ``validate`` (real `postconf -c DIR`
/// where Postfix is installed) runs on the directory as it is and on a
/// private copy holding the new files (a `ValidationStage`); any warning or
/// error the new files add stops the run with the reason, nothing written.
public struct ApplyExecutor: Sendable {
  /// Replaces a file's content, insisting on the expected current content.
  public typealias Writer =
    @Sendable (_ bytes: [UInt8], _ path: String, _ expectedOriginal: [UInt8]?) throws -> Void

  /// What a validation run printed.
  public struct Validation: Sendable, Equatable {
    /// Whether the tool exited with status 0.
    public var succeeded: Bool
    /// Its warning and error lines.
    public var messages: [String]

    /// Creates a validation result.
    /// - Parameters:
    ///   - succeeded: Whether the tool succeeded.
    ///   - messages: Its warning and error lines.
    public init(succeeded: Bool, messages: [String]) {
      self.succeeded = succeeded
      self.messages = messages
    }
  }

  /// Checks the configuration in a directory.
  public typealias Validator = @Sendable (_ configDirectory: String) throws -> Validation

  /// What was done.
  public enum Outcome: Sendable, Equatable {
    /// Nothing needed changing.
    case unchanged
    /// These files were replaced.
    case written([String])
  }

  /// The file writer (a seam for fault tests).
  public var write: Writer
  /// The validator, or `nil` where Postfix is not installed.
  public var validate: Validator?

  /// Creates an executor.
  /// - Parameters:
  ///   - write: The file writer.
  ///   - validate: The validator.
  public init(
    write: @escaping Writer = {
      try AtomicWriter.writePreserving($0, to: $1, expectedOriginal: $2)
    },
    validate: Validator?
  ) {
    self.write = write
    self.validate = validate
  }

  /// Writes the plan's changed files and validates the result.
  /// - Parameter plan: The plan.
  /// - Returns: What was written.
  /// - Throws: ``PostfixHardeningError`` `configuration` with the reason when
  ///   the validation fails (nothing is written) or a write fails (the
  ///   previous files are then in place again).
  public func execute(_ plan: ApplyPlan) throws -> Outcome {
    let files = [plan.mainCF, plan.masterCF].compactMap { $0 }.filter(\.isChanged)
    if files.isEmpty { return .unchanged }
    if let validate {
      try validateBeforeWriting(plan, with: validate)
    }
    var written: [ApplyPlan.FileChange] = []
    for file in files {
      do {
        try write(file.updated, file.path, file.original)
        written.append(file)
      } catch {
        let restored = restore(written)
        throw PostfixHardeningError(
          .configuration,
          "could not write \(file.path): \(Self.describe(error)); \(restored)",
          underlying: error)
      }
    }
    return .written(written.map(\.path))
  }

  /// Validates the directory as it is, then the plan's files in a
  /// ``ValidationStage``; throws when the new files add a message.
  func validateBeforeWriting(_ plan: ApplyPlan, with validate: Validator) throws {
    let baseline = try validate(plan.configDirectory)
    let after: Validation
    do {
      let stage = try ValidationStage.make(plan)
      defer { stage.remove() }
      after = stage.naming(try validate(stage.path))
    } catch {
      throw PostfixHardeningError(
        .configuration, "could not validate: \(Self.describe(error)); nothing was written",
        underlying: error)
    }
    let known = Set(baseline.messages.map(PostconfWarning.meaning))
    let introduced = after.messages.filter { !known.contains(PostconfWarning.meaning($0)) }
    if !introduced.isEmpty || (baseline.succeeded && !after.succeeded) {
      let reason = introduced.isEmpty ? "postconf failed" : introduced.joined(separator: "; ")
      throw PostfixHardeningError(
        .configuration, "postconf rejected the result: \(reason); nothing was written")
    }
  }

  /// Puts the original bytes back, newest write first; says how that went.
  /// - Parameter written: The files written, in the order they were.
  /// - Returns: What happened, for messages.
  public func restore(_ written: [ApplyPlan.FileChange]) -> String {
    if written.isEmpty { return "nothing was changed" }
    var failures: [String] = []
    for file in written.reversed() {
      do {
        try write(file.original, file.path, file.updated)
      } catch {
        failures.append("\(file.path): \(Self.describe(error))")
      }
    }
    if failures.isEmpty { return "the previous files were restored" }
    return "RESTORING FAILED (restore from the backup): " + failures.joined(separator: "; ")
  }

  /// A message with `line N` numbers blanked, so that a warning that only moved
  /// (lines added above it) is not taken for a new one.
  /// - Parameter message: A warning.
  /// - Returns: The message with every `line DIGITS` written `line N`.
  public static func withoutLineNumbers(_ message: String) -> String {
    var message = message
    return message.withUTF8 { bytes in
      var output: [UInt8] = []
      output.reserveCapacity(bytes.count)
      var index = 0
      // Each iteration consumes at least one byte.
      while index < bytes.count {
        let byte = bytes[index]
        output.append(byte)
        index += 1
        // "line " just copied: the digits after it become one N.
        guard byte == UInt8(ascii: " "), index >= 5, bytes[index - 5] == UInt8(ascii: "l"),
          bytes[index - 4] == UInt8(ascii: "i"), bytes[index - 3] == UInt8(ascii: "n"),
          bytes[index - 2] == UInt8(ascii: "e")
        else { continue }
        var end = index
        while end < bytes.count && (0x30...0x39).contains(bytes[end]) { end += 1 }
        if end > index {
          output.append(UInt8(ascii: "N"))
          index = end
        }
      }
      return String(decoding: output, as: UTF8.self)
    }
  }

  static func describe(_ error: Error) -> String {
    if let error = error as? PostfixConfigError { return error.reason }
    if let error = error as? PostfixHardeningError { return error.reason }
    return "\(error)"
  }
}
