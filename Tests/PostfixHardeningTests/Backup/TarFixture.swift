import Foundation

/// Writes uncompressed ustar archives member by member, so tests can build
/// archives `tar` would not write for a configuration directory: links,
/// devices, absolute and `..` names, duplicates.
struct TarFixture {
  /// One member.
  struct Member {
    var name: String
    /// `0` regular file, `1` hard link, `2` symbolic link, `3` character
    /// device, `5` directory.
    var type: Character = "0"
    var content: [UInt8] = []
    var link = ""
    var mode = 0o644
  }

  var members: [Member] = []

  /// Adds a regular file.
  mutating func file(_ name: String, _ content: [UInt8], mode: Int = 0o644) {
    members.append(Member(name: name, content: content, mode: mode))
  }

  /// Adds a directory.
  mutating func directory(_ name: String) {
    members.append(Member(name: name.hasSuffix("/") ? name : name + "/", type: "5", mode: 0o755))
  }

  /// Adds a member of another type.
  mutating func special(_ name: String, type: Character, link: String = "") {
    members.append(Member(name: name, type: type, link: link, mode: 0o777))
  }

  /// The archive's bytes.
  func bytes() -> [UInt8] {
    var output: [UInt8] = []
    for member in members {
      var header = [UInt8](repeating: 0, count: 512)
      func put(_ text: String, at offset: Int, width: Int) {
        for (index, byte) in text.utf8.prefix(width).enumerated() { header[offset + index] = byte }
      }
      func octal(_ value: Int, at offset: Int, width: Int) {
        let digits = String(value, radix: 8)
        put(
          String(repeating: "0", count: max(0, width - 1 - digits.count)) + digits, at: offset,
          width: width - 1)
      }
      put(member.name, at: 0, width: 100)
      octal(member.mode, at: 100, width: 8)
      octal(0, at: 108, width: 8)
      octal(0, at: 116, width: 8)
      octal(member.type == "0" ? member.content.count : 0, at: 124, width: 12)
      octal(1_767_225_600, at: 136, width: 12)
      put(String(member.type), at: 156, width: 1)
      put(member.link, at: 157, width: 100)
      put("ustar", at: 257, width: 6)
      put("00", at: 263, width: 2)
      put("root", at: 265, width: 32)
      put("root", at: 297, width: 32)
      if member.type == "3" {
        octal(1, at: 329, width: 8)
        octal(3, at: 337, width: 8)
      }
      for index in 148..<156 { header[index] = 0x20 }
      let sum = header.reduce(0) { $0 + Int($1) }
      let digits = String(sum, radix: 8)
      put(String(repeating: "0", count: 6 - digits.count) + digits, at: 148, width: 6)
      header[154] = 0
      output += header
      if member.type == "0" {
        output += member.content
        let padding = (512 - member.content.count % 512) % 512
        output += [UInt8](repeating: 0, count: padding)
      }
    }
    output += [UInt8](repeating: 0, count: 1024)
    return output
  }

  /// Writes the archive to `path`.
  func write(to path: String) throws {
    try Data(bytes()).write(to: URL(fileURLWithPath: path))
  }
}
