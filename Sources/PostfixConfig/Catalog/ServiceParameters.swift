/// Service-dependent parameter names, derived from master.cf (SPEC 5.1 (b)).
///
/// A master.cf service whose command is a delivery agent makes
/// `<service><suffix>` a valid parameter, e.g. `relay_destination_concurrency_limit`.
public enum ServiceParameters {
  /// The 16 suffixes of `local`, `error`, `virtual`, `smtp` and `lmtp` services.
  public static let deliverySuffixes: [String] = [
    "_delivery_slot_cost", "_delivery_slot_discount", "_delivery_slot_loan",
    "_destination_concurrency_failed_cohort_limit", "_destination_concurrency_limit",
    "_destination_concurrency_negative_feedback", "_destination_concurrency_positive_feedback",
    "_destination_rate_delay", "_destination_recipient_limit", "_extra_recipient_limit",
    "_initial_destination_concurrency", "_minimum_delivery_slots", "_recipient_limit",
    "_recipient_refill_delay", "_recipient_refill_limit", "_transport_rate_delay",
  ]

  /// The suffix of `pipe` and `spawn` services' time limit.
  public static let timeLimitSuffix = "_time_limit"

  /// The suffixes a service's command brings.
  /// - Parameter command: The master.cf command (its first word is used).
  /// - Returns: The suffixes, sorted bytewise; empty for other commands.
  public static func suffixes(command: String) -> [String] {
    var command = command
    return command.withUTF8 { suffixes(command: $0) }
  }

  /// ``suffixes(command:)`` for a command's bytes.
  static func suffixes(command bytes: UnsafeBufferPointer<UInt8>) -> [String] {
    // The first word, split at master.cf's blanks, as postconf splits it.
    let start = bytes.firstIndex { !MasterCF.isBlank($0) } ?? bytes.endIndex
    let end = bytes[start...].firstIndex(where: MasterCF.isBlank) ?? bytes.endIndex
    let word = UnsafeBufferPointer(rebasing: bytes[start..<end])
    // Most commands (smtpd, cleanup, ...) bring none: told apart by length
    // and bytes, without making a string of the word.
    func isWord(_ candidate: StaticString) -> Bool {
      candidate.withUTF8Buffer { word.hasSameBytes(as: $0) }
    }
    if isWord("local") || isWord("error") || isWord("virtual") || isWord("smtp")
      || isWord("lmtp")
    {
      return deliverySuffixes
    }
    if isWord("pipe") { return pipeSuffixes }
    if isWord("spawn") { return [timeLimitSuffix] }
    return []
  }

  /// The suffixes of `pipe` services, sorted bytewise.
  static let pipeSuffixes = (deliverySuffixes + [timeLimitSuffix]).sorted {
    $0.utf8.lexicographicallyPrecedes($1.utf8)
  }

  /// The service-dependent names of one master.cf service.
  /// - Parameters:
  ///   - service: The master.cf service name (first field).
  ///   - command: The master.cf command (its first word is used).
  /// - Returns: `service + suffix` for each suffix, sorted bytewise.
  public static func names(service: String, command: String) -> [String] {
    suffixes(command: command).map { service + $0 }
  }

  /// The service-dependent parameters of one master.cf service.
  ///
  /// Defaults and history come from postconf(5)'s `transport_<suffix>` entries,
  /// or from the name's own entry where it has one (`relay_destination_concurrency_limit`).
  /// A built-in name that a service also defines (`local_destination_concurrency_limit`
  /// for a `local` service) keeps its built-in default but is then of class `.service`:
  /// `postconf -C service` lists it and `-C builtin` does not.
  /// - Parameters:
  ///   - service: The master.cf service name.
  ///   - command: The master.cf command.
  ///   - catalog: Where the `transport_<suffix>` templates come from.
  /// - Returns: One ``CatalogParameter`` of class `.service` per name.
  public static func parameters(
    service: String, command: String, catalog: ParameterCatalog = .embedded
  ) -> [CatalogParameter] {
    suffixes(command: command).map { suffix in
      var parameter =
        catalog.parameter(service + suffix)
        ?? catalog.documentedServiceParameter(service + suffix)
        ?? catalog.serviceTemplate(suffix: suffix)
        ?? CatalogParameter(name: "", defaultValue: [], parameterClass: .service)
      parameter.name = service + suffix
      parameter.parameterClass = .service
      return parameter
    }
  }
}
