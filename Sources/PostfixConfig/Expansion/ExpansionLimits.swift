/// Bounds on one expansion, so that hostile values cannot exhaust the stack,
/// memory or time.
///
/// Postfix's own limit is ``nestingLimit``: a callback entered while more than
/// 100 are active fails with `unreasonable macro call nesting`. Postfix has no
/// other bound: each relational operand (`${{A} == {B}}`) restarts the counter,
/// so a parameter that references itself inside an operand crashes `postconf`
/// with a stack overflow, and values that double at each reference take
/// exponential time. pfharden fails those with the warnings described on each
/// property and the usual `macro processing error`.
public struct ExpansionLimits: Equatable, Sendable {
  /// Postfix's nesting limit (`mc->level++ > 100` in `mac_expand.c`).
  public static let nestingLimit = 100

  /// The most parse levels active at once, across relational operands.
  ///
  /// Beyond it: `unreasonable macro call nesting: "<text>"`.
  public var maximumDepth: Int
  /// The most bytes one expansion may produce.
  ///
  /// Beyond it: `macro expansion result exceeds N bytes`.
  public var maximumResultBytes: Int
  /// The most work (bytes scanned plus callbacks) one expansion may do.
  ///
  /// Beyond it: `macro expansion exceeds N steps`.
  public var maximumSteps: Int

  /// Creates limits.
  /// - Parameters:
  ///   - maximumDepth: The most parse levels active at once.
  ///   - maximumResultBytes: The most bytes one expansion may produce.
  ///   - maximumSteps: The most bytes scanned plus callbacks in one expansion.
  public init(maximumDepth: Int, maximumResultBytes: Int, maximumSteps: Int) {
    self.maximumDepth = maximumDepth
    self.maximumResultBytes = maximumResultBytes
    self.maximumSteps = maximumSteps
  }

  /// 1,000 levels, 256 MiB, 200 million steps: far above any real
  /// configuration (a 10 MB value needs about 10 million steps).
  public static let `default` = ExpansionLimits(
    maximumDepth: 1000, maximumResultBytes: 256 << 20, maximumSteps: 200_000_000)
}
