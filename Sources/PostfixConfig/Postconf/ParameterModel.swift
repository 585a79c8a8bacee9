/// postconf's view of the parameters: the CONFIG_DICT of explicit settings,
/// the table of valid names (built-in, service-dependent, user-defined), and
/// the per-service `-o` name spaces of master.cf.
struct ParameterModel: Sendable {
  /// The class of a valid name.
  enum Kind: Sendable {
    case builtin
    case service
    case user
  }

  struct Node: Sendable {
    var kind: Kind
    /// For built-in and service parameters, the default text (`-d`).
    var defaultValue: [UInt8]?
    var isRaw = false
    var isReadOnly = false
    var isHostDependent = false
    var isUnlisted = false
  }

  /// One master.cf service's `-o` name space.
  struct ServiceScope: Sendable {
    var service: String
    var type: String
    var line: Int
    /// Settings in order of first appearance, last value winning.
    var settings = OrderedBytesDictionary()
    var validNames: Set<String> = []
  }

  let inputs: PostconfInputs
  let mode: PostconfOptions.Mode
  /// Explicit settings: `config_directory` from `-c`, main.cf, `-o`.
  var dictionary = OrderedBytesDictionary()
  /// Valid names.
  var table: [String: Node] = [:]
  var services: [ServiceScope] = []
  var restrictionClasses: Set<String> = []
  /// How many host-default computations are in progress (see ``defaultValue``).
  var hostDepth = 0
  /// main.cf's setting names in the order postconf walks them, once known.
  var mainOrder: [[UInt8]]?
  static let maximumHostDepth = 1

  init(inputs: PostconfInputs, mode: PostconfOptions.Mode) {
    self.inputs = inputs
    self.mode = mode
  }

  /// The value postconf uses for `name` when printing or expanding.
  ///
  /// `-d` (or a name without an explicit setting, outside `-n`) uses the
  /// default; otherwise the explicit setting (nil under `-n` when unset).
  func value(of name: String, mode: PostconfOptions.Mode) throws -> [UInt8]? {
    guard let node = table[name] else { return nil }
    if !mode.contains(.showDefaults), let explicit = dictionary[Array(name.utf8)] {
      return explicit
    }
    if mode.contains(.nonDefault) && !mode.contains(.showDefaults) { return nil }
    return try defaultValue(of: name, node: node, mode: mode)
  }

  func defaultValue(of name: String, node: Node, mode: PostconfOptions.Mode) throws -> [UInt8]? {
    if node.isHostDependent {
      // Host defaults read other settings (myhostname, inet_interfaces), whose
      // values may refer back to host defaults; like postconf, a host default
      // needed while another is being computed is empty.
      var inner = self
      inner.hostDepth += 1
      if hostDepth >= Self.maximumHostDepth { return [] }
      var failure: Error?
      let result = try PostconfAdapters.hostDefault(
        name, inputs: inputs, defaultsOnly: mode.contains(.showDefaults),
        explicit: { other in
          guard let raw = dictionary[Array(other.utf8)] else { return nil }
          do {
            return try inner.expand(raw, mode: [.expand])
          } catch {
            failure = failure ?? error
            return raw
          }
        })
      if let failure { throw failure }
      return result
    }
    return node.defaultValue ?? []
  }

  /// The expander postconf uses for `-Mx`, `-Fx` and `-Px`: the entry's own
  /// `-o` settings and `service_name` first.
  func masterExpander() -> MasterCF.Expander {
    let model = self
    return { value, entry in
      let service = String(decoding: entry.service ?? [], as: UTF8.self)
      let type = String(decoding: entry.type ?? [], as: UTF8.self)
      var scope =
        model.services.first { $0.service == service && $0.type == type }
        ?? ServiceScope(service: service, type: type, line: entry.firstLine)
      scope.settings[Array("service_name".utf8)] = entry.service ?? []
      return try? model.expand(value, mode: [.expand], scope: scope)
    }
  }

  /// Expands `value` with postconf's lookup rules (`-x`): names outside the
  /// table are undefined; a service scope's `-o` settings come first.
  func expand(_ value: [UInt8], mode: PostconfOptions.Mode, scope: ServiceScope? = nil)
    throws -> [UInt8]
  {
    let evalMode = mode.subtracting(.nonDefault)
    nonisolated(unsafe) var hostFailure: PostconfFatal?
    let result = PostconfAdapters.expand(value) { name in
      if let scope, let local = scope.settings[Array(name.utf8)] { return local }
      // postconf also finds names it has not (yet) validated in main.cf.
      if self.table[name] == nil {
        return evalMode.contains(.showDefaults) ? nil : self.dictionary[Array(name.utf8)]
      }
      do {
        return try self.value(of: name, mode: evalMode)
      } catch let fatal as PostconfFatal {
        hostFailure = hostFailure ?? fatal
        return nil
      } catch {
        return nil
      }
    }
    if let hostFailure { throw hostFailure }
    switch result {
    case .success(let bytes): return bytes
    case .failure(let failure):
      throw PostconfExpansionFailure(warnings: failure.warnings, fatal: failure.fatal)
    }
  }
}

/// An expansion error: postconf prints the warnings, then `fatal: macro processing error`.
struct PostconfExpansionFailure: Error {
  var warnings: [String]
  var fatal: String
}

/// A small insertion-ordered dictionary keyed by bytes (postconf's names are
/// arbitrary bytes; only valid ones are ASCII).
struct OrderedBytesDictionary: Sendable {
  private(set) var keys: [[UInt8]] = []
  private var storage: [ByteKey: [UInt8]] = [:]

  subscript(key: [UInt8]) -> [UInt8]? {
    get { storage[ByteKey(key)] }
    set {
      if let newValue {
        if storage.updateValue(newValue, forKey: ByteKey(key)) == nil { keys.append(key) }
      } else if storage.removeValue(forKey: ByteKey(key)) != nil {
        keys.removeAll { $0 == key }
      }
    }
  }

  var isEmpty: Bool { keys.isEmpty }

  /// Entries in insertion order.
  var entries: [(key: [UInt8], value: [UInt8])] {
    keys.compactMap { key in storage[ByteKey(key)].map { (key, $0) } }
  }
}
