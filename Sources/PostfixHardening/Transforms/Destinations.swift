extension Transform {
  /// Adds `domains` to `mydestination`, keeping the domains it already lists.
  /// - Parameters:
  ///   - domains: The domains to receive mail for.
  ///   - current: The current raw `mydestination` value.
  /// - Returns: The transform.
  public static func destinations(adding domains: [String], to current: String) -> Transform {
    var words = current.split(whereSeparator: { " \t,\r\n".contains($0) }).map(String.init)
    for domain in domains where !words.contains(where: { $0.lowercased() == domain.lowercased() }) {
      words.append(domain)
    }
    return Transform(
      id: "destinations", summary: "receive mail for " + domains.joined(separator: ", "),
      settings: [Setting("mydestination", words.joined(separator: ", "))], ruleIDs: [])
  }
}
