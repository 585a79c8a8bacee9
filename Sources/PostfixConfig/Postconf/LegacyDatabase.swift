/// Postfix's legacy database convention (`postconf_dbms.c`): a value such as
/// `ldap:ldapsource` makes `ldapsource_server_host`, `ldapsource_search_base`
/// and the other names of ldap_table(5) valid main.cf parameters.
///
/// The suffix lists come from the catalogue (measured on real postconf).
/// postconf also opens `ldap:/path/to/file` client files to flag unknown
/// names in them; this pure emulation does not read such files.
enum LegacyDatabase {
  /// The parameter names that an expanded value makes valid.
  /// - Parameters:
  ///   - value: A fully expanded parameter value.
  ///   - suffixes: The parameter suffixes of a database type (empty if unknown).
  /// - Returns: `prefix_suffix` names, in the order postconf considers them.
  static func parameterNames(in value: [UInt8], suffixes: (String) -> [String]) -> [String] {
    var names: [String] = []
    let colon = UInt8(ascii: ":")
    var index = 0
    let count = value.count
    // Tokens are walked in place: a long list (thousands of restriction
    // classes) is not split into an array first.
    while index < count {
      while index < count && isListSeparator(value[index]) { index += 1 }
      let start = index
      while index < count && !isListSeparator(value[index]) { index += 1 }
      guard start < index else { break }
      var type = value[start..<index]
      // Most tokens (names, `permit_mynetworks`) hold no colon at all.
      guard type.contains(colon) else { continue }
      var prefix: ArraySlice<UInt8>?
      while let found = type.firstIndex(of: colon) {
        let head = type[..<found]
        let rest = type[(found + 1)...]
        prefix = rest
        if head.elementsEqual("proxy".utf8) {
          type = rest
          prefix = nil
          continue
        }
        type = head
        break
      }
      guard let prefix, let first = prefix.first, first != UInt8(ascii: "/"),
        first != UInt8(ascii: ".")
      else { continue }
      let list = suffixes(String(decoding: type, as: UTF8.self))
      let stem = String(decoding: prefix, as: UTF8.self)
      names += list.map { stem + "_" + $0 }
    }
    return names
  }

  /// Postfix's `CHARS_COMMA_SP` (blank, TAB, CR, LF and comma).
  @inline(__always)
  static func isListSeparator(_ byte: UInt8) -> Bool {
    switch byte {
    case 0x20, 0x09, 0x0D, 0x0A, UInt8(ascii: ","): return true
    default: return false
    }
  }
}
