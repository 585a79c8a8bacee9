import PostfixConfig

/// What `apply` would change.
///
/// New file contents, the parameter changes behind them and what Postfix needs
/// afterwards. Nothing is written by building it.
public struct ApplyPlan: Sendable {
  /// One file's content before and after.
  public struct FileChange: Sendable, Equatable {
    /// The file's path.
    public var path: String
    /// The bytes read (what the write insists is still there).
    public var original: [UInt8]
    /// The bytes to write.
    public var updated: [UInt8]
    /// Whether the content changes.
    public var isChanged: Bool { original != updated }
  }

  /// One parameter change.
  public struct ParameterChange: Sendable, Equatable {
    /// `main.cf`, or the master.cf service (`submission/inet`).
    public var scope: String
    /// The parameter (or `service` for a new master.cf entry).
    public var name: String
    /// The value before (`nil`: not set there).
    public var old: String?
    /// The value after (`nil`: removed).
    public var new: String?
    /// The transform responsible.
    public var transform: String
  }

  /// The configuration directory.
  public var configDirectory: String
  /// main.cf.
  public var mainCF: FileChange
  /// master.cf (`nil` when there is none).
  public var masterCF: FileChange?
  /// The parameter changes, in application order.
  public var changes: [ParameterChange]
  /// The transforms applied (also those that found nothing to change).
  public var transforms: [Transform]
  /// Transforms or settings left out, with the reason (too old a Postfix).
  public var skipped: [String]
  /// What Postfix needs for the changes to take effect.
  public var activation: Transform.Activation

  /// Whether any file changes.
  public var hasChanges: Bool { mainCF.isChanged || (masterCF?.isChanged ?? false) }

  /// Whether relaying changed (then deferred mail may deserve a `postqueue -f`).
  public var relayChanged: Bool {
    let relay: Set<String> = [
      "mynetworks", "relay_domains", "smtpd_relay_restrictions", "relayhost",
      "smtpd_recipient_restrictions",
    ]
    return changes.contains { relay.contains($0.name) }
  }

  /// The audit rules the applied transforms satisfy.
  public var ruleIDs: [String] {
    var seen: [String] = []
    for id in transforms.flatMap(\.ruleIDs) where !seen.contains(id) { seen.append(id) }
    return seen
  }

  /// The unified diff of both files (empty when nothing changes).
  public func unifiedDiff() -> [UInt8] {
    var output = UnifiedDiff.diff(
      old: mainCF.original, new: mainCF.updated, path: mainCF.path)
    if let masterCF {
      output += UnifiedDiff.diff(
        old: masterCF.original, new: masterCF.updated, path: masterCF.path)
    }
    return output
  }
}
