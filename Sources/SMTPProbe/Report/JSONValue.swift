/// A minimal JSON document model and writer (no Foundation in the library).
enum JSONValue: Equatable {
  case null
  case bool(Bool)
  case int(Int)
  case string(String)
  case array([JSONValue])
  case object([(String, JSONValue)])

  static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
    lhs.rendered(indent: nil) == rhs.rendered(indent: nil)
  }

  static func optional(_ value: String?) -> JSONValue { value.map { .string($0) } ?? .null }
  static func optional(_ value: Bool?) -> JSONValue { value.map { .bool($0) } ?? .null }
  static func optional(_ value: Int?) -> JSONValue { value.map { .int($0) } ?? .null }
  static func strings(_ values: [String]) -> JSONValue { .array(values.map { .string($0) }) }

  /// The text; pretty-printed with two-space indentation unless `indent` is nil.
  func rendered(indent: Int? = 0) -> String {
    var out = ""
    write(into: &out, indent: indent)
    return out
  }

  private func write(into out: inout String, indent: Int?) {
    switch self {
    case .null: out += "null"
    case .bool(let value): out += value ? "true" : "false"
    case .int(let value): out += String(value)
    case .string(let value): JSONValue.quote(value, into: &out)
    case .array(let items):
      if items.isEmpty {
        out += "[]"
        return
      }
      out += "["
      for (index, item) in items.enumerated() {
        if index > 0 { out += "," }
        newline(&out, indent.map { $0 + 1 })
        item.write(into: &out, indent: indent.map { $0 + 1 })
      }
      newline(&out, indent)
      out += "]"
    case .object(let members):
      if members.isEmpty {
        out += "{}"
        return
      }
      out += "{"
      for (index, (key, value)) in members.enumerated() {
        if index > 0 { out += "," }
        newline(&out, indent.map { $0 + 1 })
        JSONValue.quote(key, into: &out)
        out += indent == nil ? ":" : ": "
        value.write(into: &out, indent: indent.map { $0 + 1 })
      }
      newline(&out, indent)
      out += "}"
    }
  }

  private func newline(_ out: inout String, _ indent: Int?) {
    guard let indent else { return }
    out += "\n" + String(repeating: "  ", count: indent)
  }

  private static func quote(_ text: String, into out: inout String) {
    let hex = Array("0123456789abcdef")
    out += "\""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      default:
        if scalar.value < 0x20 || scalar.value == 0x7F {
          let v = Int(scalar.value)
          out += "\\u00" + String(hex[v >> 4]) + String(hex[v & 15])
        } else {
          out.unicodeScalars.append(scalar)
        }
      }
    }
    out += "\""
  }
}
