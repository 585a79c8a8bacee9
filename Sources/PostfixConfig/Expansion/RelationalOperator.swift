/// The relational operators of `${{A} OP {B}}` (Postfix 3.0+), with the
/// `level` variants that compare compatibility levels (`compat_level.c`).
enum RelationalOperator: Equatable {
  case equal
  case notEqual
  case less
  case lessOrEqual
  case greaterOrEqual
  case greater

  /// The bytes `strspn` collects as a would-be operator (`mac_exp_parse_relational`).
  static func isOperatorByte(_ byte: UInt8) -> Bool {
    switch byte {
    case UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "!"), UInt8(ascii: "="),
      UInt8(ascii: "?"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "*"),
      UInt8(ascii: "/"), UInt8(ascii: "~"), UInt8(ascii: "&"), UInt8(ascii: "|"),
      UInt8(ascii: "%"):
      return true
    default:
      return false
    }
  }

  /// The operator spelled exactly `spelling`, if any.
  init?(_ spelling: ArraySlice<UInt8>) {
    switch String(decoding: spelling, as: UTF8.self) {
    case "==": self = .equal
    case "!=": self = .notEqual
    case "<": self = .less
    case "<=": self = .lessOrEqual
    case ">=": self = .greaterOrEqual
    case ">": self = .greater
    default: return nil
    }
  }

  /// The outcome of a comparison that has a sign.
  func holds(_ order: Int) -> Bool {
    switch self {
    case .equal: return order == 0
    case .notEqual: return order != 0
    case .less: return order < 0
    case .lessOrEqual: return order <= 0
    case .greaterOrEqual: return order >= 0
    case .greater: return order > 0
    }
  }
}

/// What comparing two expanded operands produced.
enum RelationalOutcome: Equatable {
  case value(Bool)
  /// The comparison failed with these warnings (`MAC_EXP_OP_RES_ERROR`).
  case error([String])
  /// Postfix dies at once with this fatal text (`msg_fatal`).
  case fatal(String)
}

enum RelationalEvaluator {
  /// `mac_exp_eval`: numeric when both operands are all digits, else `strcmp`.
  static func plain(_ left: [UInt8], _ op: RelationalOperator, _ right: [UInt8])
    -> RelationalOutcome
  {
    let order: Int
    if allDigits(left) && allDigits(right) {
      // Postfix converts the left operand first and dies on overflow.
      guard let leftNumber = decimal(left) else {
        return .fatal(MacroMessages.badConversion(left[...]))
      }
      guard let rightNumber = decimal(right) else {
        return .fatal(MacroMessages.badConversion(right[...]))
      }
      order = leftNumber == rightNumber ? 0 : (leftNumber < rightNumber ? -1 : 1)
    } else {
      order = compareBytes(left, right)
    }
    return .value(op.holds(order))
  }

  /// `compat_relop_eval`: compares `major[.minor[.patch]]` compatibility levels.
  static func level(_ left: [UInt8], _ op: RelationalOperator, _ right: [UInt8])
    -> RelationalOutcome
  {
    guard let leftLevel = compatibilityLevel(left) else {
      return .error([MacroMessages.malformedLevel(left[...])])
    }
    guard let rightLevel = compatibilityLevel(right) else {
      return .error([MacroMessages.malformedLevel(right[...])])
    }
    let order = leftLevel == rightLevel ? 0 : (leftLevel < rightLevel ? -1 : 1)
    return .value(op.holds(order))
  }

  /// `strcmp` on unsigned bytes.
  static func compareBytes(_ left: [UInt8], _ right: [UInt8]) -> Int {
    for (a, b) in zip(left, right) where a != b {
      return a < b ? -1 : 1
    }
    return left.count == right.count ? 0 : (left.count < right.count ? -1 : 1)
  }

  /// Postfix's `alldig`: non-empty and only ASCII digits.
  static func allDigits(_ bytes: [UInt8]) -> Bool {
    !bytes.isEmpty && bytes.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
  }

  /// The value of an all-digit string, or nil when it does not fit a C `long`.
  static func decimal(_ bytes: [UInt8]) -> Int? {
    var value = 0
    for byte in bytes {
      let (times, overflow1) = value.multipliedReportingOverflow(by: 10)
      let (sum, overflow2) = times.addingReportingOverflow(Int(byte - 0x30))
      if overflow1 || overflow2 { return nil }
      value = sum
    }
    return value
  }

  /// `compat_level_from_string`: major (11+ bits), minor and patch (10 bits each).
  static func compatibilityLevel(_ bytes: [UInt8]) -> Int? {
    let patchBits = 10
    let minorBits = 10
    let majorShift = patchBits + minorBits
    let major = strtol(bytes, from: 0)
    guard major.end > 0, major.end == bytes.count || bytes[major.end] == UInt8(ascii: "."),
      !major.overflow, major.value >= 0, major.value <= (Int.max >> majorShift)
    else { return nil }
    var result = major.value << majorShift
    if major.end == bytes.count { return result }
    let minorStart = major.end + 1
    let minor = strtol(bytes, from: minorStart)
    guard minor.end > minorStart,
      minor.end == bytes.count || bytes[minor.end] == UInt8(ascii: "."),
      !minor.overflow, minor.value >= 0, minor.value <= 0x3FF
    else { return nil }
    result |= minor.value << patchBits
    if minor.end == bytes.count { return result }
    let patchStart = minor.end + 1
    let patch = strtol(bytes, from: patchStart)
    guard patch.end > patchStart, patch.end == bytes.count, !patch.overflow,
      patch.value >= 0, patch.value <= 0x3FF
    else { return nil }
    return result | patch.value
  }

  /// C `strtol(s, &end, 10)` in the C locale: leading white space, an optional
  /// sign, digits; `end` is `start` when there are no digits; clamps on overflow.
  static func strtol(_ bytes: [UInt8], from start: Int) -> (value: Int, end: Int, overflow: Bool) {
    var cursor = start
    while cursor < bytes.count, bytes[cursor] == 0x20 || (0x09...0x0D).contains(bytes[cursor]) {
      cursor += 1
    }
    var negative = false
    if cursor < bytes.count,
      bytes[cursor] == UInt8(ascii: "+") || bytes[cursor] == UInt8(ascii: "-")
    {
      negative = bytes[cursor] == UInt8(ascii: "-")
      cursor += 1
    }
    let digitsStart = cursor
    var value = 0
    var overflow = false
    while cursor < bytes.count, bytes[cursor] >= 0x30, bytes[cursor] <= 0x39 {
      let digit = Int(bytes[cursor] - 0x30)
      if !overflow {
        let (times, overflow1) = value.multipliedReportingOverflow(by: 10)
        let (next, overflow2) =
          negative
          ? times.subtractingReportingOverflow(digit) : times.addingReportingOverflow(digit)
        if overflow1 || overflow2 {
          overflow = true
          value = negative ? Int.min : Int.max
        } else {
          value = next
        }
      }
      cursor += 1
    }
    if cursor == digitsStart { return (0, start, false) }
    return (value, cursor, overflow)
  }
}
