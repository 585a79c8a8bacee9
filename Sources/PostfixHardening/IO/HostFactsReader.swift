import PostfixConfig

#if canImport(Glibc)
import Glibc
#endif

/// Gathers ``HostFacts`` from the running system (thin: stat, access, reads).
public enum HostFactsReader {
  /// Facts for the files a configuration names.
  /// - Parameters:
  ///   - configuration: The configuration (names the files to look at).
  ///   - live: Whether to read the listening sockets too.
  /// - Returns: The facts.
  public static func gather(configuration: PostfixConfiguration, live: Bool) -> HostFacts {
    var paths: Set<String> = [
      configuration.configDirectory + "/main.cf", configuration.configDirectory + "/master.cf",
    ]
    var dhPaths: Set<String> = []
    var scopes: [(String, String)?] = [nil]
    scopes += configuration.services.map { ($0.name, $0.type) }
    for scope in scopes {
      // The service's name space is found once for its eight values.
      let position = scope.flatMap { configuration.scopePosition(service: $0.0, type: $0.1) }
      func value(_ name: String) -> PostfixConfiguration.Setting {
        scope.map {
          configuration.setting(name, service: $0.0, type: $0.1, scopePosition: position)
        } ?? configuration.setting(name)
      }
      for name in [
        "smtpd_tls_cert_file", "smtpd_tls_key_file", "smtpd_tls_eccert_file",
        "smtpd_tls_eckey_file", "smtpd_tls_chain_files", "smtp_tls_key_file", "queue_directory",
      ] {
        paths.formUnion(value(name).words.filter { $0.hasPrefix("/") })
      }
      dhPaths.formUnion(
        value("smtpd_tls_dh1024_param_file").words.filter { $0.hasPrefix("/") })
    }
    var files: [String: HostFacts.FileFact] = [:]
    for path in paths.union(dhPaths) { files[path] = fact(path) }
    var dh: [String: Int?] = [:]
    for path in dhPaths {
      dh[path] = (try? ConfigFile.read(path: path, limit: DHParameterFile.sizeLimit)).flatMap {
        DHParameterFile.primeBits(pem: $0)
      }
    }
    var clientFiles: [[UInt8]: DatabaseClientFile.Content] = [:]
    for file in configuration.databaseClientFiles where clientFiles[file.path] == nil {
      clientFiles[file.path] = DatabaseClientFile.read(path: file.path)
    }
    return HostFacts(
      isRoot: geteuid() == 0, files: files, dhParameterBits: dh,
      listening: live ? ProcNetTCP.current() : nil, databaseClientFiles: clientFiles)
  }

  /// What `stat` and `access` say about one path.
  /// - Parameter path: An absolute path.
  /// - Returns: The fact (`exists == false` when stat fails).
  public static func fact(_ path: String) -> HostFacts.FileFact {
    var info = stat()
    guard stat(path, &info) == 0 else { return HostFacts.FileFact(exists: false, readable: false) }
    return HostFacts.FileFact(
      exists: true, readable: access(path, R_OK) == 0, uid: info.st_uid, gid: info.st_gid,
      mode: UInt32(info.st_mode) & 0o7777, isDirectory: (info.st_mode & S_IFMT) == S_IFDIR)
  }
}
