extension Transform {
  /// The loopback networks, as Debian writes them.
  public static let loopbackNetworks = ["127.0.0.0/8", "[::ffff:127.0.0.0]/104", "[::1]/128"]

  /// Sets `mynetworks` to the loopback networks followed by `networks`.
  /// - Parameter networks: Validated networks in Postfix syntax (``Network/postfixText``).
  /// - Returns: The transform.
  public static func mynetworks(_ networks: [Network]) -> Transform {
    var words = loopbackNetworks
    for network in networks where !words.contains(network.postfixText) {
      words.append(network.postfixText)
    }
    return Transform(
      id: "mynetworks", summary: "trust only " + words.joined(separator: " "),
      settings: [Setting("mynetworks", words.joined(separator: " "))],
      ruleIDs: [RuleID.mynetworksNarrow])
  }
}
