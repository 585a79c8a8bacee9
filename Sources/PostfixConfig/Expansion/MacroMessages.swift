/// The diagnostics of Postfix 3.7.11's `mac_parse.c`, `mac_expand.c` and
/// `compat_level.c`, word for word, as `postconf` prints them after `warning: `
/// or `fatal: `.
///
/// Every byte outside printable ASCII becomes `?`, as `msg_output`
/// does.
enum MacroMessages {
  typealias Bytes = ArraySlice<UInt8>

  /// The fatal text that follows any failed expansion.
  static let processingError = "macro processing error"

  static func nesting(_ piece: Bytes) -> String {
    text(s("unreasonable macro call nesting: \""), piece, s("\""))
  }

  static func truncated(_ whole: Bytes) -> String {
    text(s("truncated macro reference: \""), whole, s("\""))
  }

  static func emptyName(_ whole: Bytes) -> String {
    text(s("empty macro name: \""), whole, s("\""))
  }

  static func nameSyntax(prefix: Bytes, rest: Bytes) -> String {
    text(
      s("attribute name syntax error at: \"..."), prefix, s(">>>"), rest, s("\""))
  }

  static func questionOrColonExpected(rest: Bytes) -> String {
    text(s("\"?\" or \":\" expected at: \"...}>>>"), rest, s("\""))
  }

  static func colonExpected(payload: Bytes, rest: Bytes) -> String {
    text(s("\":\" expected at: \"..."), payload, s("}>>>"), rest, s("\""))
  }

  static func unexpectedInput(payload: Bytes, rest: Bytes) -> String {
    text(s("unexpected input at: \"..."), payload, s("}>>>"), rest, s("\""))
  }

  static func operatorExpected(left: Bytes, rest: Bytes) -> String {
    // The odd quoting is Postfix's own (adjacent C string literals).
    text(
      s("\"==\" or \"!=\"\" or \"<\"\" or \"<=\"\" or \">=\"\" or \">\" expected at: \"..."), left,
      s("}>>>"), rest, s("\""))
  }

  static func badSuffix(operator op: Bytes, suffix: Bytes) -> String {
    text(s("bad operator suffix at: \"..."), op, s(">>>"), suffix, s("\""))
  }

  static func rightOperandExpected(left: Bytes, operator op: Bytes, rest: Bytes) -> String {
    text(
      s("\"{expression}\" expected at: \"...{"), left, s("} "), op, s(">>>"), rest, s("\""))
  }

  static func unbalanced(_ fromBrace: Bytes) -> String {
    text(s("unbalanced {} in attribute expression: \""), fromBrace, s("\""))
  }

  static func malformedLevel(_ operand: Bytes) -> String {
    text(s("malformed compatibility level syntax: \""), operand, s("\""))
  }

  static func badConversion(_ operand: Bytes) -> String {
    text(s("mac_exp_eval: bad conversion: "), operand)
  }

  static func tooLarge(limit: Int) -> String {
    "macro expansion result exceeds \(limit) bytes"
  }

  static func tooMuchWork(limit: Int) -> String {
    "macro expansion exceeds \(limit) steps"
  }

  private static func s(_ string: String) -> Bytes { Bytes(string.utf8) }

  private static func text(_ parts: Bytes...) -> String {
    Printable.sanitize(parts.joined())
  }
}
