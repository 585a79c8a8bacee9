/// The one place where the postconf emulation meets the document, catalogue,
/// expansion and master.cf modules.
enum PostconfAdapters {
  struct ExpansionWarnings: Error {
    var warnings: [String]
    var fatal: String
  }

  enum EditMode {
    case set
    case remove
    case commentOut
  }

  struct EditRequest {
    var edit: MainCFEdit
    var warnings: [String]
  }

  /// Postfix's `split_nameval`: name up to blanks or `=`, value trimmed.
  static func splitNameValue(_ bytes: [UInt8]) -> (name: [UInt8], value: [UInt8])? {
    guard let request = try? MainCFEdit.parse(mode: .set, arguments: [bytes]).requests.first,
      let value = request.value
    else { return nil }
    return (request.name, value)
  }

  static func catalogParameters(_ catalog: ParameterCatalog) -> [CatalogParameter] {
    (catalog.names + catalog.unlistedNames).compactMap { catalog.parameter($0) }
  }

  static func serviceParameters(service: String, command: String, catalog: ParameterCatalog)
    -> [CatalogParameter]
  {
    ServiceParameters.parameters(service: service, command: command, catalog: catalog)
  }

  static func expand(
    _ value: [UInt8], memo: ExpansionMemo? = nil, engineOnly: Bool = false,
    lookup: @escaping (String) -> [UInt8]?
  ) -> Expansion {
    var expander = ParameterExpander(lookup: lookup)
    expander.memo = memo
    return expander.tracedExpand(value, engineOnly: engineOnly).expansion
  }

  /// postconf's start-up scan of one value: both branches of conditionals,
  /// each reference and each syntax warning in the order postconf prints them.
  static func scan(_ value: [UInt8]) -> [ScanResult.Event] {
    ParameterExpander.scan(value, isDefined: { _ in true }).events
  }

  /// The order in which postconf (with `NORANDOMIZE=1`) walks a dictionary
  /// whose keys were inserted in this order.
  static func hashOrder(_ entries: [(key: [UInt8], value: [UInt8])]) -> [(
    key: [UInt8], value: [UInt8]
  )] {
    // One key is in the one order there is.
    guard entries.count > 1 else { return entries }
    return HashOrder.order(of: entries.map(\.key), initialSize: dictionarySize).map { entries[$0] }
  }

  /// The initial size of postconf's parameter dictionaries.
  static let dictionarySize = 13

  static func parseEdit(mode: EditMode, arguments: [[UInt8]]) throws -> EditRequest {
    let editMode: MainCFEdit.Mode
    switch mode {
    case .set: editMode = .set
    case .remove: editMode = .remove
    case .commentOut: editMode = .commentOut
    }
    do {
      let edit = try MainCFEdit.parse(mode: editMode, arguments: arguments)
      return EditRequest(edit: edit, warnings: edit.warnings.map(\.message))
    } catch let error as PostfixConfigError {
      throw PostconfFatal(message: error.reason)
    }
  }

  static func applyEdit(_ edit: MainCFEdit, to bytes: [UInt8], path: String) -> (
    bytes: [UInt8], warnings: [String]
  ) {
    let result = MainCF(bytes: bytes).applying(edit, path: path)
    return (result.document.serialized(), result.warnings.map(\.message))
  }

  static func readMaster(_ bytes: [UInt8], path: String) -> PostconfMaster {
    readMaster(MasterCF(bytes: bytes), path: path)
  }

  static func readMaster(_ document: MasterCF, path: String) -> PostconfMaster {
    // Four bytes a service: its name, type and command are read from the
    // entry when the service is registered.
    var services: [Int32] = []
    services.reserveCapacity(document.entries.count)
    for index in document.entries.indices where document.entries[index].isValid {
      services.append(Int32(index))
    }
    return PostconfMaster(
      document: document, services: services,
      diagnostics: document.readingDiagnostics(path: path).diagnostics)
  }

  static func showMaster(
    _ master: PostconfMaster, options: PostconfOptions, path: String,
    expand: MasterCF.Expander?
  ) -> MasterCF.Report {
    let mode = options.mode
    let fold = mode.contains(.fold)
    if mode.contains(.masterFields) {
      return master.document.printFields(
        patterns: options.operands, fold: fold, hideName: mode.contains(.hideName),
        hideValue: mode.contains(.hideValue), path: path, expand: expand)
    }
    if mode.contains(.masterParameters) {
      return master.document.printParameters(
        patterns: options.operands, fold: fold, hideName: mode.contains(.hideName),
        hideValue: mode.contains(.hideValue), path: path, expand: expand)
    }
    return master.document.printEntries(
      patterns: options.operands, fold: fold, path: path, expand: expand)
  }

  static func editMaster(_ bytes: [UInt8], options: PostconfOptions, path: String)
    -> MasterCF.EditResult
  {
    let mode = options.mode
    let operation: MasterCF.EditOperation
    if mode.contains(.masterEntries) {
      if mode.contains(.exclude) {
        operation = .removeEntry
      } else if mode.contains(.commentOut) {
        operation = .commentOutEntry
      } else {
        operation = .setEntry
      }
    } else if mode.contains(.masterFields) {
      operation = .setField
    } else {
      operation = mode.contains(.exclude) ? .removeParameter : .setParameter
    }
    return MasterCF(bytes: bytes).edited(operation, requests: options.operands, path: path)
  }
}

/// master.cf as the postconf emulation needs it.
struct PostconfMaster: Sendable {
  /// A service of master.cf: a valid entry.
  struct Service: Sendable {
    var name: String
    var type: String
    var command: String
    var line: Int
    /// The position of the service's entry in ``PostconfMaster/document``.
    var entry: Int
  }

  var document: MasterCF
  /// The positions of the valid entries in ``document``.
  var services: [Int32]
  var diagnostics: [Diagnostic]

  /// How many service parameters the services bring (the names their
  /// registration may add to the name table).
  var serviceParameterCount: Int {
    services.reduce(0) { count, position in
      let suffixes = document.entries[Int(position)].withCommand {
        ServiceParameters.suffixes(command: $0).count
      }
      return count + (suffixes ?? 0)
    }
  }

  /// The service of the valid entry at `index` of ``document``.
  func service(at index: Int32) -> Service {
    service(at: index, argv: document.entries[Int(index)].argv)
  }

  /// The service of the valid entry at `index`, whose arguments are `argv`.
  func service(at index: Int32, argv: MasterCF.ArgumentList) -> Service {
    let entry = Int(index)
    return Service(
      name: String(decoding: argv[0], as: UTF8.self),
      type: String(decoding: argv[1], as: UTF8.self),
      command: String(decoding: argv[7], as: UTF8.self), line: document.entries[entry].firstLine,
      entry: entry)
  }
}
