import Glibc
import PostfixConfig

/// A private copy of a configuration directory that holds a plan's new
/// files, so that they are validated before anything is written.
///
/// postconf reads a file again while it was modified within the last two
/// seconds (Postfix's `load_file` lets it "cool down"), so validating the
/// configuration directory right after writing it waits up to two seconds.
/// The stage is a new `mkdtemp` directory (mode 0700) whose main.cf and
/// master.cf are the plan's new bytes with a modification time a minute in
/// the past; every other name of the configuration directory is a symbolic
/// link to the original, so that files named relative to
/// `$config_directory` (database client files, `dynamicmaps.cf`) are found.
struct ValidationStage {
  /// The stage directory.
  let path: String
  /// The configuration directory it stands for.
  let configDirectory: String

  /// Builds the stage for `plan`.
  /// - Parameter plan: The plan whose new files are staged.
  /// - Returns: The stage; ``remove()`` deletes it.
  /// - Throws: ``PostfixHardeningError`` `configuration` when it cannot be built.
  static func make(_ plan: ApplyPlan) throws -> ValidationStage {
    let path = try HostFiles.makePrivateDirectory(prefix: "pfharden-validate-")
    let stage = ValidationStage(path: path, configDirectory: plan.configDirectory)
    do {
      var staged: [String: [UInt8]] = ["main.cf": plan.mainCF.updated]
      if let master = plan.masterCF { staged["master.cf"] = master.updated }
      for (name, bytes) in staged {
        try HostFiles.createNew(bytes, at: path + "/" + name, mode: 0o644)
        var times = [
          timespec(tv_sec: time(nil) - 60, tv_nsec: 0),
          timespec(tv_sec: time(nil) - 60, tv_nsec: 0),
        ]
        _ = utimensat(AT_FDCWD, path + "/" + name, &times, AT_SYMLINK_NOFOLLOW)
      }
      for name in try HostFiles.names(in: plan.configDirectory) where staged[name] == nil {
        guard symlink(plan.configDirectory + "/" + name, path + "/" + name) == 0 else {
          throw HostFiles.failure("symlink \(path)/\(name)")
        }
      }
    } catch {
      stage.remove()
      throw error
    }
    return stage
  }

  /// Deletes the stage (its links only, never what they point to).
  func remove() { HostFiles.removeTree(path) }

  /// Messages about the stage, naming the configuration directory instead.
  /// - Parameter validation: What the validator printed for the stage.
  /// - Returns: The same result with every mention of the stage replaced.
  func naming(_ validation: ApplyExecutor.Validation) -> ApplyExecutor.Validation {
    ApplyExecutor.Validation(
      succeeded: validation.succeeded,
      messages: validation.messages.map { $0.replacing(path, with: configDirectory) })
  }
}
