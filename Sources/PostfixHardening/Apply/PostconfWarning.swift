/// What a postconf warning is about, independent of its wording details.
///
/// postconf words one problem differently from run to run: line numbers move
/// when a file is edited, and a main.cf modified in the last seconds is read
/// several times, so a duplicate parameter is reported once per read with the
/// other entry's value (`line 1: overriding earlier entry: smtpd_banner=b`
/// after `line 3: … smtpd_banner=a`). Validation compares warnings by
/// meaning: the file, the kind of problem and the parameter, not line numbers
/// or values. A warning the profile resolves simply disappears.
public enum PostconfWarning {
  /// The kinds whose text ends in `name=value`.
  static let valueKinds = [
    "overriding earlier entry: ", "unused parameter: ", "undefined parameter: ",
    "read-only parameter: ", "ignoring unused parameter: ",
  ]

  /// The meaning of a warning: line numbers replaced by `N`, and for the
  /// kinds that name `parameter=value`, the value dropped.
  /// - Parameter message: A postconf warning or error line.
  /// - Returns: A key equal for two wordings of one problem.
  public static func meaning(_ message: String) -> String {
    var text = ApplyExecutor.withoutLineNumbers(message)
    return text.withUTF8 { bytes in
      for kind in valueKinds {
        let marker = Array(kind.utf8)
        guard let start = ByteSearch.firstOffset(of: marker, in: bytes) else { continue }
        let tail = bytes[(start + marker.count)...]
        let end = tail.firstIndex(of: UInt8(ascii: "=")) ?? bytes.count
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[..<end]), as: UTF8.self)
      }
      return String(decoding: bytes, as: UTF8.self)
    }
  }
}
