// Effective settings per service: `-o` overrides first, then main.cf.

extension MasterCF {
  /// A service and the program it runs.
  public struct ServiceCommand: Sendable, Equatable {
    /// The service name (field 1), such as `smtp` or `127.0.0.1:10025`.
    public var service: [UInt8]
    /// The service type (field 2), such as `inet`.
    public var type: [UInt8]
    /// The command (field 8), such as `smtpd` or `pipe`.
    public var command: [UInt8]
    /// The 1-based line of the entry.
    public var line: Int

    /// The command's base name (postconf's service-local `process_name`).
    public var processName: [UInt8] {
      if let slash = command.lastIndex(of: UInt8(ascii: "/")) {
        return Array(command[(slash + 1)...])
      }
      return command
    }
  }

  /// The valid entries' services and commands, in file order (duplicates kept),
  /// from which callers derive service-dependent parameter names.
  public var serviceCommands: [ServiceCommand] {
    entries.compactMap { entry in
      let argv = entry.argv
      guard entry.isValid, argv.count > 7 else { return nil }
      return ServiceCommand(
        service: Array(argv[0]), type: Array(argv[1]), command: Array(argv[7]),
        line: entry.firstLine)
    }
  }

  /// The `-o name=value` overrides of every valid entry with this service name
  /// and type, in file order (later ones win).
  /// - Parameters:
  ///   - service: The service name (field 1).
  ///   - type: The service type (field 2).
  /// - Returns: The overrides with the lines they came from.
  public func overrides(service: [UInt8], type: [UInt8]) -> [Override] {
    var result: [Override] = []
    for entry in entries
    where entry.isValid && entry.isService(service, type: type) {
      entry.forEachOverride { name, value, line in
        result.append(Override(name: Array(name), value: Array(value), line: line))
      }
    }
    return result
  }

  /// A service's name and type: the key postconf keeps one parameter
  /// dictionary under (entries that repeat it share their overrides).
  public struct ServiceKey: Hashable, Sendable {
    /// The service name (field 1).
    public var service: [UInt8]
    /// The service type (field 2).
    public var type: [UInt8]

    /// Creates a key.
    /// - Parameters:
    ///   - service: The service name (field 1).
    ///   - type: The service type (field 2).
    public init(service: [UInt8], type: [UInt8]) {
      self.service = service
      self.type = type
    }
  }

  /// How many `-o name=value` overrides each service has, over all its valid
  /// entries (the count of ``overrides(service:type:)`` for each key).
  ///
  /// One pass over the entries, copying no override: a caller that asks
  /// about many services uses this rather than ``overrides(service:type:)``,
  /// which reads every entry for each service.
  /// - Returns: The count for each service that has a valid entry (0 when it
  ///   has none).
  public func overrideCountsByService() -> [ServiceKey: Int] {
    var result: [ServiceKey: Int] = [:]
    for entry in entries where entry.isValid {
      let argv = entry.argv
      var count = 0
      argv.withBuffers { buffers in
        Entry.forEachOverrideSpans(of: argv, in: buffers) { _ in count += 1 }
      }
      result[ServiceKey(service: Array(argv[0]), type: Array(argv[1])), default: 0] += count
    }
    return result
  }

  /// The value of parameter `name` as service `service`/`type` sees it: its
  /// last `-o` override if any, else main.cf's value, else nil (the caller
  /// falls back to the default).
  /// - Parameters:
  ///   - name: The parameter name.
  ///   - service: The service name.
  ///   - type: The service type.
  ///   - mainCF: Looks a name up in main.cf (nil when not set there).
  /// - Returns: The value, or nil.
  public func effectiveValue(
    of name: [UInt8], service: [UInt8], type: [UInt8], mainCF: ([UInt8]) -> [UInt8]?
  ) -> [UInt8]? {
    var last: ArraySlice<UInt8>?
    for entry in entries
    where entry.isValid && entry.isService(service, type: type) {
      entry.forEachOverride { overrideName, value, _ in
        if overrideName.elementsEqual(name) { last = value }
      }
    }
    if let last { return Array(last) }
    return mainCF(name)
  }

  /// postconf's `DIR/master.cf: unused parameter: NAME=VALUE` warnings.
  ///
  /// postconf keeps one parameter dictionary per `service/type`, so duplicate
  /// entries share (and each repeat) their parameters. Within one entry the
  /// order is first appearance (postconf's is hash order, i.e. unspecified).
  /// - Parameters:
  ///   - path: The master.cf path used in messages (`DIR/master.cf`).
  ///   - isUsed: Whether `name` is valid for the entry: a known or
  ///     service-dependent parameter, referenced as `$name` from main.cf or from
  ///     another `-o` of the same service, or a restriction class.
  /// - Returns: The warnings, in postconf's order (entries in file order).
  public func unusedParameterWarnings(
    path: String = "master.cf", isUsed: (_ entry: Entry, _ name: [UInt8]) -> Bool
  ) -> [Diagnostic] {
    let unused = unusedParameters { entry, name in isUsed(entry, Array(name)) }
    let head = MasterCF.bytes("\(path): unused parameter: ")
    return unused.found.map { item in
      let (name, value) = unused.parameter(item, in: entries)
      return MasterCF.warning(
        head + name + [UInt8(ascii: "=")] + value, line: entries[Int(item.entry)].firstLine,
        path: path)
    }
  }

  /// The `-o` parameters postconf warns about as unused, in its order, as
  /// places in the document: no parameter or message is copied (a file of
  /// many services with `-o` settings postconf does not know has as many
  /// warnings).
  /// - Parameter isUsed: Whether `name` is valid for the entry (see
  ///   ``unusedParameterWarnings(path:isUsed:)``).
  /// - Returns: The places of the unused parameters.
  func unusedParameters(isUsed: (_ entry: Entry, _ name: ArraySlice<UInt8>) -> Bool)
    -> UnusedParameters
  {
    let groups = parameterGroups()
    // Room for one an attached entry, so a file of many services with an
    // unknown `-o` each does not grow the list by copying (room not used
    // is not touched).
    var found: [UnusedParameters.Place] = []
    var attached = 0
    groups.forEachAttached { _, _ in attached += 1 }
    found.reserveCapacity(attached)
    // Through a pointer: an entry is lent to `isUsed`, not copied (a dozen
    // references retained and released).
    entries.withUnsafeBufferPointer { list in
      // Only valid entries have a group.
      groups.forEachAttached { index, group in
        let parameters = groups.parameters(of: group, in: entries)
        for parameter in Self.walkOrder(of: parameters)
        where !isUsed(list[index], parameters[parameter].name) {
          found.append((Int32(index), Int32(group), Int32(parameter)))
        }
      }
    }
    return UnusedParameters(groups: groups, found: found)
  }

  /// The order postconf (with `NORANDOMIZE=1`) walks a group's parameters
  /// in: its hash table's, not the order of the `-o` options.
  static func walkOrder(of parameters: [SliceMerger.Parameter]) -> [Int] {
    let count = parameters.count
    guard count > 1 else { return Array(0..<count) }
    return HashOrder.distinctOrder(
      count: count, initialSize: PostconfAdapters.dictionarySize,
      hash: { HashOrder.hash(parameters[$0].name) }, element: { $0 })
  }

  /// Unused `-o` parameters (``unusedParameters(isUsed:)``): each as its
  /// entry, its group of ``parameterGroups()`` and its place there.
  struct UnusedParameters {
    typealias Place = (entry: Int32, group: Int32, parameter: Int32)
    let groups: ParameterGroups
    let found: [Place]

    /// The name and value of an unused parameter of `entries` (the
    /// document's, which the places are in).
    func parameter(_ place: Place, in entries: [Entry]) -> (
      name: ArraySlice<UInt8>, value: ArraySlice<UInt8>
    ) {
      groups.parameter(Int(place.parameter), of: Int(place.group), in: entries)
    }
  }
}
