import PostfixConfig

/// The file and host access of `pfharden postconf` (thin wrappers over the
/// PostfixConfig IO layer).
enum SystemFiles {
  static func read(_ path: String) -> PostconfInputs.File {
    .unreadable("No such file or directory")
  }

  static func host(processName: String) -> HostEnvironment { HostEnvironment() }

  static func catalog() -> ParameterCatalog { ParameterCatalog() }

  static func writePostconfStyle(_ bytes: [UInt8], to path: String) -> String? { nil }
}
