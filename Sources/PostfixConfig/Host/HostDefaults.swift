/// The result of computing a host-dependent default.
public enum HostDefaultResult: Equatable, Sendable {
  /// The value as `postconf` prints it.
  case value([UInt8])
  /// Postfix would stop with `fatal: <message>` (exit status 1).
  case fatal(String)
}

/// The defaults `postconf` computes from the running host (SPEC 7):
/// `myhostname`, `mydomain`, `mynetworks`, `process_id`, `process_name`.
public enum HostDefaults {
  /// The names ``value(of:host:mainValue:defaultsOnly:)`` computes, sorted.
  public static let names: [String] = [
    "mydomain", "myhostname", "mynetworks", "process_id", "process_name",
  ]

  /// Computes a host-dependent default as Postfix 3.7 does.
  ///
  /// * `myhostname`: the hostname; without a dot, `hostname.DOMAIN` where
  ///   DOMAIN is main.cf's `mydomain` (not with `defaultsOnly`) or `localdomain`.
  /// * `mydomain`: the text after the first dot of the effective `myhostname`
  ///   (main.cf's unless `defaultsOnly`), else `localdomain`.
  /// * `mynetworks`: the interface addresses selected by `inet_interfaces` and
  ///   `inet_protocols`, widened by `mynetworks_style` (default `subnet` below
  ///   compatibility level 2, else `host`); duplicates dropped. Host names
  ///   in `inet_interfaces` are looked up with ``HostEnvironment/hostAddresses``
  ///   and ``HostEnvironment/resolver``; the selected addresses are in
  ///   Postfix's sorted order.
  /// * `process_id`, `process_name`: from `host`.
  /// - Parameters:
  ///   - name: The parameter name.
  ///   - host: The machine to compute for.
  ///   - mainValue: The fully expanded main.cf value (after `-o` overrides) of
  ///     a parameter, `nil` when main.cf does not set it. Not called when
  ///     `defaultsOnly` is set.
  ///   - defaultsOnly: `postconf -d` semantics: main.cf is ignored.
  /// - Returns: The value or the fatal error, `nil` for other names.
  public static func value(
    of name: String, host: HostEnvironment, mainValue: (String) -> [UInt8]?, defaultsOnly: Bool
  ) -> HostDefaultResult? {
    func setting(_ parameter: String) -> String? {
      if defaultsOnly { return nil }
      return mainValue(parameter).map { String(decoding: $0, as: UTF8.self) }
    }
    switch name {
    case "myhostname":
      return .value(Array(myhostname(host: host, mydomain: setting("mydomain")).utf8))
    case "mydomain":
      let effective = setting("myhostname") ?? myhostname(host: host, mydomain: setting("mydomain"))
      guard let dot = effective.firstIndex(of: ".") else {
        return .value(Array("localdomain".utf8))
      }
      return .value(Array(effective[effective.index(after: dot)...].utf8))
    case "mynetworks":
      return Networks.compute(host: host, setting: setting)
    case "process_id":
      return .value(Array(String(host.processID).utf8))
    case "process_name":
      return .value(Array(host.processName.utf8))
    default:
      return nil
    }
  }

  private static func myhostname(host: HostEnvironment, mydomain: String?) -> String {
    if host.hostname.contains(".") { return host.hostname }
    return host.hostname + "." + (mydomain ?? "localdomain")
  }
}

// mynetworks_core() and own_inet_addr_init() of Postfix 3.7.
private enum Networks {
  enum Style {
    case classful
    case subnet
    case host
  }

  static func compute(host: HostEnvironment, setting: (String) -> String?) -> HostDefaultResult {
    let protocols = setting("inet_protocols") ?? "all"
    var ipv4 = false
    var ipv6 = false
    for word in words(protocols) {
      switch word {
      case "all":
        ipv4 = true
        ipv6 = true
      case "ipv4": ipv4 = true
      case "ipv6": ipv6 = true
      default:
        return .fatal("unknown inet_protocols value \"\(word)\" in \"\(protocols)\"")
      }
    }
    guard ipv4 || ipv6 else { return .value([]) }

    let styleText = setting("mynetworks_style") ?? defaultStyle(setting("compatibility_level"))
    var styles: Set<String> = []
    for word in words(styleText) {
      guard ["class", "subnet", "host"].contains(word) else {
        return .fatal("unknown mynetworks mask style value \"\(word)\" in \"\(styleText)\"")
      }
      styles.insert(word)
    }
    guard styles.count == 1, let styleName = styles.first else {
      return .fatal("bad mynetworks_style value: \(styleText); specify exactly one value")
    }
    let style: Style = styleName == "class" ? .classful : styleName == "subnet" ? .subnet : .host

    // inet_addr_local(): IPv4 addresses first, then IPv6, each in interface order.
    let local =
      (ipv4 ? host.interfaces.filter { $0.address.family == .inet4 } : [])
      + (ipv6 ? host.interfaces.filter { $0.address.family == .inet6 } : [])
    let usable = local.filter { !$0.address.isUnspecified }
    let noInterfaces = HostDefaultResult.fatal("could not find any active network interfaces")
    guard !usable.isEmpty else { return noInterfaces }

    let interfaces = setting("inet_interfaces") ?? "all"
    var selected: [NetworkInterface]
    switch interfaces {
    case "all":
      selected = usable
    case "loopback-only":
      selected = usable.filter { $0.address.isLoopback }
    default:
      // own_inet_addr_init(): each word through inet_addr_host(), then the
      // list sorted and made unique, then each address matched to the first
      // local interface that has it (for its netmask).
      let families: Set<IPAddress.Family> =
        ipv4 && ipv6 ? [.inet4, .inet6] : ipv4 ? [.inet4] : [.inet6]
      var addresses: [IPAddress] = []
      for word in hostWords(interfaces) {
        let found = lookUp(word, host: host, families: families)
        guard !found.isEmpty else {
          return .fatal("config variable inet_interfaces: host not found: \(word)")
        }
        addresses += found
      }
      selected = []
      for address in sortedUnique(addresses) {
        guard let match = usable.first(where: { $0.address == address }) else {
          return .fatal("parameter inet_interfaces: no local interface found for \(address)")
        }
        selected.append(match)
      }
    }

    var patterns: [String] = []
    for interface in selected {
      let address = interface.address
      let pattern: String
      switch (address.family, style) {
      case (.inet4, .classful):
        let top = address.bytes[0]
        let length: Int
        if top & 0x80 == 0 {
          length = 8
        } else if top & 0xC0 == 0x80 {
          length = 16
        } else if top & 0xE0 == 0xC0 {
          length = 24
        } else if top & 0xF0 == 0xE0 {
          length = 4
        } else {
          return .fatal("mynetworks_core: unknown address class: \(address)")
        }
        pattern = "\(address.masked(prefixLength: length))/\(length)"
      case (.inet4, .subnet):
        pattern =
          "\(address.masked(prefixLength: interface.prefixLength))/\(interface.prefixLength)"
      case (.inet4, .host):
        pattern = "\(address)/32"
      case (.inet6, .classful), (.inet6, .subnet):
        pattern =
          "[\(address.masked(prefixLength: interface.prefixLength))]/\(interface.prefixLength)"
      case (.inet6, .host):
        pattern = "[\(address)]/128"
      }
      if !patterns.contains(pattern) { patterns.append(pattern) }
    }
    // Postfix writes each network followed by a blank; the trailing blank is
    // visible when the value is expanded inside another (`[$mynetworks]`).
    return .value(Array(patterns.map { $0 + " " }.joined().utf8))
  }

  // ${{$compatibility_level} <level {2} ? {subnet} : {host}}
  static func defaultStyle(_ level: String?) -> String {
    let parts = (level ?? "0").split(separator: ".").map { Int($0) ?? 0 }
    return (parts.first ?? 0) < 2 ? "subnet" : "host"
  }

  // mystrtok() with " \t,", on bytes.
  static func hostWords(_ text: String) -> [String] {
    Array(text.utf8).split(whereSeparator: { $0 == 0x20 || $0 == 0x09 || $0 == 0x2C }).map {
      String(decoding: $0, as: UTF8.self)
    }
  }

  // inet_addr_host(): `[name]` is looked up as `name`; a numeric address stands
  // for itself, other names go to the host's table, then to its resolver
  // (getaddrinfo() with the families of inet_protocols).
  static func lookUp(_ word: String, host: HostEnvironment, families: Set<IPAddress.Family>)
    -> [IPAddress]
  {
    let bytes = Array(word.utf8)
    let bracketed = bytes.first == UInt8(ascii: "[") && bytes.last == UInt8(ascii: "]")
    let name = bracketed ? String(decoding: bytes.dropFirst().dropLast(), as: UTF8.self) : word
    let found: [IPAddress]
    if let numeric = IPAddress(name) {
      found = [numeric]
    } else if let fixed = host.hostAddresses[name] {
      found = fixed
    } else {
      found = host.resolver.addresses(of: name, families: families)
    }
    return found.filter { families.contains($0.family) }
  }

  // inet_addr_list_uniq(): glibc's qsort() (a merge sort) with Postfix's
  // sock_addr_cmp_addr(), then adjacent duplicates dropped.
  static func sortedUnique(_ addresses: [IPAddress]) -> [IPAddress] {
    var unique: [IPAddress] = []
    for address in mergeSorted(addresses) where unique.last != address {
      unique.append(address)
    }
    return unique
  }

  // glibc msort_with_tmp(): halves of n / 2 and the rest, the left element
  // first unless it compares greater.
  static func mergeSorted(_ list: [IPAddress]) -> [IPAddress] {
    guard list.count > 1 else { return list }
    let left = mergeSorted(Array(list[..<(list.count / 2)]))
    let right = mergeSorted(Array(list[(list.count / 2)...]))
    var merged: [IPAddress] = []
    merged.reserveCapacity(list.count)
    var leftIndex = 0
    var rightIndex = 0
    while leftIndex < left.count && rightIndex < right.count {
      if compare(left[leftIndex], right[rightIndex]) <= 0 {
        merged.append(left[leftIndex])
        leftIndex += 1
      } else {
        merged.append(right[rightIndex])
        rightIndex += 1
      }
    }
    return merged + left[leftIndex...] + right[rightIndex...]
  }

  // sock_addr_cmp_addr(): AF_INET before AF_INET6; IPv4 by the wrapped
  // difference of the in_addr words as the host reads them (so 127.0.0.200
  // sorts before 127.0.0.1 on little-endian hosts); IPv6 by memcmp().
  static func compare(_ first: IPAddress, _ second: IPAddress) -> Int32 {
    switch (first.family, second.family) {
    case (.inet4, .inet6): return -1
    case (.inet6, .inet4): return 1
    case (.inet4, .inet4):
      return Int32(bitPattern: word(first) &- word(second))
    case (.inet6, .inet6):
      for (a, b) in zip(first.bytes, second.bytes) where a != b {
        return Int32(a) - Int32(b)
      }
      return 0
    }
  }

  // s_addr: network-order bytes read as a native integer.
  static func word(_ address: IPAddress) -> UInt32 {
    UInt32(bigEndian: address.bytes.reduce(0) { $0 << 8 | UInt32($1) })
  }

  static func words(_ text: String) -> [String] {
    text.split(whereSeparator: { ["\r\n", " ", "\t", "\r", "\n", ","].contains($0) }).map(
      String.init)
  }
}
