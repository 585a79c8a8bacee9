/// What `postconf`'s start-up pass found for one setting.
///
/// `postconf` prints ``scan``'s events as warnings; when ``failure`` is set it
/// then prints the failure's warnings and `fatal: <fatal>`, and the whole
/// display command exits 1 before printing anything to stdout.
struct StartUpCheck: Equatable, Sendable {
  /// The scan of the value (nil for a raw parameter, which is not scanned).
  var scan: ScanResult?
  /// The failed expansion of a known parameter's value: fatal for the command.
  var failure: Expansion?

  /// Creates a result.
  /// - Parameters:
  ///   - scan: The scan of the value.
  ///   - failure: The failed expansion, if any.
  init(scan: ScanResult?, failure: Expansion?) {
    self.scan = scan
    self.failure = failure
  }

  /// Whether the display command must stop with `fatal:`.
  var isFatal: Bool { failure != nil }
}

extension ParameterExpander {
  /// The start-up work every display command (`postconf`, `-n`, `NAME…`, `-M`,
  /// `-F`, `-P`; not `-d`, not the edit modes) does for one main.cf setting or
  /// master.cf `-o` setting: scan the value unless the parameter is raw, then,
  /// when the name is known (built-in or service-dependent) and not raw,
  /// expand it fully.
  ///
  /// Call it for each setting in Postfix's hash order (or a documented order)
  /// and stop at the first fatal result.
  /// - Parameters:
  ///   - name: The parameter name.
  ///   - value: Its raw value.
  ///   - isKnown: Whether the name is a built-in or service-dependent parameter.
  ///   - isDefined: Whether a referenced name is known or set (for the scan).
  /// - Returns: The scan and, if the expansion failed, the failure.
  func startUpCheck(
    name: String, value: [UInt8], isKnown: Bool, isDefined: (String) -> Bool
  ) -> StartUpCheck {
    guard isScanned(name) else { return StartUpCheck(scan: nil, failure: nil) }
    let scan = ParameterExpander.scan(value, isDefined: isDefined, limits: limits)
    guard isKnown else { return StartUpCheck(scan: scan, failure: nil) }
    let expansion = expand(value)
    return StartUpCheck(scan: scan, failure: expansion.value == nil ? expansion : nil)
  }
}
