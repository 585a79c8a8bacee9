/// Parameter-by-parameter differences between two sets of settings.
public enum SnapshotDiff {
  /// One difference.
  public enum Change: Sendable, Equatable {
    /// Only in the second.
    case added(name: String, value: String)
    /// Only in the first.
    case removed(name: String, value: String)
    /// In both, with different values.
    case changed(name: String, old: String, new: String)

    /// The parameter name.
    public var name: String {
      switch self {
      case .added(let name, _), .removed(let name, _), .changed(let name, _, _): return name
      }
    }
  }

  /// Parameters that change on every run and are never reported.
  public static let volatile: Set<String> = ["process_id"]

  /// The differences, sorted by name.
  ///
  /// Values are compared with runs of whitespace collapsed, as postconf prints
  /// them; ``volatile`` names are skipped.
  /// - Parameters:
  ///   - old: The first settings.
  ///   - new: The second settings.
  /// - Returns: The changes.
  public static func compare(_ old: [String: String], _ new: [String: String]) -> [Change] {
    let names = Set(old.keys).union(new.keys).subtracting(volatile).sorted()
    return names.compactMap { name in
      switch (old[name], new[name]) {
      case (let before?, let after?):
        return normalized(before) == normalized(after)
          ? nil : .changed(name: name, old: before, new: after)
      case (let before?, nil):
        return .removed(name: name, value: before)
      case (nil, let after?):
        return .added(name: name, value: after)
      case (nil, nil):
        return nil
      }
    }
  }

  static func normalized(_ value: String) -> [Substring] {
    value.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" })
  }
}
