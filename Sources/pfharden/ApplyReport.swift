import PostfixConfig
import PostfixHardening

/// What `pfharden apply --format json` prints: the plan and what was done with
/// it, filled in as the run goes (docs/apply-json-schema.md, schema version 1).
struct ApplyReport {
  /// The schema version; fields are only ever added within one version.
  static let schemaVersion = 1

  /// How the run was asked to end.
  enum Mode: String {
    /// `--check`: write nothing, exit 1 when changes are pending.
    case check
    /// `--dry-run`: write nothing.
    case dryRun = "dry-run"
    /// A real run (`--yes`).
    case apply
  }

  var profile: String
  var configDirectory: String
  var mode: Mode
  var reloadRequested: Bool
  var postfixVersion: String?
  var hasChanges = false
  var notes: [String] = []
  var changes: [ApplyPlan.ParameterChange] = []
  var reasons: [(transform: String, summary: String)] = []
  var kept: [String] = []
  var activation = Transform.Activation.none
  var relayChanged = false
  var diff: [UInt8] = []
  var applied = false
  var backup: Backup.Result?
  var validated = false
  var reloaded = false
  var verified: [String] = []

  /// An empty report for an invocation.
  /// - Parameter invocation: The parsed command line.
  init(_ invocation: ApplyCommand.Invocation) {
    profile = invocation.profile.rawValue
    configDirectory = invocation.directory
    mode = invocation.check ? .check : invocation.dryRun ? .dryRun : .apply
    reloadRequested = invocation.reload
  }

  /// Records the plan: what changes, why, what was kept, what Postfix needs.
  /// - Parameters:
  ///   - plan: The plan.
  ///   - build: The profile's transforms, notes and what it kept.
  ///   - version: The Postfix release planned for.
  mutating func record(plan: ApplyPlan, build: Profile.Build, version: PostfixVersion) {
    hasChanges = plan.hasChanges
    postfixVersion = version.description
    notes = LibraryWording.notes(build) + plan.skipped
    changes = plan.hasChanges ? plan.changes : []
    let used = Set(plan.changes.map(\.transform))
    reasons = plan.transforms.filter { used.contains($0.id) }.map { ($0.id, $0.summary) }
    kept = build.kept.map(LibraryWording.kept)
    activation = plan.hasChanges ? plan.activation : .none
    relayChanged = plan.hasChanges && plan.relayChanged
    diff = plan.hasChanges ? plan.unifiedDiff() : []
  }

  /// The lines `Verified: …` of the text output, without that prefix.
  /// - Parameter text: What the run printed on standard output.
  mutating func recordVerified(from text: [UInt8]) {
    let prefix = Array("Verified: ".utf8)
    verified = text.split(separator: UInt8(ascii: "\n")).filter { $0.starts(with: prefix) }
      .map { String(decoding: $0.dropFirst(prefix.count), as: UTF8.self) }
  }

  /// The report as one JSON object.
  var value: JSONValue {
    func string(_ text: String?) -> JSONValue { text.map { .string($0) } ?? .null }
    let changeValues: [JSONValue] = changes.map { change in
      .object([
        ("scope", .string(change.scope)), ("name", .string(change.name)),
        ("old", string(change.old)), ("new", string(change.new)),
        ("transform", .string(change.transform)),
      ])
    }
    let reasonValues: [JSONValue] = reasons.map {
      .object([("transform", .string($0.transform)), ("summary", .string($0.summary))])
    }
    let backupValue: JSONValue =
      backup.map {
        .object([("archive", .string($0.archive)), ("snapshot", .string($0.snapshot))])
      } ?? .null
    let undo: JSONValue =
      backup.map {
        .string("pfharden restore \($0.archive) -c \(configDirectory) --yes")
      } ?? .null
    return .object([
      ("schemaVersion", .int(Self.schemaVersion)),
      ("profile", .string(profile)),
      ("configDirectory", .string(configDirectory)),
      ("mode", .string(mode.rawValue)),
      ("postfixVersion", string(postfixVersion)),
      ("hasChanges", .bool(hasChanges)),
      ("changes", .array(changeValues)),
      ("reasons", .array(reasonValues)),
      ("kept", .array(kept.map { .string($0) })),
      ("notes", .array(notes.map { .string($0) })),
      ("activation", .string(activation.description)),
      ("needs", .string(activation.instruction)),
      ("relayChanged", .bool(relayChanged)),
      ("diff", .string(String(decoding: diff, as: UTF8.self))),
      ("applied", .bool(applied)),
      ("backup", backupValue),
      ("undo", undo),
      ("validated", .bool(validated)),
      ("reloadRequested", .bool(reloadRequested)),
      ("reloaded", .bool(reloaded)),
      ("verified", .array(verified.map { .string($0) })),
    ])
  }

  /// The report as JSON text, ending in a newline.
  var rendered: String { value.rendered() + "\n" }
}
