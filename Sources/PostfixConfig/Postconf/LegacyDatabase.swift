/// Postfix's legacy database convention (`postconf_dbms.c`): a value such as
/// `ldap:ldapsource` makes `ldapsource_server_host`, `ldapsource_search_base`
/// and the other names of ldap_table(5) valid main.cf parameters.
///
/// The suffix lists are the parameters of ldap_table(5), mysql_table(5),
/// pgsql_table(5), sqlite_table(5) and memcache_table(5) of Postfix 3.7.
/// postconf also opens `ldap:/path/to/file` client files to flag unknown
/// names in them; this pure emulation does not read such files.
enum LegacyDatabase {
  static let suffixes: [String: [String]] = [
    "ldap": [
      "bind", "bind_dn", "bind_pw", "cache_expiry", "cache_size", "chase_referrals",
      "debuglevel", "dereference", "domain", "expansion_limit", "leaf_result_attribute",
      "query_filter", "recursion_limit", "result_attribute", "result_filter", "result_format",
      "sasl_authz_id", "sasl_mechs", "sasl_minssf", "sasl_realm", "scope", "search_base",
      "server_host", "server_port", "size_limit", "special_result_attribute", "start_tls",
      "terminal_result_attribute", "timeout", "tls_ca_cert_dir", "tls_ca_cert_file", "tls_cert",
      "tls_cipher_suite", "tls_key", "tls_random_file", "tls_require_cert", "version",
    ],
    "mysql": [
      "additional_conditions", "dbname", "domain", "expansion_limit", "hosts", "option_file",
      "option_group", "password", "query", "require_result_set", "result_format",
      "select_field", "table", "tls_CAfile", "tls_CApath", "tls_cert_file", "tls_ciphers",
      "tls_key_file", "tls_verify_cert", "user", "where_field",
    ],
    "pgsql": [
      "additional_conditions", "dbname", "domain", "expansion_limit", "hosts", "password",
      "query", "result_format", "select_field", "select_function", "table", "user",
      "where_field",
    ],
    "sqlite": [
      "additional_conditions", "dbpath", "domain", "expansion_limit", "query", "result_format",
      "select_field", "table", "where_field",
    ],
    "memcache": [
      "backup", "data_size_limit", "domain", "flags", "key_format", "line_size_limit",
      "max_try", "memcache", "retry_pause", "timeout", "ttl",
    ],
  ]

  /// The parameter names that an expanded value makes valid.
  /// - Parameter value: A fully expanded parameter value.
  /// - Returns: `prefix_suffix` names, in the order postconf considers them.
  static func parameterNames(in value: [UInt8]) -> [String] {
    var names: [String] = []
    let separators: Set<UInt8> = [0x20, 0x09, 0x0D, 0x0A, UInt8(ascii: ",")]
    for token in value.split(whereSeparator: { separators.contains($0) }) {
      var type = token[...]
      var prefix: ArraySlice<UInt8>?
      while let colon = type.firstIndex(of: UInt8(ascii: ":")) {
        let head = type[..<colon]
        let rest = type[(colon + 1)...]
        prefix = rest
        if Array(head) == Array("proxy".utf8) {
          type = rest
          prefix = nil
          continue
        }
        type = head
        break
      }
      guard let prefix, let first = prefix.first, first != UInt8(ascii: "/"),
        first != UInt8(ascii: "."),
        let list = suffixes[String(decoding: type, as: UTF8.self)]
      else { continue }
      let stem = String(decoding: prefix, as: UTF8.self)
      names += list.map { stem + "_" + $0 }
    }
    return names
  }
}
