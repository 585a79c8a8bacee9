/// The one place where the postconf emulation meets the document, catalogue,
/// expansion and master.cf modules.
enum PostconfAdapters {
  enum MainReadEvent {
    case entry(name: [UInt8], value: [UInt8], line: Int)
    case warning(String)
    case fatal(String)
  }

  struct ExpansionWarnings: Error {
    var warnings: [String]
  }

  enum EditMode {
    case set
    case remove
    case commentOut
  }

  struct EditRequest {
    var edit: [[UInt8]]
    var warnings: [String]
  }

  static func readMain(_ bytes: [UInt8], path: String) -> [MainReadEvent] { [] }

  static func splitNameValue(_ bytes: [UInt8]) -> (name: [UInt8], value: [UInt8])? { nil }

  static func catalogParameters(_ catalog: ParameterCatalog) -> [CatalogParameter] {
    (catalog.names + catalog.unlistedNames).compactMap { catalog.parameter($0) }
  }

  static func hostDefault(
    _ name: String, inputs: PostconfInputs, defaultsOnly: Bool,
    explicit: (String) -> [UInt8]?
  ) throws -> [UInt8]? {
    switch HostDefaults.value(
      of: name, host: inputs.host, mainValue: explicit, defaultsOnly: defaultsOnly)
    {
    case .value(let bytes): return bytes
    case .fatal(let message): throw PostconfFatal(message: message)
    case nil: return nil
    }
  }

  static func serviceParameters(service: String, command: String, catalog: ParameterCatalog)
    -> [CatalogParameter]
  {
    ServiceParameters.parameters(service: service, command: command, catalog: catalog)
  }

  static func expand(_ value: [UInt8], lookup: (String) -> [UInt8]?) -> Result<
    [UInt8], ExpansionWarnings
  > { .success(value) }

  static func scan(_ value: [UInt8], isDefined: (String) -> Bool) -> (
    references: [String], warnings: [String]
  ) { ([], []) }

  static func hashOrder(_ entries: [(key: [UInt8], value: [UInt8])]) -> [(
    key: [UInt8], value: [UInt8]
  )] { entries }

  static func legacyDatabaseParameters(in value: [UInt8], catalog: ParameterCatalog) -> [String] {
    LegacyDatabase.parameterNames(in: value) { catalog.legacyDatabaseSuffixes(type: $0) }
  }

  static func parseEdit(mode: EditMode, arguments: [[UInt8]]) throws -> EditRequest {
    EditRequest(edit: arguments, warnings: [])
  }

  static func applyEdit(_ edit: [[UInt8]], to bytes: [UInt8], path: String) -> (
    bytes: [UInt8], warnings: [String]
  ) { (bytes, []) }

  static func readMaster(_ bytes: [UInt8], path: String) -> PostconfMaster {
    PostconfMaster(services: [], diagnostics: [])
  }

  static func showMaster(
    _ master: PostconfMaster, options: PostconfOptions, expand: (([UInt8], Int) -> [UInt8]?)?
  ) -> (output: [UInt8], warnings: [String], fatal: String?) { ([], [], nil) }

  static func editMaster(_ file: PostconfInputs.File, options: PostconfOptions, path: String) -> (
    bytes: [UInt8]?, warnings: [String], fatal: String?
  ) { (nil, [], nil) }
}

/// master.cf as the postconf emulation needs it.
struct PostconfMaster {
  struct Service {
    var name: String
    var type: String
    var command: String
    var line: Int
    var overrides: [(name: [UInt8], value: [UInt8])]
  }

  var services: [Service]
  var diagnostics: [Diagnostic]
}
