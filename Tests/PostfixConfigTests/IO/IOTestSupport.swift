import Foundation

/// A scratch directory removed when the value goes away.
final class IOScratch {
  let directory: String

  init() throws {
    directory = NSTemporaryDirectory() + "pfharden-io-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
  }

  deinit { try? FileManager.default.removeItem(atPath: directory) }

  func path(_ name: String) -> String { directory + "/" + name }

  func write(_ name: String, _ text: String, mode: Int = 0o644) throws {
    try Data(text.utf8).write(to: URL(fileURLWithPath: path(name)))
    try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path(name))
  }

  func read(_ name: String) throws -> String {
    String(decoding: try Data(contentsOf: URL(fileURLWithPath: path(name))), as: UTF8.self)
  }

  func attributes(_ name: String) throws -> [FileAttributeKey: Any] {
    try FileManager.default.attributesOfItem(atPath: path(name))
  }

  func mode(_ name: String) throws -> Int {
    (try attributes(name)[.posixPermissions] as? NSNumber)?.intValue ?? -1
  }

  func type(_ name: String) throws -> FileAttributeType? {
    try attributes(name)[.type] as? FileAttributeType
  }

  func inode(_ name: String) throws -> Int {
    (try attributes(name)[.systemFileNumber] as? NSNumber)?.intValue ?? -1
  }

  func names() throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
  }
}
