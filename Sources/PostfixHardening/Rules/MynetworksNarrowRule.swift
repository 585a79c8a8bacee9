import PostfixConfig

/// `mynetworks` trusts only the networks it must.
///
/// Rationale: clients in `mynetworks` may relay (`permit_mynetworks`); a wide
/// or public network there is an open relay in waiting.
///
/// Inspects: `mynetworks` as each smtpd service sees it (main.cf's when none
/// listens). `0.0.0.0/0`, `::/0`, public ranges wider than /24 (IPv6: /48)
/// and malformed CIDR are errors; anything beyond loopback is a warning on a
/// send-only host or an mx; a whole private range on a relay is information.
///
/// Fix: list only loopback and the client networks (transform `mynetworks`).
///
/// Reference: postconf(5) `mynetworks`, `mynetworks_style`.
public struct MynetworksNarrowRule: AuditRule {
  public let id = RuleID.mynetworksNarrow

  public init() {}

  let fix = "Narrow mynetworks to loopback and the networks that must relay (transform mynetworks)."

  public func check(_ context: AuditContext) -> [Finding] {
    let scopes: [SMTPService?] = context.services.isEmpty ? [nil] : context.services
    var findings: [Finding] = []
    for service in scopes {
      let role = service?.role ?? .sendOnly
      let setting = context.setting("mynetworks", for: service)
      var invalid: [String] = []
      var everyone: [String] = []
      var widePublic: [String] = []
      var beyondLoopback: [String] = []
      var wholePrivate: [String] = []
      for word in setting.words {
        switch CIDR.classify(word) {
        case .other: continue
        case .invalid(let reason): invalid.append(reason)
        case .network(let network):
          if word.hasPrefix("!") || network.isLoopback { continue }
          // The default (mynetworks_style = host) lists the host's own addresses.
          if !setting.isExplicit && network.isSingleHost { continue }
          if network.prefixLength == 0 {
            everyone.append(word)
          } else if let range = network.privateRange {
            beyondLoopback.append(word)
            if network.prefixLength <= range.prefixLength { wholePrivate.append(word) }
          } else {
            let limit = network.address.family == .inet4 ? 24 : 48
            if network.prefixLength < limit { widePublic.append(word) }
            beyondLoopback.append(word)
          }
        }
      }
      for reason in invalid {
        findings.append(
          context.finding(id, .error, "mynetworks: \(reason)", setting: setting, fix: fix))
      }
      if !everyone.isEmpty {
        findings.append(
          context.finding(
            id, .error, "mynetworks trusts every address (\(everyone.joined(separator: " ")))",
            setting: setting, fix: fix))
      }
      if !widePublic.isEmpty {
        findings.append(
          context.finding(
            id, .error,
            "mynetworks trusts public ranges wider than /24 (\(widePublic.joined(separator: " ")))",
            setting: setting, fix: fix))
      }
      if everyone.isEmpty, widePublic.isEmpty, !beyondLoopback.isEmpty,
        role == .sendOnly || role == .mx
      {
        findings.append(
          context.finding(
            id, .warning,
            "mynetworks trusts more than loopback on a \(role.rawValue) host (\(beyondLoopback.joined(separator: " ")))",
            setting: setting, fix: fix))
      }
      if role == .relay, !wholePrivate.isEmpty {
        findings.append(
          context.finding(
            id, .info,
            "mynetworks trusts whole private ranges (\(wholePrivate.joined(separator: " "))); list the client subnets",
            setting: setting, fix: fix))
      }
    }
    return findings
  }
}
