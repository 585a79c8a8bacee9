/// Expands `$name` references in Postfix parameter values exactly like
/// `postconf -x` (Postfix 3.7.11, `mac_parse.c` + `mac_expand.c` with the
/// `RECURSE` flag, and `compat_level.c` for the `level` operators).
///
/// ## Grammar
///
/// - `$$` is one literal `$` that is never expanded again; a `$$` inside a
///   *referenced* value is reduced again when that value is expanded.
/// - `$name` (longest run of `[A-Za-z0-9_]`), `${name}`, `$(name)` and
///   `${ name }` look the name up and expand its value recursively; an
///   undefined name expands to nothing.
/// - `${name?text}`: `text` when the value is defined and non-empty;
///   `${name:text}`: `text` when it is undefined or empty. Without a `{` after
///   `?`/`:` the text is all the rest, blanks and `:` included, so
///   `${x?a:b}` yields `a:b` and `${x? a}` yields ` a`.
///   `${name?{T}:{F}}` and `${name?{T}:F}` choose one of two texts.
/// - `${{A} OP {B}}` with `OP` one of `==` `!=` `<` `<=` `>=` `>` compares the
///   expanded operands, numerically only when both are all digits, else as
///   bytes, and yields `true` or nothing; it can be followed by `?`/`:` like a
///   name. `OPlevel` (`<level`, `==level`, ...) compares compatibility levels
///   (`3.10` is above `3.9`). `${name==value?...}` is a syntax error.
/// - A callback entered while more than 100 are active fails
///   (`unreasonable macro call nesting`): this stops reference loops and
///   chains longer than 100.
///
/// ## What a caller must do with a failure
///
/// - Under `-x`, any failed expansion of a displayed value makes the command
///   print its warnings, then `fatal: <fatal>`, and exit 1; **all** standard
///   output of that command is lost, also lines printed for earlier parameters
///   (Postfix flushes stdout only at exit).
/// - Independently of `-x`, every display command (`postconf`, `-n`, `NAME…`,
///   `-M`, `-F`, `-P`; not `-d`, not the edit modes) expands at start-up the
///   value of every main.cf setting and master.cf `-o` setting whose name is a
///   **known** (built-in or service-dependent) non-raw parameter, with the
///   branches the current values select. A failure there is fatal for the
///   whole command, before any output, even without `-x`. The same error in a
///   user-defined name only yields the `scan(_:isDefined:limits:)` warnings.
/// - The start-up pass walks the parameters in Postfix's hash order and, for
///   each, first scans its value, then (if known) expands it; so a syntax
///   warning usually appears twice before the fatal.
///
/// Values are bytes; a NUL byte ends a value as in C. Diagnostics are already
/// sanitised the way Postfix prints them. Resource use is bounded by
/// ``ExpansionLimits``.
public struct ParameterExpander {
  /// The parameters `postconf -x` prints verbatim and the start-up passes
  /// never scan or expand.
  ///
  /// They are still expanded when another value references them.
  public static let rawParameterNames: Set<String> = [
    "command_execution_directory", "default_rbl_reply", "forward_path", "luser_relay",
    "mailbox_command", "postscreen_expansion_filter", "postscreen_reject_footer",
    "smtpd_expansion_filter", "smtpd_reject_footer",
  ]

  private let lookup: (String) -> [UInt8]?
  private let isRaw: (String) -> Bool
  let limits: ExpansionLimits
  /// Expansions of referenced values kept across calls (see
  /// ``ExpansionMemo``: `lookup` must give the same value for a name while
  /// it is used); none by default.
  var memo: ExpansionMemo?

  /// Creates an expander.
  ///
  /// In `postconf`, `lookup` answers in this order: the master.cf service's
  /// `-o` settings (only for `-Mx`/`-Px` of that service), then the main.cf
  /// value (including `-o` on the command line), then the built-in or
  /// service-dependent default, also under `-n`; under `-dx` only defaults.
  ///
  /// `lookup` must not depend on the calling thread: a value that nests more
  /// than a few dozen levels deep is expanded on a helper thread with a large
  /// stack while the caller waits.
  /// - Parameters:
  ///   - lookup: A parameter's value, or nil when it is undefined.
  ///   - isRaw: Whether a parameter is never expanded for display
  ///     (see ``rawParameterNames``).
  ///   - limits: Resource bounds; the defaults suit any real configuration.
  public init(
    lookup: @escaping (String) -> [UInt8]?,
    isRaw: @escaping (String) -> Bool = { ParameterExpander.rawParameterNames.contains($0) },
    limits: ExpansionLimits = .default
  ) {
    self.lookup = lookup
    self.isRaw = isRaw
    self.limits = limits
  }

  /// Expands `value` fully, as `pcf_expand_parameter_value` does.
  /// - Parameter value: The raw value (for example from main.cf).
  /// - Returns: The expanded bytes, or the warnings and fatal text `postconf`
  ///   prints when it fails.
  public func expand(_ value: [UInt8]) -> Expansion {
    tracedExpand(value).expansion
  }

  /// ``expand(_:)``, also telling how the value was handled.
  /// - Parameters:
  ///   - value: The raw value.
  ///   - engineOnly: Always use the full engine (tests compare both ways).
  /// - Returns: The expansion and the way it was computed.
  func tracedExpand(_ value: [UInt8], engineOnly: Bool = false) -> (
    expansion: Expansion, path: MacroPath
  ) {
    let run = MacroEngine.run(
      value, scanning: false, limits: limits, lookup: lookup, engineOnly: engineOnly, memo: memo)
    switch run.outcome {
    case .success(let outcome):
      if outcome.error {
        return (.failure(warnings: run.warnings, fatal: MacroMessages.processingError), run.path)
      }
      return (.success(outcome.result), run.path)
    case .failure(let fatal):
      let warnings = run.warnings + (fatal.warning.map { [$0] } ?? [])
      return (.failure(warnings: warnings, fatal: fatal.message), run.path)
    }
  }

  /// The value `postconf -x NAME` displays: raw parameters verbatim, others
  /// expanded.
  /// - Parameter name: A parameter name.
  /// - Returns: nil when `lookup` does not know the name.
  public func displayValue(of name: String) -> Expansion? {
    guard let value = lookup(name) else { return nil }
    if isRaw(name) { return .success(value) }
    return expand(value)
  }

  /// Whether the start-up passes look at this parameter at all.
  /// - Parameter name: A parameter name.
  /// - Returns: False for raw parameters.
  public func isScanned(_ name: String) -> Bool { !isRaw(name) }

  /// The start-up scan `postconf` does over every non-raw value: main.cf
  /// values, built-in defaults and master.cf `-o` values.
  ///
  /// It visits both branches of every conditional, does not follow references,
  /// and never fails: it reports each referenced name (a user-defined name that
  /// some value references is "used"), each reference to a name for which
  /// `isDefined` is false (one `undefined parameter: NAME` warning per
  /// reference; `isDefined` should be true for known and for defined names),
  /// and the syntax warnings, in the order `postconf` prints them.
  /// - Parameters:
  ///   - value: The raw value.
  ///   - isDefined: Whether a name is known or set.
  ///   - limits: Resource bounds.
  /// - Returns: The observations in order.
  static func scan(
    _ value: [UInt8], isDefined: (String) -> Bool, limits: ExpansionLimits = .default
  ) -> ScanResult {
    tracedScan(value, isDefined: isDefined, limits: limits).result
  }

  /// ``scan(_:isDefined:limits:)``, also telling how the value was handled.
  /// - Parameters:
  ///   - value: The raw value.
  ///   - isDefined: Whether a name is known or set.
  ///   - limits: Resource bounds.
  ///   - engineOnly: Always use the full engine (tests compare both ways).
  /// - Returns: The observations and the way they were computed.
  static func tracedScan(
    _ value: [UInt8], isDefined: (String) -> Bool, limits: ExpansionLimits,
    engineOnly: Bool = false
  ) -> (result: ScanResult, path: MacroPath) {
    let run = MacroEngine.run(
      value, scanning: true, limits: limits, lookup: { _ in nil }, engineOnly: engineOnly)
    var events: [ScanResult.Event] = run.events.map {
      switch $0 {
      case .reference(let name): return .reference(name, defined: isDefined(name))
      case .warning(let text): return .warning(text)
      }
    }
    let hadError: Bool
    switch run.outcome {
    case .success(let outcome):
      hadError = outcome.error
    case .failure(let fatal):
      // Only resource limits end a scan early (relations are not evaluated).
      hadError = true
      if let warning = fatal.warning { events.append(.warning(warning)) }
    }
    return (ScanResult(events: events, hadError: hadError), run.path)
  }
}
