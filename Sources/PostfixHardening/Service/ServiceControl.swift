import PostfixConfig

/// Reloading or restarting Postfix after `apply`.
public enum ServiceControl {
  /// Who starts and stops the instance.
  public enum Manager: Sendable, Equatable, CustomStringConvertible {
    /// systemd, through this unit (Debian 12: `postfix@-.service`).
    case systemd(systemctl: String, unit: String)
    /// `postfix -c DIR reload|stop|start`.
    case postfix(program: String)

    public var description: String {
      switch self {
      case .systemd(_, let unit): return "systemd (\(unit))"
      case .postfix(let program): return program
      }
    }
  }

  /// Debian's unit for the default instance.
  public static let defaultUnit = "postfix@-.service"

  /// How the instance in `configDirectory` is managed, or `nil` without Postfix.
  /// - Parameter configDirectory: The instance's configuration directory.
  /// - Returns: systemd when it runs the default instance from `/etc/postfix`
  ///   and the unit is active, else the `postfix` program.
  public static func manager(configDirectory: String) -> Manager? {
    if HostFiles.canonical(configDirectory) == "/etc/postfix",
      HostFiles.isDirectory("/run/systemd/system"),
      let systemctl = SystemCommand.find(SystemCommand.systemctlCandidates),
      let state = try? SystemCommand.run(systemctl, ["is-active", "--quiet", defaultUnit]),
      state.status == 0
    {
      return .systemd(systemctl: systemctl, unit: defaultUnit)
    }
    return SystemCommand.find(SystemCommand.postfixCandidates).map { .postfix(program: $0) }
  }

  /// `postfix -c DIR check` (as root only: it creates missing queue directories
  /// and fails silently otherwise), for the instance about to be reloaded.
  /// - Parameter configDirectory: The instance's configuration directory.
  /// - Returns: The problems it reported; empty when it passed or could not run.
  public static func check(configDirectory: String) -> [String] {
    guard HostFiles.isRoot, let program = SystemCommand.find(SystemCommand.postfixCandidates),
      let output = try? SystemCommand.run(program, ["-c", configDirectory, "check"])
    else { return [] }
    let lines = (output.stderr + output.stdout).split(separator: 0x0A).map {
      Printable.sanitize($0)
    }
    if output.status != 0 && lines.isEmpty {
      return ["postfix check failed (status \(output.status))"]
    }
    return output.status == 0 ? lines.filter { $0.contains("warning:") } : lines
  }

  /// Reloads or restarts as `activation` needs.
  /// - Parameters:
  ///   - activation: What the change needs.
  ///   - manager: Who manages the instance.
  ///   - configDirectory: The configuration directory.
  /// - Throws: ``PostfixHardeningError`` `configuration` with the tool's output
  ///   when a step fails.
  public static func activate(
    _ activation: Transform.Activation, manager: Manager, configDirectory: String
  ) throws {
    let steps: [(String, [String])]
    switch (manager, activation) {
    case (_, .none):
      return
    case (.systemd(let systemctl, let unit), .reload):
      steps = [(systemctl, ["reload", unit])]
    case (.systemd(let systemctl, let unit), .restart):
      steps = [(systemctl, ["restart", unit])]
    case (.postfix(let program), .reload):
      steps = [(program, ["-c", configDirectory, "reload"])]
    case (.postfix(let program), .restart):
      steps = [
        (program, ["-c", configDirectory, "stop"]), (program, ["-c", configDirectory, "start"]),
      ]
    }
    for (program, arguments) in steps {
      let output = try SystemCommand.run(program, arguments)
      if output.status != 0 {
        throw PostfixHardeningError(
          .configuration,
          "\(program) \(arguments.joined(separator: " ")) failed (status \(output.status)): "
            + Printable.sanitize((output.stderr + output.stdout).prefix(2000)))
      }
    }
  }
}
