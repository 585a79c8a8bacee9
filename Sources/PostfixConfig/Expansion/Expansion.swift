/// The outcome of expanding one value like `postconf -x`.
///
/// A failed expansion is what `postconf` reports as zero or more
/// `postconf: warning: <warning>` lines followed by `postconf: fatal: <fatal>`
/// and exit status 1. A successful expansion never prints anything.
public enum Expansion: Equatable, Sendable {
  /// The expanded bytes (not yet whitespace-normalised for printing).
  case success([UInt8])
  /// The expansion failed.
  /// - warnings: the texts after `warning: `, in order, already sanitised
  ///   (every byte outside printable ASCII is `?`).
  /// - fatal: the text after `fatal: `: `macro processing error`, or for an
  ///   all-digit operand too large for a C `long`,
  ///   `mac_exp_eval: bad conversion: <operand>`.
  case failure(warnings: [String], fatal: String)

  /// The expanded bytes, or nil when the expansion failed.
  public var value: [UInt8]? {
    if case .success(let bytes) = self { return bytes }
    return nil
  }

  /// The warnings of a failed expansion (empty on success).
  public var warnings: [String] {
    if case .failure(let warnings, _) = self { return warnings }
    return []
  }

  /// The expanded bytes.
  /// - Returns: The bytes of a successful expansion.
  /// - Throws: ``PostfixConfigError`` with code `.expansion` and the fatal
  ///   text as its reason when the expansion failed.
  public func get() throws(PostfixConfigError) -> [UInt8] {
    switch self {
    case .success(let bytes):
      return bytes
    case .failure(_, let fatal):
      throw PostfixConfigError(.expansion, fatal)
    }
  }
}
