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
    // The walk only collects `type:prefix` tokens; the suffixes are asked
    // for afterwards, so that nothing `suffixes` holds is touched per word.
    var tables: [(type: ArraySlice<UInt8>, prefix: ArraySlice<UInt8>)] = []
    let colon = UInt8(ascii: ":")
    // Most values (a list of thousands of restriction classes) hold no
    // colon at all, and then no table.
    guard value.contains(colon) else { return [] }
    ParameterList.forEachWord(in: value) { token in
      // Most tokens (names, `permit_mynetworks`) hold no colon at all.
      guard token.contains(colon) else { return }
      var type = token
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
      else { return }
      tables.append((type, prefix))
    }
    var names: [String] = []
    for (type, prefix) in tables {
      let stem = String(decoding: prefix, as: UTF8.self)
      names += suffixes(String(decoding: type, as: UTF8.self)).map { stem + "_" + $0 }
    }
    return names
  }
}
