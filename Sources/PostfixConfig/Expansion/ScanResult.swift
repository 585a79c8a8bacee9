/// What the start-up scan of one value found (`mac_expand` with flag `SCAN`).
///
/// The scan visits both branches of every conditional and does not follow
/// references into other values. `postconf` prints, for each ``Event`` in
/// order, `warning: <text>` or (for an undefined reference)
/// `warning: DIR/main.cf: undefined parameter: NAME` (`DIR/master.cf` for a
/// master.cf `-o` value). It never fails the command.
struct ScanResult: Equatable, Sendable {
  /// One observation, in the order `postconf` makes it.
  enum Event: Equatable, Sendable {
    /// A `$NAME` / `${NAME...}` reference; `defined` is what `isDefined` said.
    case reference(String, defined: Bool)
    /// A syntax or nesting warning (the text after `warning: `, sanitised).
    case warning(String)
  }

  /// Every observation, in order.
  var events: [Event]
  /// Whether the scan hit a syntax error (`MAC_PARSE_ERROR`); names after the
  /// error are not seen, exactly as in Postfix.
  var hadError: Bool

  /// Creates a scan result.
  /// - Parameters:
  ///   - events: The observations in order.
  ///   - hadError: Whether a syntax error was found.
  init(events: [Event], hadError: Bool) {
    self.events = events
    self.hadError = hadError
  }

  /// Every referenced name, once per reference, in order.
  ///
  /// A name found here counts as "used" for the unused-parameter check. The empty name appears
  /// for `${}`-like bodies such as `${ }` or `${?x}`, which Postfix looks up too.
  var referencedNames: [String] {
    events.compactMap {
      if case .reference(let name, _) = $0 { return name }
      return nil
    }
  }

  /// The references for which `isDefined` was false, once per reference, in
  /// order: each is one `undefined parameter: NAME` warning.
  var undefined: [String] {
    events.compactMap {
      if case .reference(let name, false) = $0 { return name }
      return nil
    }
  }

  /// The syntax and nesting warnings, in order.
  var warnings: [String] {
    events.compactMap {
      if case .warning(let text) = $0 { return text }
      return nil
    }
  }
}
