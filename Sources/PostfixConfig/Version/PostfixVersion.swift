/// A Postfix release number such as `3.7.11`, `3.8` or the snapshot `3.8-20230101`.
///
/// Versions compare numerically component by component, so `3.10.0 > 3.9.5`.
/// A missing patch level counts as zero (`3.8 == 3.8.0`). Following Postfix's
/// own numbering, an experimental snapshot `X.Y-YYYYMMDD` is a development
/// release that precedes the stable `X.Y.0`: it sorts after every `X.(Y-1).n`
/// and before `X.Y.0`; snapshots of one branch sort by date.
public struct PostfixVersion: Comparable, Hashable, Sendable, CustomStringConvertible {
  /// The major release number (`3` in `3.7.11`).
  public let major: Int
  /// The minor release number (`7` in `3.7.11`).
  public let minor: Int
  /// The patch level (`11` in `3.7.11`), `nil` when the text had none.
  public let patch: Int?
  /// The snapshot date (`20230101` in `3.8-20230101`), `nil` for a release.
  public let snapshot: Int?

  /// Parses a version string; returns `nil` for anything else.
  ///
  /// Accepted: `MAJOR.MINOR`, `MAJOR.MINOR.PATCH` and `MAJOR.MINOR-DATE`,
  /// each number at most 9 digits, no blanks.
  public init?(_ text: String) {
    var text = text
    guard let version = text.withUTF8({ PostfixVersion(bytes: $0) }) else { return nil }
    self = version
  }

  /// Parses a version from its bytes, as ``init(_:)`` does, without copying them.
  /// - Parameter bytes: The version's text.
  init?(bytes: UnsafeBufferPointer<UInt8>) {
    guard bytes.count <= 40 else { return nil }
    let dot = UInt8(ascii: ".")
    let dash = UInt8(ascii: "-")
    var numbers = (0, 0, 0)
    var separators: (UInt8, UInt8) = (0, 0)
    var count = 0
    var index = 0
    // Each iteration reads one number and the separator after it.
    while index < bytes.count {
      let start = index
      var value = 0
      while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) {
        value = value * 10 + Int(bytes[index] - UInt8(ascii: "0"))
        index += 1
      }
      let digits = index - start
      guard digits > 0, digits <= 9, count < 3 else { return nil }
      switch count {
      case 0: numbers.0 = value
      case 1: numbers.1 = value
      default: numbers.2 = value
      }
      count += 1
      if index < bytes.count {
        let separator = bytes[index]
        guard separator == dot || separator == dash, count < 3 else { return nil }
        if count == 1 { separators.0 = separator } else { separators.1 = separator }
        index += 1
        guard index < bytes.count else { return nil }
      }
    }
    switch (count, separators.0, separators.1) {
    case (2, dot, 0):
      self.init(major: numbers.0, minor: numbers.1, patch: nil, snapshot: nil)
    case (3, dot, dot):
      self.init(major: numbers.0, minor: numbers.1, patch: numbers.2, snapshot: nil)
    case (3, dot, dash):
      self.init(major: numbers.0, minor: numbers.1, patch: nil, snapshot: numbers.2)
    default:
      return nil
    }
  }

  private init(major: Int, minor: Int, patch: Int?, snapshot: Int?) {
    self.major = major
    self.minor = minor
    self.patch = patch
    self.snapshot = snapshot
  }

  /// The version as Postfix writes it (`3.7.11`, `3.8`, `3.8-20230101`).
  public var description: String {
    if let snapshot { return "\(major).\(minor)-\(snapshot)" }
    if let patch { return "\(major).\(minor).\(patch)" }
    return "\(major).\(minor)"
  }

  /// Whether `other` is on the same stable branch (`3.7.x`).
  /// - Parameter other: The version to compare with.
  /// - Returns: `true` when major and minor numbers are equal.
  public func isSameBranch(as other: PostfixVersion) -> Bool {
    major == other.major && minor == other.minor
  }

  // (major, minor, 0 for a snapshot or 1 for a release, date or patch level)
  private var sortKey: (Int, Int, Int, Int) {
    if let snapshot { return (major, minor, 0, snapshot) }
    return (major, minor, 1, patch ?? 0)
  }

  public static func < (lhs: PostfixVersion, rhs: PostfixVersion) -> Bool {
    lhs.sortKey < rhs.sortKey
  }

  public static func == (lhs: PostfixVersion, rhs: PostfixVersion) -> Bool {
    lhs.sortKey == rhs.sortKey
  }

  public func hash(into hasher: inout Hasher) {
    let key = sortKey
    hasher.combine(key.0)
    hasher.combine(key.1)
    hasher.combine(key.2)
    hasher.combine(key.3)
  }
}
