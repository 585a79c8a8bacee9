/// What a server advertised in its EHLO reply.
public struct Capabilities: Equatable, Sendable {
  /// Whether the capabilities came from EHLO (false: the server only took HELO).
  public var extended: Bool
  /// The name the server gave for itself (first word of the EHLO/HELO reply), escaped.
  public var serverName: String?
  /// Every keyword line after the first, escaped, as sent (`SIZE 10240000`).
  public var lines: [String]

  /// Parses an EHLO reply.
  /// - Parameters:
  ///   - reply: The 250 reply.
  ///   - extended: Whether it answered EHLO.
  public init(reply: Reply, extended: Bool) {
    self.extended = extended
    let first = reply.lines.first ?? []
    let name = first.prefix { $0 != UInt8(ascii: " ") }
    serverName = name.isEmpty ? nil : Escape.text(name.prefix(255))
    lines = extended ? reply.lines.dropFirst().map { Escape.text($0) } : []
  }

  /// Upper-cased keywords (`STARTTLS`, `AUTH`, `SIZE`, ...).
  public var keywords: [String] {
    lines.compactMap { $0.split(separator: " ").first.map { $0.uppercased() } }
  }

  /// Whether `keyword` was advertised.
  /// - Parameter keyword: An EHLO keyword, any case.
  /// - Returns: True when present.
  public func has(_ keyword: String) -> Bool { keywords.contains(keyword.uppercased()) }

  /// The parameters of a keyword (`AUTH PLAIN LOGIN` → `["PLAIN", "LOGIN"]`).
  /// - Parameter keyword: The keyword.
  /// - Returns: Its parameters, or nil when not advertised.
  public func parameters(of keyword: String) -> [String]? {
    for line in lines {
      var words = line.split(separator: " ").map(String.init)
      // `AUTH=LOGIN` is an old form of `AUTH LOGIN`.
      if let first = words.first, first.uppercased().hasPrefix(keyword.uppercased() + "=") {
        let rest = first.dropFirst(keyword.count + 1)
        words = [keyword] + (rest.isEmpty ? [] : [String(rest)]) + words.dropFirst()
      }
      if words.first?.uppercased() == keyword.uppercased() { return Array(words.dropFirst()) }
    }
    return nil
  }

  /// STARTTLS advertised.
  public var startTLS: Bool { has("STARTTLS") }
  /// SASL mechanisms advertised (AUTH), upper-cased, without duplicates.
  public var authMechanisms: [String] {
    var seen: [String] = []
    for mechanism in parameters(of: "AUTH") ?? [] where !seen.contains(mechanism.uppercased()) {
      seen.append(mechanism.uppercased())
    }
    return seen
  }
  /// The SIZE limit, when advertised with a number.
  public var size: Int? { parameters(of: "SIZE")?.first.flatMap { Int($0) } }
  /// PIPELINING advertised.
  public var pipelining: Bool { has("PIPELINING") }
  /// VRFY advertised.
  public var vrfy: Bool { has("VRFY") }
  /// ETRN advertised.
  public var etrn: Bool { has("ETRN") }
  /// XCLIENT advertised.
  public var xclient: Bool { has("XCLIENT") }
}
