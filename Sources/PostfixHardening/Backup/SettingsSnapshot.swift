import PostfixConfig

/// Every effective setting of a configuration: the output of `postconf`.
public enum SettingsSnapshot {
  /// `postconf -c DIR` of the installed Postfix, or the same computed in
  /// process (with the embedded defaults) where Postfix is not installed.
  /// - Parameters:
  ///   - configDirectory: The configuration directory.
  ///   - postconf: The installed postconf, or `nil`.
  ///   - host: Host facts for the in-process computation.
  /// - Returns: The output.
  /// - Throws: ``PostfixHardeningError`` `configuration` when postconf fails.
  public static func take(configDirectory: String, postconf: String?, host: HostEnvironment)
    throws -> [UInt8]
  {
    if let postconf {
      let output = try SystemCommand.run(postconf, ["-c", configDirectory])
      guard output.status == 0 else {
        throw PostfixHardeningError(
          .configuration,
          "postconf -c \(configDirectory) failed: " + Printable.sanitize(output.stderr.prefix(500)))
      }
      return output.stdout
    }
    let main: PostconfInputs.File
    do {
      main = .contents(try ConfigFile.read(path: configDirectory + "/main.cf"))
    } catch let error as PostfixConfigError {
      throw PostfixHardeningError(.configuration, error.reason)
    }
    let master: PostconfInputs.File =
      (try? ConfigFile.read(path: configDirectory + "/master.cf")).map { .contents($0) }
      ?? .unreadable("No such file or directory")
    let inputs = PostconfInputs(
      programName: "postconf", configDirectory: configDirectory, configDirectoryInjected: true,
      mainCF: main, masterCF: master, host: host, catalog: .embedded)
    let outcome = Postconf.run(
      arguments: [Array("-c".utf8), Array(configDirectory.utf8)], inputs: inputs)
    guard outcome.exitStatus == 0 else {
      throw PostfixHardeningError(
        .configuration, "postconf failed: " + Printable.sanitize(outcome.stderr.prefix(500)))
    }
    return outcome.stdout
  }

  /// Parses snapshot text into settings (the last of repeated names wins).
  /// - Parameter bytes: `postconf` output.
  /// - Returns: Values by name.
  public static func settings(_ bytes: [UInt8]) -> [String: String] {
    var result: [String: String] = [:]
    for (name, value) in PostconfOutput.parse(bytes) {
      result[name] = String(decoding: value, as: UTF8.self)
    }
    return result
  }
}
